"""Payout races over HTTP with real threads against the local stack (its emulator serialises DynamoDB like AWS):
two runs at once, a run racing the delivery that credits an artisan, and one settlement posted several times at
once. Every race starts at a barrier (test_races.race). Runs pay everyone eligible on the stack, so each test
looks only at its own artisans."""
from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

import pytest
import requests

from harness.factories import make_order, make_profile

from .conftest import LocalStack, User
from .test_orders_e2e import active_listing, api, ok, place, verified_artisan
from .test_races import race

PRICE = 100000  # Rs 1,000; 5 % commission leaves Rs 950 per unit
CREDIT = PRICE - PRICE * 500 // 10000
IBAN = "PK36SCBL0000001123456702"


def _payee(stack: LocalStack, ops: User) -> tuple[User, str]:
    """A verified artisan with an IBAN and an active listing of 20 units at Rs 1,000."""
    artisan = verified_artisan(stack, ops)
    profile = {key: value for key, value in make_profile().items() if key != "cnic"}
    account = {"method": "iban", "iban": IBAN, "account_title": "Race Payee"}
    ok(api(stack, "PUT", "/artisans/me", artisan, dict(profile, payout_account=account)))
    listing = active_listing(stack, artisan, stock=20, price={"amount": PRICE, "currency": "PKR"})
    return artisan, listing["listing_id"]


def _shipped(stack: LocalStack, artisan: User, listing_id: str, quantity: int = 1) -> str:
    order = ok(place(stack, stack.user(), make_order((listing_id, quantity), payment_method="cod")), 201)
    ok(api(stack, "POST", f"/orders/{order['order_id']}/shipments", artisan,
           {"carrier": "tcs", "tracking_number": "TCS-PAYOUT"}))
    return str(order["order_id"])


def _delivered(stack: LocalStack, ops: User, artisan: User, listing_id: str, quantity: int = 1) -> str:
    order_id = _shipped(stack, artisan, listing_id, quantity)
    ok(api(stack, "POST", f"/ops/orders/{order_id}/delivered", ops))
    return order_id


def _ledger(stack: LocalStack, artisan: User) -> tuple[int, list[dict[str, Any]]]:
    payouts = ok(api(stack, "GET", "/artisans/me/payouts?limit=100", artisan))
    assert payouts["next_cursor"] is None
    balance = payouts["balance"]["amount"]
    assert balance == sum(entry["amount"]["amount"] for entry in payouts["entries"])
    return balance, payouts["entries"]


def _start(stack: LocalStack, ops: User, key: str, session: requests.Session | None = None) -> requests.Response:
    return api(stack, "POST", "/ops/payout-runs", ops, {}, {"Idempotency-Key": key}, session)


def _run(stack: LocalStack, ops: User, key: str):  # noqa: ANN202
    return lambda session: _start(stack, ops, key, session)


def test_two_runs_at_once_pay_each_artisan_once(stack: LocalStack) -> None:
    ops = stack.user("ops")
    payees = [_payee(stack, ops) for _ in range(3)]
    for artisan, listing_id in payees:
        _delivered(stack, ops, artisan, listing_id)

    answers = race(stack, [_run(stack, ops, uuid.uuid4().hex), _run(stack, stack.user("ops"), uuid.uuid4().hex)])

    assert [answer.status_code for answer in answers] == [201, 201], [answer.text for answer in answers]
    for artisan, _ in payees:
        balance, entries = _ledger(stack, artisan)
        payouts = [entry for entry in entries if entry["kind"] == "payout"]
        assert (balance, [entry["amount"]["amount"] for entry in payouts]) == (0, [-CREDIT])
        transfers = ok(api(stack, "GET", "/artisans/me/payout-transfers", artisan))["items"]
        assert [(item["status"], item["amount"]["amount"]) for item in transfers] == [("sent", CREDIT)]
        assert transfers[0]["run_id"] in {answer.json()["run_id"] for answer in answers}


def test_the_same_run_started_three_times_at_once_is_one_run(stack: LocalStack) -> None:
    ops = stack.user("ops")
    artisan, listing_id = _payee(stack, ops)
    _delivered(stack, ops, artisan, listing_id, quantity=2)
    key = uuid.uuid4().hex

    answers = race(stack, [_run(stack, ops, key)] * 3)

    assert sorted(answer.status_code for answer in answers) == [200, 200, 201], [a.text for a in answers]
    assert len({answer.json()["run_id"] for answer in answers}) == 1
    assert {answer.json()["status"] for answer in answers} == {"ready"}
    balance, entries = _ledger(stack, artisan)
    assert (balance, Counter(entry["kind"] for entry in entries)) == (0, {"sale": 1, "payout": 1})


@pytest.mark.parametrize("round_", range(3))
def test_a_credit_arriving_during_a_run_is_neither_lost_nor_paid_twice(stack: LocalStack, round_: int) -> None:
    ops = stack.user("ops")
    artisan, listing_id = _payee(stack, ops)
    _delivered(stack, ops, artisan, listing_id)
    order_id = _shipped(stack, artisan, listing_id, quantity=2)

    answers = race(stack, [
        _run(stack, ops, uuid.uuid4().hex),
        lambda session: api(stack, "POST", f"/ops/orders/{order_id}/delivered", ops, session=session)])

    assert [answer.status_code for answer in answers] == [201, 200], [answer.text for answer in answers]
    balance, entries = _ledger(stack, artisan)
    paid = -sum(entry["amount"]["amount"] for entry in entries if entry["kind"] == "payout")
    assert len([entry for entry in entries if entry["kind"] == "payout"]) == 1
    assert paid in (CREDIT, 3 * CREDIT)  # the run paid what it saw: before the credit, or with it
    assert balance + paid == 3 * CREDIT  # and whatever it did not pay is still there
    # The next run pays what is left, and nothing more.
    ok(_start(stack, ops, uuid.uuid4().hex), 201)
    balance, entries = _ledger(stack, artisan)
    assert balance == 0
    assert -sum(entry["amount"]["amount"] for entry in entries if entry["kind"] == "payout") == 3 * CREDIT


def test_the_same_failed_settlement_posted_four_times_at_once_credits_back_once(stack: LocalStack) -> None:
    ops = stack.user("ops")
    artisan, listing_id = _payee(stack, ops)
    _delivered(stack, ops, artisan, listing_id)
    run = ok(_start(stack, ops, uuid.uuid4().hex), 201)
    path = f"/ops/payout-runs/{run['run_id']}/settlement"
    body = {"results": [{"artisan_id": artisan.sub, "status": "failed", "bank_ref": "RETURNED-1"}]}

    answers = race(stack, [lambda session: api(stack, "POST", path, ops, body, session=session)] * 4)

    assert [answer.status_code for answer in answers] == [200] * 4, [answer.text for answer in answers]
    balance, entries = _ledger(stack, artisan)
    assert balance == CREDIT
    assert Counter(entry["kind"] for entry in entries) == {"sale": 1, "payout": 1, "payout_reversal": 1}
    transfers = ok(api(stack, "GET", "/artisans/me/payout-transfers", artisan))["items"]
    assert [(item["status"], item["bank_ref"]) for item in transfers] == [("failed", "RETURNED-1")]
    audit = ok(api(stack, "GET", f"/ops/audit?target_id={run['run_id']}", ops))["items"]
    settled = [entry for entry in audit if entry["action"] == "payout.settle"
               and entry["details"]["artisan_id"] == artisan.sub]
    assert len(settled) == 1
