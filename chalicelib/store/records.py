"""The plain values that `store/` takes and gives: no row class, key or index ever leaves it.

Services and rules work on these; the repositories in this package turn them
into pynamodb rows and back, and derive what is only storage (index keys,
per-artisan copies of an order, the optimistic version and revision counters).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# What one stock count is kept under: a listing, or one variant of it (listing_id, variant_id | None).
StockKey = tuple[str, str | None]


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
    search_pending: str | None = None  # set with a change the search index must follow; cleared once it has
    # Reviews: the sum and count of the visible ratings, changed in the same transaction as each review.
    rating_sum: int = 0
    rating_count: int = 0
    # Variants (catalog/rules.py): up to 3 options [{name, name_ur, values}] and the variants by id, each
    # {options, price_amount, stock, sku?, retired?}; a variant taken off the listing stays, retired, so stock
    # coming back to it from an order in flight always has a place. With variants, `stock` (the listing's own
    # pool) is 0 and the units live in the variants; `variant_moves` counts every change to their stock.
    options: list[dict[str, Any]] = field(default_factory=list)
    variants: dict[str, dict[str, Any]] = field(default_factory=dict)
    variant_moves: int = 0

    @property
    def sellable(self) -> bool:
        """In the catalog: active and not held by moderation."""
        return self.status == "active" and self.moderation_hold is None

    def is_hot(self, now: str) -> bool:
        return self.hot_until is not None and self.hot_until > now


@dataclass(frozen=True)
class IndexHit:
    """One search index item as read: a listing under a key, with the listing's words that put it there."""

    listing_id: str
    words: tuple[str, ...]
    created_at: str
    category: str
    province: str


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
    limits_counted: bool = False  # placed under the buyer limits (store/limits.py): leaving "open" gives back
    cancel_reason: str | None = None
    cancelled_by: str | None = None  # buyer | artisan | ops
    disputed: bool = False  # a card dispute is open (chalicelib/disputes)
    dispute: dict[str, Any] | None = None  # the latest dispute: id, status, amounts, what it holds per artisan
    delivered_at: str | None = None
    open_returns: int = 0  # return requests awaiting an ops decision
    returns: list[dict[str, Any]] = field(default_factory=list)  # the order's view of its returns
    # Refunds (chalicelib/refunds): the order's view of each ({refund_id, amount, currency, status, created_at})
    # and the sum of those not failed, in the charge currency.
    refunds: list[dict[str, Any]] = field(default_factory=list)
    refunded_amount: int = 0
    payment_ref: str | None = None  # the gateway's reference of the payment that paid it (intent id, txn ref)

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
    """A line of an artisan's payout ledger, written once: `sale` per delivered order, `refund` per refund, ...

    `ref` tells apart several entries of one kind for one order (the refund id). `amount` is what the balance
    moves by; `commission` is the platform's share taken off it (a sale) or given back (a refund, negative), so
    the gross is `amount + commission` (statements show both; entries older than the field carry 0).
    """

    artisan_id: str
    order_id: str
    amount: int
    created_at: str
    kind: str = "sale"
    ref: str | None = None
    commission: int = 0


@dataclass(frozen=True)
class RefundRecord:
    """Money going back to a buyer: decided once (with its ledger and stock effects), then settled by a gateway.

    `refund_id` is derived from the order and the idempotency key, so it is the idempotency record too, and
    it is the gateway's idempotency key. `attempts` counts calls whose answer may be unknown: above zero,
    the gateway is asked (inquiry) before it is called again.
    """

    refund_id: str
    order_id: str
    amount: int
    currency: str
    provider: str
    status: str  # pending | succeeded | failed
    request_hash: str
    reason: str
    items: list[dict[str, Any]]
    created_at: str
    updated_at: str
    payment_ref: str | None = None
    attempts: int = 0
    gateway_ref: str | None = None
    failure: str | None = None


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
class Review:
    """A verified buyer's rating of one listing of one delivered order; `hidden_reason` once ops hid it."""

    review_id: str
    listing_id: str
    order_id: str
    buyer_id: str
    rating: int
    created_at: str
    text: str | None = None
    hidden_reason: str | None = None
    hidden_at: str | None = None

    @property
    def hidden(self) -> bool:
        return self.hidden_at is not None


@dataclass(frozen=True)
class ReturnRecord:
    """A buyer's request to return delivered units, and the ops decision on it."""

    return_id: str
    order_id: str
    buyer_id: str
    items: list[dict[str, Any]]  # [{"listing_id", "quantity"}]
    reason: str
    status: str  # requested | approved | rejected
    created_at: str
    decided_at: str | None = None
    decided_by: str | None = None
    note: str | None = None
    refund_id: str | None = None


@dataclass(frozen=True)
class OrderChange:
    """Everything one order change writes, in one transaction.

    `updates` None removes an attribute. When `lines` changes, each artisan's copy
    follows; every copy gets the new status. `reserve`/`release` are
    (stock key, quantity), the key a listing or one of its variants; `once` are records that must not exist yet.
    """

    order: Order
    updates: dict[str, Any] = field(default_factory=dict)
    reserve: list[tuple[StockKey, int]] = field(default_factory=list)
    release: list[tuple[StockKey, int]] = field(default_factory=list)
    once: list[PaymentRecord | PayoutEntry] = field(default_factory=list)
    payout_credits: dict[str, int] = field(default_factory=dict)
    audit: AuditEntry | None = None  # an ops decision is recorded with the change it makes
    # A return request written with the order change: new (`requested`) or decided (from `requested` only).
    return_record: ReturnRecord | None = None
    # A refund decided with this change (put once), or settled by it (from `pending` only).
    new_refund: RefundRecord | None = None
    settled_refund: RefundRecord | None = None


@dataclass(frozen=True)
class BuyerLimits:
    """How much one buyer may hold in open orders (API.md "Fair stock"), from the settings."""

    max_open_orders: int
    max_units_per_buyer: int


@dataclass(frozen=True)
class OutboxEvent:
    """Something that must produce messages, written in the transaction of the change that causes it.

    `event_id` is derived from the change (`order.paid#<order_id>`), so a retried change cannot write a second
    one. `recipient_user_id` names the one user it is for; None for an order's events, whose recipients (its
    buyer, its artisans) the notifier takes from `data`.
    """

    event_id: str
    kind: str
    recipient_user_id: str | None
    data: dict[str, Any]
    created_at: str


@dataclass(frozen=True)
class NotificationSettings:
    """What one user wants to be told through: SMS, e-mail, and in which language ("en" | "ur")."""

    sms: bool
    email: bool
    language: str


@dataclass(frozen=True)
class Delivery:
    """One message of one event to one user on one channel: recorded before it is sent, so it is sent once.

    `status`: held (quiet hours, until `send_after`) | sending | sent | failed | suppressed (the user turned
    the channel off).
    """

    delivery_id: str
    event_id: str
    kind: str
    user_id: str
    channel: str  # sms | email
    recipient: str  # E.164 phone or e-mail address
    language: str
    subject: str
    body: str
    status: str
    created_at: str
    updated_at: str
    send_after: str | None = None
    attempts: int = 0
    provider_id: str | None = None


@dataclass(frozen=True)
class PayoutAccount:
    """Where an artisan is paid (kept on their payout balance row): `number` is the IBAN or the wallet's MSISDN.

    Never logged; every answer masks `number` (payouts/rules.py mask).
    """

    method: str  # iban | jazzcash_wallet | easypaisa_wallet
    number: str
    title: str
    updated_at: str


@dataclass(frozen=True)
class PayoutCandidate:
    """An artisan's payout balance row as read (consistently) before a run debits it."""

    artisan_id: str
    balance: int
    account: PayoutAccount | None


@dataclass(frozen=True)
class PayoutRun:
    """One payout run: who started it, its minimum, exact counts and total, and its bank file once `ready`.

    status: running (paying) | ready (file written, awaiting the bank) | settled (every transfer paid or failed).
    """

    run_id: str
    status: str
    trigger: str  # ops | schedule
    created_by: str
    created_at: str
    updated_at: str
    min_amount: int
    request_hash: str
    artisans: int = 0
    total: int = 0
    paid: int = 0
    failed: int = 0
    file_key: str | None = None


@dataclass(frozen=True)
class PayoutTransfer:
    """One artisan's payout in one run: `sent` when debited, then `paid` or `failed` once the bank answers."""

    run_id: str
    artisan_id: str
    amount: int
    status: str
    account: PayoutAccount
    created_at: str
    settled_at: str | None = None
    bank_ref: str | None = None
