"""Disputes on plain values: what each event holds, releases and records, with no emulator."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from chalicelib.disputes import events, rules
from chalicelib.orders import rules as order_rules
from chalicelib.payments.gateway import MalformedCallbackError
from chalicelib.store.records import Order, PayoutEntry

NOW = "2026-11-28T10:00:00.000000Z"
LATER = "2026-11-29T10:00:00.000000Z"
CREDITS = {"A1": 190000, "A2": 95000}


def _line(listing_id: str, artisan_id: str, total: int) -> dict[str, Any]:
    return {"listing_id": listing_id, "artisan_id": artisan_id, "title": "t", "quantity": 1, "unit_price": total,
            "line_total": total, "fulfilment": "shipped", "carrier": "tcs", "tracking_number": "T"}


def order(**changes: Any) -> Order:
    base = Order(order_id="O123456789ABCDEF", buyer_id="B1", status="delivered",
                 lines=[_line("L1", "A1", 200000), _line("L2", "A2", 100000)], subtotal=300000, shipping=0,
                 total=300000, charge_amount=300000, charge_currency="PKR", fx_rate="1", payment_method="card",
                 shipping_address={"country": "PK"}, created_at=NOW, updated_at=NOW, delivered_at=NOW)
    return replace(base, **changes)


def event(kind: str = "created", status: str = "needs_response", **object_changes: Any) -> dict[str, Any]:
    dispute = {"id": "dp_1", "payment_intent": "pi_O123456789ABCDEF_1", "status": status, "amount": 300000,
               "currency": "pkr", "reason": "fraudulent", **object_changes}
    return {"id": "evt_1", "type": f"charge.dispute.{kind}", "data": {"object": dispute}}


def parsed(kind: str = "created", status: str = "needs_response") -> events.DisputeEvent:
    return events.parse(event(kind, status))


def kinds(entries: list[Any]) -> list[tuple[str, str, int]]:
    return sorted((e.kind, e.artisan_id, e.amount) for e in entries if isinstance(e, PayoutEntry))


def test_the_order_is_found_from_the_payment_intent():
    facts = parsed()
    assert (facts.order_id, facts.dispute_id, facts.amount, facts.currency) == ("O123456789ABCDEF", "dp_1", 300000,
                                                                               "PKR")


@pytest.mark.parametrize("broken", [
    {"payment_intent": "pi_x"}, {"payment_intent": None}, {"amount": -1}, {"amount": True}, {"currency": "pk"},
    {"metadata": {"order_id": "OTHER"}}, {"id": ""},
])
def test_a_malformed_dispute_is_refused(broken):
    with pytest.raises(MalformedCallbackError):
        events.parse(event(**broken))


def test_a_closed_dispute_must_say_how_it_ended():
    with pytest.raises(MalformedCallbackError):
        events.parse(event("closed", "under_review"))


def test_a_dispute_after_delivery_holds_each_artisans_credit():
    change, outcome = rules.apply(order(), parsed(), credits=CREDITS, now=LATER)

    assert outcome == "dispute_opened" and change is not None
    assert change.updates["disputed"] is True and change.updates["needs_review"] is True
    assert change.updates["dispute"]["held"] == CREDITS
    assert kinds(change.once) == [("dispute_hold", "A1", -190000), ("dispute_hold", "A2", -95000)]
    assert change.payout_credits == {"A1": -190000, "A2": -95000}
    assert [record.key for record in change.once if not isinstance(record, PayoutEntry)] == [
        "card#dispute#dp_1#created"]


def test_a_dispute_before_delivery_holds_nothing_yet():
    change, _ = rules.apply(order(status="shipped", delivered_at=None), parsed(), credits=CREDITS, now=LATER)

    assert change is not None and change.payout_credits == {} and kinds(change.once) == []
    assert change.updates["dispute"]["held"] == {}


def test_delivery_during_an_open_dispute_writes_the_credit_and_its_hold_together():
    opened, _ = rules.apply(order(status="shipped", delivered_at=None), parsed(), credits=CREDITS, now=NOW)
    assert opened is not None
    disputed = order(status="shipped", delivered_at=None, disputed=True, dispute=opened.updates["dispute"])

    change = order_rules.deliver(disputed, commission_bps=500, now=LATER)

    assert kinds(change.once) == [("dispute_hold", "A1", -190000), ("dispute_hold", "A2", -95000),
                                  ("sale", "A1", 190000), ("sale", "A2", 95000)]
    assert change.payout_credits == {}
    assert change.updates["dispute"]["held"] == CREDITS


@pytest.mark.parametrize("status", ["won", "warning_closed"])
def test_a_dispute_the_merchant_keeps_releases_the_hold(status):
    opened, _ = rules.apply(order(), parsed(), credits=CREDITS, now=NOW)
    assert opened is not None
    disputed = order(disputed=True, needs_review=True, review_reason="card_dispute", dispute=opened.updates["dispute"])

    change, outcome = rules.apply(disputed, parsed("closed", status), credits=CREDITS, now=LATER)

    assert outcome == "dispute_won" and change is not None
    assert kinds(change.once) == [("dispute_release", "A1", 190000), ("dispute_release", "A2", 95000)]
    assert change.payout_credits == {"A1": 190000, "A2": 95000}
    assert change.updates["disputed"] is False and change.updates["needs_review"] is False
    assert change.updates["dispute"]["status"] == "won"


def test_a_lost_dispute_keeps_the_hold_and_records_the_loss():
    opened, _ = rules.apply(order(), parsed(), credits=CREDITS, now=NOW)
    assert opened is not None
    disputed = order(disputed=True, dispute=opened.updates["dispute"])

    change, outcome = rules.apply(disputed, parsed("closed", "lost"), credits=CREDITS, now=LATER)

    assert outcome == "dispute_lost" and change is not None
    assert kinds(change.once) == [] and change.payout_credits == {}
    assert change.updates["dispute"]["lost_amount"] == 300000


def test_a_close_before_its_open_records_both_and_the_late_open_does_nothing():
    change, outcome = rules.apply(order(), parsed("closed", "lost"), credits=CREDITS, now=NOW)
    assert change is not None and outcome == "dispute_lost"
    closed = order(dispute=change.updates["dispute"])

    late, late_outcome = rules.apply(closed, parsed(), credits=CREDITS, now=LATER)

    assert {record.key for record in change.once if not isinstance(record, PayoutEntry)} == {
        "card#dispute#dp_1#created", "card#dispute#dp_1#closed"}
    assert kinds(change.once) == [("dispute_hold", "A1", -190000), ("dispute_hold", "A2", -95000)]
    assert (late, late_outcome) == (None, "duplicate")


def test_a_repeated_close_does_nothing():
    opened, _ = rules.apply(order(), parsed(), credits=CREDITS, now=NOW)
    assert opened is not None
    won = order(dispute=dict(opened.updates["dispute"], status="won"))

    assert rules.apply(won, parsed("closed", "won"), credits=CREDITS, now=LATER) == (None, "duplicate")
