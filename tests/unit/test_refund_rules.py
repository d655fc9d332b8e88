"""Refund decisions on plain values (chalicelib/refunds/rules.py): no emulator, no app."""
from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.errors import InvalidStateError, NotFoundError, ValidationError
from chalicelib.orders.rules import payout_credits
from chalicelib.refunds import rules
from chalicelib.store.records import Order, RefundRecord

NOW = "2026-11-28T10:00:00.000000Z"


def line(listing_id: str, artisan_id: str, quantity: int, unit: int, fulfilment: str = "pending") -> dict:
    return {"listing_id": listing_id, "artisan_id": artisan_id, "title": "t", "quantity": quantity,
            "unit_price": unit, "line_total": unit * quantity, "fulfilment": fulfilment, "carrier": None,
            "tracking_number": None}


def order(**changes: object) -> Order:
    """Two artisans: A1 2 x Rs 2,000, A2 1 x Rs 1,000, Rs 500 shipping; paid in USD at 0.0036."""
    base = Order(order_id="O1", buyer_id="B1", status="paid",
                 lines=[line("L1", "A1", 2, 200000), line("L2", "A2", 1, 100000)], subtotal=500000, shipping=50000,
                 total=550000, charge_amount=1980, charge_currency="USD", fx_rate="0.0036", payment_method="card",
                 shipping_address={"country": "PK"}, created_at=NOW, updated_at=NOW, payment_ref="pi_O1_1")
    return replace(base, **changes)  # type: ignore[arg-type]


def decide(current: Order | None, **asked: object) -> rules.Decision:
    arguments = {"items": None, "amount": None, "currency": None, "cancel": False, "commission_bps": 500, **asked}
    return rules.decide(current, **arguments)  # type: ignore[arg-type]


def refund_of(decision: rules.Decision, current: Order) -> RefundRecord:
    return RefundRecord(refund_id="RF1", order_id=current.order_id, amount=decision.amount,
                        currency=current.charge_currency, provider=current.payment_method, status="pending",
                        request_hash="h", reason="r", items=decision.items, created_at=NOW, updated_at=NOW)


def test_the_refund_id_follows_the_order_and_key_and_fits_a_jazzcash_reference():
    first = rules.refund_id_for("O1", "request#k")
    assert first == rules.refund_id_for("O1", "request#k") != rules.refund_id_for("O2", "request#k")
    assert len(first) == 20 and first.isalnum()


def test_everything_refunds_the_whole_charge_releases_unshipped_stock_and_marks_the_order_refunded():
    current = order(lines=[line("L1", "A1", 2, 200000, "shipped"), line("L2", "A2", 1, 100000)])
    decision = decide(current)
    assert (decision.amount, decision.status) == (1980, "refunded")
    assert decision.release == [(("L2", None), 1)]  # the shipped line is with the buyer
    assert decision.debits == {}  # nothing was credited before delivery


def test_a_line_refund_takes_its_share_of_the_charge_and_all_lines_take_the_shipping_too():
    current = order()
    first = decide(current, items=[{"listing_id": "L2", "quantity": 1}])
    assert first.amount == 360  # Rs 1,000 of Rs 5,500 of USD 19.80
    assert (first.status, first.release) == ("paid", [(("L2", None), 1)])
    after = replace(current, lines=first.lines, refunded_amount=first.amount)
    rest = decide(after, items=[{"listing_id": "L1", "quantity": 2}])
    assert (rest.amount, rest.status) == (1980 - 360, "refunded")


def test_refunds_never_exceed_what_was_bought_or_charged():
    current = order(refunded_amount=1900)
    with pytest.raises(InvalidStateError):
        decide(current, amount=81, currency="USD")
    with pytest.raises(InvalidStateError):
        decide(order(), items=[{"listing_id": "L1", "quantity": 3}])
    with pytest.raises(InvalidStateError):
        decide(order(refunded_amount=1980))


@pytest.mark.parametrize("status", ["pending_payment", "cancelled", "expired", "refunded"])
def test_an_order_without_money_taken_is_not_refunded(status):
    with pytest.raises(InvalidStateError):
        decide(order(status=status))


def test_cash_on_delivery_is_refunded_only_after_delivery_and_never_cancelled_with_a_refund():
    with pytest.raises(InvalidStateError):
        decide(order(status="confirmed", payment_method="cod"))
    assert decide(order(status="delivered", payment_method="cod")).amount == 1980
    with pytest.raises(InvalidStateError):
        decide(order(status="paid", payment_method="cod"), cancel=True)


def test_malformed_asks_are_validation_errors_and_a_missing_order_is_not_found():
    with pytest.raises(NotFoundError):
        decide(None)
    with pytest.raises(ValidationError):
        decide(order(), amount=10, currency="PKR")
    with pytest.raises(ValidationError):
        decide(order(), items=[{"listing_id": "L9", "quantity": 1}])
    with pytest.raises(ValidationError):
        decide(order(), items=[{"listing_id": "L1", "variant_id": "V", "quantity": 1}])


def test_after_delivery_a_line_refund_debits_its_artisan_less_commission():
    decision = decide(order(status="delivered"), items=[{"listing_id": "L1", "quantity": 1}])
    assert decision.debits == {"A1": 200000 - 10000}
    assert decision.release == []  # delivered: no shipped line restocks


def test_after_delivery_an_amount_is_spread_over_the_artisans_by_what_is_left_of_their_lines():
    decision = decide(order(status="delivered"), amount=990, currency="USD")  # half the charge
    goods = 275000 * 500000 // 550000  # the PKR value's goods share
    total_values = sum(line["refunded_value"] for line in decision.lines)
    assert total_values == goods
    # Rs 2,500 of goods over what is left (Rs 4,000 and Rs 1,000), each less 5 %.
    assert decision.debits == {"A1": 200000 - 10000, "A2": 50000 - 2500}
    assert decision.release == []


def test_a_delivery_after_a_refund_credits_only_what_is_left():
    current = order(status="shipped")
    decision = decide(current, items=[{"listing_id": "L2", "quantity": 1}])
    after = replace(current, lines=decision.lines)
    assert payout_credits(after, 500) == {"A1": 400000 - 20000, "A2": 0}


def test_cancel_refunds_everything_left_and_cancels_in_the_same_change():
    current = order(status="partially_shipped", refunded_amount=100)
    decision = decide(current, cancel=True, items=[{"listing_id": "L2", "quantity": 1}])  # cancel takes all
    assert (decision.amount, decision.status) == (1880, "cancelled")
    change = rules.order_change(current, decision, refund_of(decision, current), cancel_reason="no stock")
    assert change.updates["status"] == "cancelled" and change.updates["cancelled_by"] == "ops"
    assert change.updates["refunded_amount"] == 1980
    assert change.new_refund is not None and change.once == []


def test_the_change_debits_the_ledger_and_the_balance_by_the_same_amounts():
    current = order(status="delivered")
    decision = decide(current)
    change = rules.order_change(current, decision, refund_of(decision, current), cancel_reason=None)
    assert {entry.artisan_id: entry.amount for entry in change.once} == change.payout_credits
    assert {entry.kind for entry in change.once} == {"refund"}
    assert change.payout_credits == {"A1": -(400000 - 20000), "A2": -(100000 - 5000)}
    # The commission on what is refunded goes back to the artisan: the entry carries it (negative), for statements.
    assert {entry.artisan_id: entry.commission for entry in change.once} == {"A1": -20000, "A2": -5000}


def test_a_failed_refund_comes_off_the_refunded_amount_and_flags_the_order():
    current = order(refunded_amount=500, refunds=[{"refund_id": "RF1", "amount": 500, "currency": "USD",
                                                  "status": "pending", "created_at": NOW}])
    refund = RefundRecord(refund_id="RF1", order_id="O1", amount=500, currency="USD", provider="card",
                          status="pending", request_hash="h", reason="r", items=[], created_at=NOW, updated_at=NOW)
    failed = rules.settle(current, refund, status="failed", now=NOW, failure="refused")
    assert failed.updates["refunded_amount"] == 0 and failed.updates["needs_review"] is True
    assert failed.updates["refunds"][0]["status"] == "failed"
    assert failed.settled_refund is not None and failed.settled_refund.status == "failed"
    done = rules.settle(current, refund, status="succeeded", now=NOW, gateway_ref="re_1")
    assert "refunded_amount" not in done.updates
