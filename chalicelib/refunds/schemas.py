"""Refunds by ops: what the request may carry and what the answer shows."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from ..http.schemas import Currency, Money, RequestModel, ResponseModel, Text

RefundStatus = Literal["pending", "succeeded", "failed"]


class RefundLineIn(RequestModel):
    listing_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    variant_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    quantity: int = Field(ge=1, le=100)


class RefundAmountIn(RequestModel):
    amount: int = Field(ge=1)
    currency: Currency


class RefundCreate(RequestModel):
    """Lines (`items`) or an `amount` in the charge currency, and why."""

    items: list[RefundLineIn] | None = Field(None, min_length=1, max_length=25)
    amount: RefundAmountIn | None = None
    reason: Annotated[Text, StringConstraints(min_length=1, max_length=500)]

    @model_validator(mode="after")
    def _one_of(self) -> RefundCreate:
        if (self.items is None) == (self.amount is None):
            raise ValueError("give either items or amount")
        return self


class RefundedLine(ResponseModel):
    listing_id: str
    variant_id: str | None = None
    quantity: int


class RefundPublic(ResponseModel):
    refund_id: str
    order_id: str
    amount: Money
    status: RefundStatus
    items: list[RefundedLine]
    reason: str
    created_at: str

