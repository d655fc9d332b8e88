"""The sandbox payment gateway page (dev only, never shipped), mounted under /sandbox/ by the local web server."""
from __future__ import annotations

from werkzeug.wrappers import Request, Response


@Request.application
def application(request: Request) -> Response:
    """Placeholder until the gateway pages land: answers 404 for every path."""
    return Response("not found", status=404, mimetype="text/plain")
