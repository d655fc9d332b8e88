"""What a verified gateway event does to an order, on plain values: no emulator, no app."""
from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.payments import rules
from chalicelib.payments.gateway import PaymentEvent
from chalicelib.store.records import Order, PaymentRecord

NOW = "2026-11-28T10:00:00.000000Z"


def order(**changes: object) -> Order:
    base = Order(order_id="O1", buyer_id="B1", status="pending_payment",
                 lines=[{"listing_id": "L1", "artisan_id": "A1", "quantity": 2, "line_total": 500000}],
                 subtotal=500000, shipping=25000, total=525000, charge_amount=1875, charge_currency="USD",
                 fx_rate="0.003571", payment_method="card", shipping_address={"country": "GB"}, created_at=NOW,
                 updated_at=NOW)
    return replace(base, **changes)  # type: ignore[arg-type]


def event(outcome: str = "succeeded", *, amount: int = 1875, currency: str = "USD") -> PaymentEvent:
    return PaymentEvent(provider="card", event_id="evt_1", order_ref="O1", outcome=outcome,  # type: ignore[arg-type]
                        amount=amount, currency=currency, error="card declined" if outcome == "failed" else None)


EVENT_RECORD = PaymentRecord("card#evt_1", "O1", "succeeded", 1875, "USD", NOW)
PAID_RECORD = PaymentRecord("paid#O1", "O1", "succeeded", 1875, "USD", NOW)


def test_the_exact_charge_pays_an_unpaid_order_once() -> None:
    change, outcome = rules.decide(order(), event(), NOW)
    assert outcome == "paid"
    assert change.updates == {"status": "paid", "paid_at": NOW, "last_payment_error": None}
    # Both records are written once: the event, and the fact that the order is paid (a second event cannot pay).
    assert change.once == [EVENT_RECORD, PAID_RECORD] and change.reserve == []


@pytest.mark.parametrize(("amount", "currency"), [(1874, "USD"), (1875, "GBP"), (187500, "PKR")])
def test_another_amount_or_currency_leaves_it_unpaid_and_flagged(amount: int, currency: str) -> None:
    change, outcome = rules.decide(order(), event(amount=amount, currency=currency), NOW)
    assert outcome == "mismatch"
    assert change.updates == {"needs_review": True, "review_reason": "amount_or_currency_mismatch"}


def test_a_failure_is_noted_while_unpaid_and_ignored_after_success() -> None:
    change, outcome = rules.decide(order(), event("failed"), NOW)
    assert (outcome, change.updates) == ("failed", {"last_payment_error": "card declined"})
    later, outcome = rules.decide(order(status="paid"), event("failed"), NOW)
    assert (outcome, later.updates) == ("no_change", {})
    assert [record.key for record in later.once] == ["card#evt_1"]


def test_success_after_expiry_re_reserves_the_stock() -> None:
    change, outcome = rules.decide(order(status="expired"), event(), NOW)
    assert outcome == "paid" and change.reserve == [(("L1", None), 2)] and change.updates["status"] == "paid"


@pytest.mark.parametrize("status", ["paid", "cancelled", "shipped", "delivered"])
def test_money_for_an_order_past_payment_goes_to_a_person(status: str) -> None:
    change, outcome = rules.decide(order(status=status), event(), NOW)
    assert outcome == "needs_review"
    assert change.updates == {"needs_review": True, "review_reason": f"payment_while_{status}"}


def test_paid_after_expiry_without_stock_is_flagged_with_the_event_recorded() -> None:
    change = rules.flag_paid_without_stock(order(status="expired"), event(), NOW)
    assert change.updates == {"needs_review": True, "review_reason": "paid_after_expiry_no_stock"}
    assert change.once == [EVENT_RECORD]
