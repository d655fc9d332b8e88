"""An artisan's payout balance, ledger and account; payout runs and their settlement (ops)."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator

from ..http.schemas import Currency, Money, RequestModel, ResponseModel, Text
from . import rules

EntryKind = Literal["sale", "refund", "payout", "payout_reversal", "dispute_hold", "dispute_release"]
Method = Literal["iban", "jazzcash_wallet", "easypaisa_wallet"]
TransferStatus = Literal["sent", "paid", "failed"]
RunStatus = Literal["running", "ready", "settled"]
AccountTitle = Annotated[Text, StringConstraints(min_length=1, max_length=100)]


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


class IbanAccountIn(RequestModel):
    method: Literal["iban"]
    iban: Annotated[str, StringConstraints(max_length=40)]
    account_title: AccountTitle

    @field_validator("iban")
    @classmethod
    def _iban(cls, value: str) -> str:
        return rules.check_iban(value)


class WalletAccountIn(RequestModel):
    method: Literal["jazzcash_wallet", "easypaisa_wallet"]
    msisdn: Annotated[str, StringConstraints(max_length=20)]
    account_title: AccountTitle | None = None

    @field_validator("msisdn")
    @classmethod
    def _msisdn(cls, value: str) -> str:
        return rules.check_msisdn(value)


PayoutAccountIn = Annotated[IbanAccountIn | WalletAccountIn, Field(discriminator="method")]


class PayoutAccountPublic(ResponseModel):
    """Masked: only the last 4 characters of the IBAN or the wallet number show."""

    method: Method
    account_title: str
    iban: str | None = None
    msisdn: str | None = None


class MinAmountIn(RequestModel):
    amount: int = Field(ge=1, le=10**12)
    currency: Currency

    @field_validator("currency")
    @classmethod
    def _pkr(cls, value: str) -> str:
        if value != "PKR":
            raise ValueError("payouts are in PKR")
        return value


class PayoutRunCreate(RequestModel):
    min_amount: MinAmountIn | None = None


class PayoutRunPublic(ResponseModel):
    run_id: str
    status: RunStatus
    trigger: Literal["ops", "schedule"]
    min_amount: Money
    artisans: int
    total: Money
    paid: int
    failed: int
    file_url: str | None
    created_at: str
    updated_at: str


class PayoutRunPage(ResponseModel):
    items: list[PayoutRunPublic]
    next_cursor: str | None


class PayoutTransferPublic(ResponseModel):
    run_id: str
    artisan_id: str
    amount: Money
    status: TransferStatus
    account: PayoutAccountPublic
    bank_ref: str | None
    created_at: str
    settled_at: str | None


class PayoutRunDetail(PayoutRunPublic):
    """The run with one page of its transfers (`limit`, `cursor` in the query)."""

    items: list[PayoutTransferPublic]
    next_cursor: str | None


class PayoutTransferPage(ResponseModel):
    items: list[PayoutTransferPublic]
    next_cursor: str | None


class SettlementResult(RequestModel):
    artisan_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    status: Literal["paid", "failed"]
    bank_ref: Annotated[Text, StringConstraints(min_length=1, max_length=64)] | None = None


class SettlementCreate(RequestModel):
    results: list[SettlementResult] = Field(min_length=1, max_length=500)

    @field_validator("results")
    @classmethod
    def _once_each(cls, value: list[SettlementResult]) -> list[SettlementResult]:
        ids = [result.artisan_id for result in value]
        if len(set(ids)) != len(ids):
            raise ValueError("each artisan_id at most once")
        return value


class StatementLine(ResponseModel):
    """One ledger entry of the month (statements: S): `amount` = `gross` - `commission`, `balance` after it."""

    created_at: str
    kind: EntryKind
    order_id: str
    ref: str | None
    description: str
    gross: Money
    commission: Money
    amount: Money
    balance: Money


class StatementTotals(ResponseModel):
    """Gross per kind, and the commission net of what refunds gave back: their sum less it is the month's change."""

    sales: Money
    refunds: Money
    dispute_holds: Money
    dispute_releases: Money
    payouts: Money
    payout_reversals: Money
    commission: Money


class StatementPublic(ResponseModel):
    """A month (Pakistan time) of an artisan's ledger: closing = opening + the lines' amounts."""

    artisan_id: str
    month: str
    utc_offset: str
    period_start: str
    period_end: str
    as_of: str
    final: bool
    opening_balance: Money
    totals: StatementTotals
    closing_balance: Money
    lines: list[StatementLine]
