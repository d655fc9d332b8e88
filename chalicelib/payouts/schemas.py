"""An artisan's payout balance and ledger."""
from __future__ import annotations

from ..http.schemas import Money, ResponseModel


class PayoutEntry(ResponseModel):
    order_id: str
    amount: Money
    created_at: str


class PayoutsPublic(ResponseModel):
    balance: Money
    entries: list[PayoutEntry]
    next_cursor: str | None
