"""Return requests (buyers) and decisions (ops).

A request and a decision are each one order change (store.orders.commit_change),
so the returns queue, the order's view and the return item move together. An
approval then refunds the units through refunds.service.refund_order with the
idempotency key `return#<return_id>`: the decision is durable first, and the
refund happens once however often it is attempted. Posting the same decision
again answers as before and completes a refund that a failure interrupted.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..audit.service import audit_entry
from ..auth import Identity
from ..errors import NotFoundError
from ..ids import new_id, rfc3339, utc_now
from ..optimistic import read_decide_write
from ..orders.service import change_order
from ..refunds import service as refunds
from ..store import orders as store
from ..store import returns as return_store
from ..store.records import Order, OrderChange, ReturnRecord
from ..wiring import get_settings
from . import rules
from .documents import return_document

if TYPE_CHECKING:
    from .schemas import ReturnCreate


def request_return(*, identity: Identity, order_id: str, request: ReturnCreate) -> dict[str, Any]:
    """The buyer asks to return units of their delivered order; it joins the ops returns queue."""
    items = {(item.listing_id, item.variant_id): item.quantity for item in request.items}
    return_id = new_id("RT")
    days = get_settings().return_days
    made: list[ReturnRecord] = []

    def decide(order: Order | None, now: str) -> OrderChange:
        change = rules.request(order, buyer_id=identity.user_id, items=items, reason=request.reason,
                               return_id=return_id, return_days=days, now=now)
        made[:] = [change.return_record] if change.return_record else []
        return change

    change_order(order_id, decide)
    return return_document(made[0])


def decide_return(*, identity: Identity, return_id: str, decision: str, note: str | None) -> dict[str, Any]:
    """Ops approve (and refund) or reject a waiting return; the same decision again is answered as before."""
    identity.require("ops")
    first = return_store.get_return(return_id)
    if first is None:
        raise NotFoundError()
    if not rules.replayed(first, decision):
        _decide(identity, first, decision, note)
    record = return_store.get_return(return_id)
    assert record is not None, "a return is never deleted"
    if record.status != "approved" or record.refund_id is not None:
        return return_document(record)
    refund = refunds.refund_order(identity=identity, order_id=record.order_id, items=record.items,
                                  reason=f"Return {return_id}: {record.reason}", key=f"return#{return_id}")
    return_store.link_refund(return_id, refund["refund_id"])
    return return_document(record, refund["refund_id"])


def _decide(identity: Identity, first: ReturnRecord, decision: str, note: str | None) -> None:
    def read() -> tuple[Order | None, ReturnRecord | None]:
        return store.get_order(first.order_id), return_store.get_return(first.return_id)

    def decide(state: tuple[Order | None, ReturnRecord | None]) -> tuple[OrderChange, str] | None:
        order, record = state
        if record is not None and rules.replayed(record, decision):
            return None  # the same decision landed meanwhile (a concurrent retry)
        now = rfc3339(utc_now())
        audit = audit_entry(identity, f"return.{decision}", first.order_id, at=now,
                            details={"return_id": first.return_id, "note": note})
        return rules.decide(order, record, decision=decision, note=note, actor_id=identity.user_id, audit=audit,
                            now=now), now

    def write(_: Any, decided: tuple[OrderChange, str] | None) -> None:
        if decided is not None:
            store.commit_change(decided[0], now=decided[1])

    read_decide_write(read, decide, write, what="return")
