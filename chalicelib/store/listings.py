"""Listings: conditional writes, image records and the browse Queries."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, fields, replace
from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.expressions.condition import Condition, size

from ..errors import NotPublishableError
from ..ids import new_id, rfc3339, utc_now
from ..optimistic import ConflictError
from ..search.rules import must_follow
from . import audit
from .artisans import may_publish, releasing
from .conditions import changed_meanwhile, condition_failed
from .pages import Page, query_page
from .records import AuditEntry, Listing
from .tables import ArtisanItem, ListingByPrice, ListingItem
from .transactions import Transaction

MAX_IMAGES = 10
_FIELDS = tuple(field.name for field in fields(Listing))
_INTEGERS = frozenset({"price_amount", "stock", "weight_grams", "processing_days", "version"})
_COUNTERS = frozenset({"rating_sum", "rating_count", "variant_moves"})  # absent until first added to
_BROWSE = ("browse_all", "browse_category", "browse_artisan", "browse_province", "browse_price")
ACTIVE = "active"
SEARCH_QUEUE = "pending"


class ReleaseStoppedError(Exception):
    """A release of moderation holds met a new hold on the artisan (a suspension or rejection began)."""


def listing_from_row(row: ListingItem) -> Listing:
    values: dict[str, Any] = {}
    for name in _FIELDS:
        value = getattr(row, name)
        if name in _INTEGERS:
            value = int(value)
        elif name in _COUNTERS:
            value = int(value or 0)
        elif name in ("attributes", "images", "variants"):
            value = value.as_dict() if hasattr(value, "as_dict") else dict(value or {})
        elif name == "options":
            value = list(value or [])
        values[name] = value
    values["variants"] = {variant_id: dict(variant, stock=int(variant["stock"]),
                                           price_amount=int(variant["price_amount"]))
                          for variant_id, variant in values["variants"].items()}
    values["description"] = values["description"] or ""
    return Listing(**values)


def _browse_keys(listing: Listing) -> dict[str, Any]:
    """Sparse index keys: only active listings are in any browse index, so drafts never cost a read.

    A listing held by moderation never has them, whatever its status, so no edit or publish brings it back.
    """
    if not listing.sellable:
        return {name: None for name in _BROWSE}
    return {"browse_all": ACTIVE, "browse_category": listing.category, "browse_artisan": listing.artisan_id,
            "browse_province": listing.province, "browse_price": ACTIVE}


def get_listing(listing_id: str) -> Listing | None:
    try:
        return listing_from_row(ListingItem.get(listing_id, consistent_read=True))
    except DoesNotExist:
        return None


def put_new_listing(listing: Listing) -> Listing:
    values = {name: value for name, value in asdict(listing).items() if value is not None}
    values.update({name: value for name, value in _browse_keys(listing).items() if value is not None})
    ListingItem(**values).save(condition=ListingItem.listing_id.does_not_exist())
    return listing


def update_listing(current: Listing, changes: dict[str, Any], *, stock_unchanged: bool = False,
                   variants_unchanged: bool = False, ready_image: str | None = None, publisher: str | None = None,
                   releasing_for: str | None = None, audit_entry: AuditEntry | None = None) -> Listing:
    """Apply `changes` (None removes) if the listing is still at `current.version`; returns the new listing.

    The version goes up by one and the browse keys follow the result; the write
    also requires the moderation hold it read, so a hold placed meanwhile is never
    undone by an edit. With `stock_unchanged` it requires the stock it read
    (reservations do not move the version, so a stock edit must not erase one);
    with `variants_unchanged` it requires that no variant's stock moved since
    the read (`variant_moves`: a variants edit writes them all); with
    `ready_image` it requires that photo to be ready still. With `publisher`
    the same transaction checks that this artisan may publish (verified, no
    listing hold: NotPublishableError); with `releasing_for` that this artisan's
    holds are being released still (ReleaseStoppedError: a new hold began). An ops
    decision's `audit_entry` is written with it. Raises ConflictError.
    """
    updated = replace(current, **changes, version=current.version + 1)
    writes = dict(changes, version=updated.version, **_browse_keys(updated))
    if must_follow(current, updated):
        # The search outbox: marked in this very write, so a crash before the index follows leaves the mark.
        updated = replace(updated, search_pending=f"{rfc3339(utc_now())}#{new_id('S', 8)}")
        writes.update(search_pending=updated.search_pending, search_queue=SEARCH_QUEUE)
    actions = []
    for name, value in writes.items():
        attribute = getattr(ListingItem, name)
        actions.append(attribute.remove() if value is None else attribute.set(value))
    condition: Condition = ListingItem.listing_id.exists() & (ListingItem.version == current.version)
    condition &= (ListingItem.moderation_hold.does_not_exist() if current.moderation_hold is None
                  else ListingItem.moderation_hold == current.moderation_hold)
    if stock_unchanged:
        condition &= ListingItem.stock == current.stock
    if variants_unchanged:
        moves = ListingItem.variant_moves == current.variant_moves
        condition &= (ListingItem.variant_moves.does_not_exist() | moves) if current.variant_moves == 0 else moves
    if ready_image is not None:
        condition &= ListingItem.images[ready_image]["status"] == "ready"
    if publisher is not None or releasing_for is not None or audit_entry is not None:
        transaction = Transaction(ListingItem.Meta.region)
        transaction.update(ListingItem(current.listing_id), actions, condition=condition, tag="listing")
        if publisher is not None:
            transaction.check(ArtisanItem, publisher, condition=may_publish(), tag="publisher")
        if releasing_for is not None:
            transaction.check(ArtisanItem, releasing_for, condition=releasing(), tag="releasing")
        if audit_entry is not None:
            audit.record(transaction, audit_entry)
        failed = transaction.commit()
        if "publisher" in failed:
            raise NotPublishableError("Your artisan profile must be verified, and not suspended, to publish.")
        if "releasing" in failed:
            raise ReleaseStoppedError()
        if failed:
            raise ConflictError()
        return updated
    row = ListingItem(current.listing_id)
    try:
        row.update(actions=actions, condition=condition)
    except UpdateError as error:
        if changed_meanwhile(error):
            raise ConflictError() from None
        raise
    return listing_from_row(row)


def add_image(listing_id: str, *, owner_id: str, image_id: str, record: dict[str, Any]) -> None:
    """Add a pending image if the owner's listing is not archived and has room (else ConflictError)."""
    condition = (ListingItem.listing_id.exists() & (ListingItem.artisan_id == owner_id)
                 & (ListingItem.status != "archived") & (size(ListingItem.images) < MAX_IMAGES))
    try:
        ListingItem(listing_id).update(actions=[ListingItem.images[image_id].set(record)], condition=condition)
    except UpdateError as error:
        if changed_meanwhile(error):
            raise ConflictError() from None
        raise


def finish_image(listing_id: str, image_id: str, record: dict[str, Any]) -> bool:
    """Record the processor's verdict once: only a still-pending image changes.

    False when the listing or image is gone or the image was already processed
    (a duplicate or late notification), which the processor treats as done.
    """
    condition = ListingItem.images[image_id]["status"] == "pending"
    try:
        ListingItem(listing_id).update(actions=[ListingItem.images[image_id].set(record)], condition=condition)
    except UpdateError as error:
        if condition_failed(error):
            return False
        raise
    return True


def remove_image(listing_id: str, image_id: str, *, owner_id: str) -> bool:
    condition = (ListingItem.artisan_id == owner_id) & ListingItem.images[image_id].exists()
    try:
        ListingItem(listing_id).update(actions=[ListingItem.images[image_id].remove()], condition=condition)
    except UpdateError as error:
        if condition_failed(error):
            return False
        raise
    return True


def _page(source: Any, key: str, query_id: str, *, limit: int, cursor: str | None, **options: Any) -> Page[Listing]:
    return query_page(source, key, convert=listing_from_row, query_id=query_id, limit=limit, cursor=cursor,
                      **options)


def browse_recent(*, limit: int, cursor: str | None) -> Page[Listing]:
    return _page(ListingItem.by_recent, "active", "listings:recent", limit=limit, cursor=cursor)


def browse_category(category: str, *, sort: str, min_price: int | None, max_price: int | None,
                    limit: int, cursor: str | None) -> Page[Listing]:
    query_id = f"listings:category:{category}:{sort}:{min_price}:{max_price}"
    if sort == "newest":
        return _page(ListingItem.by_category, category, query_id, limit=limit, cursor=cursor)
    price = ListingItem.price_amount
    condition: Condition | None = None
    if min_price is not None and max_price is not None:
        condition = price.between(min_price, max_price)
    elif min_price is not None:
        condition = price >= min_price
    elif max_price is not None:
        condition = price <= max_price
    return _page(ListingItem.by_category_price, category, query_id, limit=limit, cursor=cursor,
                 newest_first=sort == "price_desc", range_key_condition=condition)


def _price_range(min_price: int | None, max_price: int | None) -> Condition | None:
    price = ListingByPrice.price_amount
    if min_price is not None and max_price is not None:
        return price.between(min_price, max_price)
    if min_price is not None:
        return price >= min_price
    if max_price is not None:
        return price <= max_price
    return None


def browse_by_price(*, descending: bool, min_price: int | None, max_price: int | None, limit: int,
                    cursor: str | None) -> Page[Listing]:
    """Every active listing by price: one Query of the keys-only `by_price` index, then one BatchGetItem.

    The index carries keys only, so the stock writes of every order never reach its one partition; the
    listings are read whole by key. One that left the catalog since the index was written is left out.
    """
    query_id = f"listings:price:{descending}:{min_price}:{max_price}"
    keys = query_page(ListingItem.by_price, ACTIVE, convert=lambda row: str(row.listing_id), query_id=query_id,
                      limit=limit, cursor=cursor, newest_first=descending,
                      range_key_condition=_price_range(min_price, max_price))
    found = {row.listing_id: listing_from_row(row) for row in ListingItem.batch_get(keys.items)} if keys.items else {}
    items = [found[listing_id] for listing_id in keys.items if listing_id in found and found[listing_id].sellable]
    return Page(items=items, next_cursor=keys.next_cursor)


def browse_artisan(artisan_id: str, *, limit: int, cursor: str | None) -> Page[Listing]:
    return _page(ListingItem.by_artisan, artisan_id, f"listings:artisan:{artisan_id}", limit=limit, cursor=cursor)


def browse_province(province: str, *, limit: int, cursor: str | None) -> Page[Listing]:
    return _page(ListingItem.by_province, province, f"listings:province:{province}", limit=limit, cursor=cursor)


def list_owned(artisan_id: str, *, limit: int, cursor: str | None) -> Page[Listing]:
    """All of an artisan's listings, drafts included, for the dashboard."""
    return _page(ListingItem.by_owner, artisan_id, f"listings:owner:{artisan_id}", limit=limit, cursor=cursor)


def every_owned(artisan_id: str) -> Iterator[Listing]:
    """Every listing of an artisan, page after page of one Query (moderation's holds and releases, never browse)."""
    for row in ListingItem.by_owner.query(artisan_id, page_size=100):
        yield listing_from_row(row)
