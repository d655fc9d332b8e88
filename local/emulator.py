"""moto's server as local AWS, with DynamoDB requests serialised.

moto 5.2.5's DynamoDB backend is not safe under concurrent requests (lost
updates, oversold stock, "dictionary changed size during iteration"), while
real DynamoDB serialises writes to an item. Running every DynamoDB request
under one lock restores the guarantees the application relies on; the other
services stay concurrent (SQS long polls must not block each other).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)

from local.serving import ServedApp

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class QuietRequestHandler(MotoRequestHandler):
    """moto's request handler without a log line per request (errors are still logged)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


class SerialisedDynamoDb:
    """WSGI middleware: one DynamoDB request at a time, everything else passes through."""

    def __init__(self, app: WsgiApp) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
            return self._app(environ, start_response)
        with self._lock:
            response = self._app(environ, start_response)
            try:
                # Drain the body inside the lock: the backend may build it lazily.
                return [b"".join(response)]
            finally:
                close = getattr(response, "close", None)
                if close is not None:
                    close()


class LocalAws(ServedApp):
    """The emulator on host:port, served by werkzeug in a background thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 4566) -> None:
        super().__init__(host, port, name="local-aws")

    @property
    def endpoint_url(self) -> str:
        return self.url

    def start(self) -> None:
        self.serve(SerialisedDynamoDb(DomainDispatcherApplication(create_backend_app)), QuietRequestHandler)
