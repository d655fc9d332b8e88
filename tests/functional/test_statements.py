"""Monthly statements (API.md "Getting paid", issue 14 point 4): JSON and CSV, matching the ledger to the paisa,
through the real app on moto in-process."""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from chalicelib.ids import PAKISTAN_TIME, rfc3339, utc_now
from chalicelib.money import apply_bps, rupees
from chalicelib.store.records import PayoutEntry
from harness.aws import Aws
from harness.http import body_of, call, code_of
from tests.functional.ledger_world import (
    PRICE_A,
    PRICE_B,
    Shop,
    assert_adds_up,
    delivered,
    ledger,
    open_shop,
    pkt_month,
    refund,
    statement,
    write_entries,
)

BPS = 500


def _at(month: str, day: int, hour: int, minute: int = 0) -> str:
    """A stored (UTC) timestamp of a PKT wall-clock time in `month`."""
    year, number = (int(part) for part in month.split("-"))
    return rfc3339(datetime(year, number, day, hour, minute, tzinfo=PAKISTAN_TIME))


@pytest.fixture
def shop(client: Any, aws: Aws) -> Shop:
    return open_shop(client, aws)


def test_a_months_statement_matches_the_ledger_to_the_paisa(shop):
    first = delivered(shop, 2, 1)
    second = delivered(shop, 1, 0)
    assert refund(shop, first, 100000).status_code == 201

    balance, entries = ledger(shop, shop.artisan_a)
    document = statement(shop, shop.artisan_a, pkt_month(0))

    assert_adds_up(document)
    assert document["opening_balance"]["amount"] == 0
    assert document["closing_balance"]["amount"] == balance
    assert sorted((line["kind"], line["order_id"], line["amount"]["amount"]) for line in document["lines"]) == \
        sorted((entry["kind"], entry["order_id"], entry["amount"]["amount"]) for entry in entries)
    sales = [line for line in document["lines"] if line["kind"] == "sale"]
    assert {line["order_id"]: (line["gross"]["amount"], line["commission"]["amount"]) for line in sales} == {
        first: (2 * PRICE_A, apply_bps(2 * PRICE_A, BPS)), second: (PRICE_A, apply_bps(PRICE_A, BPS))}
    (refunded,) = [line for line in document["lines"] if line["kind"] == "refund"]
    # The refund's commission is given back: negative commission on a negative gross.
    assert refunded["gross"]["amount"] < 0 and refunded["commission"]["amount"] == -apply_bps(
        -refunded["gross"]["amount"], BPS)
    assert document["totals"]["sales"]["amount"] == 3 * PRICE_A
    assert document["totals"]["refunds"]["amount"] == refunded["gross"]["amount"]
    assert document["totals"]["commission"]["amount"] == apply_bps(2 * PRICE_A, BPS) + apply_bps(PRICE_A, BPS) + \
        refunded["commission"]["amount"]
    assert (document["month"], document["utc_offset"], document["final"]) == (pkt_month(0), "+05:00", False)
    other = statement(shop, shop.artisan_b, pkt_month(0))
    assert_adds_up(other)
    assert other["totals"]["sales"]["amount"] == PRICE_B
    assert other["closing_balance"]["amount"] == ledger(shop, shop.artisan_b)[0]


def test_the_opening_balance_is_everything_before_the_month_in_pakistan_time(shop):
    order_id = delivered(shop, 1, 0)
    artisan = shop.artisan_a.sub
    two_ago, last, this = pkt_month(-2), pkt_month(-1), pkt_month(0)
    year, number = (int(part) for part in this.split("-"))
    last_instant = rfc3339(datetime(year, number, 1, tzinfo=PAKISTAN_TIME) - timedelta(microseconds=1))
    write_entries(order_id,
                  PayoutEntry(artisan, "run-R1", -300000, _at(two_ago, 10, 12), kind="payout", ref="run-R1"),
                  PayoutEntry(artisan, "run-R1", 300000, _at(two_ago, 12, 12), kind="payout_reversal", ref="run-R1"),
                  PayoutEntry(artisan, "run-R2", -200000, _at(last, 5, 9), kind="payout", ref="run-R2"),
                  now=_at(this, 1, 1))
    # 23:59:59.999999 on the last day of the month in Pakistan is still that month; 00:30 the next day is not.
    write_entries(order_id,
                  PayoutEntry(artisan, "run-R3", 70000, last_instant, kind="payout_reversal", ref="run-R3"),
                  PayoutEntry(artisan, "run-R4", 50000, _at(this, 1, 0, 30), kind="payout_reversal", ref="run-R4"),
                  now=_at(this, 1, 1))

    oldest, previous, current = (statement(shop, shop.artisan_a, month) for month in (two_ago, last, this))

    for document in (oldest, previous, current):
        assert_adds_up(document)
    assert (oldest["opening_balance"]["amount"], oldest["closing_balance"]["amount"]) == (0, 0)
    assert [line["kind"] for line in oldest["lines"]] == ["payout", "payout_reversal"]
    assert previous["opening_balance"]["amount"] == 0
    assert [line["ref"] for line in previous["lines"]] == ["run-R2", "run-R3"]
    assert previous["closing_balance"]["amount"] == -200000 + 70000 == current["opening_balance"]["amount"]
    assert previous["final"] and previous["as_of"] == previous["period_end"]
    assert [line["ref"] for line in current["lines"]][0] == "run-R4"
    assert current["closing_balance"]["amount"] == ledger(shop, shop.artisan_a)[0]
    assert previous["totals"]["payouts"]["amount"] == -200000
    assert previous["totals"]["payout_reversals"]["amount"] == 70000


def test_the_csv_has_rupees_with_two_decimals_and_a_running_balance(shop):
    order_id = delivered(shop, 1, 0)
    assert refund(shop, order_id, 12345).status_code == 201
    month = pkt_month(0)

    response = call(shop.client, "GET", f"/artisans/me/statements/{month}/csv", shop.artisan_a)
    document = statement(shop, shop.artisan_a, month)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == \
        f'attachment; filename="statement-{shop.artisan_a.sub}-{month}.csv"'
    text = response.body.decode("utf-8") if isinstance(response.body, bytes) else response.body
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["date", "kind", "order_id", "ref", "description", "gross", "commission", "amount", "balance"]
    assert rows[1][1] == "opening_balance" and rows[1][8] == "0.00"
    assert rows[-1][1] == "closing_balance" and rows[-1][8] == rupees(document["closing_balance"]["amount"])
    body = rows[2:-1]
    assert [row[1] for row in body] == [line["kind"] for line in document["lines"]] == ["sale", "refund"]
    for row, line in zip(body, document["lines"], strict=True):
        assert row[2] == order_id
        assert row[5:9] == [rupees(line[name]["amount"]) for name in ("gross", "commission", "amount", "balance")]
        assert all(re.fullmatch(r"-?\d+\.\d\d", cell) for cell in row[5:9])
    assert body[0][7] == rupees(PRICE_A - apply_bps(PRICE_A, BPS)) == "2375.00"


@pytest.mark.parametrize("month", ["2026-13", "2026-00", "26-11", "2026-1", "1999-12", "abcd-ef", "next"])
def test_months_that_are_malformed_or_not_begun_are_refused(shop, month):
    month = pkt_month(1) if month == "next" else month
    for path in (f"/artisans/me/statements/{month}", f"/artisans/me/statements/{month}/csv",
                 f"/ops/artisans/{shop.artisan_a.sub}/statements/{month}"):
        user = shop.ops if path.startswith("/ops") else shop.artisan_a
        response = call(shop.client, "GET", path, user)
        assert (response.status_code, code_of(response)) == (400, "VALIDATION_ERROR"), path


def test_artisans_read_their_own_and_ops_read_anyones(shop, aws):
    delivered(shop, 1, 1)
    month = pkt_month(0)
    own = statement(shop, shop.artisan_a, month)

    by_ops = call(shop.client, "GET", f"/ops/artisans/{shop.artisan_a.sub}/statements/{month}", shop.ops)

    assert by_ops.status_code == 200
    assert body_of(by_ops)["lines"] == own["lines"]
    assert body_of(by_ops)["closing_balance"] == own["closing_balance"]
    unknown = call(shop.client, "GET", f"/ops/artisans/nobody/statements/{month}", shop.ops)
    assert (unknown.status_code, code_of(unknown)) == (404, "NOT_FOUND")
    refused = [call(shop.client, "GET", f"/artisans/me/statements/{month}", shop.buyer),
               call(shop.client, "GET", f"/artisans/me/statements/{month}/csv", shop.buyer),
               call(shop.client, "GET", f"/ops/artisans/{shop.artisan_a.sub}/statements/{month}", shop.artisan_a)]
    assert [response.status_code for response in refused] == [403, 403, 403]
    assert call(shop.client, "GET", f"/artisans/me/statements/{month}").status_code == 401


def test_a_quiet_month_is_zero_throughout(shop, aws):
    newcomer = aws.user("artisans")

    document = statement(shop, newcomer, pkt_month(0))

    assert (document["opening_balance"]["amount"], document["closing_balance"]["amount"]) == (0, 0)
    assert document["lines"] == []
    assert all(value["amount"] == 0 for value in document["totals"].values())


def _payout_entry_writer(shop: Shop, order_id: str, times: int) -> tuple[list[str], Callable[..., None]]:
    """A ledger change landing right after each of the statement's Queries (until `times` of them): the balance
    it read first is stale by then. Returns the refs written."""
    written: list[str] = []

    def move(**_: Any) -> None:
        if len(written) < times:
            ref = f"run-M{len(written)}"
            written.append(ref)
            at = rfc3339(utc_now())
            write_entries(order_id, PayoutEntry(shop.artisan_a.sub, ref, -100, at, kind="payout", ref=ref), now=at)

    return written, move


def test_a_ledger_change_between_the_reads_is_read_again(shop, hooks):
    order_id = delivered(shop, 1, 0)
    written, move = _payout_entry_writer(shop, order_id, times=1)
    hooks.add("after-call.dynamodb.Query", move)

    document = statement(shop, shop.artisan_a, pkt_month(0))
    hooks.remove_all()

    assert written == ["run-M0"]
    assert_adds_up(document)
    assert document["opening_balance"]["amount"] == 0  # a read that mixed before and after would be off by Rs 1
    assert [line["ref"] for line in document["lines"]][-1] == "run-M0"
    assert document["closing_balance"]["amount"] == ledger(shop, shop.artisan_a)[0]


def test_a_ledger_that_keeps_moving_is_503_after_three_reads(shop, hooks):
    order_id = delivered(shop, 1, 0)
    written, move = _payout_entry_writer(shop, order_id, times=10)
    hooks.add("after-call.dynamodb.Query", move)

    response = call(shop.client, "GET", f"/artisans/me/statements/{pkt_month(0)}", shop.artisan_a)
    hooks.remove_all()

    assert (response.status_code, code_of(response)) == (503, "SERVICE_UNAVAILABLE")
    assert response.headers["Retry-After"] == "1"
    assert len(written) == 3
