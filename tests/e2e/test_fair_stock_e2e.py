"""Buyer limits raced over HTTP with real threads against the local stack (its emulator serialises DynamoDB
as AWS does): one buyer's orders released together at the limit, on the cold path and on the hot one.

The session stack runs with the contract's defaults: MAX_OPEN_ORDERS 5, MAX_UNITS_PER_BUYER 10.
"""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

from chalicelib.ids import rfc3339, utc_now
from harness.factories import make_order

from .conftest import LocalStack, User
from .test_orders_e2e import LISTINGS_TABLE, active_listing, api, ok, place, stock_of, verified_artisan
from .test_races import error_code, race

MAX_OPEN_ORDERS = 5


def _answers(stack: LocalStack, buyer: User, bodies: list[dict]) -> Counter[str]:
    answers = race(stack, [lambda session, body=body: place(stack, buyer, body, session) for body in bodies])
    return Counter("201" if answer.status_code == 201 else f"{answer.status_code} {error_code(answer)}"
                   for answer in answers)


def _open_orders(stack: LocalStack, buyer: User) -> int:
    items = ok(api(stack, "GET", "/orders?limit=100", buyer))["items"]
    return sum(order["status"] in ("pending_payment", "confirmed") for order in items)


def _make_hot(stack: LocalStack, listing_id: str) -> None:
    stack.client("dynamodb").update_item(
        TableName=LISTINGS_TABLE, Key={"listing_id": {"S": listing_id}}, UpdateExpression="SET hot_until = :u",
        ExpressionAttributeValues={":u": {"S": rfc3339(utc_now() + timedelta(minutes=15))}})


def test_one_buyers_orders_released_together_stop_exactly_at_the_open_order_limit(stack: LocalStack) -> None:
    ops = stack.user("ops")
    listing_id = active_listing(stack, verified_artisan(stack, ops), stock=50)["listing_id"]
    buyer = stack.user()

    answers = _answers(stack, buyer, [make_order((listing_id, 1)) for _ in range(8)])

    assert answers == {"201": MAX_OPEN_ORDERS, "409 LIMIT_REACHED": 3}, answers
    assert _open_orders(stack, buyer) == MAX_OPEN_ORDERS
    assert stock_of(stack, listing_id) == 50 - MAX_OPEN_ORDERS


def test_two_orders_at_the_limit_at_the_same_instant_exactly_one_wins_cold_and_hot(stack: LocalStack) -> None:
    ops = stack.user("ops")
    artisan = verified_artisan(stack, ops)
    cold, hot = (active_listing(stack, artisan, stock=50)["listing_id"] for _ in range(2))
    _make_hot(stack, hot)
    for listing_id in (cold, hot):
        buyer = stack.user()
        for _ in range(MAX_OPEN_ORDERS - 1):
            ok(place(stack, buyer, make_order((listing_id, 1))), 201)

        answers = _answers(stack, buyer, [make_order((listing_id, 1)), make_order((listing_id, 1))])

        assert answers == {"201": 1, "409 LIMIT_REACHED": 1}, (listing_id, answers)
        assert _open_orders(stack, buyer) == MAX_OPEN_ORDERS
        assert stock_of(stack, listing_id) == 50 - MAX_OPEN_ORDERS


def test_two_orders_for_the_last_units_a_buyer_may_hold_exactly_one_wins(stack: LocalStack) -> None:
    ops = stack.user("ops")
    listing_id = active_listing(stack, verified_artisan(stack, ops), stock=50)["listing_id"]
    buyer = stack.user()
    ok(place(stack, buyer, make_order((listing_id, 7))), 201)

    answers = _answers(stack, buyer, [make_order((listing_id, 3)), make_order((listing_id, 2))])

    assert answers == {"201": 1, "409 LIMIT_REACHED": 1}, answers
    assert stock_of(stack, listing_id) in (50 - 10, 50 - 9)
    # Cancelling gives the units back: the buyer may order them again.
    for order in ok(api(stack, "GET", "/orders?limit=100", buyer))["items"]:
        ok(api(stack, "POST", f"/orders/{order['order_id']}/cancel", buyer))
    ok(place(stack, buyer, make_order((listing_id, 10))), 201)
