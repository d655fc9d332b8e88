"""What a card dispute does to an order and to its artisans' ledgers, as pure functions (no I/O).

While a dispute is open the artisans' credit for the order is held: a
`dispute_hold` entry debits what delivery credited each of them, written with the
dispute if the order was delivered already, or with the delivery credit itself if
it is delivered later. A dispute the merchant wins releases the hold
(`dispute_release`); a lost one keeps it: the money went back to the cardholder.
Each event is applied once: a once-record per dispute and transition
(`card#dispute#<id>#created|closed`), written in the same transaction.
"""
from __future__ import annotations

from typing import Any

from ..store.records import Order, OrderChange, PaymentRecord, PayoutEntry
from .events import DisputeEvent

OPEN, WON, LOST = "open", "won", "lost"
REVIEW_REASON = "card_dispute"


def credited(order: Order) -> bool:
    """Delivery has credited the artisans (cash goes to them only on delivery)."""
    return order.delivered_at is not None or order.status == "delivered"


def _record(event: DisputeEvent, transition: str, now: str) -> PaymentRecord:
    return PaymentRecord(key=f"card#dispute#{event.dispute_id}#{transition}", order_id=event.order_id,
                         outcome=f"dispute_{transition}", amount=event.amount, currency=event.currency,
                         created_at=now)


def _entries(held: dict[str, int], *, order_id: str, dispute_id: str, kind: str, sign: int,
             now: str) -> list[PayoutEntry]:
    return [PayoutEntry(artisan_id=artisan_id, order_id=order_id, amount=sign * amount, created_at=now, kind=kind,
                        ref=dispute_id) for artisan_id, amount in sorted(held.items()) if amount]


def _hold(held: dict[str, int], order_id: str, dispute_id: str, now: str) -> tuple[list[PayoutEntry], dict[str, int]]:
    entries = _entries(held, order_id=order_id, dispute_id=dispute_id, kind="dispute_hold", sign=-1, now=now)
    return entries, {entry.artisan_id: entry.amount for entry in entries}


def apply(order: Order, event: DisputeEvent, *, credits: dict[str, int], now: str) -> tuple[OrderChange | None, str]:
    """The change one dispute event makes (None: nothing left to do) and its name for logs.

    `credits` is what delivery credits (or credited) each artisan for the order. A `closed` event that
    arrives before its `created` applies both, so the late `created` finds its once-record and does nothing.
    """
    current = order.dispute if order.dispute and order.dispute.get("dispute_id") == event.dispute_id else None
    if event.kind == "created":
        if current is not None:
            return None, "duplicate"
        if order.disputed:
            return OrderChange(order, {"needs_review": True}, once=[_record(event, "created", now)]), "second_dispute"
        return _open(order, event, credits=credits, now=now), "dispute_opened"
    if current is not None and current["status"] != OPEN:
        return None, "duplicate"
    once: list[PaymentRecord | PayoutEntry] = [_record(event, "closed", now)]
    ledger: dict[str, int] = {}
    if current is None:
        # The close came first: open it now (its hold included) so that both transitions are on record.
        opening = _open(order, event, credits=credits, now=now)
        current, once, ledger = opening.updates["dispute"], [*opening.once, *once], dict(opening.payout_credits)
    held: dict[str, int] = dict(current["held"])
    if event.won:
        release = _entries(held, order_id=order.order_id, dispute_id=event.dispute_id, kind="dispute_release",
                           sign=1, now=now)
        once.extend(release)
        for entry in release:
            ledger[entry.artisan_id] = ledger.get(entry.artisan_id, 0) + entry.amount
    outcome = WON if event.won else LOST
    dispute: dict[str, Any] = dict(current, status=outcome, closed_at=now, closing_status=event.status)
    if outcome == LOST:
        dispute["lost_amount"] = event.amount
    updates: dict[str, Any] = {"disputed": False, "dispute": dispute}
    if order.review_reason == REVIEW_REASON:
        # The gateway has settled what the review was for.
        updates.update(needs_review=False, review_reason=None)
    return OrderChange(order, updates, once=once, payout_credits={a: v for a, v in ledger.items() if v}), \
        f"dispute_{outcome}"


def _open(order: Order, event: DisputeEvent, *, credits: dict[str, int], now: str) -> OrderChange:
    held = {a: amount for a, amount in credits.items() if amount} if credited(order) else {}
    entries, debits = _hold(held, order.order_id, event.dispute_id, now)
    dispute = {"dispute_id": event.dispute_id, "status": OPEN, "amount": event.amount, "currency": event.currency,
               "reason": event.reason, "opened_at": now, "closed_at": None, "held": held}
    updates: dict[str, Any] = {"disputed": True, "dispute": dispute}
    if not order.needs_review:
        # Flagged for the dispute (its close clears it); an order already flagged keeps its own reason.
        updates.update(needs_review=True, review_reason=REVIEW_REASON)
    return OrderChange(order, updates, once=[_record(event, "created", now), *entries], payout_credits=debits)


def hold_at_delivery(order: Order, credits: dict[str, int], now: str) -> tuple[list[PayoutEntry], dict[str, int],
                                                                               dict[str, Any] | None]:
    """Delivered while a dispute is open or lost: the hold is written with the credit (entries, debits, dispute)."""
    dispute = order.dispute
    if dispute is None or dispute["status"] == WON or dispute["held"]:
        return [], {}, None
    held = {a: amount for a, amount in credits.items() if amount}
    entries, debits = _hold(held, order.order_id, dispute["dispute_id"], now)
    return entries, debits, dict(dispute, held=held)
