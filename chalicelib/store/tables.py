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

    by_owner = ListingByOwner()
    by_recent = ListingByRecent()
    by_category = ListingByCategory()
    by_category_price = ListingByCategoryPrice()
    by_artisan = ListingByArtisan()
    by_province = ListingByProvince()


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
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()

    by_buyer = OrderByBuyer()
    by_expiry = OrderByExpiry()
    by_repair = OrderByRepair()


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


# --- registry imports -------------------------------------------------------------


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
    welcomed_at = UnicodeAttribute(null=True)
    expires_at_epoch = NumberAttribute()


ALL_MODELS: tuple[type[Model], ...] = (
    ArtisanItem, ClaimItem, ListingItem, OrderItem, ArtisanOrderItem,
    IdempotencyItem, PaymentEventItem, PayoutItem, SettingItem, AuditItem, ImportItem, ImportRowItem,
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
