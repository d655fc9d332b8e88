"""Artisans and listings: the rules. Services take plain values and keyword-only arguments."""
from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .auth import Identity
from .config import get_settings
from .errors import (
    ForbiddenError,
    InvalidStateError,
    NotFoundError,
    NotPublishableError,
    PreconditionFailedError,
    UnsupportedQueryError,
    ValidationError,
)
from .fx import current_rates
from .ids import new_id, rfc3339, utc_now
from .store import artisans as artisan_store
from .store import listings as listing_store
from .views import artisan_view, listing_view

if TYPE_CHECKING:
    from .models import ArtisanUpsert, ListingCreate, ListingQuery, ListingUpdate

_MAX_WRITE_ATTEMPTS = 8
_BROWSE_LISTING = ("browse_all", "browse_category", "browse_artisan", "browse_province")


def cnic_hash(cnic: str) -> str:
    """Keyed hash: without the key, trying all 10^13 CNICs reveals nothing."""
    digits = cnic.replace("-", "")
    return hmac.new(get_settings().cnic_hash_key, digits.encode(), hashlib.sha256).hexdigest()


# --- artisans -------------------------------------------------------------------------------


def upsert_my_profile(*, identity: Identity, profile: ArtisanUpsert) -> tuple[dict[str, Any], bool]:
    """Create (True) or update (False) the caller's artisan profile."""
    identity.require("artisans")
    for _ in range(_MAX_WRITE_ATTEMPTS):
        current = artisan_store.get_artisan(identity.user_id)
        try:
            if current is None:
                return artisan_view(_create_profile(identity, profile), private=True), True
            _update_profile(current, profile)
        except artisan_store.ProfileChangedError:
            continue
        updated = artisan_store.get_artisan(identity.user_id)
        return artisan_view(updated, private=True), False
    raise InvalidStateError("The profile is being changed by another request; try again.")


def _create_profile(identity: Identity, profile: ArtisanUpsert) -> Any:
    if profile.cnic is None:
        raise ValidationError(details=[{"field": "cnic", "message": "Field required when creating a profile"}])
    now = rfc3339(utc_now())
    fields = profile.model_dump(exclude={"cnic"})
    fields.update(
        artisan_id=identity.user_id,
        cnic_hash=cnic_hash(profile.cnic),
        cnic_last4=profile.cnic.replace("-", "")[-4:],
        verification="pending",
        created_at=now,
        updated_at=now,
    )
    return artisan_store.create_artisan(fields)


def _update_profile(current: Any, profile: ArtisanUpsert) -> None:
    changes: dict[str, Any] = profile.model_dump(exclude={"cnic"})
    changes["updated_at"] = rfc3339(utc_now())
    changes.update(artisan_store.browse_keys(verification=current.verification, province=profile.province,
                                             craft=profile.craft))
    new_hash = cnic_hash(profile.cnic) if profile.cnic is not None else None
    if new_hash is not None and new_hash != current.cnic_hash:
        if current.verification == "verified":
            raise InvalidStateError("The CNIC cannot change after verification.")
        changes["cnic_last4"] = profile.cnic.replace("-", "")[-4:]  # type: ignore[union-attr]
    artisan_store.update_artisan(current, changes, new_cnic_hash=new_hash)


def get_my_profile(*, identity: Identity) -> dict[str, Any]:
    identity.require("artisans")
    item = artisan_store.get_artisan(identity.user_id)
    if item is None:
        raise NotFoundError("You have no artisan profile yet.")
    return artisan_view(item, private=True)


def get_artisan(*, identity: Identity | None, artisan_id: str) -> dict[str, Any]:
    item = artisan_store.get_artisan(artisan_id)
    privileged = identity is not None and (identity.is_ops or identity.user_id == artisan_id)
    if item is None or (item.verification != "verified" and not privileged):
        raise NotFoundError()
    return artisan_view(item, private=False)


def list_artisans(*, province: str | None, craft: str | None, limit: int, cursor: str | None) -> dict[str, Any]:
    page = artisan_store.list_verified(province=province, craft=craft, limit=limit, cursor=cursor)
    return {"items": [artisan_view(item, private=False) for item in page.items], "next_cursor": page.next_cursor}


def verification_queue(*, identity: Identity, verification: str, limit: int, cursor: str | None) -> dict[str, Any]:
    identity.require("ops")
    page = artisan_store.list_by_verification(verification=verification, limit=limit, cursor=cursor)
    return {"items": [artisan_view(item, private=True) for item in page.items], "next_cursor": page.next_cursor}


def decide_verification(*, identity: Identity, artisan_id: str, decision: str, note: str | None) -> dict[str, Any]:
    identity.require("ops")
    for _ in range(_MAX_WRITE_ATTEMPTS):
        current = artisan_store.get_artisan(artisan_id)
        if current is None:
            raise NotFoundError()
        changes: dict[str, Any] = {"verification": decision, "verification_note": note,
                                   "updated_at": rfc3339(utc_now())}
        changes.update(artisan_store.browse_keys(verification=decision, province=current.province,
                                                 craft=current.craft))
        try:
            artisan_store.update_artisan(current, changes)
        except artisan_store.ProfileChangedError:
            continue
        return artisan_view(artisan_store.get_artisan(artisan_id), private=True)
    raise InvalidStateError("The profile is being changed by another request; try again.")


# --- listings -------------------------------------------------------------------------------


def create_listing(*, identity: Identity, listing: ListingCreate) -> dict[str, Any]:
    identity.require("artisans")
    artisan = artisan_store.get_artisan(identity.user_id)
    if artisan is None:
        raise InvalidStateError("Create your artisan profile before listing work.")
    now = rfc3339(utc_now())
    fields = listing.model_dump(exclude={"price"})
    fields.update(
        listing_id=new_id("L"),
        artisan_id=identity.user_id,
        province=artisan.province,
        price_amount=listing.price.amount,
        price_currency="PKR",
        status="draft",
        version=1,
        images={},
        created_at=now,
        updated_at=now,
    )
    return listing_view(listing_store.put_new_listing(fields))


def _visible_listing(identity: Identity | None, listing_id: str) -> Any:
    """The listing if the caller may know it exists (active, or theirs, or ops)."""
    item = listing_store.get_listing(listing_id)
    if item is None:
        raise NotFoundError()
    privileged = identity is not None and (identity.is_ops or identity.user_id == item.artisan_id)
    if item.status != "active" and not privileged:
        raise NotFoundError()
    return item


def owned_listing(identity: Identity, listing_id: str) -> Any:
    item = _visible_listing(identity, listing_id)
    if item.artisan_id != identity.user_id:
        raise ForbiddenError("Only the artisan who owns this listing can change it.")
    return item


def get_listing(*, identity: Identity | None, listing_id: str, currency: str | None) -> dict[str, Any]:
    item = _visible_listing(identity, listing_id)
    return listing_view(item, currency=currency, rates=current_rates() if currency else None)


def _browse_keys(*, status: str, category: str, artisan_id: str, province: str) -> dict[str, Any]:
    if status != "active":
        return {name: None for name in _BROWSE_LISTING}
    return {"browse_all": "active", "browse_category": category, "browse_artisan": artisan_id,
            "browse_province": province}


def _change_owned_listing(identity: Identity, listing_id: str,
                          decide: Callable[[Any], tuple[dict[str, Any], Any] | None]) -> dict[str, Any]:
    """Read the caller's listing, decide a write, apply it conditional on what was read; on a conflict, read again.

    `decide(item)` raises the domain error that refuses the change, returns None
    when there is nothing to write, or the attributes to write and an extra
    condition (or None). The version, `updated_at` and the sparse browse keys
    follow from the result here, so no caller can leave them out of step.
    """
    for _ in range(_MAX_WRITE_ATTEMPTS):
        item = owned_listing(identity, listing_id)
        decision = decide(item)
        if decision is None:
            return listing_view(item)
        changes, extra_condition = decision
        writes = dict(changes, version=int(item.version) + 1, updated_at=rfc3339(utc_now()))
        writes.update(_browse_keys(status=writes.get("status", item.status),
                                   category=writes.get("category", item.category), artisan_id=item.artisan_id,
                                   province=writes.get("province", item.province)))
        condition = listing_store.version_is(int(item.version))
        if extra_condition is not None:
            condition = condition & extra_condition
        try:
            return listing_view(listing_store.update_listing(listing_id, writes, condition=condition))
        except listing_store.ListingChangedError:
            continue
    raise InvalidStateError("The listing is being changed by other requests; try again.")


def update_listing(*, identity: Identity, listing_id: str, update: ListingUpdate,
                   if_match: int | None) -> dict[str, Any]:
    """Partial update with optimistic concurrency.

    The write is conditional on the version read (and on the stock value it
    replaces), so it never overwrites a concurrent edit or erases a stock
    reservation; reservations do not bump the version, so such a conflict is retried.
    """
    changes = update.changes()
    if "price" in changes:
        changes["price_amount"] = changes.pop("price").amount

    def decide(item: Any) -> tuple[dict[str, Any], Any]:
        if item.status == "archived":
            raise InvalidStateError("An archived listing cannot be edited.")
        if if_match is not None and int(item.version) != if_match:
            raise PreconditionFailedError()
        return changes, (listing_store.stock_is(int(item.stock)) if "stock" in changes else None)

    return _change_owned_listing(identity, listing_id, decide)


def publish_listing(*, identity: Identity, listing_id: str) -> dict[str, Any]:
    def decide(item: Any) -> tuple[dict[str, Any], Any]:
        if item.status == "archived":
            raise InvalidStateError("An archived listing cannot be published.")
        artisan = artisan_store.get_artisan(identity.user_id)
        if artisan is None or artisan.verification != "verified":
            raise NotPublishableError("Your artisan profile must be verified before you publish.")
        ready = [image_id for image_id, record in (item.images.as_dict() if item.images else {}).items()
                 if record.get("status") == "ready"]
        if not ready:
            raise NotPublishableError("Add at least one photo that has finished processing.")
        return {"status": "active", "province": artisan.province}, listing_store.image_is_ready(ready[0])

    return _change_owned_listing(identity, listing_id, decide)


def unpublish_listing(*, identity: Identity, listing_id: str) -> dict[str, Any]:
    return _move_out_of_catalog(identity, listing_id, status="draft")


def archive_listing(*, identity: Identity, listing_id: str) -> None:
    _move_out_of_catalog(identity, listing_id, status="archived")


def _move_out_of_catalog(identity: Identity, listing_id: str, *, status: str) -> dict[str, Any]:
    def decide(item: Any) -> tuple[dict[str, Any], Any] | None:
        if item.status == "archived":
            if status == "archived":
                return None  # archiving twice is no change
            raise InvalidStateError("An archived listing cannot be changed.")
        return {"status": status}, None

    return _change_owned_listing(identity, listing_id, decide)


def browse_listings(*, query: ListingQuery) -> dict[str, Any]:
    """Active listings; each supported shape is one Query on a sparse index."""
    shape = {name for name in ("category", "artisan_id", "province") if getattr(query, name) is not None}
    has_price = query.min_price is not None or query.max_price is not None
    if query.min_price is not None and query.max_price is not None and query.min_price > query.max_price:
        raise ValidationError(details=[{"field": "min_price", "message": "must not exceed max_price"}])
    if shape == {"category"}:
        sort = query.sort or ("price_asc" if has_price else "newest")
        if sort == "newest" and has_price:
            raise UnsupportedQueryError("A price range needs sort=price_asc or sort=price_desc.")
        page = listing_store.browse_category(query.category, sort=sort, min_price=query.min_price,  # type: ignore[arg-type]
                                             max_price=query.max_price, limit=query.limit, cursor=query.cursor)
    elif has_price or query.sort not in (None, "newest") or len(shape) > 1:
        raise UnsupportedQueryError("Supported: category (with sort and price range), artisan_id, province, "
                                    "or nothing.")
    elif shape == {"artisan_id"}:
        page = listing_store.browse_artisan(query.artisan_id, limit=query.limit, cursor=query.cursor)  # type: ignore[arg-type]
    elif shape == {"province"}:
        page = listing_store.browse_province(query.province, limit=query.limit, cursor=query.cursor)  # type: ignore[arg-type]
    else:
        page = listing_store.browse_recent(limit=query.limit, cursor=query.cursor)
    rates = current_rates() if query.currency else None
    return {"items": [listing_view(item, currency=query.currency, rates=rates) for item in page.items],
            "next_cursor": page.next_cursor}


def my_listings(*, identity: Identity, limit: int, cursor: str | None) -> dict[str, Any]:
    identity.require("artisans")
    page = listing_store.list_owned(identity.user_id, limit=limit, cursor=cursor)
    return {"items": [listing_view(item) for item in page.items], "next_cursor": page.next_cursor}
