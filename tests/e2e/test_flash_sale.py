"""A flash sale at DynamoDB's real limits: the local stack with the emulator's contention mode on.

With it on, a transaction holds the items it writes for a commit window and other writers get
TransactionConflict, as on DynamoDB (local/README.md). Buyers race for one listing through the API,
released together; every buyer must get a unit (201) or an honest OUT_OF_STOCK (409), never a 503,
and exactly the stock is sold.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

from harness.factories import make_order
from local.provision import PREFIX

from .conftest import LocalStack, run_stack
from .test_orders_e2e import active_listing, api, ok, place, stock_of, verified_artisan
from .test_races import error_code, lowest_stock, race

UNITS = 12
BUYERS = 48


@pytest.fixture(scope="module")
def contended_stack() -> Iterator[LocalStack]:
    """A stack of its own whose emulator models transaction conflicts.

    The window is long (200 ms against DynamoDB's few): the local API serves a few dozen orders a second,
    and with a short window they would rarely meet; at this one every order transaction on the listing
    does, so the test shows what buyers get when they collide, every run.
    """
    yield from run_stack(EMULATOR_CONTENTION="1", EMULATOR_COMMIT_WINDOW_MS="200")


def test_buyers_racing_for_a_hot_listing_get_a_unit_or_an_honest_409_never_a_503(contended_stack):
    stack = contended_stack
    ops = stack.user("ops")
    artisan = verified_artisan(stack, ops)
    listing_id = active_listing(stack, artisan, stock=UNITS)["listing_id"]
    # Each request a buyer of their own, as in a sale: one buyer's orders would also meet the buyer limits
    # (MAX_OPEN_ORDERS) and, racing each other, the buyer's own counter items.
    buyers = [stack.user() for _ in range(BUYERS)]
    body = make_order((listing_id, 1))
    racing = buyers

    with lowest_stock(stack, listing_id) as seen:
        answers = race(stack, [lambda session, buyer=buyer: place(stack, buyer, body, session) for buyer in racing])

    statuses = Counter(answer.status_code for answer in answers)
    assert statuses == {201: UNITS, 409: BUYERS - UNITS}, statuses
    assert {error_code(answer) for answer in answers if answer.status_code == 409} == {"OUT_OF_STOCK"}
    assert stock_of(stack, listing_id) == 0
    assert seen and min(seen) >= 0
    orders = {answer.json()["order_id"] for answer in answers if answer.status_code == 201}
    assert len(orders) == UNITS
    for buyer in buyers:  # every order a buyer got is there, once
        mine = {order["order_id"] for order in ok(api(stack, "GET", "/orders?limit=100", buyer))["items"]}
        assert mine <= orders
    placed = sum(len(ok(api(stack, "GET", "/orders?limit=100", buyer))["items"]) for buyer in buyers)
    assert placed == UNITS  # no half-made order left behind by a refused buyer
    listing = stack.client("dynamodb").get_item(TableName=f"{PREFIX}-ListingsTable", ConsistentRead=True,
                                                Key={"listing_id": {"S": listing_id}})["Item"]
    assert "hot_until" in listing  # the race met a conflict and the listing went the hot way
    assert not [name for name in listing if name.startswith("hold_")]  # nothing left held
