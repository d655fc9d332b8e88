"""Returns (API.md "Refunds, returns and disputes"): buyers ask within RETURN_DAYS of delivery for no more than
was delivered and not yet returned or refunded; ops approve (refunding once) or reject, once."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import boto3
import pytest

from chalicelib.ids import rfc3339, utc_now
from harness.aws import Aws, User
from harness.environment import REGION
from harness.factories import active_listing, make_order, order_of, placed, verified_artisan
from harness.http import body_of, call, code_of

SHIPMENT = {"carrier": "tcs", "tracking_number": "TCS-888"}


@dataclass
class Shop:
    artisan: User
    listing: dict[str, Any]
    other: dict[str, Any]
    buyer: User
    ops: User


@pytest.fixture
def shop(client: Any, aws: Aws) -> Shop:
    artisan = verified_artisan(client, aws)
    return Shop(artisan=artisan, listing=active_listing(client, artisan, stock=20),
                other=active_listing(client, artisan, stock=20, price={"amount": 100000, "currency": "PKR"}),
                buyer=aws.user(), ops=aws.user("ops"))


def _delivered(client: Any, shop: Shop, quantity: int = 2) -> dict[str, Any]:
    """A cash-on-delivery order of `quantity` shawls and one other item, shipped and delivered."""
    order = placed(client, shop.buyer, make_order((shop.listing["listing_id"], quantity),
                                                  (shop.other["listing_id"], 1), payment_method="cod"))
    assert call(client, "POST", f"/orders/{order['order_id']}/shipments", shop.artisan, SHIPMENT).status_code == 200
    response = call(client, "POST", f"/ops/orders/{order['order_id']}/delivered", shop.ops)
    assert response.status_code == 200, response.body
    return dict(body_of(response))


def _ask(client: Any, shop: Shop, order_id: str, *items: tuple[str, int], user: User | None = None) -> Any:
    body = {"items": [{"listing_id": lid, "quantity": qty} for lid, qty in items], "reason": "Colour differs"}
    return call(client, "POST", f"/orders/{order_id}/returns", user or shop.buyer, body)


def _decide(client: Any, shop: Shop, return_id: str, decision: str, user: User | None = None) -> Any:
    return call(client, "POST", f"/ops/returns/{return_id}/decision", user or shop.ops,
                {"decision": decision, "note": "checked the photos"})


def _queue(client: Any, shop: Shop, query: str) -> Any:
    return call(client, "GET", f"/ops/orders?{query}", shop.ops)


def _set_delivered_at(aws: Aws, order_id: str, days_ago: float) -> None:
    """Test set-up of stored state: the order was delivered `days_ago` days ago."""
    table = boto3.resource("dynamodb", region_name=REGION).Table(aws.env["TABLE_ORDERS"])
    table.update_item(Key={"order_id": order_id}, UpdateExpression="SET delivered_at = :at",
                      ExpressionAttributeValues={":at": rfc3339(utc_now() - timedelta(days=days_ago))})


def test_a_buyer_asks_to_return_delivered_items_and_the_order_waits_in_the_returns_queue(client, shop):
    order = _delivered(client, shop)

    response = _ask(client, shop, order["order_id"], (shop.listing["listing_id"], 2))
    after = order_of(client, order["order_id"], shop.buyer)
    queue = body_of(_queue(client, shop, "queue=returns"))

    assert response.status_code == 201, response.body
    created = body_of(response)
    assert created["status"] == "requested" and created["order_id"] == order["order_id"]
    assert created["items"] == [{"listing_id": shop.listing["listing_id"], "quantity": 2}]
    assert created["reason"] == "Colour differs" and created["refund_id"] is None
    assert [entry["return_id"] for entry in after["returns"]] == [created["return_id"]]
    assert after["delivered_at"] == order["delivered_at"]
    assert [item["order_id"] for item in queue["items"]] == [order["order_id"]]


def test_a_return_is_refused_before_delivery_and_to_anyone_but_the_buyer(client, aws, shop):
    placed_order = placed(client, shop.buyer, make_order((shop.listing["listing_id"], 1), payment_method="cod"))
    delivered = _delivered(client, shop)

    early = _ask(client, shop, placed_order["order_id"], (shop.listing["listing_id"], 1))
    stranger = _ask(client, shop, delivered["order_id"], (shop.listing["listing_id"], 1), user=aws.user())

    assert early.status_code == 409 and code_of(early) == "INVALID_STATE"
    assert stranger.status_code == 404
    assert order_of(client, delivered["order_id"], shop.buyer)["returns"] == []


@pytest.mark.parametrize(("days_ago", "status"), [(13.9, 201), (14.1, 409)])
def test_returns_are_accepted_only_within_return_days_of_delivery(client, aws, shop, days_ago, status):
    order = _delivered(client, shop)
    _set_delivered_at(aws, order["order_id"], days_ago)

    response = _ask(client, shop, order["order_id"], (shop.listing["listing_id"], 1))

    assert response.status_code == status, response.body
    if status == 409:
        assert code_of(response) == "INVALID_STATE"


def test_no_more_than_was_delivered_and_not_yet_returned_may_be_asked_back(client, shop):
    order = _delivered(client, shop, quantity=3)
    order_id, listing_id = order["order_id"], shop.listing["listing_id"]

    too_many = _ask(client, shop, order_id, (listing_id, 4))
    first = _ask(client, shop, order_id, (listing_id, 2))
    beyond_the_rest = _ask(client, shop, order_id, (listing_id, 2))
    the_rest = _ask(client, shop, order_id, (listing_id, 1))
    none_left = _ask(client, shop, order_id, (listing_id, 1))
    not_in_the_order = _ask(client, shop, order_id, ("L000000000000000", 1))

    assert too_many.status_code == 409
    assert body_of(too_many)["error"]["details"] == [{"listing_id": listing_id, "available": 3}]
    assert first.status_code == 201
    assert beyond_the_rest.status_code == 409
    assert body_of(beyond_the_rest)["error"]["details"] == [{"listing_id": listing_id, "available": 1}]
    assert the_rest.status_code == 201
    assert none_left.status_code == 409 and not_in_the_order.status_code == 409
    assert len(order_of(client, order_id, shop.buyer)["returns"]) == 2


@pytest.mark.parametrize("body", [
    {"items": [{"listing_id": "L1", "quantity": 1, "variant_id": "V1"}], "reason": "x"},
    {"items": [{"listing_id": "L1", "quantity": 0}], "reason": "x"},
    {"items": [], "reason": "x"},
    {"items": [{"listing_id": "L1", "quantity": 1}]},
    {"items": [{"listing_id": "L1", "quantity": 1}, {"listing_id": "L1", "quantity": 1}], "reason": "x"},
    {"items": [{"listing_id": "L1", "quantity": 1}], "reason": "x", "refund": True},
])
def test_a_malformed_return_request_is_a_400(client, shop, body):
    order = _delivered(client, shop)

    response = call(client, "POST", f"/orders/{order['order_id']}/returns", shop.buyer, body)

    assert response.status_code == 400 and code_of(response) == "VALIDATION_ERROR"


def test_a_rejected_return_leaves_the_queue_gives_its_units_back_and_is_audited(client, shop):
    order = _delivered(client, shop)
    order_id, listing_id = order["order_id"], shop.listing["listing_id"]
    return_id = body_of(_ask(client, shop, order_id, (listing_id, 2)))["return_id"]

    rejected = _decide(client, shop, return_id, "rejected")
    again = _ask(client, shop, order_id, (listing_id, 2))
    audit = body_of(call(client, "GET", f"/ops/audit?target_id={order_id}", shop.ops))["items"]

    assert rejected.status_code == 200 and body_of(rejected)["status"] == "rejected"
    assert body_of(rejected)["note"] == "checked the photos" and body_of(rejected)["refund_id"] is None
    assert again.status_code == 201
    assert [(entry["action"], entry["details"]["return_id"]) for entry in audit
            if entry["action"].startswith("return.")] == [("return.rejected", return_id)]
    statuses = [entry["status"] for entry in order_of(client, order_id, shop.buyer)["returns"]]
    assert statuses == ["rejected", "requested"]


def test_an_approved_return_refunds_its_items_once_however_often_it_is_decided(client, shop):
    order = _delivered(client, shop)
    order_id, listing_id = order["order_id"], shop.listing["listing_id"]
    return_id = body_of(_ask(client, shop, order_id, (listing_id, 2)))["return_id"]

    first = _decide(client, shop, return_id, "approved")
    second = _decide(client, shop, return_id, "approved")
    contrary = _decide(client, shop, return_id, "rejected")
    after = order_of(client, order_id, shop.ops)
    queue = body_of(_queue(client, shop, "queue=returns"))["items"]

    assert first.status_code == 200, first.body
    assert body_of(first)["status"] == "approved" and body_of(first)["refund_id"]
    assert second.status_code == 200 and body_of(second)["refund_id"] == body_of(first)["refund_id"]
    assert contrary.status_code == 409 and code_of(contrary) == "INVALID_STATE"
    assert [refund["refund_id"] for refund in after["refunds"]] == [body_of(first)["refund_id"]]
    assert after["refunded_amount"] == {"amount": 2 * shop.listing["price"]["amount"], "currency": "PKR"}
    assert queue == []
    assert _ask(client, shop, order_id, (listing_id, 1)).status_code == 409  # both shawls are refunded


def test_return_decisions_are_for_ops_and_known_returns(client, shop):
    order = _delivered(client, shop)
    return_id = body_of(_ask(client, shop, order["order_id"], (shop.listing["listing_id"], 1)))["return_id"]

    by_buyer = _decide(client, shop, return_id, "approved", user=shop.buyer)
    by_artisan = _decide(client, shop, return_id, "rejected", user=shop.artisan)
    unknown = _decide(client, shop, "RT000000000000000", "approved")
    bad = call(client, "POST", f"/ops/returns/{return_id}/decision", shop.ops, {"decision": "maybe"})

    assert (by_buyer.status_code, by_artisan.status_code, unknown.status_code, bad.status_code) == (403, 403, 404, 400)
    assert order_of(client, order["order_id"], shop.buyer)["returns"][0]["status"] == "requested"


def test_a_queue_lists_the_longest_waiting_first_a_page_at_a_time(client, shop):
    orders = [_delivered(client, shop, quantity=1) for _ in range(3)]
    for order in reversed(orders):  # they join the queue newest order first
        assert _ask(client, shop, order["order_id"], (shop.other["listing_id"], 1)).status_code == 201
    joined = [order["order_id"] for order in reversed(orders)]

    first = body_of(_queue(client, shop, "queue=returns&limit=2"))
    second = body_of(_queue(client, shop, f"queue=returns&limit=2&cursor={first['next_cursor']}"))
    other_queue = _queue(client, shop, f"queue=disputed&limit=2&cursor={first['next_cursor']}")
    unknown = _queue(client, shop, "queue=everything")
    missing = _queue(client, shop, "limit=2")
    by_buyer = call(client, "GET", "/ops/orders?queue=returns", shop.buyer)

    assert [item["order_id"] for item in first["items"]] == joined[:2]
    assert [item["order_id"] for item in second["items"]] == joined[2:]
    assert second["next_cursor"] is None
    assert other_queue.status_code == 400 and code_of(other_queue) == "BAD_CURSOR"
    assert unknown.status_code == 400 and missing.status_code == 400
    assert by_buyer.status_code == 403
    assert body_of(_queue(client, shop, "queue=needs_review"))["items"] == []


def test_an_approval_that_died_after_its_decision_committed_is_completed_by_deciding_again(client, shop, hooks):
    """The function dies once the decision is written (an `after-call` hook raising on that transaction): the
    return is approved but unrefunded; the same decision again refunds it, once."""
    order = _delivered(client, shop)
    return_id = body_of(_ask(client, shop, order["order_id"], (shop.listing["listing_id"], 1)))["return_id"]
    crashes = {"left": 1}

    def crash_after_commit(http_response: Any, parsed: dict[str, Any], **_: Any) -> None:
        if crashes["left"] and http_response.status_code == 200:
            crashes["left"] -= 1
            raise RuntimeError("the function died after DynamoDB committed")

    hooks.add("after-call.dynamodb.TransactWriteItems", crash_after_commit)
    died = _decide(client, shop, return_id, "approved")
    interrupted = order_of(client, order["order_id"], shop.ops)
    retried = _decide(client, shop, return_id, "approved")
    again = _decide(client, shop, return_id, "approved")
    after = order_of(client, order["order_id"], shop.ops)

    assert died.status_code == 500 and crashes["left"] == 0
    assert interrupted["returns"][0]["status"] == "approved" and interrupted["refunds"] == []
    assert retried.status_code == 200 and body_of(retried)["refund_id"]
    assert body_of(again)["refund_id"] == body_of(retried)["refund_id"]
    assert [refund["refund_id"] for refund in after["refunds"]] == [body_of(retried)["refund_id"]]
    assert after["refunded_amount"]["amount"] == shop.listing["price"]["amount"]
