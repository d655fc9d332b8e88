"""The local API's own answers, given before the app runs, in the contract's error shape.

API.md: "Every answer of the API, including those that API Gateway gives before any
function runs (unknown path -> 404 NOT_FOUND, unknown method -> 405), has this error
shape, on AWS and locally alike." Chalice's local server has its own answers there:
an unknown path gets 403 `{"message": "Missing Authentication Token"}`, a path's
undeclared method Chalice's 405 `{"Code": "MethodNotAllowedError", ...}`, and a
method its handler has no `do_<METHOD>` for (TRACE, CONNECT, anything else) Python's
HTML 501. The request handler of the local stack asks `Edge.refusal` first, for every
method, and sends the refusal with `send_refusal`; whatever it does not refuse goes
to Chalice as before.

A path is known when it matches a route template of the app (`/listings/{listing_id}`)
the way Chalice's local gateway matches it, so both always agree on which route a
request is for. OPTIONS on a known path is left to Chalice, which answers CORS
preflights for every route, and so is any method the app routes itself.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

from chalice.local import RouteMatcher

JSON = "application/json; charset=utf-8"
# A refused request's body is read and dropped so the kept-alive connection stays in
# step; past this size (or chunked) the connection is closed instead.
DRAIN_LIMIT_BYTES = 1024 * 1024
# Chalice's local gateway answers CORS preflights on every route itself.
ALWAYS_ROUTED = ("OPTIONS",)


@dataclass(frozen=True)
class Refusal:
    """An answer in the contract's error shape: status, headers (CORS, Allow) and body."""

    status: int
    headers: dict[str, str]
    body: bytes


def error_body(code: str, message: str) -> bytes:
    return json.dumps({"error": {"code": code, "message": message}}, separators=(",", ":")).encode()


class Edge:
    """Which requests the app's routes cannot serve, from the Chalice app's `routes` table.

    `declared` (path template -> methods) names the methods a path really takes, for
    its Allow header: the app may route more methods to a view of its own that refuses
    them (API Gateway cannot tell an undeclared method from an unknown path, so the
    app answers those 405s itself). Without it, every routed method counts.
    """

    def __init__(
        self,
        routes: Mapping[str, Mapping[str, Any]],
        declared: Mapping[str, Collection[str]] | None = None,
    ) -> None:
        # routes: path template -> {method: RouteEntry}, as `Chalice.routes`.
        self._routes = routes
        self._declared = declared or {}
        self._matcher = RouteMatcher(list(routes))
        self._any_cors = next(
            (entry.cors for methods in routes.values() for entry in methods.values() if entry.cors is not None),
            None,
        )

    def allowed(self, template: str) -> list[str]:
        """The methods the path template takes, sorted (as the app's own 405 lists them)."""
        return sorted(self._declared.get(template) or self._routes[template])

    def refusal(self, method: str, target: str) -> Refusal | None:
        """The answer for a path no route matches (404) or a method no route of it takes (405); else None."""
        template = self._template(target)
        if template is None:
            return Refusal(404, self._cors_headers(self._any_cors), error_body("NOT_FOUND", "There is no such path."))
        routed = self._routes[template]
        if method in routed or method in ALWAYS_ROUTED:
            return None
        allow = ", ".join(self.allowed(template))
        cors = next((entry.cors for entry in routed.values() if entry.cors is not None), None)
        return Refusal(
            405,
            {**self._cors_headers(cors), "Allow": allow},
            error_body("METHOD_NOT_ALLOWED", f"This path takes {allow}."),
        )

    def _template(self, target: str) -> str | None:
        try:
            return str(self._matcher.match_route(target).route)
        except ValueError:  # no route matches (or the target is not a URL at all)
            return None

    @staticmethod
    def _cors_headers(cors: Any) -> dict[str, str]:
        """The CORS headers the app adds to its own answers (so a browser can read this one too)."""
        return dict(cors.get_access_control_headers()) if cors is not None else {}


def send_refusal(handler: BaseHTTPRequestHandler, refusal: Refusal) -> None:
    """Answer the handler's request with `refusal` (no body for HEAD), keeping the connection usable."""
    _drain_body(handler)
    handler.send_response(refusal.status)
    handler.send_header("Content-Type", JSON)
    handler.send_header("Content-Length", str(len(refusal.body)))
    for name, value in refusal.headers.items():
        handler.send_header(name, value)
    if handler.close_connection:
        handler.send_header("Connection", "close")
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(refusal.body)
    handler.wfile.flush()


def _drain_body(handler: BaseHTTPRequestHandler) -> None:
    """Read and drop the request's body, or mark the connection to close when that is not sensible."""
    if handler.headers.get("Transfer-Encoding"):
        handler.close_connection = True
        return
    declared = handler.headers.get("Content-Length", "0").strip()
    if not declared.isdigit() or int(declared) > DRAIN_LIMIT_BYTES:
        handler.close_connection = True
        return
    remaining = int(declared)
    while remaining:
        chunk = handler.rfile.read(min(remaining, 64 * 1024))
        if not chunk:
            handler.close_connection = True
            return
        remaining -= len(chunk)
