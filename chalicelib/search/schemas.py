"""What `GET /search` takes (its answer is a `catalog:ListingPage`)."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..catalog.categories import CATEGORY_SLUGS
from ..catalog.schemas import Province
from ..http.schemas import Currency


class SearchQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    q: str = Field(min_length=1, max_length=100)
    category: str | None = None
    province: Province | None = None
    currency: Currency | None = None
    limit: int = Field(20, ge=1, le=100)
    cursor: str | None = None

    @field_validator("category")
    @classmethod
    def _known_category(cls, value: str | None) -> str | None:
        if value is not None and value not in CATEGORY_SLUGS:
            raise ValueError("must be one of the slugs from GET /categories")
        return value
