"""Refund races over HTTP with real threads against the local stack (its emulator serialises DynamoDB like AWS) and
its sandbox gateways: two ops refunding one order at once, the same refund sent twice at once, and a refund racing
the delivery that credits the artisan. Every race starts at a barrier (test_races.race)."""
from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

import pytest
import requests

from harness.factories import make_order
from harness.gateways import card_success

from .conftest import LocalStack, User
from .test_orders_e2e import TIMEOUT, active_listing, api, ok, place, stock_of, verified_artisan
from .test_races import race

SHIPMENT = {"carrier": "tcs", "tracking_number": "TCS-RACE"}
PRICE = 200000  # Rs 2,000: 5 % commission is exact, so crediting then debiting equals crediting what is left


@pytest.fixture
def shop(stack: LocalStack) -> tuple[User, User, User, str]:
    """Ops, a verified artisan, a buyer and an active listing of 10 units at Rs 2,000."""
    ops = stack.user("ops")
    artisan = verified_artisan(stack, ops)
    listing = active_listing(stack, artisan, stock=10, price={"amount": PRICE, "currency": "PKR"})
    return ops, artisan, stack.user(), listing["listing_id"]


def _paid_by_card(stack: LocalStack, buyer: User, listing_id: str, quantity: int) -> tuple[dict[str, Any], str]:
    order = ok(place(stack, buyer, make_order((listing_id, quantity), payment_method="card", currency="PKR")), 201)
    intent = f"pi_{order['order_id']}_1"
    charge = {"ref": intent, "amount": order["charge"]["amount"], "currency": "PKR"}
    assert requests.post(f"{stack.web_url}/sandbox/control", json={"charge": charge}, timeout=TIMEOUT).ok
    paid = stack.post_card_event(card_success(order))
    assert paid.status_code == 200, paid.text
    return order, intent


def _refunded_at_gateway(stack: LocalStack, intent: str) -> int:
    return int(requests.get(f"{stack.web_url}/sandbox/control", timeout=TIMEOUT).json()["refunded"].get(intent, 0))


def _refund(stack: LocalStack, ops: User, order_id: str, body: dict[str, Any], key: str):  # noqa: ANN202
    return lambda session: api(stack, "POST", f"/ops/orders/{order_id}/refunds", ops, body,
                               {"Idempotency-Key": key}, session)


def test_two_ops_refunding_one_order_at_once_never_refund_more_than_the_charge(stack, shop):
    ops, _, buyer, listing_id = shop
    order, intent = _paid_by_card(stack, buyer, listing_id, 2)
    charge = order["charge"]["amount"]
    most = {"amount": {"amount": charge * 7 // 10, "currency": "PKR"}, "reason": "race"}
    others = [stack.user("ops") for _ in range(3)]

    answers = race(stack, [_refund(stack, agent, order["order_id"], most, uuid.uuid4().hex)
                           for agent in [ops, *others]])

    statuses = Counter(answer.status_code for answer in answers)
    assert statuses == {201: 1, 409: 3}, [answer.text for answer in answers]
    assert {answer.json()["error"]["code"] for answer in answers if answer.status_code == 409} == {"INVALID_STATE"}
    assert _refunded_at_gateway(stack, intent) == charge * 7 // 10
    after = ok(api(stack, "GET", f"/orders/{order['order_id']}", buyer))
    assert after["refunded_amount"]["amount"] == charge * 7 // 10
    assert [refund["status"] for refund in after["refunds"]] == ["succeeded"]


def test_the_same_refund_sent_five_times_at_once_is_one_refund(stack, shop):
    ops, _, buyer, listing_id = shop
    order, intent = _paid_by_card(stack, buyer, listing_id, 1)
    body = {"items": [{"listing_id": listing_id, "quantity": 1}], "reason": "double click"}
    key = uuid.uuid4().hex

    answers = race(stack, [_refund(stack, ops, order["order_id"], body, key)] * 5)

    assert sorted(answer.status_code for answer in answers) == [200, 200, 200, 200, 201], [a.text for a in answers]
    refund_ids = {answer.json()["refund_id"] for answer in answers}
    assert len(refund_ids) == 1
    assert _refunded_at_gateway(stack, intent) == order["charge"]["amount"]
    replay = ok(api(stack, "POST", f"/ops/orders/{order['order_id']}/refunds", ops, body, {"Idempotency-Key": key}))
    assert (replay["refund_id"], replay["status"]) == (refund_ids.pop(), "succeeded")
    assert stock_of(stack, listing_id) == 10


@pytest.mark.parametrize("round_", range(3))
def test_a_refund_racing_the_delivery_leaves_the_ledger_balanced_and_the_artisan_paid_for_what_was_kept(
        stack, shop, round_):
    ops, artisan, buyer, listing_id = shop
    order, intent = _paid_by_card(stack, buyer, listing_id, 2)
    ok(api(stack, "POST", f"/orders/{order['order_id']}/shipments", artisan, SHIPMENT))
    body = {"items": [{"listing_id": listing_id, "quantity": 1}], "reason": "one arrived broken"}

    answers = race(stack, [
        lambda session: api(stack, "POST", f"/ops/orders/{order['order_id']}/delivered", ops, session=session),
        _refund(stack, ops, order["order_id"], body, uuid.uuid4().hex)])

    assert [answer.status_code for answer in answers] == [200, 201], [answer.text for answer in answers]
    payouts = ok(api(stack, "GET", "/artisans/me/payouts?limit=100", artisan))
    entries = [entry for entry in payouts["entries"] if entry["order_id"] == order["order_id"]]
    kept = PRICE - PRICE * 500 // 10000  # one of the two units, less commission
    assert sum(entry["amount"]["amount"] for entry in entries) == kept
    assert payouts["balance"]["amount"] == sum(entry["amount"]["amount"] for entry in payouts["entries"])
    assert {entry["kind"] for entry in entries} in ({"sale"}, {"sale", "refund"})
    assert _refunded_at_gateway(stack, intent) == PRICE
    after = ok(api(stack, "GET", f"/orders/{order['order_id']}", buyer))
    assert (after["status"], after["refunded_amount"]["amount"]) == ("delivered", PRICE)
