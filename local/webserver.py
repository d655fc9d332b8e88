"""The static storefront and dashboard (`web/`), the sandbox gateway under /sandbox/, the outbox at /dev/outbox.

Text is always served with `charset=utf-8`: without it browsers guess, and
Urdu arrives as mojibake. On AWS the same files come from a bucket behind a CDN.
"""

from __future__ import annotations

import importlib
import json
import mimetypes
import os
from pathlib import Path
from typing import Any

from werkzeug.exceptions import NotFound
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.security import safe_join
from werkzeug.serving import WSGIRequestHandler
from werkzeug.utils import send_file
from werkzeug.wrappers import Request, Response

from local.serving import ServedApp

WEB_ROOT = Path(__file__).resolve().parent.parent / "web"

_TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".webp": "image/webp",
}
_TEXT_TYPES = ("application/json", "application/manifest+json", "image/svg+xml")


def content_type(path: Path) -> str:
    """The Content-Type for a file, with `charset=utf-8` on every textual type."""
    kind = (
        _TYPES.get(path.suffix.lower())
        or mimetypes.guess_type(path.name)[0]
        or "application/octet-stream"
    )
    if kind.startswith("text/") or kind in _TEXT_TYPES:
        return f"{kind}; charset=utf-8"
    return kind


class StaticFiles:
    """Serves a directory; `/` and other directories answer with their index.html."""

    def __init__(self, root: Path) -> None:
        self._root = root

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        response = self._respond(request)
        return response(environ, start_response)

    def _respond(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return Response("method not allowed", status=405, mimetype="text/plain")
        joined = safe_join(str(self._root), request.path.lstrip("/"))
        if joined is None:
            return NotFound().get_response()
        path = Path(joined)
        if path.is_dir():
            path = path / "index.html"
        if not path.is_file():
            return NotFound().get_response()
        response = send_file(path, request.environ, conditional=True, max_age=0)
        response.headers["Content-Type"] = content_type(path)
        return response


def env_json(environ: dict[str, Any], start_response: Any) -> Any:
    """`/env.json`: where the pages find the API (`API_BASE_URL`, read per request).

    On AWS the storefront bucket holds an env.json written at deploy time; locally
    the API's port varies (tests use free ports), so the stack answers it here.
    """
    body = json.dumps({"api_url": os.environ.get("API_BASE_URL", "").rstrip("/") or None})
    response = Response(body, content_type="application/json; charset=utf-8",
                        headers={"Cache-Control": "no-store"})
    return response(environ, start_response)


class _Handler(WSGIRequestHandler):
    """No log line per request, and no Nagle delay on kept-alive connections."""

    disable_nagle_algorithm = True

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


class WebServer(ServedApp):
    """web/ on host:port, with the sandbox gateway under /sandbox/ and the emulator's outbox under /dev/."""

    def __init__(self, host: str, port: int, root: Path = WEB_ROOT) -> None:
        super().__init__(host, port, name="web")
        self._root = root

    def start(self) -> None:
        sandbox = importlib.import_module("local.sandbox").application
        outbox = importlib.import_module("local.outbox").application
        self.serve(DispatcherMiddleware(StaticFiles(self._root), {"/sandbox": sandbox, "/env.json": env_json,
                                                                  "/dev": outbox}), _Handler)
