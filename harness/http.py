"""Calling the app through `chalice.test.Client`, as API Gateway would, and reading its answers."""
from __future__ import annotations

import json
from typing import Any

from .aws import User


def call(client: Any, method: str, path: str, user: User | None = None, body: Any = None,
         headers: dict[str, str] | None = None, raw: bytes | str | None = None) -> Any:
    """One request: `body` is sent as JSON unless `raw` is given; `user` signs it with their ID token."""
    all_headers = {"Content-Type": "application/json", **(user.auth if user else {}), **(headers or {})}
    payload = raw if raw is not None else (json.dumps(body) if body is not None else None)
    return getattr(client.http, method.lower())(path, headers=all_headers, body=payload)


def body_of(response: Any) -> Any:
    """The decoded JSON body, or None when there is none."""
    return json.loads(response.body) if response.body else None


def code_of(response: Any) -> str:
    """The `error.code` of an error response."""
    return str(body_of(response)["error"]["code"])
