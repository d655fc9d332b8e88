"""Monthly statements, as pure functions of the ledger: which month, its totals and lines, and its CSV.

A statement covers one calendar month in Pakistan Standard Time (UTC+05:00 all year; Pakistan has kept no daylight
saving since 2009), the time the artisan and their accountant live in. Every amount is integer paisa; the closing
balance is the opening balance plus the sum of the month's entries, and each entry's amount is its gross less its
commission, so the totals add up to the closing balance to the paisa.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..errors import ValidationError
from ..ids import PAKISTAN_TIME, rfc3339
from ..money import money, rupees
from ..store.records import PayoutEntry

UTC_OFFSET = "+05:00"
FIRST_YEAR = 2000
_MONTH = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")
# The statement's totals, one per ledger kind, in the order a statement shows them.
TOTALS = {"sale": "sales", "refund": "refunds", "dispute_hold": "dispute_holds",
          "dispute_release": "dispute_releases", "payout": "payouts", "payout_reversal": "payout_reversals"}
CSV_HEADER = ("date", "kind", "order_id", "ref", "description", "gross", "commission", "amount", "balance")


@dataclass(frozen=True)
class Period:
    """A calendar month in PKT as a half-open range of stored (UTC, RFC 3339) timestamps: start <= t < end."""

    month: str
    start: str
    end: str
    as_of: str  # the end, or now while the month runs

    @property
    def final(self) -> bool:
        """The month is over, so its statement no longer changes."""
        return self.as_of == self.end


def period(month: str, now: datetime) -> Period:
    """The month `YYYY-MM`; refused (400) when malformed, before FIRST_YEAR, or not begun yet at `now`."""
    found = _MONTH.fullmatch(month)
    if found is None or int(found.group(1)) < FIRST_YEAR:
        raise ValidationError(details=[{"field": "month", "message": f"a month YYYY-MM from {FIRST_YEAR} on"}])
    year, number = int(found.group(1)), int(found.group(2))
    start = datetime(year, number, 1, tzinfo=PAKISTAN_TIME)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=PAKISTAN_TIME)
    if start > now:
        raise ValidationError(details=[{"field": "month", "message": "that month has not begun"}])
    return Period(month=month, start=rfc3339(start), end=rfc3339(end), as_of=rfc3339(min(end, now)))


def description(entry: PayoutEntry) -> str:
    """One English line for the CSV (the printable page words it in the reader's language itself)."""
    ref = entry.ref or entry.order_id
    return {
        "sale": f"Sale, order {entry.order_id}",
        "refund": f"Refund {ref}, order {entry.order_id}",
        "dispute_hold": f"Held for card dispute {ref}, order {entry.order_id}",
        "dispute_release": f"Released from card dispute {ref}, order {entry.order_id}",
        "payout": f"Payout, run {ref}",
        "payout_reversal": f"Payout returned unpaid, run {ref}",
    }[entry.kind]


def statement(artisan_id: str, when: Period, *, balance: int, since_start: Sequence[PayoutEntry]) -> dict[str, Any]:
    """The statement from the balance now and every entry written from the month's start on (oldest first).

    Opening = balance - everything since the start; the month's lines follow with a running balance.
    """
    opening = balance - sum(entry.amount for entry in since_start)
    running = opening
    totals = dict.fromkeys(TOTALS.values(), 0)
    commission = 0
    lines: list[dict[str, Any]] = []
    for entry in since_start:
        if entry.created_at >= when.end:
            break
        running += entry.amount
        totals[TOTALS[entry.kind]] += entry.amount + entry.commission
        commission += entry.commission
        lines.append({"created_at": entry.created_at, "kind": entry.kind, "order_id": entry.order_id,
                      "ref": entry.ref, "description": description(entry),
                      "gross": _pkr(entry.amount + entry.commission), "commission": _pkr(entry.commission),
                      "amount": _pkr(entry.amount), "balance": _pkr(running)})
    return {"artisan_id": artisan_id, "month": when.month, "utc_offset": UTC_OFFSET, "period_start": when.start,
            "period_end": when.end, "as_of": when.as_of, "final": when.final, "opening_balance": _pkr(opening),
            "totals": {**{name: _pkr(value) for name, value in totals.items()}, "commission": _pkr(commission)},
            "closing_balance": _pkr(running), "lines": lines}


def local_time(stored: str) -> str:
    """A stored UTC timestamp (RFC 3339, any fraction of a second) as PKT wall-clock time, to the second."""
    return datetime.fromisoformat(stored).astimezone(PAKISTAN_TIME).strftime("%Y-%m-%d %H:%M:%S")


def csv_text(document: dict[str, Any]) -> str:
    """The statement as CSV: the opening balance, a row per entry with the running balance, the closing balance."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    opening, closing = document["opening_balance"]["amount"], document["closing_balance"]["amount"]
    writer.writerow([local_time(document["period_start"]), "opening_balance", "", "", "Opening balance",
                     "", "", "", rupees(opening)])
    for line in document["lines"]:
        writer.writerow([local_time(line["created_at"]), line["kind"], line["order_id"], line["ref"] or "",
                         line["description"], rupees(line["gross"]["amount"]), rupees(line["commission"]["amount"]),
                         rupees(line["amount"]["amount"]), rupees(line["balance"]["amount"])])
    writer.writerow([local_time(document["as_of"]), "closing_balance", "", "", "Closing balance", "", "", "",
                     rupees(closing)])
    return buffer.getvalue()


def filename(artisan_id: str, month: str) -> str:
    return f"statement-{artisan_id}-{month}.csv"


def _pkr(amount: int) -> dict[str, object]:
    return money(amount, "PKR")
