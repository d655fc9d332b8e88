"""A WSGI app served by werkzeug in a background thread, as moto's ThreadedMotoServer serves it."""
from __future__ import annotations

import threading
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


class ServedApp:
    """`app` on host:port (0: a free port, read back after start) until stop()."""

    def __init__(self, host: str, port: int, *, name: str) -> None:
        self.host = host
        self.port = port
        self._name = name
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def serve(self, app: Any, handler: type[WSGIRequestHandler]) -> None:
        self._server = make_server(self.host, self.port, app, threaded=True, request_handler=handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name=self._name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = None
        self._thread = None
