"""One Query per page: the only way lists are read."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pynamodb.exceptions import QueryError

from ..errors import BadCursorError
from ..wiring import get_settings
from .cursors import decode_cursor, encode_cursor

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def query_page(source: Any, hash_key: Any, *, convert: Callable[[Any], T], query_id: str, limit: int,
               cursor: str | None, newest_first: bool = True, range_key_condition: Any = None) -> Page[T]:
    """Read at most `limit` rows from a model or index as plain values; the cursor is bound to `query_id`."""
    secret = get_settings().cursor_secret
    start = decode_cursor(cursor, query=query_id, secret=secret)
    results = source.query(
        hash_key,
        range_key_condition=range_key_condition,
        scan_index_forward=not newest_first,
        limit=limit,
        last_evaluated_key=start,
    )
    try:
        items = [convert(row) for row in results]
    except QueryError as error:
        if error.cause_response_code == "ValidationException" and start is not None:
            raise BadCursorError() from None
        raise
    return Page(items=items, next_cursor=encode_cursor(results.last_evaluated_key, query=query_id, secret=secret))
