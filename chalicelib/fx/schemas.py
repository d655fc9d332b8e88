"""Exchange rates (PKR to each supported currency) as decimal strings."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator

from ..http.schemas import RequestModel, ResponseModel

DecimalString = Annotated[str, StringConstraints(pattern=r"^(0|[1-9][0-9]{0,6})(\.[0-9]{1,10})?$")]


class FxRatesUpdate(RequestModel):
    rates: dict[Literal["USD", "GBP", "EUR", "AED", "SAR"], DecimalString] = Field(min_length=1)

    @field_validator("rates")
    @classmethod
    def _positive(cls, rates: dict[str, str]) -> dict[str, str]:
        for code, rate in rates.items():
            if float(rate) <= 0:  # validation only; money never passes through floats
                raise ValueError(f"rate for {code} must be greater than zero")
        return rates


class FxRatesPublic(ResponseModel):
    base: Literal["PKR"]
    rates: dict[str, str]
    updated_at: str | None
