"""The ops queues: orders waiting for a person (needs review, an open dispute, a return to decide)."""
from __future__ import annotations

from typing import Any

from ..auth import Identity
from ..store import orders as store
from .documents import order_document


def ops_queue(*, identity: Identity, queue: str, limit: int, cursor: str | None) -> dict[str, Any]:
    """One queue, longest waiting first: one Query on its sparse index (store.orders.queue_keys keeps it)."""
    identity.require("ops")
    page = store.queue_page(queue, limit=limit, cursor=cursor)
    return {"items": [order_document(order) for order in page.items], "next_cursor": page.next_cursor}
