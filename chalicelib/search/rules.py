"""When the search index must follow a listing, and what it is found by: pure decisions, unit-tested."""
from __future__ import annotations

from ..catalog.categories import CATEGORIES
from ..store.records import Listing

# The listing's own fields that its index items are made from (the artisan's name and the category's come too).
TEXT_FIELDS = ("title", "title_ur", "description", "description_ur", "category", "province")
_CATEGORY_NAMES = {category["slug"]: (category["name"], category["name_ur"]) for category in CATEGORIES}


def must_follow(before: Listing, after: Listing) -> bool:
    """The change moves the listing into or out of the catalog, or changes the text of a listing in it."""
    if before.sellable != after.sellable:
        return True
    return after.sellable and any(getattr(before, name) != getattr(after, name) for name in TEXT_FIELDS)


def searchable_texts(listing: Listing, *, artisan_name: str | None) -> list[str | None]:
    """What a listing is found by (API.md): its titles and descriptions in both languages, its category's
    names and its artisan's display name. A listing out of the catalog is found by nothing."""
    if not listing.sellable:
        return []
    return [listing.title, listing.title_ur, *_CATEGORY_NAMES.get(listing.category, ()), artisan_name,
            listing.description, listing.description_ur]
