"""Statement rules (chalicelib/payouts/statement_rules.py): months in Pakistan time, totals, rupees, CSV."""
from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from chalicelib.errors import ValidationError
from chalicelib.payouts.statement_rules import csv_text, local_time, period, statement
from chalicelib.store.records import PayoutEntry

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def test_a_month_is_its_days_in_pakistan_time_as_utc_bounds():
    november = period("2026-11", NOW)
    december = period("2025-12", NOW)

    assert (november.start, november.end) == ("2026-10-31T19:00:00.000000Z", "2026-11-30T19:00:00.000000Z")
    assert (december.start, december.end) == ("2025-11-30T19:00:00.000000Z", "2025-12-31T19:00:00.000000Z")
    assert not november.final and november.as_of == "2026-11-28T12:00:00.000000Z"
    assert december.final and december.as_of == december.end


def test_the_month_begins_at_midnight_in_pakistan_not_in_utc():
    # 19:30 UTC on 30 November is already 1 December in Pakistan.
    assert period("2026-12", datetime(2026, 11, 30, 19, 30, tzinfo=UTC)).month == "2026-12"
    with pytest.raises(ValidationError):
        period("2026-12", datetime(2026, 11, 30, 18, 59, tzinfo=UTC))


@pytest.mark.parametrize("month", ["2026-13", "2026-00", "2026-1", "26-11", "1999-12", "2026/11", "2026-11-01",
                                   "", "2026-12", "2027-01", "٢٠٢٦-11", "2026-11\n"])
def test_malformed_early_and_future_months_are_refused(month):
    with pytest.raises(ValidationError):
        period(month, NOW)


def _entry(created_at: str, amount: int, kind: str = "sale", commission: int = 0, ref: str | None = None,
           order_id: str = "O1") -> PayoutEntry:
    return PayoutEntry("A1", order_id, amount, created_at, kind=kind, ref=ref, commission=commission)


def test_opening_is_the_balance_less_everything_since_the_start_and_later_months_are_left_out():
    november = period("2026-11", NOW)
    since = [_entry("2026-11-02T10:00:00.000000Z", 95000, commission=5000),
             _entry("2026-11-03T10:00:00.000000Z", -19000, kind="refund", commission=-1000, ref="R1"),
             _entry("2026-11-04T10:00:00.000000Z", -50000, kind="payout", ref="run1", order_id="run1"),
             _entry("2026-11-30T19:00:00.000000Z", 7000, kind="payout_reversal", ref="run0", order_id="run0")]

    document = statement("A1", november, balance=100000, since_start=since)

    assert document["opening_balance"]["amount"] == 100000 - (95000 - 19000 - 50000 + 7000)
    assert document["closing_balance"]["amount"] == 100000 - 7000
    assert [line["balance"]["amount"] for line in document["lines"]] == [162000, 143000, 93000]
    assert {name: value["amount"] for name, value in document["totals"].items()} == {
        "sales": 100000, "refunds": -20000, "dispute_holds": 0, "dispute_releases": 0, "payouts": -50000,
        "payout_reversals": 0, "commission": 4000}
    assert [line["description"] for line in document["lines"]] == [
        "Sale, order O1", "Refund R1, order O1", "Payout, run run1"]


def test_the_csv_carries_opening_lines_and_closing_in_rupees():
    november = period("2026-11", NOW)
    document = statement("A1", november, balance=95000,
                         since_start=[_entry("2026-11-02T10:00:00.000000Z", 95000, commission=5000)])

    rows = list(csv.reader(io.StringIO(csv_text(document))))

    assert rows == [["date", "kind", "order_id", "ref", "description", "gross", "commission", "amount", "balance"],
                    ["2026-11-01 00:00:00", "opening_balance", "", "", "Opening balance", "", "", "", "0.00"],
                    ["2026-11-02 15:00:00", "sale", "O1", "", "Sale, order O1", "1000.00", "50.00", "950.00",
                     "950.00"],
                    ["2026-11-28 17:00:00", "closing_balance", "", "", "Closing balance", "", "", "", "950.00"]]


def test_local_time_is_pakistan_wall_clock():
    assert local_time("2026-10-31T19:00:00.000000Z") == "2026-11-01 00:00:00"
    assert local_time("2026-11-01T10:00:00.000Z") == "2026-11-01 15:00:00"  # any fraction of a second
