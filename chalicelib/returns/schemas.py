"""Returns: what a request and a decision carry, and how a return is shown."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from ..http.schemas import RequestModel, ResponseModel, Text

Reason = Annotated[Text, StringConstraints(min_length=1, max_length=500)]
ReturnStatus = Literal["requested", "approved", "rejected"]


class ReturnLineIn(RequestModel):
    listing_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    variant_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = Field(
        None, description="The variant of a line that has one")
    quantity: int = Field(ge=1, le=100)


class ReturnCreate(RequestModel):
    items: list[ReturnLineIn] = Field(min_length=1, max_length=25)
    reason: Reason

    @model_validator(mode="after")
    def _distinct(self) -> ReturnCreate:
        ids = [(item.listing_id, item.variant_id) for item in self.items]
        if len(set(ids)) != len(ids):
            raise ValueError("each line (listing, and variant if it has one) may appear once in items")
        return self


class ReturnDecision(RequestModel):
    decision: Literal["approved", "rejected"]
    note: Annotated[Text, StringConstraints(max_length=500)] | None = None


class ReturnLine(ResponseModel):
    listing_id: str
    variant_id: str | None = None
    quantity: int


class ReturnPublic(ResponseModel):
    return_id: str
    order_id: str
    status: ReturnStatus
    items: list[ReturnLine]
    reason: str
    created_at: str
    note: str | None = None
    decided_at: str | None = None
    refund_id: str | None = None
