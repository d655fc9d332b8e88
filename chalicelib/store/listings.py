"""Listings: conditional writes, image records and the browse Queries."""
from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.expressions.condition import Condition, size

from .conditions import condition_failed
from .pages import Page, query_page
from .tables import ListingItem, bind_tables

MAX_IMAGES = 10


class ListingChangedError(Exception):
    """A conditional listing write found the item not as expected."""


def get_listing(listing_id: str) -> ListingItem | None:
    bind_tables()
    try:
        return ListingItem.get(listing_id, consistent_read=True)
    except DoesNotExist:
        return None


def put_new_listing(fields: dict[str, Any]) -> ListingItem:
    bind_tables()
    item = ListingItem(**fields)
    item.save(condition=ListingItem.listing_id.does_not_exist())
    return item


def update_listing(listing_id: str, changes: dict[str, Any], *, condition: Condition) -> ListingItem:
    """Apply `changes` (None removes) under `condition`; returns the new item or raises ListingChangedError."""
    bind_tables()
    actions = []
    for name, value in changes.items():
        attribute = getattr(ListingItem, name)
        actions.append(attribute.remove() if value is None else attribute.set(value))
    item = ListingItem(listing_id)
    try:
        item.update(actions=actions, condition=ListingItem.listing_id.exists() & condition)
    except UpdateError as error:
        if condition_failed(error):
            raise ListingChangedError() from None
        raise
    return item


def version_is(version: int) -> Condition:
    return ListingItem.version == version


def stock_is(stock: int) -> Condition:
    return ListingItem.stock == stock


def add_image(listing_id: str, *, owner_id: str, image_id: str, record: dict[str, Any]) -> None:
    """Add a pending image if the owner's listing is not archived and has room."""
    bind_tables()
    condition = (ListingItem.listing_id.exists() & (ListingItem.artisan_id == owner_id)
                 & (ListingItem.status != "archived") & (size(ListingItem.images) < MAX_IMAGES))
    try:
        ListingItem(listing_id).update(actions=[ListingItem.images[image_id].set(record)], condition=condition)
    except UpdateError as error:
        if condition_failed(error):
            raise ListingChangedError() from None
        raise


def finish_image(listing_id: str, image_id: str, record: dict[str, Any]) -> bool:
    """Record the processor's verdict once: only a still-pending image changes.

    False when the listing or image is gone or the image was already processed
    (a duplicate or late notification), which the processor treats as done.
    """
    bind_tables()
    condition = ListingItem.images[image_id]["status"] == "pending"
    try:
        ListingItem(listing_id).update(actions=[ListingItem.images[image_id].set(record)], condition=condition)
    except UpdateError as error:
        if condition_failed(error):
            return False
        raise
    return True


def remove_image(listing_id: str, image_id: str, *, owner_id: str) -> bool:
    bind_tables()
    condition = (ListingItem.artisan_id == owner_id) & ListingItem.images[image_id].exists()
    try:
        ListingItem(listing_id).update(actions=[ListingItem.images[image_id].remove()], condition=condition)
    except UpdateError as error:
        if condition_failed(error):
            return False
        raise
    return True


def browse_recent(*, limit: int, cursor: str | None) -> Page[ListingItem]:
    return query_page(ListingItem.by_recent, "active", query_id="listings:recent", limit=limit, cursor=cursor)


def browse_category(category: str, *, sort: str, min_price: int | None, max_price: int | None,
                    limit: int, cursor: str | None) -> Page[ListingItem]:
    query_id = f"listings:category:{category}:{sort}:{min_price}:{max_price}"
    if sort == "newest":
        return query_page(ListingItem.by_category, category, query_id=query_id, limit=limit, cursor=cursor)
    price = ListingItem.price_amount
    low, high = min_price, max_price
    condition: Condition | None = None
    if low is not None and high is not None:
        condition = price.between(low, high)
    elif low is not None:
        condition = price >= low
    elif high is not None:
        condition = price <= high
    return query_page(ListingItem.by_category_price, category, query_id=query_id, limit=limit, cursor=cursor,
                      newest_first=sort == "price_desc", range_key_condition=condition)


def browse_artisan(artisan_id: str, *, limit: int, cursor: str | None) -> Page[ListingItem]:
    return query_page(ListingItem.by_artisan, artisan_id, query_id=f"listings:artisan:{artisan_id}",
                      limit=limit, cursor=cursor)


def browse_province(province: str, *, limit: int, cursor: str | None) -> Page[ListingItem]:
    return query_page(ListingItem.by_province, province, query_id=f"listings:province:{province}",
                      limit=limit, cursor=cursor)


def list_owned(artisan_id: str, *, limit: int, cursor: str | None) -> Page[ListingItem]:
    """All of an artisan's listings, drafts included, for the dashboard."""
    return query_page(ListingItem.by_owner, artisan_id, query_id=f"listings:owner:{artisan_id}",
                      limit=limit, cursor=cursor)




def image_is_ready(image_id: str) -> Condition:
    return ListingItem.images[image_id]["status"] == "ready"
