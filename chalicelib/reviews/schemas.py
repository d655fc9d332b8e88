"""Reviews: what a buyer posts, what ops send to hide one, and what lists show."""
from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from ..http.schemas import RequestModel, ResponseModel, Text


class ReviewCreate(RequestModel):
    listing_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    rating: int = Field(ge=1, le=5)
    text: Annotated[Text, StringConstraints(max_length=2000)] | None = None


class ReviewHide(RequestModel):
    reason: Annotated[Text, StringConstraints(min_length=1, max_length=500)]


class ReviewPublic(ResponseModel):
    review_id: str
    listing_id: str
    rating: int
    text: str | None = None
    verified_purchase: bool
    created_at: str
    hidden: bool
    hidden_reason: str | None = None


class ReviewPage(ResponseModel):
    items: list[ReviewPublic]
    next_cursor: str | None
