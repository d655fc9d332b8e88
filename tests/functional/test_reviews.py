"""Reviews (API.md "Finding and choosing"): verified buyers after delivery, once per listing per order, the listing's
rating kept with each review, ops hiding one (audited). Through the real app on moto in-process."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from harness.aws import Aws, User
from harness.factories import active_listing, make_order, placed, verified_artisan
from harness.http import body_of, call, code_of
from harness.stored import table_state

SHIPMENT = {"carrier": "tcs", "tracking_number": "TCS-1"}


@dataclass
class Shop:
    artisan: User
    listing_id: str
    other_listing_id: str
    ops: User


@pytest.fixture
def shop(client: Any, aws: Aws) -> Shop:
    artisan = verified_artisan(client, aws)
    return Shop(artisan=artisan, listing_id=active_listing(client, artisan, stock=50)["listing_id"],
                other_listing_id=active_listing(client, artisan, stock=50)["listing_id"], ops=aws.user("ops"))


def delivered(client: Any, shop: Shop, buyer: User, *listing_ids: str) -> str:
    """A cash-on-delivery order of one unit of each listing, shipped and delivered; its id."""
    order = placed(client, buyer, make_order(*((lid, 1) for lid in listing_ids or (shop.listing_id,)),
                                             payment_method="cod"))
    assert call(client, "POST", f"/orders/{order['order_id']}/shipments", shop.artisan, SHIPMENT).status_code == 200
    assert call(client, "POST", f"/ops/orders/{order['order_id']}/delivered", shop.ops).status_code == 200
    return str(order["order_id"])


def review(client: Any, buyer: User, order_id: str, listing_id: str, rating: int, text: str | None = None) -> Any:
    body: dict[str, Any] = {"listing_id": listing_id, "rating": rating}
    if text is not None:
        body["text"] = text
    return call(client, "POST", f"/orders/{order_id}/reviews", buyer, body)


def rating_of(client: Any, listing_id: str) -> dict[str, Any]:
    return dict(body_of(call(client, "GET", f"/listings/{listing_id}"))["rating"])


def reviews_of(client: Any, listing_id: str, query: str = "") -> dict[str, Any]:
    response = call(client, "GET", f"/listings/{listing_id}/reviews{query}")
    assert response.status_code == 200, response.body
    return dict(body_of(response))


def test_a_listing_without_reviews_has_no_average(client, shop):
    assert rating_of(client, shop.listing_id) == {"average": None, "count": 0}
    assert reviews_of(client, shop.listing_id) == {"items": [], "next_cursor": None}


def test_a_buyer_reviews_each_delivered_listing_once_and_the_rating_follows(client, aws, shop):
    buyer = aws.user()
    order_id = delivered(client, shop, buyer, shop.listing_id, shop.other_listing_id)

    first = review(client, buyer, order_id, shop.listing_id, 5, "  Beautiful ajrak, خوبصورت  ")
    again = review(client, buyer, order_id, shop.listing_id, 1)
    other = review(client, buyer, order_id, shop.other_listing_id, 4)

    assert first.status_code == 201, first.body
    document = body_of(first)
    assert document["rating"] == 5 and document["text"] == "Beautiful ajrak, خوبصورت"
    assert document["verified_purchase"] is True and document["hidden"] is False
    assert "buyer_id" not in document and "order_id" not in document
    assert again.status_code == 409 and code_of(again) == "DUPLICATE"
    assert other.status_code == 201
    assert rating_of(client, shop.listing_id) == {"average": 5.0, "count": 1}
    assert rating_of(client, shop.other_listing_id) == {"average": 4.0, "count": 1}


def test_the_average_is_rounded_half_up_to_one_decimal(client, aws, shop):
    for rating in (5, 4, 4):  # 13 / 3 = 4.333...
        buyer = aws.user()
        assert review(client, buyer, delivered(client, shop, buyer), shop.listing_id, rating).status_code == 201
    assert rating_of(client, shop.listing_id) == {"average": 4.3, "count": 3}
    buyer = aws.user()
    assert review(client, buyer, delivered(client, shop, buyer), shop.listing_id, 4).status_code == 201
    assert rating_of(client, shop.listing_id) == {"average": 4.3, "count": 4}  # 17 / 4 = 4.25 -> 4.3


def test_the_same_buyer_may_review_the_same_listing_again_from_another_order(client, aws, shop):
    buyer = aws.user()
    for rating in (2, 4):
        assert review(client, buyer, delivered(client, shop, buyer), shop.listing_id, rating).status_code == 201
    assert rating_of(client, shop.listing_id) == {"average": 3.0, "count": 2}


def test_reviews_are_listed_newest_first_in_pages(client, aws, shop):
    written = []
    for rating in (1, 2, 3, 4, 5):
        buyer = aws.user()
        response = review(client, buyer, delivered(client, shop, buyer), shop.listing_id, rating, f"r{rating}")
        written.append(body_of(response)["review_id"])
    seen: list[str] = []
    cursor = None
    for _ in range(5):
        page = reviews_of(client, shop.listing_id, "?limit=2" + (f"&cursor={cursor}" if cursor else ""))
        assert len(page["items"]) <= 2
        seen += [item["review_id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == written[::-1]
    foreign = reviews_of(client, shop.listing_id, "?limit=1")["next_cursor"]
    response = call(client, "GET", f"/listings/{shop.other_listing_id}/reviews?cursor={foreign}")
    assert response.status_code == 400 and code_of(response) == "BAD_CURSOR"


@pytest.mark.parametrize("who", ["other_buyer", "artisan", "ops"])
def test_only_the_orders_buyer_may_review_it_and_others_learn_nothing(client, aws, shop, who):
    buyer = aws.user()
    order_id = delivered(client, shop, buyer)
    caller = {"other_buyer": aws.user(), "artisan": shop.artisan, "ops": shop.ops}[who]
    before = table_state(aws)

    response = review(client, caller, order_id, shop.listing_id, 5)
    missing = review(client, caller, "O" + "0" * 15, shop.listing_id, 5)

    assert response.status_code == missing.status_code == 404
    assert body_of(response) == body_of(missing)
    assert table_state(aws) == before


def test_an_order_not_yet_delivered_or_a_listing_not_in_it_cannot_be_reviewed(client, aws, shop):
    buyer = aws.user()
    confirmed = placed(client, buyer, make_order((shop.listing_id, 1), payment_method="cod"))["order_id"]
    order_id = delivered(client, shop, buyer)
    before = table_state(aws)

    early = review(client, buyer, confirmed, shop.listing_id, 5)
    elsewhere = review(client, buyer, order_id, shop.other_listing_id, 5)

    assert early.status_code == 409 and code_of(early) == "INVALID_STATE"
    assert elsewhere.status_code == 409 and code_of(elsewhere) == "INVALID_STATE"
    assert table_state(aws) == before


@pytest.mark.parametrize("body", [
    {"listing_id": "L1", "rating": 0}, {"listing_id": "L1", "rating": 6}, {"listing_id": "L1", "rating": "5"},
    {"listing_id": "L1"}, {"rating": 5}, {"listing_id": "L1", "rating": 5, "text": "x" * 2001},
    {"listing_id": "L1", "rating": 5, "stars": 5},
])
def test_a_malformed_review_is_400(client, aws, shop, body):
    buyer = aws.user()
    response = call(client, "POST", f"/orders/{delivered(client, shop, buyer)}/reviews", buyer, body)
    assert response.status_code == 400 and code_of(response) == "VALIDATION_ERROR"


def test_signing_in_is_needed_to_review(client, aws, shop):
    response = call(client, "POST", "/orders/O1/reviews", None, {"listing_id": shop.listing_id, "rating": 5})
    assert response.status_code == 401


def test_a_review_whose_order_changes_before_the_write_is_refused_and_writes_nothing(client, aws, shop, hooks):
    """The order leaves `delivered` between the service's read and its transaction (as a refund would move it):
    the transaction's check on the order fails, and neither the review nor the listing's sums are written."""
    import boto3

    from harness.environment import REGION

    buyer = aws.user()
    order_id = delivered(client, shop, buyer)
    orders = boto3.resource("dynamodb", region_name=REGION).Table(aws.env["TABLE_ORDERS"])

    def move_the_order(parsed: dict[str, Any], **_: Any) -> None:
        if parsed.get("Item", {}).get("order_id") == {"S": order_id}:
            orders.update_item(Key={"order_id": order_id}, UpdateExpression="SET #s = :s",
                               ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":s": "refunded"})

    hooks.add("after-call.dynamodb.GetItem", move_the_order)
    response = review(client, buyer, order_id, shop.listing_id, 5)
    hooks.remove_all()

    assert response.status_code == 409 and code_of(response) == "INVALID_STATE"
    assert rating_of(client, shop.listing_id) == {"average": None, "count": 0}
    assert reviews_of(client, shop.listing_id)["items"] == []


def test_reviews_of_a_listing_the_caller_may_not_see_are_404(client, aws, shop):
    response = call(client, "POST", f"/listings/{shop.listing_id}/unpublish", shop.artisan)
    assert response.status_code == 200
    assert call(client, "GET", f"/listings/{shop.listing_id}/reviews").status_code == 404
    assert call(client, "GET", "/listings/L000/reviews").status_code == 404
    assert call(client, "GET", f"/listings/{shop.listing_id}/reviews", shop.artisan).status_code == 200
    assert call(client, "GET", f"/listings/{shop.listing_id}/reviews", shop.ops).status_code == 200


# --- ops hide a review ------------------------------------------------------------------------


def _audit(client: Any, ops: User, target: str) -> list[dict[str, Any]]:
    return list(body_of(call(client, "GET", f"/ops/audit?target_id={target}", ops))["items"])


def test_ops_hide_a_review_out_of_the_list_and_the_rating_with_one_audit_entry(client, aws, shop):
    buyers = [aws.user(), aws.user()]
    ids = [body_of(review(client, buyer, delivered(client, shop, buyer), shop.listing_id, rating))["review_id"]
           for buyer, rating in zip(buyers, (1, 5), strict=True)]
    assert rating_of(client, shop.listing_id) == {"average": 3.0, "count": 2}

    hidden = call(client, "POST", f"/ops/reviews/{ids[0]}/hide", shop.ops, {"reason": "Abusive language"})
    again = call(client, "POST", f"/ops/reviews/{ids[0]}/hide", shop.ops, {"reason": "Second thoughts"})

    assert hidden.status_code == 200, hidden.body
    assert body_of(hidden)["hidden"] is True and body_of(hidden)["hidden_reason"] == "Abusive language"
    assert again.status_code == 200 and body_of(again)["hidden_reason"] == "Abusive language"
    assert rating_of(client, shop.listing_id) == {"average": 5.0, "count": 1}
    assert [item["review_id"] for item in reviews_of(client, shop.listing_id)["items"]] == [ids[1]]
    entries = _audit(client, shop.ops, ids[0])
    assert [(entry["action"], entry["actor_id"]) for entry in entries] == [("review.hidden", shop.ops.sub)]
    assert entries[0]["details"] == {"reason": "Abusive language", "listing_id": shop.listing_id, "rating": 1}


def test_only_ops_hide_and_a_refusal_changes_nothing(client, aws, shop):
    buyer = aws.user()
    review_id = body_of(review(client, buyer, delivered(client, shop, buyer), shop.listing_id, 2))["review_id"]
    before = table_state(aws)

    answers = [call(client, "POST", f"/ops/reviews/{review_id}/hide", user, {"reason": "x"})
               for user in (None, buyer, shop.artisan)]
    missing = call(client, "POST", "/ops/reviews/RV000/hide", shop.ops, {"reason": "x"})
    empty = call(client, "POST", f"/ops/reviews/{review_id}/hide", shop.ops, {"reason": ""})

    assert [answer.status_code for answer in answers] == [401, 403, 403]
    assert missing.status_code == 404 and empty.status_code == 400
    assert table_state(aws) == before


def test_a_hide_whose_transaction_fails_writes_neither_the_change_nor_its_entry(client, aws, shop, hooks):
    """A listing that vanished makes the hiding transaction fail its condition every time: nothing is written."""
    import boto3

    from harness.environment import REGION

    buyer = aws.user()
    review_id = body_of(review(client, buyer, delivered(client, shop, buyer), shop.listing_id, 3))["review_id"]
    listings = boto3.resource("dynamodb", region_name=REGION).Table(aws.env["TABLE_LISTINGS"])
    saved = listings.get_item(Key={"listing_id": shop.listing_id}, ConsistentRead=True)["Item"]
    listings.delete_item(Key={"listing_id": shop.listing_id})
    before = table_state(aws)

    response = call(client, "POST", f"/ops/reviews/{review_id}/hide", shop.ops, {"reason": "x"})

    assert response.status_code == 409, response.body
    assert table_state(aws) == before
    listings.put_item(Item=saved)
    assert [item["review_id"] for item in reviews_of(client, shop.listing_id)["items"]] == [review_id]
