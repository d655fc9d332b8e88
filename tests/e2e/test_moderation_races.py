"""Orders racing a suspension, over HTTP with real threads against the local stack (serialised emulator).

Buyers keep ordering the artisan's listings (one of them hot, so both order paths race) while
ops suspend the artisan. The suspension's guarantee: once it has committed (its audit entry's
transaction), no order sells one of the artisan's listings. Checked three ways each round:
every order sent after the suspension answered is refused 409 LISTING_UNAVAILABLE; every order
that succeeded was placed before the suspension's audit time; and no unit is lost or invented
(units sold + stock left = stock at the start, for every listing).
"""
from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
import requests

from chalicelib.ids import rfc3339, utc_now
from harness.factories import make_order

from .conftest import LocalStack, User, run_stack
from .test_orders_e2e import LISTINGS_TABLE, TIMEOUT, active_listing, api, ok, place, stock_of, verified_artisan

ROUNDS = 4
BUYERS = 6
STOCK = 200
WAIT_SECONDS = 30  # for orders to sell before the suspension, and for every buyer to try again after it


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    """A stack of its own whose buyers may hold many open orders: each round's buyers place dozens of cash orders,
    and the buyer limits (tests/e2e/test_fair_stock_e2e.py) are not what races the suspension here."""
    yield from run_stack(MAX_OPEN_ORDERS="1000", MAX_UNITS_PER_BUYER="1000")


@dataclass
class Attempt:
    buyer: str
    listing_id: str
    sent: float  # time.monotonic() when the request left
    answered: float
    status: int
    code: str | None
    created_at: str | None


def _make_hot(stack: LocalStack, listing_id: str) -> None:
    stack.client("dynamodb").update_item(
        TableName=LISTINGS_TABLE, Key={"listing_id": {"S": listing_id}}, UpdateExpression="SET hot_until = :u",
        ExpressionAttributeValues={":u": {"S": rfc3339(utc_now() + timedelta(minutes=15))}})


def _buyer(stack: LocalStack, buyer: User, listing_ids: list[str], stop: threading.Event,
           attempts: list[Attempt], lock: threading.Lock) -> None:
    session = requests.Session()
    try:
        while not stop.is_set():
            listing_id = random.choice(listing_ids)
            sent = time.monotonic()
            answer = place(stack, buyer, make_order((listing_id, 1), payment_method="cod"), session)
            body = answer.json()
            attempt = Attempt(buyer.sub, listing_id, sent, time.monotonic(), answer.status_code,
                              body.get("error", {}).get("code"), body.get("created_at"))
            with lock:
                attempts.append(attempt)
    finally:
        session.close()


def _wait_for(condition: Callable[[], bool], attempts: list[Attempt], lock: threading.Lock) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        with lock:
            if condition():
                return
        time.sleep(0.02)
    raise AssertionError(f"the race did not happen within {WAIT_SECONDS} s: {len(attempts)} attempts")


@pytest.mark.parametrize("round_number", range(ROUNDS))
def test_no_order_sells_a_suspended_artisans_listing_after_the_suspension_committed(stack: LocalStack,
                                                                                    round_number: int) -> None:
    ops = stack.user("ops")
    artisan = verified_artisan(stack, ops)
    listing_ids = [active_listing(stack, artisan, stock=STOCK, title=f"Round {round_number} item {n}")["listing_id"]
                   for n in range(3)]
    _make_hot(stack, listing_ids[0])
    buyers = [stack.user() for _ in range(BUYERS)]
    stop, lock = threading.Event(), threading.Lock()
    attempts: list[Attempt] = []
    threads = [threading.Thread(target=_buyer, args=(stack, buyer, listing_ids, stop, attempts, lock))
               for buyer in buyers]
    for thread in threads:
        thread.start()
    try:
        # Orders are flowing (some sold already), then the suspension lands at a random moment.
        _wait_for(lambda: any(attempt.status == 201 for attempt in attempts), attempts, lock)
        time.sleep(random.random() * 0.4)
        suspension = api(stack, "POST", f"/ops/artisans/{artisan.sub}/suspension", ops, {"reason": "Race test"})
        suspended_at = time.monotonic()
        # Every buyer tries again after the suspension answered, however slow the machine is.
        _wait_for(lambda: len({a.buyer for a in attempts if a.sent > suspended_at}) == BUYERS, attempts, lock)
    finally:
        stop.set()
        for thread in threads:
            thread.join(TIMEOUT)
    assert suspension.status_code == 200, suspension.text

    (entry,) = [item for item in ok(api(stack, "GET", f"/ops/audit?target_id={artisan.sub}", ops))["items"]
                if item["action"] == "artisan.suspension"]
    sold = [attempt for attempt in attempts if attempt.status == 201]
    late = [attempt for attempt in attempts if attempt.sent > suspended_at]
    outcomes = Counter((attempt.status, attempt.code) for attempt in attempts)
    assert sold and late, outcomes  # the race really happened: orders before and after
    assert {(attempt.status, attempt.code) for attempt in late} == {(409, "LISTING_UNAVAILABLE")}, outcomes
    assert set(outcomes) <= {(201, None), (409, "LISTING_UNAVAILABLE")}, outcomes
    assert all(attempt.created_at is not None and attempt.created_at < entry["at"] for attempt in sold)
    for listing_id in listing_ids:
        units = sum(attempt.listing_id == listing_id for attempt in sold)
        assert stock_of(stack, listing_id) + units == STOCK, listing_id
    assert ok(api(stack, "GET", f"/listings?artisan_id={artisan.sub}"))["items"] == []
