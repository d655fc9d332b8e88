"""Moderation (ops): verification decisions, suspensions and takedowns, each with its audit entry.

Taking an artisan's listings out of the catalog without a scan and without
touching the artisan's row in every order is done in two steps:

1. Hold: the artisan is marked (`listing_hold`, from which moment publishing is
   refused), then every listing of theirs (one paginated Query on the owner
   index) gets a `moderation_hold` and loses its browse keys, each by a
   conditional write. Orders (cold transaction and hot single-item write) refuse
   a held listing in their own condition.
2. Decide: one transaction writes the artisan's new state (suspended, or
   rejected; their own browse keys removed) and the audit entry. That commit is
   "the suspension": every listing was held before it, so no order sells one after.

Releasing (a lifted suspension, a new verification) commits the decision first,
then marks the artisan releasing and frees each listing with a write that checks
that mark, so a hold that begins meanwhile stops the release at once. A crash
between the steps is repaired by repeating the request: every step is idempotent.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from ..audit.service import audit_entry
from ..auth import Identity
from ..errors import NotFoundError
from ..ids import rfc3339, utc_now
from ..optimistic import read_decide_write
from ..search import service as search
from ..store import artisans as artisan_store
from ..store import listings as listing_store
from ..store.records import Artisan, Listing
from . import rules
from .documents import artisan_document, listing_document

ListingDecision = Callable[[Listing], dict[str, Any] | None]


def _artisan(artisan_id: str) -> Artisan:
    artisan = artisan_store.get_artisan(artisan_id)
    if artisan is None:
        raise NotFoundError()
    return artisan


def _listing(listing_id: str) -> Listing:
    listing = listing_store.get_listing(listing_id)
    if listing is None:
        raise NotFoundError()
    return listing


Target = TypeVar("Target", Artisan, Listing)


def _audited(identity: Identity, target_id: str, action: str, read: Callable[[], Target],
             decide: Callable[[Target, str], dict[str, Any] | None],
             update: Callable[..., Target], details: dict[str, Any]) -> Target:
    """One transaction: the target's change (conditional on what was read) and its audit entry; None: no change."""
    def decide_now(current: Target) -> tuple[dict[str, Any] | None, str]:
        now = rfc3339(utc_now())
        return decide(current, now), now

    def write(current: Target, decision: tuple[dict[str, Any] | None, str]) -> Target:
        changes, now = decision
        if changes is None:
            return current
        return update(current, changes, audit_entry=audit_entry(identity, action, target_id, at=now, details=details))

    return read_decide_write(read, decide_now, write, what=action.split(".")[0])


def _decide_artisan(identity: Identity, artisan_id: str, action: str,
                    decide: Callable[[Artisan, str], dict[str, Any] | None], details: dict[str, Any]) -> Artisan:
    return _audited(identity, artisan_id, action, lambda: _artisan(artisan_id), decide,
                    artisan_store.update_artisan, details)


def _each_listing(artisan_id: str, decide: ListingDecision, *, releasing: bool = False) -> None:
    """Apply `decide` to every listing of the artisan, each conditional on the version it was decided on."""
    for listing in listing_store.every_owned(artisan_id):
        _apply(listing, decide, releasing_for=artisan_id if releasing else None)


def _apply(listing: Listing, decide: ListingDecision, *, releasing_for: str | None) -> None:
    """Decide on the listing as the Query read it; on a conflict, on a fresh read."""
    reads = iter([listing])

    def write(current: Listing, changes: dict[str, Any] | None) -> Listing:
        if changes is None:
            return current
        return listing_store.update_listing(current, changes, releasing_for=releasing_for)

    search.follow(read_decide_write(lambda: next(reads, None) or _listing(listing.listing_id), decide, write,
                                    what="listing"))


def hold_catalog(artisan_id: str) -> None:
    """Step 1: mark the artisan, then hold every listing of theirs (idempotent; NotFoundError if no such artisan)."""
    artisan_store.begin_listing_hold(artisan_id)
    _each_listing(artisan_id, rules.hold)


def release_catalog(artisan: Artisan) -> None:
    """Free the listings of an artisan who no longer keeps them held; stops if a new hold begins meanwhile."""
    if (rules.keeps_listings_held(artisan) or artisan.listing_hold is None
            or not artisan_store.begin_release(artisan.artisan_id)):
        return
    try:
        _each_listing(artisan.artisan_id, rules.release, releasing=True)
    except listing_store.ReleaseStoppedError:
        return
    artisan_store.end_release(artisan.artisan_id)


def decide_verification(*, identity: Identity, artisan_id: str, decision: str, note: str | None) -> dict[str, Any]:
    """Verify or reject. A rejection holds the artisan's listings first; a verification releases them (unless
    suspended)."""
    identity.require("ops")
    if decision == "rejected":
        hold_catalog(artisan_id)
    updated = _decide_artisan(identity, artisan_id, "artisan.verification",
                              lambda _, now: rules.verification_change(decision, note, now=now),
                              {"decision": decision, "note": note})
    release_catalog(updated)
    return artisan_document(updated, private=True)


def suspend(*, identity: Identity, artisan_id: str, reason: str) -> dict[str, Any]:
    """Hold every listing, then commit the suspension with its audit entry (a repeat re-holds, records nothing)."""
    identity.require("ops")
    hold_catalog(artisan_id)
    updated = _decide_artisan(identity, artisan_id, "artisan.suspension",
                              lambda current, now: rules.suspension(current, reason, now=now), {"reason": reason})
    return artisan_document(updated, private=True)


def lift_suspension(*, identity: Identity, artisan_id: str) -> dict[str, Any]:
    """Commit the lift with its audit entry, then release the holds (a repeat only finishes the release)."""
    identity.require("ops")
    updated = _decide_artisan(identity, artisan_id, "artisan.suspension_lifted",
                              lambda current, now: rules.lifting(current, now=now), {})
    release_catalog(updated)
    return artisan_document(updated, private=True)


def _decide_listing(identity: Identity, listing_id: str, action: str,
                    decide: Callable[[Listing, str], dict[str, Any] | None], details: dict[str, Any]) -> Listing:
    listing = _audited(identity, listing_id, action, lambda: _listing(listing_id), decide,
                       listing_store.update_listing, details)
    search.follow(listing)
    return listing


def take_down(*, identity: Identity, listing_id: str, reason: str) -> dict[str, Any]:
    """Out of the catalog until ops reinstate it; the owner sees why (a repeat changes and records nothing)."""
    identity.require("ops")
    return listing_document(_decide_listing(identity, listing_id, "listing.takedown",
                                            lambda current, now: rules.takedown(current, reason, now=now),
                                            {"reason": reason}))


def reinstate(*, identity: Identity, listing_id: str) -> dict[str, Any]:
    """A taken-down listing goes back to draft, for its owner to publish again."""
    identity.require("ops")
    return listing_document(_decide_listing(identity, listing_id, "listing.reinstatement",
                                            lambda current, now: rules.reinstatement(current, now=now), {}))
