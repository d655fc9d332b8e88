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

from ..errors import InvalidStateError, NotFoundError, ValidationError
from ..ids import parse_rfc3339, rfc3339
from ..store.records import AuditEntry, Order, OrderChange, ReturnRecord, StockKey

REQUESTED = "requested"
DECISIONS = ("approved", "rejected")


def _key(item: Mapping[str, Any]) -> StockKey:
    """A line (or a returned item) by its listing and variant: one order may hold several variants of a listing."""
    return item["listing_id"], item.get("variant_id")


def _named(key: StockKey) -> dict[str, str]:
    return {"listing_id": key[0]} if key[1] is None else {"listing_id": key[0], "variant_id": key[1]}


def _units(order: Order, status: str) -> dict[StockKey, int]:
    units: dict[StockKey, int] = {}
    for entry in order.returns:
        if entry["status"] == status:
            for item in entry["items"]:
                units[_key(item)] = units.get(_key(item), 0) + int(item["quantity"])
    return units


def returnable(order: Order) -> dict[StockKey, int]:
    """Units of each line that may still be asked back: delivered, less those waiting in a return and those
    refunded. An approved return's units count until its refund is recorded, then as refunded (not twice)."""
    waiting, approved = _units(order, REQUESTED), _units(order, "approved")
    units: dict[StockKey, int] = {}
    for line in order.lines:
        key = _key(line)
        gone = max(approved.get(key, 0), int(line.get("refunded", 0)))
        units[key] = max(0, int(line["quantity"]) - waiting.get(key, 0) - gone)
    return units


def _variant_mismatch(order: Order, items: Mapping[StockKey, int]) -> ValidationError | None:
    """A variant named for a line that has none (or no such line), or none named for a listing sold in variants."""
    lines = {_key(line) for line in order.lines}
    varied = {listing_id for listing_id, variant_id in lines if variant_id is not None}
    details = [{"field": f"items[{number}].variant_id",
                "message": "not a variant line of this order" if variant_id is not None
                else "required: this listing was bought in variants"}
               for number, (listing_id, variant_id) in enumerate(items)
               if (variant_id is not None and (listing_id, variant_id) not in lines)
               or (variant_id is None and listing_id in varied)]
    return ValidationError("Name each line's variant exactly as it was bought.", details=details) if details else None


def window_ends(order: Order, return_days: int) -> str | None:
    if order.delivered_at is None:
        return None
    ends = parse_rfc3339(order.delivered_at) + timedelta(days=return_days)
    return rfc3339(ends)


def _summary(record: ReturnRecord) -> dict[str, Any]:
    return {"return_id": record.return_id, "status": record.status, "items": record.items,
            "created_at": record.created_at}


def request(order: Order | None, *, buyer_id: str, items: Mapping[StockKey, int], reason: str, return_id: str,
            return_days: int, now: str) -> OrderChange:
    """The buyer asks to return `items` ((listing_id, variant_id) -> units) of their delivered order within the
    window."""
    if order is None or order.buyer_id != buyer_id:
        raise NotFoundError()
    ends = window_ends(order, return_days)
    if ends is None:
        raise InvalidStateError("Only a delivered order can be returned.")
    if now > ends:
        raise InvalidStateError(f"Returns are accepted within {return_days} days of delivery; that was {ends}.")
    mismatch = _variant_mismatch(order, items)
    if mismatch is not None:
        raise mismatch
    available = returnable(order)
    over = [{**_named(key), "available": available.get(key, 0)}
            for key, quantity in items.items() if quantity > available.get(key, 0)]
    if over:
        raise InvalidStateError("That is more than was delivered and not yet returned or refunded.", details=over)
    record = ReturnRecord(return_id=return_id, order_id=order.order_id, buyer_id=buyer_id,
                          items=[{**_named(key), "quantity": quantity} for key, quantity in items.items()],
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
