"""Turning raw request parts into validated models, or a 400/413 with field-level details."""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import parse_qsl

from ..errors import PayloadTooLargeError, PreconditionFailedError, ValidationError

MAX_BODY_BYTES = 256 * 1024
if TYPE_CHECKING:
    import pydantic

M = TypeVar("M", bound="pydantic.BaseModel")
_IF_MATCH = re.compile(r'^\s*(?:W/)?"?([0-9]{1,12})"?\s*$')


def field_path(location: tuple[Any, ...]) -> str:
    """pydantic's ("items", 0, "quantity") -> "items[0].quantity"."""
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _details(error: pydantic.ValidationError) -> list[dict[str, str]]:
    details = []
    for problem in error.errors(include_url=False, include_input=False):
        location = tuple(part for part in problem["loc"] if part not in ("function-after",))
        details.append({"field": field_path(location) or "body", "message": problem["msg"]})
    return details


def is_json(content_type: str | None) -> bool:
    """`application/json` (any parameters) or a `+json` type; absent counts as JSON, as API Gateway assumes."""
    if not content_type:
        return True
    media = content_type.split(";")[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def parse_body(raw: bytes | None, model: type[M], *, content_type: str | None = None) -> M:
    body = raw or b""
    if len(body) > MAX_BODY_BYTES:
        raise PayloadTooLargeError()
    if not is_json(content_type):
        raise ValidationError("The body must be JSON.", details=[
            {"field": "Content-Type", "message": "must be application/json"}])
    if not body.strip():
        raise ValidationError("A JSON body is required.", details=[{"field": "body", "message": "Field required"}])
    from pydantic import ValidationError as InvalidModelError  # loaded with the models, on first use

    try:
        return model.model_validate_json(body)
    except InvalidModelError as error:
        if any(problem["type"] == "json_invalid" for problem in error.errors()):
            raise ValidationError("The body is not valid JSON.",
                                  details=[{"field": "body", "message": "Invalid JSON"}]) from None
        raise ValidationError(details=_details(error)) from None


def parse_form(raw: bytes | None) -> dict[str, str]:
    """An `application/x-www-form-urlencoded` body; the last value of a repeated name wins."""
    body = raw or b""
    if len(body) > MAX_BODY_BYTES:
        raise PayloadTooLargeError()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError("The form body is not UTF-8.") from None
    return dict(parse_qsl(text, keep_blank_values=True))


def parse_query(params: Mapping[str, str] | None, model: type[M]) -> M:
    from pydantic import ValidationError as InvalidModelError

    try:
        return model.model_validate(dict(params or {}))
    except InvalidModelError as error:
        raise ValidationError("The query string is not valid.", details=_details(error)) from None


def parse_if_match(value: str | None) -> int | None:
    """`If-Match: "3"` (or 3, or W/"3") -> 3; absent -> None; `*` matches any version."""
    if value is None or value.strip() == "*":
        return None
    match = _IF_MATCH.match(value)
    if match is None:
        raise PreconditionFailedError("If-Match must be the listing's version, as in its ETag.")
    return int(match.group(1))
