"""What a verified gateway event does to an order, as a pure function: no I/O, unit-tested without an emulator."""
from __future__ import annotations

from ..store.records import Order, OrderChange, PaymentRecord
from .gateway import PaymentEvent


def event_record(event: PaymentEvent, order_id: str, now: str) -> PaymentRecord:
    """The once-only record of this event (`<provider>#<event id>`), written with whatever the event changes."""
    return PaymentRecord(key=f"{event.provider}#{event.event_id}", order_id=order_id, outcome=event.outcome,
                         amount=event.amount, currency=event.currency, created_at=now)


def decide(order: Order, event: PaymentEvent, now: str) -> tuple[OrderChange, str]:
    """The change one succeeded or failed event makes, and its name for logs and metrics.

    - failure while unpaid: `last_payment_error`; failure later: nothing but the record;
    - success with another amount or currency: unpaid and flagged for review;
    - success while unpaid: paid; after expiry: paid, re-reserving the stock;
    - success on an order already paid, cancelled or beyond: flagged for a person.
    """
    record = event_record(event, order.order_id, now)
    if event.outcome == "failed":
        if order.status == "pending_payment":
            return OrderChange(order, {"last_payment_error": event.error or "payment failed"}, once=[record]), "failed"
        return OrderChange(order, once=[record]), "no_change"
    if event.amount != order.charge_amount or event.currency != order.charge_currency:
        return OrderChange(order, {"needs_review": True, "review_reason": "amount_or_currency_mismatch"},
                           once=[record]), "mismatch"
    paid_record = PaymentRecord(key=f"paid#{order.order_id}", order_id=order.order_id, outcome="succeeded",
                                amount=event.amount, currency=event.currency, created_at=now)
    paid = {"status": "paid", "paid_at": now, "last_payment_error": None}
    if event.payment_ref:
        paid["payment_ref"] = event.payment_ref  # what a refund of this payment names at the gateway
    if order.status == "pending_payment":
        return OrderChange(order, paid, once=[record, paid_record]), "paid"
    if order.status == "expired":
        reserve = [((line["listing_id"], line.get("variant_id")), int(line["quantity"])) for line in order.lines]
        return OrderChange(order, paid, reserve=reserve, once=[record, paid_record]), "paid"
    return OrderChange(order, {"needs_review": True, "review_reason": f"payment_while_{order.status}"},
                       once=[record]), "needs_review"


def flag_paid_without_stock(order: Order, event: PaymentEvent, now: str) -> OrderChange:
    """Paid after expiry but the stock is gone: keep the money on record for a person to resolve."""
    return OrderChange(order, {"needs_review": True, "review_reason": "paid_after_expiry_no_stock"},
                       once=[event_record(event, order.order_id, now)])
