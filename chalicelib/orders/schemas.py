"""Orders and fulfilment: what requests may carry and what responses show."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from ..http.schemas import Currency, Money, RequestModel, ResponseModel, Text

PaymentMethod = Literal["jazzcash", "card", "cod", "easypaisa"]
OrderStatus = Literal["pending_payment", "paid", "confirmed", "partially_shipped", "shipped", "delivered",
                      "cancelled", "expired", "refunded"]
Carrier = Literal["tcs", "leopards", "pakistan_post", "dhl", "other"]
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
OptionalLine = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None


class OrderItemIn(RequestModel):
    listing_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    variant_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = Field(
        None, description="Required exactly when the listing has variants")
    quantity: int = Field(ge=1, le=100)


class ShippingAddress(RequestModel):
    name: Short
    phone: Annotated[str, StringConstraints(pattern=r"^\+?[0-9][0-9 -]{6,19}$")]
    line1: Line
    line2: OptionalLine = None
    city: Short
    region: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
    postal_code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] | None = None
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]


class OrderCreate(RequestModel):
    items: list[OrderItemIn] = Field(min_length=1, max_length=25)
    currency: Currency
    shipping_address: ShippingAddress
    payment_method: PaymentMethod

    @model_validator(mode="after")
    def _rules(self) -> OrderCreate:
        ids = [(item.listing_id, item.variant_id) for item in self.items]
        if len(set(ids)) != len(ids):
            raise ValueError("each listing (each variant of it) may appear once in items")
        if self.payment_method in ("jazzcash", "cod", "easypaisa") and self.currency != "PKR":
            raise ValueError(f"{self.payment_method} charges in PKR only")
        if self.payment_method == "cod" and self.shipping_address.country != "PK":
            raise ValueError("cash on delivery ships within Pakistan only (country PK)")
        return self


class ReasonCreate(RequestModel):
    """Why an artisan declines an order, or ops cancel one (shown to the buyer, kept in the audit log)."""

    reason: Annotated[Text, StringConstraints(min_length=1, max_length=500)]


class ReviewResolutionCreate(RequestModel):
    """How ops dealt with an order that needed review (kept in the audit log)."""

    note: Annotated[Text, StringConstraints(min_length=1, max_length=500)]


class ShipmentCreate(RequestModel):
    carrier: Carrier
    tracking_number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


class OrderLinePublic(ResponseModel):
    listing_id: str
    variant_id: str | None = None
    options: dict[str, str] | None = Field(None, description="The variant's option values, as chosen")
    artisan_id: str
    title: str
    quantity: int
    unit_price: Money
    line_total: Money
    fulfilment: Literal["pending", "shipped"]
    refunded: int = Field(0, description="Units of this line refunded")
    carrier: Carrier | None = None
    tracking_number: str | None = None


class Charge(ResponseModel):
    amount: int
    currency: Currency
    fx_rate: str


class AddressPublic(ResponseModel):
    name: str
    phone: str
    line1: str
    line2: str | None = None
    city: str
    region: str | None = None
    postal_code: str | None = None
    country: str


class DisputePublic(ResponseModel):
    """The latest card dispute: open, then won (the artisans' held credit released) or lost."""

    dispute_id: str
    status: Literal["open", "won", "lost"]
    amount: int = Field(description="Minor units of the charge currency")
    currency: str
    reason: str | None = None
    opened_at: str
    closed_at: str | None = None


class ReturnSummaryLine(ResponseModel):
    listing_id: str
    variant_id: str | None = None
    quantity: int


class ReturnSummary(ResponseModel):
    return_id: str
    status: Literal["requested", "approved", "rejected"]
    items: list[ReturnSummaryLine]
    created_at: str


class OrderRefund(ResponseModel):
    """The order's view of one of its refunds (POST /ops/orders/{order_id}/refunds)."""

    refund_id: str
    amount: Money
    status: Literal["pending", "succeeded", "failed"]
    created_at: str


class OrderPublic(ResponseModel):
    order_id: str
    buyer_id: str
    status: OrderStatus
    items: list[OrderLinePublic]
    subtotal: Money
    shipping: Money
    total: Money
    charge: Charge
    payment_method: PaymentMethod
    shipping_address: AddressPublic
    expires_at: str | None
    created_at: str
    updated_at: str
    paid_at: str | None = None
    needs_review: bool = False
    review_reason: str | None = None
    last_payment_error: str | None = None
    cancelled_by: Literal["buyer", "artisan", "ops"] | None = None
    cancel_reason: str | None = None
    delivered_at: str | None = None
    disputed: bool = False
    dispute: DisputePublic | None = None
    returns: list[ReturnSummary] = []
    refunds: list[OrderRefund] = []
    refunded_amount: Money | None = Field(None, description="Refunds not failed, in the charge currency")


class OrderPage(ResponseModel):
    items: list[OrderPublic]
    next_cursor: str | None


class ArtisanOrderPublic(ResponseModel):
    order_id: str
    status: OrderStatus
    created_at: str
    items: list[OrderLinePublic]
    shipping_address: AddressPublic | None = None


class ArtisanOrderPage(ResponseModel):
    items: list[ArtisanOrderPublic]
    next_cursor: str | None


class OpsQueueQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    queue: Literal["needs_review", "disputed", "returns"]
    limit: int = Field(20, ge=1, le=100)
    cursor: str | None = None


class ArtisanOrderQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    status: OrderStatus | None = None
    limit: int = Field(20, ge=1, le=100)
    cursor: str | None = None
