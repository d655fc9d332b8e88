"""Artisans and listings: what requests may carry and what responses show."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from ..http.schemas import Currency, Money, Phone, RequestModel, ResponseModel, Text
from ..images.schemas import ImagePublic
from ..payouts.schemas import PayoutAccountIn, PayoutAccountPublic
from .categories import CATEGORY_SLUGS, PROVINCES

Province = Literal[
    "punjab", "sindh", "khyber_pakhtunkhwa", "balochistan", "islamabad", "gilgit_baltistan", "azad_kashmir",
]
assert set(Province.__args__) == set(PROVINCES)  # type: ignore[attr-defined]
Cnic = Annotated[str, StringConstraints(pattern=r"^[0-9]{5}-[0-9]{7}-[0-9]$")]


def _check_category(value: str | None) -> str | None:
    if value is not None and value not in CATEGORY_SLUGS:
        raise ValueError("must be one of the slugs from GET /categories")
    return value


class ArtisanUpsert(RequestModel):
    display_name: Annotated[Text, StringConstraints(min_length=1, max_length=80)]
    craft: str
    province: Province
    district: Annotated[Text, StringConstraints(min_length=1, max_length=60)]
    bio: Annotated[str, StringConstraints(max_length=2000)] | None = None
    bio_ur: Annotated[str, StringConstraints(max_length=2000)] | None = None
    phone: Phone
    cnic: Cnic | None = None
    # Absent: unchanged; null: removed (payouts/accounts.py).
    payout_account: PayoutAccountIn | None = None

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
    suspended: bool = False
    suspension_reason: str | None = None
    payout_account: PayoutAccountPublic | None = None


class ArtisanPage(ResponseModel):
    items: list[ArtisanPublic]
    next_cursor: str | None


class ArtisanPrivatePage(ResponseModel):
    items: list[ArtisanPrivate]
    next_cursor: str | None


class VerificationDecision(RequestModel):
    decision: Literal["verified", "rejected"]
    note: Annotated[str, StringConstraints(max_length=500)] | None = None


Reason = Annotated[Text, StringConstraints(min_length=1, max_length=500)]


class SuspensionCreate(RequestModel):
    reason: Reason


class TakedownCreate(RequestModel):
    reason: Reason


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


Title = Annotated[Text, StringConstraints(min_length=3, max_length=140)]
TitleUr = Annotated[Text, StringConstraints(max_length=140)]
Description = Annotated[str, StringConstraints(max_length=5000)]
AttributeName = Annotated[str, StringConstraints(min_length=1, max_length=40)]
AttributeValue = Annotated[str, StringConstraints(max_length=200)]
MAX_PRICE = 10_000_000_00  # Rs 10 million, in paisa


class PriceIn(RequestModel):
    amount: int = Field(ge=100, le=MAX_PRICE)
    currency: Literal["PKR"]


OptionName = Annotated[Text, StringConstraints(min_length=1, max_length=40)]
OptionValue = Annotated[Text, StringConstraints(min_length=1, max_length=40)]
Sku = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._/-]{1,64}$")]


class OptionIn(RequestModel):
    """One way the work varies (size, colour), with the values it comes in, in the order buyers see them."""

    name: OptionName
    name_ur: Annotated[Text, StringConstraints(max_length=40)] | None = None
    values: list[OptionValue] = Field(min_length=1, max_length=30)


class VariantIn(RequestModel):
    """One combination of option values: its price (absent: the listing's `price`), stock and SKU.

    `variant_id` names an existing variant (kept across edits, so carts and orders keep working); absent,
    the variant with the same combination keeps its id, or a new one is given.
    """

    variant_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    options: dict[OptionName, OptionValue] = Field(min_length=1, max_length=3)
    price: PriceIn | None = None
    stock: int = Field(ge=0, le=100_000)
    sku: Sku | None = None


Options = Annotated[list[OptionIn], Field(max_length=3)]
Variants = Annotated[list[VariantIn], Field(max_length=100)]


def _variant_inputs(variants: list[VariantIn]) -> list[dict[str, Any]]:
    """Variants as the catalog rules take them (prices in minor units)."""
    return [{"variant_id": variant.variant_id, "options": dict(variant.options), "stock": variant.stock,
             "sku": variant.sku, "price": variant.price.amount if variant.price is not None else None}
            for variant in variants]


class ListingCreate(RequestModel):
    title: Title
    title_ur: TitleUr | None = None
    description: Description = ""
    description_ur: Description | None = None
    category: str
    price: PriceIn
    stock: int | None = Field(None, ge=0, le=100_000, description="Required without options; read-only with them")
    weight_grams: int = Field(ge=1, le=100_000)
    processing_days: int = Field(ge=1, le=60)
    attributes: dict[AttributeName, AttributeValue] = Field(default_factory=dict, max_length=20)
    options: Options = Field(default_factory=list)
    variants: Variants = Field(default_factory=list)

    _category = field_validator("category")(_check_category)

    @model_validator(mode="after")
    def _stock(self) -> ListingCreate:
        if self.options and self.stock is not None:
            raise ValueError("stock is read-only with options: it is the sum of the variants' stock")
        if not self.options and self.stock is None:
            raise ValueError("stock is required for a listing without options")
        return self

    def variant_inputs(self) -> list[dict[str, Any]]:
        return _variant_inputs(self.variants)


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
    options: Options | None = Field(None, description="With `variants`; [] and [] take the options off")
    variants: Variants | None = Field(None, description="Every variant, as it is to be (the stock of each too)")

    _category = field_validator("category")(_check_category)

    @field_validator("title", "description", "category", "price", "stock", "weight_grams", "processing_days",
                     "attributes", "options", "variants")
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
        """The plain fields named (`options` and `variants` apart: `option_inputs`, `variant_inputs`)."""
        return {name: getattr(self, name) for name in self.model_fields_set - {"options", "variants"}}

    def option_inputs(self) -> list[dict[str, Any]] | None:
        return None if self.options is None else [option.model_dump() for option in self.options]

    def variant_inputs(self) -> list[dict[str, Any]] | None:
        return None if self.variants is None else _variant_inputs(self.variants)


class Rating(ResponseModel):
    """The visible reviews' mean rating (one decimal; null before the first review) and how many there are."""

    average: float | None
    count: int


class OptionPublic(ResponseModel):
    name: str
    name_ur: str | None = None
    values: list[str]


class VariantPublic(ResponseModel):
    variant_id: str
    options: dict[str, str]
    price: Money
    display_price: Money | None = None
    stock: int
    sku: str | None = None


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
    status: Literal["draft", "active", "archived", "taken_down"]
    takedown_reason: str | None = None
    images: list[ImagePublic]
    options: list[OptionPublic] = []
    variants: list[VariantPublic] = Field([], description="With options: `price` is the lowest variant price "
                                                          "(\"from\") and `stock` their sum")
    rating: Rating
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
    # Bounded like prices themselves, so no integer a client sends reaches DynamoDB unchecked.
    min_price: int | None = Field(None, ge=0, le=MAX_PRICE)
    max_price: int | None = Field(None, ge=0, le=MAX_PRICE)
    artisan_id: str | None = Field(None, min_length=1, max_length=64)
    province: Province | None = None
    currency: Currency | None = None
    limit: int = Field(20, ge=1, le=100)
    cursor: str | None = None

    _category = field_validator("category")(_check_category)
