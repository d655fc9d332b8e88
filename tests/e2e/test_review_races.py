"""Review aggregates under races, over HTTP with real threads against the local stack (its emulator serialises
DynamoDB like AWS does). The listing's `rating` must be exact however many reviews and hidings overlap.

The rating sums live on the listing item, next to its stock: each review is one transaction that adds to them,
so the race is also a race with the listing's other writers (here: orders reserving its stock at the same time).
"""
from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from harness.factories import make_order

from .conftest import LocalStack, User
from .test_orders_e2e import LISTINGS_TABLE, active_listing, api, ok, place, verified_artisan
from .test_races import race

BUYERS = 24


def delivered_orders(stack: LocalStack, artisan: User, ops: User, listing_id: str, buyers: list[User]) -> list[str]:
    """One delivered cash-on-delivery order of the listing per buyer."""
    order_ids = []
    for buyer in buyers:
        order_id = ok(place(stack, buyer, make_order((listing_id, 1), payment_method="cod")), 201)["order_id"]
        ok(api(stack, "POST", f"/orders/{order_id}/shipments", artisan, {"carrier": "tcs", "tracking_number": "T"}))
        ok(api(stack, "POST", f"/ops/orders/{order_id}/delivered", ops))
        order_ids.append(order_id)
    return order_ids


def stored_sums(stack: LocalStack, listing_id: str) -> tuple[int, int]:
    item = stack.client("dynamodb").get_item(TableName=LISTINGS_TABLE, Key={"listing_id": {"S": listing_id}},
                                             ConsistentRead=True)["Item"]
    return int(item["rating_sum"]["N"]), int(item["rating_count"]["N"])


def rating(stack: LocalStack, listing_id: str) -> dict[str, Any]:
    return dict(ok(api(stack, "GET", f"/listings/{listing_id}"))["rating"])


@pytest.fixture
def market(stack: LocalStack) -> tuple[User, User, str]:
    ops = stack.user("ops")
    artisan = verified_artisan(stack, ops)
    return ops, artisan, active_listing(stack, artisan, stock=500)["listing_id"]


def test_buyers_reviewing_one_listing_at_once_keep_its_count_and_sum_exact(stack, market):
    ops, artisan, listing_id = market
    buyers = [stack.user() for _ in range(BUYERS)]
    orders = delivered_orders(stack, artisan, ops, listing_id, buyers)
    ratings = [1 + number % 5 for number in range(BUYERS)]
    shoppers = [stack.user() for _ in range(8)]
    # Each buyer posts the same review twice (a double tap): exactly one of the two is written.
    racers = [lambda session, buyer=buyer, order_id=order_id, stars=stars: api(
        stack, "POST", f"/orders/{order_id}/reviews", buyer, {"listing_id": listing_id, "rating": stars},
        session=session)
        for buyer, order_id, stars in zip(buyers, orders, ratings, strict=True) for _ in range(2)]
    # Orders reserving the same listing's stock meanwhile: the other writers of the item.
    racers += [lambda session, shopper=shopper: place(stack, shopper, make_order((listing_id, 1),
                                                                                   payment_method="cod"), session)
               for shopper in shoppers]

    answers = race(stack, racers)

    reviews, orders_placed = answers[:2 * BUYERS], answers[2 * BUYERS:]
    assert Counter(answer.status_code for answer in reviews) == {201: BUYERS, 409: BUYERS}
    assert {answer.json()["error"]["code"] for answer in reviews if answer.status_code == 409} == {"DUPLICATE"}
    assert Counter(answer.status_code for answer in orders_placed) == {201: len(shoppers)}
    assert stored_sums(stack, listing_id) == (sum(ratings), BUYERS)
    assert rating(stack, listing_id) == {"average": round(sum(ratings) / BUYERS, 1), "count": BUYERS}
    listed = ok(api(stack, "GET", f"/listings/{listing_id}/reviews?limit=100"))["items"]
    assert sorted(item["rating"] for item in listed) == sorted(ratings)


def test_hiding_racing_new_reviews_and_itself_takes_each_rating_off_once(stack, market):
    ops, artisan, listing_id = market
    buyers = [stack.user() for _ in range(12)]
    orders = delivered_orders(stack, artisan, ops, listing_id, buyers)
    first = [ok(api(stack, "POST", f"/orders/{order_id}/reviews", buyer, {"listing_id": listing_id, "rating": 1}),
                201)["review_id"] for buyer, order_id in zip(buyers[:6], orders[:6], strict=True)]
    # Ops hide each of the first six reviews three times at once, while six more buyers review with 5 stars.
    racers = [lambda session, review_id=review_id: api(stack, "POST", f"/ops/reviews/{review_id}/hide", ops,
                                                       {"reason": "Spam"}, session=session)
              for review_id in first for _ in range(3)]
    racers += [lambda session, buyer=buyer, order_id=order_id: api(
        stack, "POST", f"/orders/{order_id}/reviews", buyer, {"listing_id": listing_id, "rating": 5},
        session=session) for buyer, order_id in zip(buyers[6:], orders[6:], strict=True)]

    answers = race(stack, racers)

    assert Counter(answer.status_code for answer in answers) == {200: 18, 201: 6}
    assert stored_sums(stack, listing_id) == (30, 6)
    assert rating(stack, listing_id) == {"average": 5.0, "count": 6}
    for review_id in first:
        trail = ok(api(stack, "GET", f"/ops/audit?target_id={review_id}", ops))["items"]
        assert [entry["action"] for entry in trail] == ["review.hidden"]
