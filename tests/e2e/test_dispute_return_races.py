"""Disputes and returns raced over HTTP with real threads against the local stack (serialised emulator).

Every answer is checked, and then the ledgers and the order: however many
deliveries or decisions overlap, each takes effect once.
"""
from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import requests

from harness.factories import make_order
from harness.gateways import card_dispute, card_success

from .conftest import LocalStack, User
from .test_orders_e2e import active_listing, api, ok, place, verified_artisan
from .test_races import _webhook, race

SHIPMENT = {"carrier": "tcs", "tracking_number": "TCS-RACE"}


@pytest.fixture
def seller(stack: LocalStack) -> tuple[User, User]:
    ops = stack.user("ops")
    return ops, verified_artisan(stack, ops)


def _delivered(stack: LocalStack, seller: tuple[User, User], buyer: User, **order: Any) -> dict[str, Any]:
    ops, artisan = seller
    listing_id = active_listing(stack, artisan, stock=5)["listing_id"]
    placed = ok(place(stack, buyer, make_order((listing_id, 2), **order)), 201)
    if placed["payment_method"] == "card":
        with requests.Session() as session:
            assert _webhook(stack, card_success(placed))(session).status_code == 200
    ok(api(stack, "POST", f"/orders/{placed['order_id']}/shipments", artisan, SHIPMENT))
    return dict(ok(api(stack, "POST", f"/ops/orders/{placed['order_id']}/delivered", ops)))


def _ledger(stack: LocalStack, artisan: User) -> tuple[int, Counter[str]]:
    body = ok(api(stack, "GET", "/artisans/me/payouts?limit=100", artisan))
    return body["balance"]["amount"], Counter(entry["kind"] for entry in body["entries"])


def test_dispute_events_delivered_at_once_hold_and_release_once(stack, seller):
    _, artisan = seller
    order = _delivered(stack, seller, stack.user(), payment_method="card")
    credit, _ = _ledger(stack, artisan)
    created = [card_dispute(order, event_id="evt_dispute_same")] * 5 + [card_dispute(order) for _ in range(5)]
    closed = [card_dispute(order, closed="won", event_id="evt_close_same")] * 5 + [
        card_dispute(order, closed="won") for _ in range(5)]

    opened = race(stack, [_webhook(stack, body) for body in created])
    held = _ledger(stack, artisan)
    settled = race(stack, [_webhook(stack, body) for body in closed])

    assert [answer.status_code for answer in opened + settled] == [200] * 20
    assert held == (0, Counter({"sale": 1, "dispute_hold": 1}))
    assert _ledger(stack, artisan) == (credit, Counter({"sale": 1, "dispute_hold": 1, "dispute_release": 1}))


def test_two_return_requests_racing_for_the_same_units_leave_one(stack, seller):
    buyer = stack.user()
    order = _delivered(stack, seller, buyer, payment_method="cod")
    listing_id = order["items"][0]["listing_id"]
    body = {"items": [{"listing_id": listing_id, "quantity": 2}], "reason": "Too small"}

    answers = race(stack, [lambda session: api(stack, "POST", f"/orders/{order['order_id']}/returns", buyer, body,
                                               session=session)] * 2)

    assert sorted(answer.status_code for answer in answers) == [201, 409]
    after = ok(api(stack, "GET", f"/orders/{order['order_id']}", buyer))
    assert [entry["status"] for entry in after["returns"]] == ["requested"]


def test_decisions_racing_on_one_return_take_effect_once(stack, seller):
    ops, _ = seller
    buyer = stack.user()
    order = _delivered(stack, seller, buyer, payment_method="cod")
    body = {"items": [{"listing_id": order["items"][0]["listing_id"], "quantity": 1}], "reason": "Chipped"}
    return_id = ok(api(stack, "POST", f"/orders/{order['order_id']}/returns", buyer, body), 201)["return_id"]
    path = f"/ops/returns/{return_id}/decision"

    approvals = race(stack, [lambda session: api(stack, "POST", path, ops, {"decision": "approved"},
                                                 session=session)] * 4
                     + [lambda session: api(stack, "POST", path, ops, {"decision": "rejected"}, session=session)])

    statuses = Counter(answer.status_code for answer in approvals)
    won = {answer.json()["status"] for answer in approvals if answer.status_code == 200}
    assert len(won) == 1
    assert statuses == ({200: 4, 409: 1} if won == {"approved"} else {200: 1, 409: 4})
    after = ok(api(stack, "GET", f"/orders/{order['order_id']}", ops))
    assert after["returns"][0]["status"] == won.pop()
    assert len(after["refunds"]) == (1 if after["returns"][0]["status"] == "approved" else 0)
    refund_ids = {answer.json()["refund_id"] for answer in approvals if answer.status_code == 200}
    assert refund_ids == ({after["refunds"][0]["refund_id"]} if after["refunds"] else {None})
