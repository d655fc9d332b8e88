"""One JSON exchange with a gateway over HTTPS, for every outbound call (refunds, inquiries).

Whatever leaves the outcome unknown (a timeout, a dropped connection, a 5xx, an
answer that is not JSON) is a GatewayUnreachableError; a 4xx with a readable
answer is the gateway's own answer, returned with its status.
"""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any


class GatewayUnreachableError(Exception):
    """The call's outcome is unknown: ask the gateway before calling it again."""


def exchange(request: urllib.request.Request, timeout: float) -> tuple[int, Any]:
    """The gateway's status and decoded JSON answer to `request`."""
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return int(answer.status), json.loads(answer.read())
    except urllib.error.HTTPError as error:
        if error.code >= 500:
            raise GatewayUnreachableError(f"HTTP {error.code}") from None
        try:
            return error.code, json.loads(error.read())
        except ValueError:
            raise GatewayUnreachableError(f"HTTP {error.code} without a readable answer") from None
    except (OSError, ValueError) as error:  # URLError, timeouts and dropped connections are OSErrors
        raise GatewayUnreachableError(type(error).__name__) from None
