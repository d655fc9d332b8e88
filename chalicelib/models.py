"""Request and response models (pydantic): validation and the OpenAPI schemas.

Names follow XCreate / XUpdate / XPublic. Request models forbid unknown fields
and are strict (a "5" is not a 5), so every malformed body is a 400 with
field-level details.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from .categories import CATEGORY_SLUGS, PROVINCES
from .config import IMAGE_MAX_BYTES

Currency = Literal["PKR", "USD", "GBP", "EUR", "AED", "SAR"]
Province = Literal[
    "punjab", "sindh", "khyber_pakhtunkhwa", "balochistan", "islamabad", "gilgit_baltistan", "azad_kashmir",
]
assert set(Province.__args__) == set(PROVINCES)  # type: ignore[attr-defined]

Text = Annotated[str, StringConstraints(strip_whitespace=True)]
Phone = Annotated[str, StringConstraints(pattern=r"^\+[1-9][0-9]{7,14}$")]
Cnic = Annotated[str, StringConstraints(pattern=r"^[0-9]{5}-[0-9]{7}-[0-9]$")]


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, defer_build=True)


class ResponseModel(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


def _check_category(value: str | None) -> str | None:
    if value is not None and value not in CATEGORY_SLUGS:
        raise ValueError("must be one of the slugs from GET /categories")
    return value


# --- common -----------------------------------------------------------------


class Money(ResponseModel):
    amount: int
    currency: Currency


class ErrorDetail(ResponseModel):
    field: str | None = None
    message: str | None = None
    listing_id: str | None = None
    available: int | None = None


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
    cognito_endpoint: str | None
    currencies: list[Currency]
    image_max_bytes: int


class Category(ResponseModel):
    slug: str
    name: str
    name_ur: str


class CategoryList(ResponseModel):
    items: list[Category]


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


# --- artisans ---------------------------------------------------------------


class ArtisanUpsert(RequestModel):
    display_name: Annotated[Text, StringConstraints(min_length=1, max_length=80)]
    craft: str
    province: Province
    district: Annotated[Text, StringConstraints(min_length=1, max_length=60)]
    bio: Annotated[str, StringConstraints(max_length=2000)] | None = None
    bio_ur: Annotated[str, StringConstraints(max_length=2000)] | None = None
    phone: Phone
    cnic: Cnic | None = None

    _craft = field_validator("craft")(_check_category)


class ArtisanPublic(ResponseModel):
    artisan_id: str
    display_name: str
    craft: str
    province: Province
    district: str
    bio: str | None = None
    bio_ur: str | None = None
    verification: Literal["pending", "verified", "rejected"]
    created_at: str


class ArtisanPrivate(ArtisanPublic):
    phone: str
    cnic_last4: str
    verification_note: str | None = None


class ArtisanPage(ResponseModel):
    items: list[ArtisanPublic]
    next_cursor: str | None


class ArtisanPrivatePage(ResponseModel):
    items: list[ArtisanPrivate]
    next_cursor: str | None


class VerificationDecision(RequestModel):
    decision: Literal["verified", "rejected"]
    note: Annotated[str, StringConstraints(max_length=500)] | None = None


class ArtisanQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    province: Province | None = None
    craft: str | None = None
    limit: int = Field(20, ge=1, le=100)
    cursor: str | None = None

    _craft = field_validator("craft")(_check_category)


class VerificationQueueQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    verification: Literal["pending", "verified", "rejected"] = "pending"
    limit: int = Field(20, ge=1, le=100)
    cursor: str | None = None


# --- listings ---------------------------------------------------------------

Title = Annotated[Text, StringConstraints(min_length=3, max_length=140)]
TitleUr = Annotated[Text, StringConstraints(max_length=140)]
Description = Annotated[str, StringConstraints(max_length=5000)]
AttributeName = Annotated[str, StringConstraints(min_length=1, max_length=40)]
AttributeValue = Annotated[str, StringConstraints(max_length=200)]


class PriceIn(RequestModel):
    amount: int = Field(ge=100, le=10_000_000_00)
    currency: Literal["PKR"]


class ListingCreate(RequestModel):
    title: Title
    title_ur: TitleUr | None = None
    description: Description = ""
    description_ur: Description | None = None
    category: str
    price: PriceIn
    stock: int = Field(ge=0, le=100_000)
    weight_grams: int = Field(ge=1, le=100_000)
    processing_days: int = Field(ge=1, le=60)
    attributes: dict[AttributeName, AttributeValue] = Field(default_factory=dict, max_length=20)

    _category = field_validator("category")(_check_category)


class ListingUpdate(RequestModel):
    """A partial listing; `null` clears the optional Urdu fields and is refused elsewhere."""

    title: Title | None = None
    title_ur: TitleUr | None = None
    description: Description | None = None
    description_ur: Description | None = None
    category: str | None = None
    price: PriceIn | None = None
    stock: int | None = Field(None, ge=0, le=100_000)
    weight_grams: int | None = Field(None, ge=1, le=100_000)
    processing_days: int | None = Field(None, ge=1, le=60)
    attributes: dict[AttributeName, AttributeValue] | None = Field(None, max_length=20)

    _category = field_validator("category")(_check_category)

    @field_validator("title", "description", "category", "price", "stock", "weight_grams", "processing_days",
                     "attributes")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        # Runs only for fields the body names (defaults are not validated), so absent stays "unchanged".
        if value is None:
            raise ValueError("cannot be null")
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> ListingUpdate:
        if not self.model_fields_set:
            raise ValueError("at least one field must be given")
        return self

    def changes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.model_fields_set}


class ImagePublic(ResponseModel):
    image_id: str
    status: Literal["pending", "ready", "rejected"]
    urls: dict[Literal["thumb", "medium", "large"], str] | None = None
    width: int | None = None
    height: int | None = None
    reason: str | None = None


class ListingPublic(ResponseModel):
    listing_id: str
    artisan_id: str
    title: str
    title_ur: str | None = None
    description: str
    description_ur: str | None = None
    category: str
    price: Money
    display_price: Money | None = None
    stock: int
    weight_grams: int
    processing_days: int
    attributes: dict[str, str]
    status: Literal["draft", "active", "archived"]
    images: list[ImagePublic]
    version: int
    created_at: str
    updated_at: str


class ListingPage(ResponseModel):
    items: list[ListingPublic]
    next_cursor: str | None


class ListingQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    category: str | None = None
    sort: Literal["newest", "price_asc", "price_desc"] | None = None
    min_price: int | None = Field(None, ge=0)
    max_price: int | None = Field(None, ge=0)
    artisan_id: str | None = Field(None, min_length=1, max_length=64)
    province: Province | None = None
    currency: Currency | None = None
    limit: int = Field(20, ge=1, le=100)
    cursor: str | None = None

    _category = field_validator("category")(_check_category)


class CurrencyQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    currency: Currency | None = None


class PageQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    limit: int = Field(20, ge=1, le=100)
    cursor: str | None = None


# --- images -----------------------------------------------------------------


class ImageUploadCreate(RequestModel):
    content_type: Literal["image/jpeg", "image/png", "image/webp"]
    size_bytes: int = Field(ge=1, le=IMAGE_MAX_BYTES)


class ImageUploadForm(ResponseModel):
    """An S3 presigned POST: post every field, then the file as the last part named `file`."""

    url: str
    fields: dict[str, str]


class ImageUploadGrant(ResponseModel):
    image_id: str
    status: Literal["pending"]
    upload: ImageUploadForm
    expires_in: int
