"""An artisan's payout balance and ledger."""
from __future__ import annotations

from typing import Literal

from ..http.schemas import Money, ResponseModel

EntryKind = Literal["sale", "refund", "payout", "payout_reversal", "dispute_hold", "dispute_release"]


class PayoutEntry(ResponseModel):
    """One ledger line: a credit (sale, payout_reversal, dispute_release) or a debit (negative amount)."""

    order_id: str
    kind: EntryKind
    amount: Money
    created_at: str


class PayoutsPublic(ResponseModel):
    balance: Money
    entries: list[PayoutEntry]
    next_cursor: str | None
