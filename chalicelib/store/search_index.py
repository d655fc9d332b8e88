"""The search index's items (table SearchTable): writing a listing's terms, and reading the terms of a query.

A listing's items are replaced from its current state in three steps, each safe to
repeat: the manifest is widened to every key it had or will have, the new items are
written and the stale ones deleted (BatchWriteItem), and the manifest is narrowed
to the new keys. A crash anywhere leaves the manifest naming every item that may
exist, and the listing's `search_pending` mark in place for the sweep to redo it.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError

from ..errors import BadCursorError
from ..wiring import get_settings
from .conditions import changed_meanwhile
from .cursors import decode_cursor, encode_cursor
from .listings import SEARCH_QUEUE, listing_from_row
from .records import IndexHit, Listing
from .tables import ListingItem, SearchItem

MANIFEST = "manifest"
# Queries of one search run side by side: each is a small round trip, and a search has up to ~25 of them.
_READERS = 8


def _entry(created_at: str, listing_id: str) -> str:
    return f"{created_at}#{listing_id}"


def _manifest_key(listing_id: str) -> str:
    return f"m:{listing_id}"


def indexed_keys(listing_id: str) -> set[str]:
    """The keys the listing may have items under (its manifest), empty if it has none."""
    try:
        manifest = SearchItem.get(_manifest_key(listing_id), MANIFEST, consistent_read=True)
    except DoesNotExist:
        return set()
    return set(filter(None, (manifest.keys or "").split("\n")))


def _save_manifest(listing_id: str, keys: set[str]) -> None:
    if keys:
        SearchItem(_manifest_key(listing_id), MANIFEST, keys="\n".join(sorted(keys))).save()
    else:
        SearchItem(_manifest_key(listing_id), MANIFEST).delete()


def replace_items(listing: Listing, terms: Mapping[str, Sequence[str]], *, previous: set[str]) -> int:
    """Make the listing's items exactly `terms` (key -> its words); returns the items written and deleted."""
    wanted = set(terms)
    widened = previous | wanted
    if widened != previous:
        _save_manifest(listing.listing_id, widened)
    entry = _entry(listing.created_at, listing.listing_id)
    stale = previous - wanted
    with SearchItem.batch_write() as batch:
        for key, words in terms.items():
            batch.save(SearchItem(key, entry, words=" ".join(words), category=listing.category,
                                  province=listing.province))
        for key in stale:
            batch.delete(SearchItem(key, entry))
    if stale:
        _save_manifest(listing.listing_id, wanted)
    return len(terms) + len(stale)


def settle(listing_id: str, *, stamp: str | None, version: int) -> bool:
    """Clear the listing's mark if it is still the one read and the listing is still at `version`."""
    condition = ListingItem.listing_id.exists() & (ListingItem.version == version)
    condition &= (ListingItem.search_pending.does_not_exist() if stamp is None
                  else ListingItem.search_pending == stamp)
    try:
        ListingItem(listing_id).update(actions=[ListingItem.search_pending.remove(),
                                                ListingItem.search_queue.remove()], condition=condition)
    except UpdateError as error:
        if changed_meanwhile(error):
            return False
        raise
    return True


def pending_listings(*, limit: int) -> list[str]:
    """Up to `limit` marked listings, oldest mark first (one Query of the sparse outbox index)."""
    rows = ListingItem.by_search_pending.query(SEARCH_QUEUE, limit=limit, page_size=limit)
    return [str(row.listing_id) for row in rows]


def _read(key: str, per_key: int) -> list[IndexHit]:
    hits = []
    for row in SearchItem.query(key, scan_index_forward=False, limit=per_key, page_size=per_key):
        created_at, _, listing_id = row.entry.rpartition("#")
        hits.append(IndexHit(listing_id=listing_id, words=tuple((row.words or "").split()), created_at=created_at,
                             category=row.category or "", province=row.province or ""))
    return hits


def lookup(keys: Sequence[str], *, per_key: int) -> list[IndexHit]:
    """The newest `per_key` items under each key: one Query per key, run side by side."""
    if len(keys) <= 1:
        return [hit for key in keys for hit in _read(key, per_key)]
    with ThreadPoolExecutor(max_workers=min(_READERS, len(keys)), thread_name_prefix="search") as pool:
        return [hit for found in pool.map(lambda key: _read(key, per_key), keys) for hit in found]


def listings(listing_ids: Iterable[str]) -> dict[str, Listing]:
    """The listings with these ids that exist (one BatchGetItem per 100)."""
    ids = list(dict.fromkeys(listing_ids))
    return {row.listing_id: listing_from_row(row) for row in ListingItem.batch_get(ids)} if ids else {}


def offset_from(cursor: str | None, *, query_id: str) -> int:
    """Where a page of ranked results starts (a tampered cursor, or one of another query, is a 400)."""
    decoded: dict[str, Any] | None = decode_cursor(cursor, query=query_id, secret=get_settings().cursor_secret)
    offset = 0 if decoded is None else decoded.get("offset")
    if not isinstance(offset, int) or offset < 0:
        raise BadCursorError()
    return offset


def cursor_at(offset: int, *, query_id: str) -> str | None:
    return encode_cursor({"offset": offset}, query=query_id, secret=get_settings().cursor_secret)
