"""Listings: creating, editing, publishing and browsing. Keyword-only arguments, plain values in and out.

Every change goes through `read_decide_write`: the decision is a pure rule in
`rules.py`, and the store writes it conditional on the version it was made on
(and derives the next version and the browse keys), so a conflicting edit is
re-read and decided again, never overwritten.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..auth import Identity
from ..errors import InvalidStateError
from ..fx.service import current_rates
from ..ids import new_id, rfc3339, utc_now
from ..optimistic import read_decide_write
from ..search import service as search
from ..store import artisans as artisan_store
from ..store import listings as store
from ..store.records import Listing
from . import rules
from .documents import listing_document

if TYPE_CHECKING:
    from .schemas import ListingCreate, ListingQuery, ListingUpdate

# A decision: the attributes to write and the photo that must still be ready (or None), or None for no change.
Decision = tuple[dict[str, Any], str | None] | None


def create_listing(*, identity: Identity, listing: ListingCreate) -> dict[str, Any]:
    identity.require("artisans")
    artisan = artisan_store.get_artisan(identity.user_id)
    if artisan is None:
        raise InvalidStateError("Create your artisan profile before listing work.")
    now = rfc3339(utc_now())
    fields = listing.model_dump(exclude={"price", "stock", "options", "variants"})
    listing_id = new_id("L")
    stocked: dict[str, Any] = {"price_amount": listing.price.amount, "stock": listing.stock or 0}
    if listing.options:
        stocked.update(rules.variant_changes(listing_id, {}, options=[o.model_dump() for o in listing.options],
                                             variants=listing.variant_inputs(), default_price=listing.price.amount))
    created = store.put_new_listing(Listing(
        **fields, **stocked, listing_id=listing_id, artisan_id=identity.user_id, province=artisan.province,
        status="draft", version=1, images={}, created_at=now, updated_at=now))
    return listing_document(created)


def get_listing(*, identity: Identity | None, listing_id: str, currency: str | None) -> dict[str, Any]:
    listing = rules.may_see_listing(identity, store.get_listing(listing_id))
    return listing_document(listing, currency=currency, rates=current_rates() if currency else None)


def owned_listing(identity: Identity, listing_id: str) -> Listing:
    return rules.owned(identity, store.get_listing(listing_id))


def _change_owned_listing(identity: Identity, listing_id: str, decide: Callable[[Listing], Decision], *,
                          publishing: bool = False) -> dict[str, Any]:
    def write(current: Listing, decision: Decision) -> Listing:
        if decision is None:
            return current
        changes, ready_image = decision
        return store.update_listing(current, dict(changes, updated_at=rfc3339(utc_now())),
                                    stock_unchanged="stock" in changes, variants_unchanged="variants" in changes,
                                    ready_image=ready_image,
                                    publisher=identity.user_id if publishing else None)

    listing = read_decide_write(lambda: owned_listing(identity, listing_id), decide, write, what="listing")
    search.follow(listing)
    return listing_document(listing)


def update_listing(*, identity: Identity, listing_id: str, update: ListingUpdate,
                   if_match: int | None) -> dict[str, Any]:
    """Partial update with optimistic concurrency.

    The write is conditional on the version read (and on the stock value it
    replaces; with variants, on no variant's stock having moved), so it never
    overwrites a concurrent edit or erases a stock reservation; reservations do
    not bump the version, so such a conflict is re-read and decided again.
    """
    changes = update.changes()
    if "price" in changes:
        changes["price_amount"] = changes.pop("price").amount
    options, variants = update.option_inputs(), update.variant_inputs()

    def decide(listing: Listing) -> Decision:
        edited = rules.edit(listing, changes, if_match=if_match)
        return rules.variants_edit(listing, edited, options=options, variants=variants), None

    return _change_owned_listing(identity, listing_id, decide)


def publish_listing(*, identity: Identity, listing_id: str) -> dict[str, Any]:
    """Publish; the write itself checks that the artisan may publish, so a suspension racing it cannot be missed."""
    return _change_owned_listing(
        identity, listing_id, lambda listing: rules.publish(listing, artisan_store.get_artisan(identity.user_id)),
        publishing=True)


def unpublish_listing(*, identity: Identity, listing_id: str) -> dict[str, Any]:
    return _move_out_of_catalog(identity, listing_id, status="draft")


def archive_listing(*, identity: Identity, listing_id: str) -> None:
    _move_out_of_catalog(identity, listing_id, status="archived")


def _move_out_of_catalog(identity: Identity, listing_id: str, *, status: str) -> dict[str, Any]:
    def decide(listing: Listing) -> Decision:
        changes = rules.move_out_of_catalog(listing, status=status)
        return None if changes is None else (changes, None)

    return _change_owned_listing(identity, listing_id, decide)


def browse_listings(*, query: ListingQuery) -> dict[str, Any]:
    """Active listings; each supported shape is one Query on a sparse index (by price: and one BatchGetItem)."""
    shape = rules.browse_shape(category=query.category, artisan_id=query.artisan_id, province=query.province,
                               sort=query.sort, min_price=query.min_price, max_price=query.max_price)
    page_args: dict[str, Any] = {"limit": query.limit, "cursor": query.cursor}
    if shape.index == "category":
        page = store.browse_category(shape.key or "", sort=shape.sort, min_price=shape.min_price,
                                     max_price=shape.max_price, **page_args)
    elif shape.index == "price":
        page = store.browse_by_price(descending=shape.sort == "price_desc", min_price=shape.min_price,
                                     max_price=shape.max_price, **page_args)
    elif shape.index == "artisan":
        page = store.browse_artisan(shape.key or "", **page_args)
    elif shape.index == "province":
        page = store.browse_province(shape.key or "", **page_args)
    else:
        page = store.browse_recent(**page_args)
    rates = current_rates() if query.currency else None
    return {"items": [listing_document(item, currency=query.currency, rates=rates) for item in page.items],
            "next_cursor": page.next_cursor}


def my_listings(*, identity: Identity, limit: int, cursor: str | None) -> dict[str, Any]:
    identity.require("artisans")
    page = store.list_owned(identity.user_id, limit=limit, cursor=cursor)
    return {"items": [listing_document(item) for item in page.items], "next_cursor": page.next_cursor}
