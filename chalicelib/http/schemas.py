"""What every route shares: the base models, money, errors, paging and the documents' own shapes.

Names follow XCreate / XUpdate / XPublic. Request models forbid unknown fields
and are strict (a "5" is not a 5), so every malformed body is a 400 with
field-level details. Every model defers building its validator to first use,
so importing the schemas is cheap on the API's cold path.
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Currency = Literal["PKR", "USD", "GBP", "EUR", "AED", "SAR"]
Text = Annotated[str, StringConstraints(strip_whitespace=True)]
Phone = Annotated[str, StringConstraints(pattern=r"^\+[1-9][0-9]{7,14}$")]


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, defer_build=True)


class ResponseModel(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class Money(ResponseModel):
    amount: int
    currency: Currency


class ErrorDetail(ResponseModel):
    field: str | None = None
    message: str | None = None
    listing_id: str | None = None
    available: int | None = None
    # LIMIT_REACHED: which limit, its maximum, what the buyer holds and (units) what this order asked for.
    limit: Literal["max_open_orders", "max_units_per_buyer"] | None = None
    max: int | None = None
    held: int | None = None
    requested: int | None = None


class ErrorBody(ResponseModel):
    code: str
    message: str
    details: list[ErrorDetail] | None = None


class ErrorResponse(ResponseModel):
    error: ErrorBody


class Health(ResponseModel):
    status: Literal["ok"]


class ClientConfig(ResponseModel):
    region: str
    user_pool_id: str
    user_pool_client_id: str
    ops_client_id: str
    cognito_endpoint: str | None
    currencies: list[Currency]
    image_max_bytes: int
    sign_in_with: list[Literal["email", "phone_number"]]
    return_days: int  # a delivered order's items may be asked back for this many days


class Category(ResponseModel):
    slug: str
    name: str
    name_ur: str


class CategoryList(ResponseModel):
    items: list[Category]


class CurrencyQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    currency: Currency | None = None


class PageQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    limit: int = Field(20, ge=1, le=100)
    cursor: str | None = None
