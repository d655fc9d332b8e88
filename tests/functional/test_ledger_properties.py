"""Ledger properties (issue 14): generated sequences of sales (deliveries), refunds, payout runs and settlements
(paid, or failed and credited back), applied through the real app on moto in-process, never a model of it.

After every step, for each artisan: the balance is the sum of the entries; no entry is there twice; this month's
statement closes at the balance and adds up line by line. Every step is also retried as a client would retry it
(the same delivery, the same Idempotency-Key, the same settlement) and the retry must change nothing.
"""
from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.aws import Aws, User
from harness.http import body_of, call
from tests.functional.ledger_world import (
    Shop,
    assert_adds_up,
    delivered,
    ledger,
    open_shop,
    pkt_month,
    refund,
    statement,
)

SALE = st.tuples(st.just("sale"), st.integers(0, 2), st.integers(0, 2)).filter(lambda step: step[1] or step[2])
REFUND = st.tuples(st.just("refund"), st.integers(0, 1000), st.integers(1, 100))
# min_amount in paisa: anything, Rs 500 (the default) and more than most balances here.
PAYOUT = st.tuples(st.just("payout"), st.sampled_from([1, 50000, 600000]))
SETTLE = st.tuples(st.just("settle"), st.integers(0, 1000), st.lists(st.sampled_from(["paid", "failed"]),
                                                                     min_size=2, max_size=2))
# Sales twice as likely as each other step, so there is money to refund and pay out.
STEPS = st.lists(st.one_of(SALE, SALE, REFUND, PAYOUT, SETTLE), min_size=3, max_size=8)


class World:
    """The shop, and what the steps made in it: delivered orders and payout runs."""

    def __init__(self, shop: Shop) -> None:
        self.shop = shop
        self.orders: list[str] = []
        self.runs: list[str] = []

    @property
    def artisans(self) -> tuple[User, User]:
        return self.shop.artisan_a, self.shop.artisan_b

    def books(self) -> dict[str, tuple[int, Counter[tuple[str, str, str, int]]]]:
        """Each artisan's balance and entries (kind, order or run, time, amount), as GET /artisans/me/payouts
        pages them; the balance is checked against the entries on every read."""
        found = {}
        for artisan in self.artisans:
            balance, entries = ledger(self.shop, artisan)
            assert balance == sum(entry["amount"]["amount"] for entry in entries)
            found[artisan.sub] = (balance, Counter((entry["kind"], entry["order_id"], entry["created_at"],
                                                    entry["amount"]["amount"]) for entry in entries))
        return found

    def check(self) -> None:
        """No entry twice (a sale once per order, anything else once per order or run and time), and this month's
        statement adds up and closes at the balance."""
        books = self.books()
        for artisan in self.artisans:
            balance, entries = books[artisan.sub]
            assert max(entries.values(), default=1) == 1, entries
            assert len({(kind, order_id) for kind, order_id, _, _ in entries if kind == "sale"}) == \
                sum(1 for kind, *_ in entries if kind == "sale")
            document = statement(self.shop, artisan, pkt_month(0))
            assert_adds_up(document)
            assert document["closing_balance"]["amount"] == balance
            assert len(document["lines"]) == sum(count for (_, _, at, _), count in entries.items()
                                                 if at >= document["period_start"])

    # --- the steps; each returns after its retry --------------------------------------------

    def sale(self, units_a: int, units_b: int) -> None:
        order_id = delivered(self.shop, units_a, units_b)
        self.orders.append(order_id)
        before = self.books()
        again = call(self.shop.client, "POST", f"/ops/orders/{order_id}/delivered", self.shop.ops)
        assert again.status_code == 409
        assert self.books() == before

    def refund(self, pick: int, percent: int) -> None:
        if not self.orders:
            return
        order_id = self.orders[pick % len(self.orders)]
        order = body_of(call(self.shop.client, "GET", f"/orders/{order_id}", self.shop.ops))
        left = order["charge"]["amount"] - (order.get("refunded_amount") or {"amount": 0})["amount"]
        if left <= 0:
            return
        key = uuid.uuid4().hex
        first = refund(self.shop, order_id, max(1, left * percent // 100), key)
        assert first.status_code == 201, first.body
        after = self.books()
        replay = refund(self.shop, order_id, max(1, left * percent // 100), key)
        assert replay.status_code == 200, replay.body
        assert self.books() == after

    def payout(self, min_amount: int) -> None:
        before = self.books()
        key = uuid.uuid4().hex
        body = {"min_amount": {"amount": min_amount, "currency": "PKR"}}
        started = call(self.shop.client, "POST", "/ops/payout-runs", self.shop.ops, body,
                       headers={"Idempotency-Key": key})
        assert started.status_code == 201, started.body
        run = body_of(started)
        after = self.books()
        for artisan in self.artisans:
            balance = before[artisan.sub][0]
            # Paid their whole balance when it reached the minimum; untouched otherwise.
            assert after[artisan.sub][0] == (0 if balance >= min_amount else balance)
        if run["artisans"]:
            self.runs.append(run["run_id"])
        replay = call(self.shop.client, "POST", "/ops/payout-runs", self.shop.ops, body,
                      headers={"Idempotency-Key": key})
        assert replay.status_code == 200 and body_of(replay)["run_id"] == run["run_id"]
        assert self.books() == after

    def settle(self, pick: int, outcomes: list[str]) -> None:
        if not self.runs:
            return
        run_id = self.runs[pick % len(self.runs)]
        transfers = body_of(call(self.shop.client, "GET", f"/ops/payout-runs/{run_id}?limit=100",
                                 self.shop.ops))["items"]
        open_ones = [transfer for transfer in transfers if transfer["status"] == "sent"]
        if not open_ones:
            return
        results = [{"artisan_id": transfer["artisan_id"], "status": outcome, "bank_ref": f"B{index}"}
                   for index, (transfer, outcome) in enumerate(zip(open_ones, outcomes, strict=False))]
        before = self.books()
        posted = call(self.shop.client, "POST", f"/ops/payout-runs/{run_id}/settlement", self.shop.ops,
                      {"results": results})
        assert posted.status_code == 200, posted.body
        after = self.books()
        amounts = {transfer["artisan_id"]: transfer["amount"]["amount"] for transfer in open_ones}
        for result in results:
            artisan_id = result["artisan_id"]
            credited_back = amounts[artisan_id] if result["status"] == "failed" else 0
            assert after[artisan_id][0] == before[artisan_id][0] + credited_back
        again = call(self.shop.client, "POST", f"/ops/payout-runs/{run_id}/settlement", self.shop.ops,
                     {"results": results})
        assert again.status_code == 200, again.body
        assert self.books() == after


def test_the_ledger_stays_balanced_and_exactly_once_under_any_sequence(client: Any, aws: Aws) -> None:
    world = World(open_shop(client, aws, stock=1000))

    @settings(max_examples=12, deadline=None, database=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    @given(steps=STEPS)
    def run(steps: list[tuple[Any, ...]]) -> None:
        for name, *arguments in steps:
            getattr(world, name)(*arguments)
            world.check()

    run()
