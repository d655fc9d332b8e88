"""Tamper-proof pagination cursors.

A cursor is DynamoDB's LastEvaluatedKey plus the query it belongs to, as
base64url JSON with an HMAC-SHA256 tag. A client can neither forge a position
nor reuse a cursor with another query: both are a 400 `BAD_CURSOR`.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

from ..errors import BadCursorError

_TAG_BYTES = 16


def encode_cursor(last_key: dict[str, Any] | None, *, query: str, secret: bytes) -> str | None:
    if not last_key:
        return None
    payload = json.dumps({"q": query, "k": last_key}, separators=(",", ":"), sort_keys=True).encode()
    tag = hmac.new(secret, payload, hashlib.sha256).digest()[:_TAG_BYTES]
    return _b64(payload) + "." + _b64(tag)


def decode_cursor(cursor: str | None, *, query: str, secret: bytes) -> dict[str, Any] | None:
    if cursor is None:
        return None
    try:
        payload_part, tag_part = cursor.split(".")
        payload, tag = _unb64(payload_part), _unb64(tag_part)
    except (ValueError, binascii.Error):
        raise BadCursorError() from None
    expected = hmac.new(secret, payload, hashlib.sha256).digest()[:_TAG_BYTES]
    if not hmac.compare_digest(tag, expected):
        raise BadCursorError()
    decoded = json.loads(payload)
    if decoded.get("q") != query or not isinstance(decoded.get("k"), dict):
        raise BadCursorError()
    return decoded["k"]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    if not text or len(text) > 4096:
        raise ValueError("bad cursor part")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
