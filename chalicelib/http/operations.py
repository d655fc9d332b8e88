"""An operation: what a route takes and answers, declared once beside its handler in `app.py`.

The route decorator registers each operation here; the OpenAPI document is
built from this registry, request bodies and query strings are parsed with
the operation's schemas, and every successful answer is shaped by its response
schema, so the document cannot drift from what is sent.

Schemas are named as "<feature>:<Class>" (the class in `chalicelib/<feature>/schemas.py`)
and resolved on first use: pydantic loads on the first request that needs it,
not when the API function starts.
"""
from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import BaseModel


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    tag: str
    status: int = 200
    response: str | None = None
    request: str | None = None
    query: str | None = None
    auth: bool = False
    errors: tuple[int, ...] = ()
    headers: tuple[tuple[str, bool, str], ...] = ()  # (name, required, description)
    response_headers: tuple[str, ...] = ()
    form: bool = False
    media_type: str | None = None  # a success body that is not JSON (text/csv): the handler's Reply carries its text
    other_statuses: dict[int, str | None] = field(default_factory=dict)  # status -> response schema (None: no body)

    @property
    def operation_id(self) -> str:
        """`GET /listings/{listing_id}` -> `get_listings_listing_id`."""
        path = re.sub(r"[^A-Za-z0-9]+", "_", self.path.replace("{", "").replace("}", "")).rstrip("_")
        return self.method.lower() + path

    def response_schema(self, status: int) -> str | None:
        return self.response if status == self.status else self.other_statuses.get(status)


REGISTRY: list[Operation] = []


def register(operation: Operation) -> Operation:
    if any((op.method, op.path) == (operation.method, operation.path) for op in REGISTRY):
        raise ValueError(f"{operation.method} {operation.path} is declared twice")
    REGISTRY.append(operation)
    return operation


@cache
def schema(name: str) -> type[BaseModel]:
    """"catalog:ListingPublic" -> chalicelib.catalog.schemas.ListingPublic."""
    feature, _, cls = name.partition(":")
    model: type[BaseModel] = getattr(importlib.import_module(f"chalicelib.{feature}.schemas"), cls)
    return model


def shape(operation: Operation, status: int, body: Any) -> Any:
    """The body as the operation's response schema for `status` shapes it (unknown or missing fields fail here)."""
    name = operation.response_schema(status)
    if name is None:
        return body
    return schema(name).model_validate(body).model_dump(mode="json", exclude_unset=True)
