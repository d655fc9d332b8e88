"""The decisions of returns, as pure functions of plain values (no I/O).

A request is an order change: it adds the request to the order's own list of
returns (so the next request sees its units taken), joins the returns queue
(`open_returns`) and writes the request item, all in the order's transaction,
conditional on the revision read: two racing requests cannot both take the
same units. A decision leaves the queue; a rejection gives the units back.
Approved units are not restocked: after delivery they go back to the artisan,
who decides whether to list them again.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any

from ..errors import InvalidStateError, NotFoundError
from ..ids import parse_rfc3339, rfc3339
from ..store.records import AuditEntry, Order, OrderChange, ReturnRecord

REQUESTED = "requested"
DECISIONS = ("approved", "rejected")


def _units(order: Order, status: str) -> dict[str, int]:
    units: dict[str, int] = {}
    for entry in order.returns:
        if entry["status"] == status:
            for item in entry["items"]:
                units[item["listing_id"]] = units.get(item["listing_id"], 0) + int(item["quantity"])
    return units


def returnable(order: Order) -> dict[str, int]:
    """Units of each listing that may still be asked back: delivered, less those waiting in a return and those
    refunded. An approved return's units count until its refund is recorded, then as refunded (not twice)."""
    waiting, approved = _units(order, REQUESTED), _units(order, "approved")
    units: dict[str, int] = {}
    for line in order.lines:
        listing_id = line["listing_id"]
        gone = max(approved.get(listing_id, 0), int(line.get("refunded", 0)))
        units[listing_id] = max(0, int(line["quantity"]) - waiting.get(listing_id, 0) - gone)
    return units


def window_ends(order: Order, return_days: int) -> str | None:
    if order.delivered_at is None:
        return None
    ends = parse_rfc3339(order.delivered_at) + timedelta(days=return_days)
    return rfc3339(ends)


def _summary(record: ReturnRecord) -> dict[str, Any]:
    return {"return_id": record.return_id, "status": record.status, "items": record.items,
            "created_at": record.created_at}


def request(order: Order | None, *, buyer_id: str, items: Mapping[str, int], reason: str, return_id: str,
            return_days: int, now: str) -> OrderChange:
    """The buyer asks to return `items` (listing_id -> units) of their delivered order within the window."""
    if order is None or order.buyer_id != buyer_id:
        raise NotFoundError()
    ends = window_ends(order, return_days)
    if ends is None:
        raise InvalidStateError("Only a delivered order can be returned.")
    if now > ends:
        raise InvalidStateError(f"Returns are accepted within {return_days} days of delivery; that was {ends}.")
    available = returnable(order)
    over = [{"listing_id": listing_id, "available": available.get(listing_id, 0)}
            for listing_id, quantity in items.items() if quantity > available.get(listing_id, 0)]
    if over:
        raise InvalidStateError("That is more than was delivered and not yet returned or refunded.", details=over)
    record = ReturnRecord(return_id=return_id, order_id=order.order_id, buyer_id=buyer_id,
                          items=[{"listing_id": lid, "quantity": quantity} for lid, quantity in items.items()],
                          reason=reason, status=REQUESTED, created_at=now)
    updates = {"open_returns": order.open_returns + 1, "returns": [*order.returns, _summary(record)]}
    return OrderChange(order, updates, return_record=record)


def decide(order: Order | None, record: ReturnRecord | None, *, decision: str, note: str | None, actor_id: str,
           audit: AuditEntry, now: str) -> OrderChange:
    """Ops decide a waiting request: it leaves the queue; a rejection gives its units back to the order."""
    if record is None or order is None or order.order_id != record.order_id:
        raise NotFoundError()
    if record.status != REQUESTED:
        raise InvalidStateError(f"This return was {record.status} already.")
    decided = replace(record, status=decision, decided_at=now, decided_by=actor_id, note=note)
    updates: dict[str, Any] = {
        "open_returns": max(0, order.open_returns - 1),
        "returns": [_summary(decided) if entry["return_id"] == record.return_id else entry
                    for entry in order.returns],
    }
    return OrderChange(order, updates, audit=audit, return_record=decided)


def replayed(record: ReturnRecord, decision: str) -> bool:
    """The same decision again (a retry): answered as before, and an approval's refund completed if it was not."""
    if record.status == REQUESTED:
        return False
    if record.status != decision:
        raise InvalidStateError(f"This return was {record.status} already.")
    return True
