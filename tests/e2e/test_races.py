"""Races over HTTP with real threads against the local stack, whose emulator serialises DynamoDB like AWS does.

Each race starts its threads at a barrier so the requests really overlap, and a
poller reads the listing's stock from the emulator throughout, to show that it
never goes below zero, not only that it ends right.
"""
from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager

import pytest
import requests

from harness.factories import make_order
from harness.gateways import card_success
from local.provision import PREFIX

from .conftest import LocalStack, User
from .test_orders_e2e import TIMEOUT, active_listing, api, ok, place, stock_of, verified_artisan

BARRIER_TIMEOUT = 120


Racer = Callable[[requests.Session], requests.Response]


def race(stack: LocalStack, racers: list[Racer]) -> list[requests.Response]:
    """Run every racer on its own thread and connection, released together; answers in the order given.

    Connections are opened one by one beforehand: Chalice's local server listens
    with a backlog of 5, and the race under test is between the writes, not the accepts.
    """
    sessions = [requests.Session() for _ in racers]
    for session in sessions:
        assert session.get(f"{stack.api_url}/health", timeout=TIMEOUT).status_code == 200
    barrier = threading.Barrier(len(racers), timeout=BARRIER_TIMEOUT)

    def released(racer: Racer, session: requests.Session) -> requests.Response:
        barrier.wait()
        return racer(session)

    try:
        with ThreadPoolExecutor(max_workers=len(racers)) as pool:
            return list(pool.map(released, racers, sessions))
    finally:
        for session in sessions:
            session.close()


@contextmanager
def polled(read: Callable[[], int], name: str = "stock-poller") -> Iterator[list[int]]:
    """Calls `read` over and over until the block ends; yields the list of every value seen."""
    seen: list[int] = []
    done = threading.Event()

    def poll() -> None:
        while not done.is_set():
            seen.append(read())

    poller = threading.Thread(target=poll, name=name)
    poller.start()
    try:
        yield seen
    finally:
        done.set()
        poller.join(TIMEOUT)


def lowest_stock(stack: LocalStack, listing_id: str) -> AbstractContextManager[list[int]]:
    """Every stock the listing showed while the block ran."""
    return polled(lambda: stock_of(stack, listing_id))


def error_code(response: requests.Response) -> str:
    return str(response.json()["error"]["code"])


@pytest.fixture
def seller(stack: LocalStack) -> tuple[User, User]:
    """An ops user and a verified artisan."""
    ops = stack.user("ops")
    return ops, verified_artisan(stack, ops)


def test_forty_buyers_racing_for_five_units_get_exactly_five_orders(stack, seller):
    _, artisan = seller
    listing_id = active_listing(stack, artisan, stock=5)["listing_id"]
    buyers = [stack.user() for _ in range(40)]
    body = make_order((listing_id, 1))

    with lowest_stock(stack, listing_id) as seen:
        answers = race(stack, [lambda session, buyer=buyer: place(stack, buyer, body, session) for buyer in buyers])

    statuses = Counter(answer.status_code for answer in answers)
    assert statuses == {201: 5, 409: 35}, statuses
    assert {error_code(answer) for answer in answers if answer.status_code == 409} == {"OUT_OF_STOCK"}
    assert stock_of(stack, listing_id) == 0
    assert seen and min(seen) >= 0
    winners = {answer.json()["buyer_id"] for answer in answers if answer.status_code == 201}
    assert len(winners) == 5


def _payment_records(stack: LocalStack, order_id: str) -> list[str]:
    dynamodb = stack.client("dynamodb")
    keys = []
    for page in dynamodb.get_paginator("scan").paginate(
            TableName=f"{PREFIX}-PaymentEventsTable", ConsistentRead=True, FilterExpression="order_id = :order",
            ExpressionAttributeValues={":order": {"S": order_id}}):
        keys.extend(item["event_key"]["S"] for item in page["Items"])
    return sorted(keys)


def _webhook(stack: LocalStack, body: bytes) -> Racer:
    headers = stack.card_webhook_headers(body)  # signed once: every delivery is the same one
    return lambda session: session.post(f"{stack.api_url}/payments/card/webhook", data=body, timeout=TIMEOUT,
                                        headers=headers)


def test_the_same_webhook_delivered_ten_times_at_once_pays_once(stack, seller):
    _, artisan = seller
    listing_id = active_listing(stack, artisan, stock=3)["listing_id"]
    buyer = stack.user()
    order = ok(place(stack, buyer, make_order((listing_id, 1), payment_method="card", currency="USD")), 201)
    body = card_success(order, event_id="evt_race_once")

    answers = race(stack, [_webhook(stack, body)] * 10)

    assert [answer.status_code for answer in answers] == [200] * 10
    paid = ok(api(stack, "GET", f"/orders/{order['order_id']}", buyer))
    assert (paid["status"], paid["needs_review"]) == ("paid", False)
    assert _payment_records(stack, order["order_id"]) == sorted(["card#evt_race_once", f"paid#{order['order_id']}"])
    assert stock_of(stack, listing_id) == 2


def test_a_stock_edit_racing_orders_never_erases_a_reservation(stack, seller):
    """The edit sets an absolute stock, conditional on the value it replaces and retried.

    So every order that committed before the edit is absorbed by the new value,
    and every order that committed after it is subtracted from it: the final
    stock is `edited - k` where k orders came after the edit, and the rest must
    have fitted in the stock before it. An edit that erased a reservation made
    after its write would leave more stock than that; one that lost its retry
    would answer 409.
    """
    _, artisan = seller
    before, edited = 6, 4
    listing_id = active_listing(stack, artisan, stock=before)["listing_id"]
    buyers = [stack.user() for _ in range(12)]
    body = make_order((listing_id, 1))

    def edit(session: requests.Session) -> requests.Response:
        return api(stack, "PATCH", f"/listings/{listing_id}", artisan, {"stock": edited}, session=session)

    with lowest_stock(stack, listing_id) as seen:
        answers = race(stack, [edit] + [lambda session, buyer=buyer: place(stack, buyer, body, session)
                                        for buyer in buyers])

    edit_answer, orders = answers[0], answers[1:]
    assert edit_answer.status_code == 200, edit_answer.text
    placed = sum(answer.status_code == 201 for answer in orders)
    assert all(answer.status_code == 201 or (answer.status_code, error_code(answer)) == (409, "OUT_OF_STOCK")
               for answer in orders)
    final = stock_of(stack, listing_id)
    after_edit = edited - final
    assert seen and min(seen) >= 0 and final >= 0
    assert 0 <= after_edit <= placed
    assert placed - after_edit <= before
    assert placed <= before + edited


def test_cancel_racing_a_payment_lets_exactly_one_win(stack, seller):
    _, artisan = seller
    rounds = 6
    listing_id = active_listing(stack, artisan, stock=rounds)["listing_id"]
    buyer = stack.user()
    outcomes = Counter()
    for _ in range(rounds):
        order = ok(place(stack, buyer, make_order((listing_id, 1), payment_method="card", currency="PKR")), 201)
        path = f"/orders/{order['order_id']}/cancel"
        body = card_success(order, event_id=f"evt_cancel_race_{order['order_id']}")

        cancel, payment = race(stack, [lambda session, path=path: api(stack, "POST", path, buyer, session=session),
                                       _webhook(stack, body)])

        assert payment.status_code == 200, payment.text
        final = ok(api(stack, "GET", f"/orders/{order['order_id']}", buyer))
        if cancel.status_code == 200:
            assert (final["status"], final["needs_review"], final["paid_at"]) == ("cancelled", True, None)
        else:
            assert (cancel.status_code, error_code(cancel)) == (409, "INVALID_STATE"), cancel.text
            assert (final["status"], final["needs_review"]) == ("paid", False)
        outcomes[final["status"]] += 1
        # A cancel released its unit once; a payment kept it. Which wins a round is the scheduler's choice.
        assert stock_of(stack, listing_id) == rounds - outcomes["paid"]
