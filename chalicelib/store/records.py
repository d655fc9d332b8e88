"""The plain values that `store/` takes and gives: no row class, key or index ever leaves it.

Services and rules work on these; the repositories in this package turn them
into pynamodb rows and back, and derive what is only storage (index keys,
per-artisan copies of an order, the optimistic version and revision counters).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Artisan:
    artisan_id: str
    display_name: str
    craft: str
    province: str
    district: str
    phone: str
    cnic_hash: str
    cnic_last4: str
    verification: str
    created_at: str
    updated_at: str
    bio: str | None = None
    bio_ur: str | None = None
    verification_note: str | None = None
    suspended: bool = False
    suspension_reason: str | None = None
    listing_hold: str | None = None  # while set, the artisan's listings are (being) held and publishing is refused


@dataclass(frozen=True)
class Listing:
    listing_id: str
    artisan_id: str
    province: str
    title: str
    category: str
    price_amount: int
    stock: int
    weight_grams: int
    processing_days: int
    status: str
    version: int
    created_at: str
    updated_at: str
    description: str = ""
    title_ur: str | None = None
    description_ur: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    images: dict[str, dict[str, Any]] = field(default_factory=dict)  # image_id -> image record
    hot_until: str | None = None  # a flash sale: orders reserve its stock outside their transaction
    moderation_hold: str | None = None  # held out of the catalog (its artisan is suspended or rejected)
    takedown_reason: str | None = None

    @property
    def sellable(self) -> bool:
        """In the catalog: active and not held by moderation."""
        return self.status == "active" and self.moderation_hold is None

    def is_hot(self, now: str) -> bool:
        return self.hot_until is not None and self.hot_until > now


@dataclass(frozen=True)
class Order:
    order_id: str
    buyer_id: str
    status: str
    lines: list[dict[str, Any]]
    subtotal: int
    shipping: int
    total: int
    charge_amount: int
    charge_currency: str
    fx_rate: str
    payment_method: str
    shipping_address: dict[str, Any]
    created_at: str
    updated_at: str
    expires_at: str | None = None
    revision: int = 1
    payment_attempts: int = 0
    needs_review: bool = False
    review_reason: str | None = None
    last_payment_error: str | None = None
    paid_at: str | None = None
    reserving_until: str | None = None  # set while hot stock is held outside the transaction

    @property
    def artisan_ids(self) -> list[str]:
        return sorted({line["artisan_id"] for line in self.lines})


@dataclass(frozen=True)
class ArtisanOrder:
    """One artisan's lines of one order (their fulfilment view)."""

    artisan_id: str
    order_id: str
    status: str
    lines: list[dict[str, Any]]
    shipping_address: dict[str, Any]
    created_at: str


@dataclass(frozen=True)
class IdempotencyRecord:
    key: str
    request_hash: str
    order_id: str
    expires_at_epoch: int


@dataclass(frozen=True)
class PaymentRecord:
    """Written once: a gateway event (`<provider>#<event id>`) or the fact that an order was paid (`paid#<id>`)."""

    key: str
    order_id: str
    outcome: str
    amount: int | None
    currency: str | None
    created_at: str


@dataclass(frozen=True)
class PayoutEntry:
    """A line of an artisan's payout ledger, written once per order."""

    artisan_id: str
    order_id: str
    amount: int
    created_at: str


@dataclass(frozen=True)
class AuditEntry:
    """One ops decision, written in the decision's own transaction. `details` never holds a CNIC or a phone."""

    audit_id: str
    at: str
    actor_id: str
    action: str
    target_id: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OrderChange:
    """Everything one order change writes, in one transaction.

    `updates` None removes an attribute. When `lines` changes, each artisan's copy
    follows; every copy gets the new status. `reserve`/`release` are
    (listing_id, quantity); `once` are records that must not exist yet.
    """

    order: Order
    updates: dict[str, Any] = field(default_factory=dict)
    reserve: list[tuple[str, int]] = field(default_factory=list)
    release: list[tuple[str, int]] = field(default_factory=list)
    once: list[PaymentRecord | PayoutEntry] = field(default_factory=list)
    payout_credits: dict[str, int] = field(default_factory=dict)
    audit: AuditEntry | None = None  # an ops decision is recorded with the change it makes

