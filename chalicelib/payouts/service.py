"""An artisan's payout balance and ledger."""
from __future__ import annotations

from typing import Any

from ..auth import Identity
from ..money import money
from ..store import orders as store


def payouts(*, identity: Identity, limit: int, cursor: str | None) -> dict[str, Any]:
    identity.require("artisans")
    page = store.payout_entries(identity.user_id, limit=limit, cursor=cursor)
    return {
        "balance": money(store.payout_balance(identity.user_id), "PKR"),
        "entries": [{"order_id": entry.order_id, "kind": entry.kind, "amount": money(entry.amount, "PKR"),
                     "created_at": entry.created_at} for entry in page.items],
        "next_cursor": page.next_cursor,
    }
