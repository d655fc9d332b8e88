"""Card disputes (API.md "Refunds, returns and disputes"): the order flagged, the artisans' credit held, released
on a win, kept on a loss; each event applied once whatever the number and order of deliveries."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from harness.aws import Aws, User
from harness.environment import BASE_ENV
from harness.factories import active_listing, make_order, order_of, placed, verified_artisan
from harness.gateways import card_dispute, card_success, post_card
from harness.http import body_of, call, code_of

CARD_SECRET = BASE_ENV["CARD_WEBHOOK_SECRET"]
SHIPMENT = {"carrier": "tcs", "tracking_number": "TCS-777"}
# Rs 2,500 x 2 and Rs 1,000 x 1, less 5 % commission.
CREDIT_A, CREDIT_B = 500000 - 25000, 100000 - 5000


@dataclass
class Market:
    artisan_a: User
    artisan_b: User
    listing_a: dict[str, Any]
    listing_b: dict[str, Any]
    buyer: User
    ops: User


@pytest.fixture
def market(client: Any, aws: Aws) -> Market:
    artisan_a = verified_artisan(client, aws)
    artisan_b = verified_artisan(client, aws, display_name="Ghulam Rasool", craft="pottery")
    return Market(artisan_a=artisan_a, artisan_b=artisan_b,
                  listing_a=active_listing(client, artisan_a, stock=10),
                  listing_b=active_listing(client, artisan_b, stock=10, price={"amount": 100000, "currency": "PKR"}),
                  buyer=aws.user(), ops=aws.user("ops"))


def _paid_card_order(client: Any, market: Market) -> dict[str, Any]:
    order = placed(client, market.buyer, make_order((market.listing_a["listing_id"], 2),
                                                    (market.listing_b["listing_id"], 1), payment_method="card"))
    assert post_card(client, card_success(order), secret=CARD_SECRET).status_code == 200
    return order


def _deliver(client: Any, market: Market, order_id: str) -> None:
    for artisan in (market.artisan_a, market.artisan_b):
        assert call(client, "POST", f"/orders/{order_id}/shipments", artisan, SHIPMENT).status_code == 200
    response = call(client, "POST", f"/ops/orders/{order_id}/delivered", market.ops)
    assert response.status_code == 200, response.body


def _send(client: Any, body: bytes) -> None:
    response = post_card(client, body, secret=CARD_SECRET)
    assert response.status_code == 200, response.body


def _ledger(client: Any, artisan: User) -> tuple[int, list[tuple[str, int]]]:
    response = call(client, "GET", "/artisans/me/payouts", artisan)
    assert response.status_code == 200, response.body
    body = body_of(response)
    return body["balance"]["amount"], sorted((entry["kind"], entry["amount"]["amount"]) for entry in body["entries"])


def _queue(client: Any, market: Market, queue: str) -> list[str]:
    response = call(client, "GET", f"/ops/orders?queue={queue}", market.ops)
    assert response.status_code == 200, response.body
    return [order["order_id"] for order in body_of(response)["items"]]


def test_a_dispute_after_delivery_holds_the_credit_and_a_won_one_releases_it(client, market):
    order = _paid_card_order(client, market)
    order_id = order["order_id"]
    _deliver(client, market, order_id)

    _send(client, card_dispute(order))
    disputed = order_of(client, order_id, market.buyer)
    held_a, held_b = _ledger(client, market.artisan_a), _ledger(client, market.artisan_b)
    queues_open = _queue(client, market, "disputed"), _queue(client, market, "needs_review")
    _send(client, card_dispute(order, closed="won"))
    won = order_of(client, order_id, market.ops)

    assert disputed["disputed"] is True and disputed["needs_review"] is True
    assert disputed["dispute"]["status"] == "open" and disputed["dispute"]["dispute_id"] == "dp_1"
    assert held_a == (0, sorted([("sale", CREDIT_A), ("dispute_hold", -CREDIT_A)]))
    assert held_b == (0, sorted([("sale", CREDIT_B), ("dispute_hold", -CREDIT_B)]))
    assert queues_open == ([order_id], [order_id])
    assert won["disputed"] is False and won["needs_review"] is False and won["dispute"]["status"] == "won"
    assert _ledger(client, market.artisan_a) == (CREDIT_A, sorted(
        [("sale", CREDIT_A), ("dispute_hold", -CREDIT_A), ("dispute_release", CREDIT_A)]))
    assert _ledger(client, market.artisan_b)[0] == CREDIT_B
    assert _queue(client, market, "disputed") == [] and _queue(client, market, "needs_review") == []


def test_a_lost_dispute_keeps_the_hold_and_the_order_records_the_loss(client, market):
    order = _paid_card_order(client, market)
    _deliver(client, market, order["order_id"])

    _send(client, card_dispute(order))
    _send(client, card_dispute(order, closed="lost"))
    lost = order_of(client, order["order_id"], market.ops)

    assert lost["dispute"]["status"] == "lost" and lost["disputed"] is False
    assert _ledger(client, market.artisan_a) == (0, sorted([("sale", CREDIT_A), ("dispute_hold", -CREDIT_A)]))
    assert _ledger(client, market.artisan_b)[0] == 0


def _refund(client: Any, market: Market, order_id: str, key: str) -> Any:
    body = {"amount": {"amount": 1000, "currency": "PKR"}, "reason": "buyer asked"}
    return call(client, "POST", f"/ops/orders/{order_id}/refunds", market.ops, body, headers={"Idempotency-Key": key})


def test_a_disputed_order_is_not_refunded_or_cancelled_while_the_dispute_is_open_or_after_it_is_lost(client, market):
    order = _paid_card_order(client, market)
    _send(client, card_dispute(order))
    before = order_of(client, order["order_id"], market.ops), _ledger(client, market.artisan_a)

    while_open = _refund(client, market, order["order_id"], "refund-open")
    cancel = call(client, "POST", f"/ops/orders/{order['order_id']}/cancel", market.ops, {"reason": "dispute"})
    _send(client, card_dispute(order, closed="lost"))
    after_lost = _refund(client, market, order["order_id"], "refund-lost")

    assert (code_of(while_open), code_of(after_lost)) == ("INVALID_STATE", "INVALID_STATE")
    assert code_of(cancel) == "INVALID_STATE"
    assert order_of(client, order["order_id"], market.ops)["refunds"] == before[0]["refunds"] == []
    assert _ledger(client, market.artisan_a) == before[1]


def test_a_dispute_before_delivery_is_held_as_the_credit_is_written(client, market):
    order = _paid_card_order(client, market)

    _send(client, card_dispute(order))
    before_delivery = _ledger(client, market.artisan_a)
    _deliver(client, market, order["order_id"])
    delivered = _ledger(client, market.artisan_a)
    _send(client, card_dispute(order, closed="won"))

    assert before_delivery == (0, [])
    assert delivered == (0, sorted([("sale", CREDIT_A), ("dispute_hold", -CREDIT_A)]))
    assert _ledger(client, market.artisan_a)[0] == CREDIT_A
    assert _ledger(client, market.artisan_b)[0] == CREDIT_B


def test_a_dispute_closed_before_delivery_lets_a_won_order_be_credited_once(client, market):
    order = _paid_card_order(client, market)

    _send(client, card_dispute(order))
    _send(client, card_dispute(order, closed="won"))
    _deliver(client, market, order["order_id"])

    assert _ledger(client, market.artisan_a) == (CREDIT_A, [("sale", CREDIT_A)])


def test_redelivered_dispute_events_apply_once(client, market):
    order = _paid_card_order(client, market)
    _deliver(client, market, order["order_id"])
    created = card_dispute(order, event_id="evt_created")

    for body in (created, created, card_dispute(order, event_id="evt_created_again"), created):
        _send(client, body)
    closed = card_dispute(order, closed="won", event_id="evt_closed")
    for body in (closed, closed, card_dispute(order, closed="won"), created):
        _send(client, body)

    assert _ledger(client, market.artisan_a) == (CREDIT_A, sorted(
        [("sale", CREDIT_A), ("dispute_hold", -CREDIT_A), ("dispute_release", CREDIT_A)]))
    assert order_of(client, order["order_id"], market.ops)["dispute"]["status"] == "won"


def test_a_close_that_arrives_before_its_open_applies_both_once(client, market):
    order = _paid_card_order(client, market)
    _deliver(client, market, order["order_id"])

    _send(client, card_dispute(order, closed="lost"))
    _send(client, card_dispute(order))
    after = order_of(client, order["order_id"], market.ops)

    assert after["dispute"]["status"] == "lost" and after["disputed"] is False
    assert _ledger(client, market.artisan_a) == (0, sorted([("sale", CREDIT_A), ("dispute_hold", -CREDIT_A)]))
    assert _queue(client, market, "disputed") == []


def test_a_payment_flagged_for_review_waits_in_the_needs_review_queue_until_it_is_not(client, market):
    """The queues follow the order fields whoever writes them: here the payment callback's mismatch flag."""
    order = placed(client, market.buyer, make_order((market.listing_a["listing_id"], 1), payment_method="card"))
    other = placed(client, market.buyer, make_order((market.listing_b["listing_id"], 1), payment_method="card"))

    for flagged in (order, other):
        wrong = card_success(flagged, amount=flagged["charge"]["amount"] - 1)
        _send(client, wrong)
    waiting = _queue(client, market, "needs_review")
    _send(client, card_dispute(order))
    _send(client, card_dispute(order, closed="won"))

    assert waiting == [order["order_id"], other["order_id"]]
    # The dispute's close clears only the flag it set: the mismatch still waits for a person.
    assert _queue(client, market, "needs_review") == [order["order_id"], other["order_id"]]
    assert _queue(client, market, "disputed") == []


def _resolve(client: Any, user: User | None, order_id: str, note: str = "Buyer paid the difference by phone") -> Any:
    return call(client, "POST", f"/ops/orders/{order_id}/review-resolution", user, {"note": note})


def test_ops_resolve_a_flagged_order_and_it_leaves_the_needs_review_queue_with_an_audit_entry(client, market):
    order = placed(client, market.buyer, make_order((market.listing_a["listing_id"], 1), payment_method="card"))
    _send(client, card_success(order, amount=order["charge"]["amount"] - 1))
    refused = [_resolve(client, user, order["order_id"]) for user in (None, market.buyer, market.artisan_a)]
    waiting = _queue(client, market, "needs_review")

    resolved = _resolve(client, market.ops, order["order_id"])
    again = _resolve(client, market.ops, order["order_id"])
    trail = body_of(call(client, "GET", f"/ops/audit?target_id={order['order_id']}", market.ops))["items"]

    assert [response.status_code for response in refused] == [401, 403, 403]
    assert waiting == [order["order_id"]]
    assert resolved.status_code == 200, resolved.body
    assert body_of(resolved)["needs_review"] is False and body_of(resolved)["review_reason"] is None
    assert _queue(client, market, "needs_review") == []
    assert code_of(again) == "INVALID_STATE"
    [entry] = [item for item in trail if item["action"] == "order.review_resolved"]
    assert entry["details"] == {"note": "Buyer paid the difference by phone",
                                "review_reason": "amount_or_currency_mismatch"}


def test_an_order_under_an_open_dispute_is_not_resolved_by_hand(client, market):
    order = _paid_card_order(client, market)
    _send(client, card_dispute(order))

    response = _resolve(client, market.ops, order["order_id"])

    assert code_of(response) == "INVALID_STATE"
    assert _queue(client, market, "needs_review") == [order["order_id"]]
    assert _resolve(client, market.ops, order["order_id"], note="").status_code == 400


@pytest.mark.parametrize("change", ["payment_intent", "status", "amount", "no_object"])
def test_a_malformed_dispute_event_is_refused_and_changes_nothing(client, market, change):
    import json

    order = _paid_card_order(client, market)
    event = json.loads(card_dispute(order, closed="won"))
    dispute = event["data"]["object"]
    if change == "payment_intent":
        dispute["payment_intent"] = "pi_somebody_else"
    elif change == "status":
        dispute["status"] = "under_review"
    elif change == "amount":
        dispute["amount"] = "12.50"
    else:
        event["data"] = {}

    response = post_card(client, json.dumps(event).encode(), secret=CARD_SECRET)

    assert response.status_code == 400 and code_of(response) == "VALIDATION_ERROR"
    assert order_of(client, order["order_id"], market.ops)["dispute"] is None


def test_a_forged_dispute_event_is_refused_and_changes_nothing(client, market):
    order = _paid_card_order(client, market)

    response = post_card(client, card_dispute(order), secret="whsec_forged")

    assert response.status_code == 401
    assert order_of(client, order["order_id"], market.ops)["disputed"] is False
