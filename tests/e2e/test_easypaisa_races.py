"""Easypaisa notifications racing over HTTP with real threads against the local stack (its emulator serialises
DynamoDB like AWS) and its sandbox checkout and inquiry API: the same payment notified ten times at once, mixed
with the buyer's return, is applied once; ten forged notifications at once change nothing. Every race starts at a
barrier (test_races.race)."""
from __future__ import annotations

from typing import Any

import pytest
import requests

from harness.factories import make_order

from .conftest import LocalStack, User
from .test_orders_e2e import TIMEOUT, active_listing, api, ok, place, verified_artisan
from .test_races import race

PRICE = 150000  # Rs 1,500
CALLBACK = "/payments/easypaisa/callback"


@pytest.fixture
def shop(stack: LocalStack) -> tuple[User, str]:
    """A buyer and an active listing of 10 units."""
    ops = stack.user("ops")
    artisan = verified_artisan(stack, ops)
    listing = active_listing(stack, artisan, stock=10, price={"amount": PRICE, "currency": "PKR"})
    return stack.user(), listing["listing_id"]


def _started(stack: LocalStack, buyer: User, listing_id: str) -> tuple[dict[str, Any], str]:
    order = ok(place(stack, buyer, make_order((listing_id, 1), payment_method="easypaisa")), 201)
    started = ok(api(stack, "POST", f"/orders/{order['order_id']}/payment", buyer))
    assert started["provider"] == "easypaisa"
    return order, started["form_fields"]["orderRefNum"]


def _notify(stack: LocalStack, ref: str, *, browser: bool = False):  # noqa: ANN202
    accept = "text/html" if browser else "application/json"
    return lambda session: session.post(f"{stack.api_url}{CALLBACK}", data={"orderRefNumber": ref, "status": "0000"},
                                        headers={"Accept": accept}, allow_redirects=False, timeout=TIMEOUT)


def _payment_records(stack: LocalStack, order_id: str) -> list[str]:
    dynamodb = stack.client("dynamodb")
    table = next(name for name in dynamodb.list_tables()["TableNames"] if "PaymentEvents" in name)
    items = dynamodb.scan(TableName=table, ConsistentRead=True)["Items"]
    return sorted(item["event_key"]["S"] for item in items if item["order_id"]["S"] == order_id)


def test_one_payment_notified_ten_times_at_once_with_the_buyers_return_is_applied_once(stack, shop):
    buyer, listing_id = shop
    order, ref = _started(stack, buyer, listing_id)
    paid = {"ref": ref, "status": "PAID", "amount": order["charge"]["amount"]}
    assert requests.post(f"{stack.web_url}/sandbox/control", json={"easypaisa": paid}, timeout=TIMEOUT).ok

    answers = race(stack, [_notify(stack, ref, browser=index % 3 == 0) for index in range(10)])

    assert sorted(answer.status_code for answer in answers) == [200] * 6 + [303] * 4, [a.text for a in answers]
    after = ok(api(stack, "GET", f"/orders/{order['order_id']}", buyer))
    assert after["status"] == "paid" and not after.get("needs_review")
    assert _payment_records(stack, order["order_id"]) == [f"easypaisa#{ref}:PAID", f"paid#{order['order_id']}"]


def test_ten_forged_notifications_at_once_change_nothing(stack, shop):
    buyer, listing_id = shop
    order, ref = _started(stack, buyer, listing_id)
    before = ok(api(stack, "GET", f"/orders/{order['order_id']}", buyer))

    answers = race(stack, [_notify(stack, ref) for _ in range(10)])

    assert [answer.status_code for answer in answers] == [200] * 10
    assert ok(api(stack, "GET", f"/orders/{order['order_id']}", buyer)) == before
    assert _payment_records(stack, order["order_id"]) == []
