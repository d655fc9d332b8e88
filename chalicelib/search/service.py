"""Search on DynamoDB: keeping the index on the catalog's heels, and answering `GET /search`.

The engine is this module and its pure helpers (normalise, terms, ranking) over
`store/search_index.py`; a managed engine would replace these functions and keep
their signatures.

Upkeep is a state-based outbox. The write that moves a listing into or out of the
catalog (or changes the text of one in it) also marks it (`search_pending`, see
store/listings.update_listing). Right after the commit the request re-indexes the
listing from what it is then, and clears the mark only if it is still the one read
and the listing still at the version indexed; otherwise the listing changed
meanwhile and is indexed again. Whatever a crash leaves marked, the scheduled sweep
re-indexes (`reindex_pending`). Every step is idempotent: it writes the current
state, never a delta. Queries double-check: a listing that left the catalog is
dropped from the answer when its page is read, even before its items are gone.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from ..catalog.documents import listing_document
from ..fx.service import current_rates
from ..store import artisans as artisan_store
from ..store import listings as listing_store
from ..store import search_index
from ..store.conditions import busy
from ..store.records import Listing
from . import ranking, rules, terms

if TYPE_CHECKING:
    from .schemas import SearchQuery

logger = logging.getLogger(__name__)
# The newest items read per key: bounds a query's reads (and cost) however common a word is.
PER_KEY = 200
_ATTEMPTS = 3
_SWEEP_PAGE = 100


def follow(listing: Listing) -> None:
    """After a committed change: bring the index up to date if the change marked the listing.

    The change is committed and its mark stays until the index follows, so DynamoDB's "busy, try again" here (a
    listing too hot to take the mark's removal, say) is left to the sweep rather than answered as if the committed
    change had failed.
    """
    if listing.search_pending is None:
        return
    try:
        reindex(listing.listing_id)
    except Exception as error:
        if not busy(error):
            raise
        logger.warning("search index busy; the sweep will follow it", extra={"listing_id": listing.listing_id})


def reindex(listing_id: str) -> bool:
    """Write the listing's items from its current state, then clear its mark; False if it stays marked."""
    listing = listing_store.get_listing(listing_id)
    for _ in range(_ATTEMPTS):
        if listing is None:
            return True
        write_index(listing)
        if search_index.settle(listing_id, stamp=listing.search_pending, version=listing.version):
            return True
        listing = listing_store.get_listing(listing_id)
    return False


def write_index(listing: Listing) -> int:
    """The listing's items as its current state says (none once out of the catalog); returns items written."""
    artisan = artisan_store.get_artisan(listing.artisan_id) if listing.sellable else None
    texts = rules.searchable_texts(listing, artisan_name=artisan.display_name if artisan else None)
    return search_index.replace_items(listing, terms.index_terms(texts),
                                      previous=search_index.indexed_keys(listing.listing_id))


def reindex_pending() -> int:
    """The sweep: re-index every listing still marked, page after page (oldest marks first).

    A mark may belong to a request still at work on it: indexing the listing twice writes the same items, and
    whichever finishes second finds the mark gone or changed and checks the version it indexed.
    """
    done = 0
    while True:
        pending = search_index.pending_listings(limit=_SWEEP_PAGE)
        settled = sum(reindex(listing_id) for listing_id in pending)
        done += settled
        if len(pending) < _SWEEP_PAGE or not settled:
            return done


def reindex_catalog() -> int:
    """Index every listing in the catalog (once, where search is deployed onto listings published before it)."""
    done, cursor = 0, None
    while True:
        page = listing_store.browse_recent(limit=100, cursor=cursor)
        done += sum(reindex(listing.listing_id) for listing in page.items)
        cursor = page.next_cursor
        if cursor is None:
            return done


def search(*, query: SearchQuery) -> dict[str, Any]:
    """Active listings matching `q`, best first (API.md "Finding and choosing"), one page of the ranking."""
    parsed = terms.parse_query(query.q)
    query_id = f"search:{' '.join(parsed.words)}:{query.category}:{query.province}"
    offset = search_index.offset_from(query.cursor, query_id=query_id)
    if not parsed.words:
        return {"items": [], "next_cursor": None}
    hits = search_index.lookup(parsed.keys, per_key=PER_KEY)
    ranked = ranking.rank(parsed, hits, category=query.category, province=query.province)
    page = ranked[offset:offset + query.limit]
    found = search_index.listings(page)
    rates = current_rates() if query.currency else None
    items = [listing_document(found[listing_id], currency=query.currency, rates=rates)
             for listing_id in page if listing_id in found and found[listing_id].sellable]
    more = offset + query.limit < len(ranked)
    return {"items": items, "next_cursor": search_index.cursor_at(offset + query.limit, query_id=query_id)
            if more else None}
