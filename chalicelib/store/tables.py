"""pynamodb models of the tables defined in `infra/resources.yaml`.

Table names come from the settings (`chalicelib.config.TABLE_ENV`) and are
bound by `bind_tables()` when `chalicelib.wiring` builds them, so importing this
module reads nothing. No row class leaves `store/`: repositories convert rows to
the plain values of `records.py`.
A test checks that every model here agrees with the template's keys and indexes.
"""
from __future__ import annotations

import threading
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from ..config import Settings
from . import connected_settings


class _Unbound:
    table_name = "unbound"
    region: str | None = None


def _index(name: str, projection: type = AllProjection) -> type:
    class Meta:
        index_name = name
        projection = AllProjection()

    Meta.projection = projection()
    return Meta


# --- artisans -----------------------------------------------------------------


class ArtisanByVerification(GlobalSecondaryIndex["ArtisanItem"]):
    Meta = _index("by_verification")
    verification = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class ArtisanByProvince(GlobalSecondaryIndex["ArtisanItem"]):
    Meta = _index("by_province")
    browse_province = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class ArtisanByCraft(GlobalSecondaryIndex["ArtisanItem"]):
    Meta = _index("by_craft")
    browse_craft = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class ArtisanByProvinceCraft(GlobalSecondaryIndex["ArtisanItem"]):
    Meta = _index("by_province_craft")
    browse_province_craft = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class ArtisanByListed(GlobalSecondaryIndex["ArtisanItem"]):
    Meta = _index("by_listed")
    browse_listed = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class ArtisanItem(Model):
    logical_id = "ArtisansTable"
    class Meta(_Unbound):
        pass

    artisan_id = UnicodeAttribute(hash_key=True)
    display_name = UnicodeAttribute()
    craft = UnicodeAttribute()
    province = UnicodeAttribute()
    district = UnicodeAttribute()
    bio = UnicodeAttribute(null=True)
    bio_ur = UnicodeAttribute(null=True)
    phone = UnicodeAttribute()
    cnic_hash = UnicodeAttribute()
    cnic_last4 = UnicodeAttribute()
    verification = UnicodeAttribute()
    verification_note = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    # Moderation (store/moderation.py): present only while suspended; `listing_hold` while the
    # artisan's listings are (being) held out of the catalog, so publishing is refused meanwhile.
    suspended = BooleanAttribute(null=True)
    suspension_reason = UnicodeAttribute(null=True)
    listing_hold = UnicodeAttribute(null=True)
    browse_province = UnicodeAttribute(null=True)
    browse_craft = UnicodeAttribute(null=True)
    browse_province_craft = UnicodeAttribute(null=True)
    browse_listed = UnicodeAttribute(null=True)

    by_verification = ArtisanByVerification()
    by_province = ArtisanByProvince()
    by_craft = ArtisanByCraft()
    by_province_craft = ArtisanByProvinceCraft()
    by_listed = ArtisanByListed()


class ClaimItem(Model):
    logical_id = "ClaimsTable"
    class Meta(_Unbound):
        pass

    claim = UnicodeAttribute(hash_key=True)
    owner_id = UnicodeAttribute()


# --- listings -----------------------------------------------------------------


class ListingByOwner(GlobalSecondaryIndex["ListingItem"]):
    Meta = _index("by_owner")
    artisan_id = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class ListingByRecent(GlobalSecondaryIndex["ListingItem"]):
    Meta = _index("by_recent")
    browse_all = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class ListingByCategory(GlobalSecondaryIndex["ListingItem"]):
    Meta = _index("by_category")
    browse_category = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class ListingByCategoryPrice(GlobalSecondaryIndex["ListingItem"]):
    Meta = _index("by_category_price")
    browse_category = UnicodeAttribute(hash_key=True)
    price_amount = NumberAttribute(range_key=True)


class ListingByArtisan(GlobalSecondaryIndex["ListingItem"]):
    Meta = _index("by_artisan")
    browse_artisan = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class ListingByProvince(GlobalSecondaryIndex["ListingItem"]):
    Meta = _index("by_province")
    browse_province = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class ListingByPrice(GlobalSecondaryIndex["ListingItem"]):
    """Every active listing by price, whatever its craft: keys only, so stock and rating writes never reach it."""

    Meta = _index("by_price", KeysOnlyProjection)
    browse_price = UnicodeAttribute(hash_key=True)
    price_amount = NumberAttribute(range_key=True)


class ListingBySearchPending(GlobalSecondaryIndex["ListingItem"]):
    """Listings whose search index items may not follow their last change yet (the sweep's outbox)."""

    Meta = _index("by_search_pending", KeysOnlyProjection)
    search_queue = UnicodeAttribute(hash_key=True)
    search_pending = UnicodeAttribute(range_key=True)


class ListingItem(Model):
    logical_id = "ListingsTable"
    class Meta(_Unbound):
        pass

    listing_id = UnicodeAttribute(hash_key=True)
    artisan_id = UnicodeAttribute()
    province = UnicodeAttribute()
    title = UnicodeAttribute()
    title_ur = UnicodeAttribute(null=True)
    description = UnicodeAttribute(default="")
    description_ur = UnicodeAttribute(null=True)
    category = UnicodeAttribute()
    price_amount = NumberAttribute()
    price_currency = UnicodeAttribute(default="PKR")
    stock = NumberAttribute()
    weight_grams = NumberAttribute()
    processing_days = NumberAttribute()
    attributes: MapAttribute[str, str] = MapAttribute(default=dict)  # raw map: str -> str
    images: MapAttribute[str, Any] = MapAttribute(default=dict)  # raw map: image_id -> image record
    status = UnicodeAttribute()
    version = NumberAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    # Until then, orders reserve this listing's stock with single-item writes (store/hot.py).
    hot_until = UnicodeAttribute(null=True)
    # Out of the catalog while its artisan is suspended or rejected: no browse keys, no orders.
    moderation_hold = UnicodeAttribute(null=True)
    takedown_reason = UnicodeAttribute(null=True)
    browse_all = UnicodeAttribute(null=True)
    browse_category = UnicodeAttribute(null=True)
    browse_artisan = UnicodeAttribute(null=True)
    browse_province = UnicodeAttribute(null=True)
    browse_price = UnicodeAttribute(null=True)
    # The visible reviews' ratings (store/reviews.py): added to in each review's own transaction.
    rating_sum = NumberAttribute(null=True)
    rating_count = NumberAttribute(null=True)
    # Set in the same write as a change that search must follow, cleared once the index has followed it
    # (search/service.py); `search_queue` keys the sparse index the sweep reads.
    search_pending = UnicodeAttribute(null=True)
    search_queue = UnicodeAttribute(null=True)
    # Variants (store/listings.py): raw list of options, raw map variant_id -> {options, price_amount, stock, ...};
    # `variant_moves` is added to by every write that moves a variant's stock (an edit is conditional on it).
    options: ListAttribute[Any] = ListAttribute(null=True)
    variants: MapAttribute[str, Any] = MapAttribute(null=True)
    variant_moves = NumberAttribute(null=True)

    by_owner = ListingByOwner()
    by_recent = ListingByRecent()
    by_category = ListingByCategory()
    by_category_price = ListingByCategoryPrice()
    by_artisan = ListingByArtisan()
    by_province = ListingByProvince()
    by_price = ListingByPrice()
    by_search_pending = ListingBySearchPending()


# --- orders -------------------------------------------------------------------


class OrderByBuyer(GlobalSecondaryIndex["OrderItem"]):
    Meta = _index("by_buyer")
    buyer_id = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class OrderByExpiry(GlobalSecondaryIndex["OrderItem"]):
    Meta = _index("by_expiry", KeysOnlyProjection)
    expiry_queue = UnicodeAttribute(hash_key=True)
    expires_at = UnicodeAttribute(range_key=True)


class OrderByRepair(GlobalSecondaryIndex["OrderItem"]):
    Meta = _index("by_repair", KeysOnlyProjection)
    repair_queue = UnicodeAttribute(hash_key=True)
    reserving_until = UnicodeAttribute(range_key=True)


class OrderByReviewQueue(GlobalSecondaryIndex["OrderItem"]):
    """Sparse: orders flagged `needs_review`, by when they were flagged (store/queues of orders.py)."""

    Meta = _index("by_review_queue")
    queue_review = UnicodeAttribute(hash_key=True)
    queue_review_at = UnicodeAttribute(range_key=True)


class OrderByDisputedQueue(GlobalSecondaryIndex["OrderItem"]):
    """Sparse: orders with an open card dispute, by when it opened."""

    Meta = _index("by_disputed_queue")
    queue_disputed = UnicodeAttribute(hash_key=True)
    queue_disputed_at = UnicodeAttribute(range_key=True)


class OrderByReturnsQueue(GlobalSecondaryIndex["OrderItem"]):
    """Sparse: orders with a return request awaiting a decision, by when the first of them came."""

    Meta = _index("by_returns_queue")
    queue_returns = UnicodeAttribute(hash_key=True)
    queue_returns_at = UnicodeAttribute(range_key=True)


class OrderItem(Model):
    logical_id = "OrdersTable"
    class Meta(_Unbound):
        pass

    order_id = UnicodeAttribute(hash_key=True)
    buyer_id = UnicodeAttribute()
    status = UnicodeAttribute()
    lines = JSONAttribute()  # list of line documents; never queried inside
    subtotal = NumberAttribute()
    shipping = NumberAttribute()
    total = NumberAttribute()
    charge_amount = NumberAttribute()
    charge_currency = UnicodeAttribute()
    fx_rate = UnicodeAttribute()
    payment_method = UnicodeAttribute()
    shipping_address = JSONAttribute()
    revision = NumberAttribute(default=1)
    payment_attempts = NumberAttribute(default=0)
    needs_review = BooleanAttribute(default=False)
    review_reason = UnicodeAttribute(null=True)
    last_payment_error = UnicodeAttribute(null=True)
    paid_at = UnicodeAttribute(null=True)
    expires_at = UnicodeAttribute(null=True)
    expiry_queue = UnicodeAttribute(null=True)
    # While a hot listing's stock is reserved outside the order's transaction (see store/hot.py).
    reserving_until = UnicodeAttribute(null=True)
    repair_queue = UnicodeAttribute(null=True)
    reserving_key = UnicodeAttribute(null=True)  # the idempotency record to delete if it is abandoned
    abandoned = BooleanAttribute(null=True)
    # Placed under the buyer limits: leaving "open" gives its counts back (older orders never took any).
    limits_counted = BooleanAttribute(null=True)
    cancel_reason = UnicodeAttribute(null=True)
    cancelled_by = UnicodeAttribute(null=True)  # buyer | artisan | ops
    # Disputes and returns (chalicelib/disputes, chalicelib/returns).
    disputed = BooleanAttribute(null=True)
    dispute = JSONAttribute(null=True)  # {dispute_id, status, amount, currency, reason, opened_at, closed_at, held}
    delivered_at = UnicodeAttribute(null=True)
    open_returns = NumberAttribute(null=True)  # return requests awaiting a decision
    returns = JSONAttribute(null=True)  # [{return_id, status, items, created_at}], the order's view of them
    # The ops queues: present (a constant partition and the time the order joined) only while it waits.
    queue_review = UnicodeAttribute(null=True)
    queue_review_at = UnicodeAttribute(null=True)
    queue_disputed = UnicodeAttribute(null=True)
    queue_disputed_at = UnicodeAttribute(null=True)
    queue_returns = UnicodeAttribute(null=True)
    queue_returns_at = UnicodeAttribute(null=True)
    # Refunds (chalicelib/refunds): the order's view of each, the sum not failed, and what paid it.
    refunds = JSONAttribute(null=True)
    refunded_amount = NumberAttribute(null=True)
    payment_ref = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()

    by_buyer = OrderByBuyer()
    by_expiry = OrderByExpiry()
    by_repair = OrderByRepair()
    by_review_queue = OrderByReviewQueue()
    by_disputed_queue = OrderByDisputedQueue()
    by_returns_queue = OrderByReturnsQueue()


class ArtisanOrderByStatus(GlobalSecondaryIndex["ArtisanOrderItem"]):
    Meta = _index("by_status")
    artisan_status = UnicodeAttribute(hash_key=True)
    order_sort = UnicodeAttribute(range_key=True)


class ArtisanOrderItem(Model):
    """One artisan's lines of one order, so an artisan's orders are one Query."""

    logical_id = "ArtisanOrdersTable"
    class Meta(_Unbound):
        pass

    artisan_id = UnicodeAttribute(hash_key=True)
    order_sort = UnicodeAttribute(range_key=True)
    order_id = UnicodeAttribute()
    status = UnicodeAttribute()
    artisan_status = UnicodeAttribute()
    lines = JSONAttribute()
    shipping_address = JSONAttribute()
    created_at = UnicodeAttribute()

    by_status = ArtisanOrderByStatus()


class IdempotencyItem(Model):
    logical_id = "IdempotencyTable"
    class Meta(_Unbound):
        pass

    idempotency_key = UnicodeAttribute(hash_key=True)
    request_hash = UnicodeAttribute()
    order_id = UnicodeAttribute()
    expires_at_epoch = NumberAttribute()


class PaymentEventItem(Model):
    logical_id = "PaymentEventsTable"
    class Meta(_Unbound):
        pass

    event_key = UnicodeAttribute(hash_key=True)
    order_id = UnicodeAttribute()
    outcome = UnicodeAttribute()
    amount = NumberAttribute(null=True)
    currency = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()


class PayoutByPayable(GlobalSecondaryIndex["PayoutItem"]):
    """Sparse: only balance rows of artisans with a payout account carry `payable` (a shard); the sort key is
    the balance itself, so a run finds who has at least the minimum with one Query per shard, no Scan."""

    Meta = _index("by_payable", KeysOnlyProjection)
    payable = UnicodeAttribute(hash_key=True)
    amount = NumberAttribute(range_key=True)


class PayoutItem(Model):
    logical_id = "PayoutsTable"
    class Meta(_Unbound):
        pass

    artisan_id = UnicodeAttribute(hash_key=True)
    entry_key = UnicodeAttribute(range_key=True)
    order_id = UnicodeAttribute(null=True)
    amount = NumberAttribute()
    currency = UnicodeAttribute(default="PKR")
    created_at = UnicodeAttribute(null=True)
    kind = UnicodeAttribute(null=True)  # sale (absent on older entries) | refund | ...
    ref = UnicodeAttribute(null=True)  # the refund (or other record) an entry belongs to
    commission = NumberAttribute(null=True)  # taken off a sale (negative: given back by a refund); absent: none
    # The balance row only (store/payouts.py): where the artisan is paid, and the eligibility index key.
    payable = UnicodeAttribute(null=True)
    account_method = UnicodeAttribute(null=True)
    account_number = UnicodeAttribute(null=True)
    account_title = UnicodeAttribute(null=True)
    account_updated_at = UnicodeAttribute(null=True)

    by_payable = PayoutByPayable()


class SettingItem(Model):
    logical_id = "SettingsTable"
    class Meta(_Unbound):
        pass

    name = UnicodeAttribute(hash_key=True)
    value: MapAttribute[str, str] = MapAttribute()
    updated_at = UnicodeAttribute()


# --- audit log ----------------------------------------------------------------


class AuditByActor(GlobalSecondaryIndex["AuditItem"]):
    Meta = _index("by_actor")
    actor_id = UnicodeAttribute(hash_key=True)
    entry = UnicodeAttribute(range_key=True)


class AuditByTime(GlobalSecondaryIndex["AuditItem"]):
    Meta = _index("by_time")
    audit_all = UnicodeAttribute(hash_key=True)
    entry = UnicodeAttribute(range_key=True)


class AuditItem(Model):
    """One ops decision; `entry` is "<at>#<audit_id>", so a reverse Query is newest first."""

    logical_id = "AuditTable"
    class Meta(_Unbound):
        pass

    target_id = UnicodeAttribute(hash_key=True)
    entry = UnicodeAttribute(range_key=True)
    audit_id = UnicodeAttribute()
    at = UnicodeAttribute()
    actor_id = UnicodeAttribute()
    action = UnicodeAttribute()
    details = JSONAttribute()
    # One constant partition for "every decision, newest first": ops decisions are low volume.
    audit_all = UnicodeAttribute()

    by_actor = AuditByActor()
    by_time = AuditByTime()


# --- reviews ----------------------------------------------------------------------


class ReviewByListing(GlobalSecondaryIndex["ReviewItem"]):
    Meta = _index("by_listing")
    visible_listing = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class ReviewItem(Model):
    """One review; its id is derived from (order, listing), so a second review of the pair is a failed put.

    `visible_listing` (the listing id) is present only while the review is shown: hidden ones leave the index.
    """

    logical_id = "ReviewsTable"
    class Meta(_Unbound):
        pass

    review_id = UnicodeAttribute(hash_key=True)
    listing_id = UnicodeAttribute()
    order_id = UnicodeAttribute()
    buyer_id = UnicodeAttribute()
    rating = NumberAttribute()
    text = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    hidden_reason = UnicodeAttribute(null=True)
    hidden_at = UnicodeAttribute(null=True)
    visible_listing = UnicodeAttribute(null=True)

    by_listing = ReviewByListing()


# --- returns ----------------------------------------------------------------------


class ReturnItem(Model):
    """A buyer's return request for lines of a delivered order, and the ops decision on it."""

    logical_id = "ReturnsTable"
    class Meta(_Unbound):
        pass

    return_id = UnicodeAttribute(hash_key=True)
    order_id = UnicodeAttribute()
    buyer_id = UnicodeAttribute()
    items = JSONAttribute()  # [{listing_id, quantity}]
    reason = UnicodeAttribute()
    status = UnicodeAttribute()  # requested | approved | rejected
    created_at = UnicodeAttribute()
    decided_at = UnicodeAttribute(null=True)
    decided_by = UnicodeAttribute(null=True)
    note = UnicodeAttribute(null=True)
    refund_id = UnicodeAttribute(null=True)


# --- refunds ----------------------------------------------------------------------


class RefundByPending(GlobalSecondaryIndex["RefundItem"]):
    """Sparse: only refunds still waiting for their gateway carry `pending_queue`, for the sweep."""

    Meta = _index("by_pending", KeysOnlyProjection)
    pending_queue = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class RefundItem(Model):
    """A refund: decided once with the order change, then settled by its gateway (store/refunds.py)."""

    logical_id = "RefundsTable"
    class Meta(_Unbound):
        pass

    refund_id = UnicodeAttribute(hash_key=True)
    order_id = UnicodeAttribute()
    amount = NumberAttribute()
    currency = UnicodeAttribute()
    provider = UnicodeAttribute()
    status = UnicodeAttribute()  # pending | succeeded | failed
    request_hash = UnicodeAttribute()
    reason = UnicodeAttribute()
    items = JSONAttribute()  # [{listing_id, quantity}]; empty for an amount
    payment_ref = UnicodeAttribute(null=True)
    attempts = NumberAttribute(default=0)
    gateway_ref = UnicodeAttribute(null=True)
    failure = UnicodeAttribute(null=True)
    pending_queue = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()

    by_pending = RefundByPending()


# --- registry imports -------------------------------------------------------------


class PayoutRunByRecent(GlobalSecondaryIndex["PayoutRunItem"]):
    Meta = _index("by_recent")
    run_all = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class PayoutRunByArtisan(GlobalSecondaryIndex["PayoutRunItem"]):
    Meta = _index("by_artisan")
    artisan_id = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class PayoutRunItem(Model):
    """A payout run (item_key "run": status, counts, file) and one transfer per artisan paid in it
    (item_key "artisan#<id>"), so the run's transfers are one consistent Query (store/payouts.py)."""

    logical_id = "PayoutRunsTable"
    class Meta(_Unbound):
        pass

    run_id = UnicodeAttribute(hash_key=True)
    item_key = UnicodeAttribute(range_key=True)
    status = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute(null=True)
    # The run's own row.
    run_all = UnicodeAttribute(null=True)
    trigger = UnicodeAttribute(null=True)
    created_by = UnicodeAttribute(null=True)
    min_amount = NumberAttribute(null=True)
    request_hash = UnicodeAttribute(null=True)
    artisans = NumberAttribute(null=True)
    total = NumberAttribute(null=True)
    paid = NumberAttribute(null=True)
    failed = NumberAttribute(null=True)
    file_key = UnicodeAttribute(null=True)
    # A transfer's row.
    artisan_id = UnicodeAttribute(null=True)
    amount = NumberAttribute(null=True)
    account_method = UnicodeAttribute(null=True)
    account_number = UnicodeAttribute(null=True)
    account_title = UnicodeAttribute(null=True)
    settled_at = UnicodeAttribute(null=True)
    bank_ref = UnicodeAttribute(null=True)

    by_recent = PayoutRunByRecent()
    by_artisan = PayoutRunByArtisan()


class ImportByRecent(GlobalSecondaryIndex["ImportItem"]):
    Meta = _index("by_recent")
    import_all = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class ImportItem(Model):
    """One registry import: its status, exact counters and the worker's checkpoint (store/imports.py)."""

    logical_id = "ImportsTable"
    class Meta(_Unbound):
        pass

    import_id = UnicodeAttribute(hash_key=True)
    status = UnicodeAttribute()
    size_bytes = NumberAttribute()
    created_by = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    total = NumberAttribute(default=0)
    processed = NumberAttribute(default=0)
    created = NumberAttribute(default=0)
    duplicates = NumberAttribute(default=0)
    rejected = NumberAttribute(default=0)
    next_row = NumberAttribute(default=2)  # the file's row number (the header is row 1) to resume from
    file_etag = UnicodeAttribute(null=True)  # the file as counted: a file replaced meanwhile fails the import
    failure_reason = UnicodeAttribute(null=True)
    errors_key = UnicodeAttribute(null=True)
    import_all = UnicodeAttribute()  # one constant partition: imports are a few a day

    by_recent = ImportByRecent()


class ImportRowItem(Model):
    """Where one row of an import stands: claimed, then created | duplicate | rejected, exactly once."""

    logical_id = "ImportRowsTable"
    class Meta(_Unbound):
        pass

    import_id = UnicodeAttribute(hash_key=True)
    row = NumberAttribute(range_key=True)
    state = UnicodeAttribute()
    reason = UnicodeAttribute(null=True)
    artisan_id = UnicodeAttribute(null=True)
    expires_at_epoch = NumberAttribute()


# --- buyer limits ---------------------------------------------------------------


class BuyerLimitItem(Model):
    """What one buyer holds in open orders: `counter` "open" (orders) or "units#<listing_id>" (units).

    Each order's transaction adds to these under the limits' conditions, and the change that takes the
    order out of "open" takes them back (store/limits.py), so the counts are exact without a read.
    """

    logical_id = "BuyerLimitsTable"
    class Meta(_Unbound):
        pass

    buyer_id = UnicodeAttribute(hash_key=True)
    counter = UnicodeAttribute(range_key=True)
    held = NumberAttribute(default=0)


# --- search ---------------------------------------------------------------------


class SearchItem(Model):
    """The search index (chalicelib/search): one item per key and listing, and one manifest per listing.

    A term item: `term` is a key ("t:<word>", "p:<prefix>"), `entry` is "<created_at>#<listing_id>" (a
    Query reads the newest first), `words` are the listing's words that put it there (space-separated).
    A manifest: `term` is "m:<listing_id>", `entry` "manifest", `keys` every key the listing may have
    items under (newline-separated), so a re-index deletes exactly the stale ones.
    """

    logical_id = "SearchTable"
    class Meta(_Unbound):
        pass

    term = UnicodeAttribute(hash_key=True)
    entry = UnicodeAttribute(range_key=True)
    words = UnicodeAttribute(null=True)
    category = UnicodeAttribute(null=True)
    province = UnicodeAttribute(null=True)
    keys = UnicodeAttribute(null=True)


# --- notifications (chalicelib/notifications) -----------------------------------------


class OutboxByUnrelayed(GlobalSecondaryIndex["OutboxItem"]):
    """Sparse: only events not yet handed to the notifications queue carry `relay_queue`, for the sweep."""

    Meta = _index("by_unrelayed")
    relay_queue = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class OutboxItem(Model):
    """An event written in the transaction of the change that caused it (store/outbox.py); kept 30 days."""

    logical_id = "OutboxTable"
    class Meta(_Unbound):
        pass

    event_id = UnicodeAttribute(hash_key=True)
    kind = UnicodeAttribute()
    recipient_user_id = UnicodeAttribute(null=True)
    data = JSONAttribute()
    created_at = UnicodeAttribute()
    relay_queue = UnicodeAttribute(null=True)
    expires_at_epoch = NumberAttribute()

    by_unrelayed = OutboxByUnrelayed()


class DeliveryByRecipient(GlobalSecondaryIndex["DeliveryItem"]):
    Meta = _index("by_recipient")
    recipient = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class DeliveryByHeld(GlobalSecondaryIndex["DeliveryItem"]):
    """Sparse: only SMS held by quiet hours carry `held_queue`, until the sweep releases them."""

    Meta = _index("by_held", KeysOnlyProjection)
    held_queue = UnicodeAttribute(hash_key=True)
    send_after = UnicodeAttribute(range_key=True)


class DeliveryItem(Model):
    """One message of one event to one user on one channel (`<event_id>#<user_id>#<channel>`), put before
    it is sent (store/deliveries.py); the ops delivery log reads it by recipient."""

    logical_id = "DeliveriesTable"
    class Meta(_Unbound):
        pass

    delivery_id = UnicodeAttribute(hash_key=True)
    event_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    user_id = UnicodeAttribute()
    channel = UnicodeAttribute()
    recipient = UnicodeAttribute()
    language = UnicodeAttribute()
    subject = UnicodeAttribute()
    body = UnicodeAttribute()
    status = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    send_after = UnicodeAttribute(null=True)
    held_queue = UnicodeAttribute(null=True)
    attempts = NumberAttribute(default=0)
    provider_id = UnicodeAttribute(null=True)

    by_recipient = DeliveryByRecipient()
    by_held = DeliveryByHeld()


class NotificationSettingItem(Model):
    """A user's own choice of channels and language; absent: the defaults (notifications/rules.py)."""

    logical_id = "NotificationSettingsTable"
    class Meta(_Unbound):
        pass

    user_id = UnicodeAttribute(hash_key=True)
    sms = BooleanAttribute()
    email = BooleanAttribute()
    language = UnicodeAttribute()
    updated_at = UnicodeAttribute()


ALL_MODELS: tuple[type[Model], ...] = (
    ArtisanItem, ClaimItem, ListingItem, OrderItem, ArtisanOrderItem,
    IdempotencyItem, PaymentEventItem, PayoutItem, SettingItem, AuditItem, ImportItem, ImportRowItem,
    BuyerLimitItem,
    ReviewItem,
    ReturnItem,
    RefundItem,
    SearchItem,
    OutboxItem, DeliveryItem, NotificationSettingItem,
    PayoutRunItem,
)

_bound_to: tuple[str, ...] | None = None
_bind_lock = threading.Lock()


def bind_tables(settings: Settings) -> None:
    """Point every model at its table (`wiring.get_settings` calls this once per settings)."""
    global _bound_to
    names = tuple(settings.table(model.logical_id) for model in ALL_MODELS)  # type: ignore[attr-defined]
    if names == _bound_to:
        return
    with _bind_lock:
        for model, name in zip(ALL_MODELS, names, strict=False):
            model.Meta.table_name = name
            model.Meta.region = settings.region
            model._connection = None
        _bound_to = names


# Loaded after the settings were built (see `store.connect`): bind to them now.
if (_connected := connected_settings()) is not None:
    bind_tables(_connected)
