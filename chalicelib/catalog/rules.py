"""The catalog's decisions, as pure functions of plain values: no I/O, unit-tested without an emulator."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..auth import Identity
from ..errors import (
    ForbiddenError,
    InvalidStateError,
    NotFoundError,
    NotPublishableError,
    PreconditionFailedError,
    UnsupportedQueryError,
    ValidationError,
)
from ..store.records import Artisan, Listing

ARTISANS = "artisans"


def needs_artisans_group(identity: Identity) -> bool:
    """After a profile is written: add the caller to the group unless their token already carries it."""
    return ARTISANS not in identity.groups


def cnic_last4(cnic: str) -> str:
    return cnic.replace("-", "")[-4:]


def profile_changes(current: Artisan, fields: dict[str, Any], *, cnic: str | None, cnic_hash: str | None,
                    now: str) -> dict[str, Any]:
    """What an edit of a profile writes. The CNIC is fixed once ops have verified the artisan."""
    changes = dict(fields, updated_at=now)
    if cnic is not None and cnic_hash is not None and cnic_hash != current.cnic_hash:
        if current.verification == "verified":
            raise InvalidStateError("The CNIC cannot change after verification.")
        changes.update(cnic_hash=cnic_hash, cnic_last4=cnic_last4(cnic))
    return changes


def require_cnic_on_create(cnic: str | None) -> str:
    if cnic is None:
        raise ValidationError(details=[{"field": "cnic", "message": "Field required when creating a profile"}])
    return cnic


def _visible(identity: Identity | None, owner_id: str, public: bool) -> bool:
    return public or (identity is not None and (identity.is_ops or identity.user_id == owner_id))


def may_see_artisan(identity: Identity | None, artisan: Artisan | None) -> Artisan:
    """Verified artisans who are not suspended are public; the artisan and ops see any; others get 404, as if absent."""
    public = artisan is not None and artisan.verification == "verified" and not artisan.suspended
    if artisan is None or not _visible(identity, artisan.artisan_id, public):
        raise NotFoundError()
    return artisan


def may_see_listing(identity: Identity | None, listing: Listing | None) -> Listing:
    """Listings in the catalog are public; the others (drafts, archived, taken down, held) exist only for their
    owner and ops."""
    if listing is None or not _visible(identity, listing.artisan_id, listing.sellable):
        raise NotFoundError()
    return listing


def owned(identity: Identity, listing: Listing | None) -> Listing:
    visible = may_see_listing(identity, listing)
    if visible.artisan_id != identity.user_id:
        raise ForbiddenError("Only the artisan who owns this listing can change it.")
    return visible


def edit(listing: Listing, changes: dict[str, Any], *, if_match: int | None) -> dict[str, Any]:
    if listing.status == "archived":
        raise InvalidStateError("An archived listing cannot be edited.")
    if if_match is not None and listing.version != if_match:
        raise PreconditionFailedError()
    return changes


def publish(listing: Listing, artisan: Artisan | None) -> tuple[dict[str, Any], str]:
    """The changes that publish, and the ready photo the write must still find ready."""
    if listing.status == "archived":
        raise InvalidStateError("An archived listing cannot be published.")
    if listing.status == "taken_down":
        raise NotPublishableError("This listing was taken down; it can be published once ops reinstate it.")
    if artisan is None or artisan.verification != "verified":
        raise NotPublishableError("Your artisan profile must be verified before you publish.")
    if artisan.suspended or artisan.listing_hold is not None or listing.moderation_hold is not None:
        raise NotPublishableError("Your artisan account is suspended: nothing can be published meanwhile.")
    ready = [image_id for image_id, record in listing.images.items() if record.get("status") == "ready"]
    if not ready:
        raise NotPublishableError("Add at least one photo that has finished processing.")
    return {"status": "active", "province": artisan.province}, ready[0]


def move_out_of_catalog(listing: Listing, *, status: str) -> dict[str, Any] | None:
    """Unpublish (status draft) or archive; archiving twice is no change (None).

    A taken-down listing may be archived, but only ops bring it back to draft (reinstatement).
    """
    if listing.status == "archived":
        if status == "archived":
            return None
        raise InvalidStateError("An archived listing cannot be changed.")
    if listing.status == "taken_down" and status == "draft":
        raise InvalidStateError("This listing was taken down; ops reinstate it.")
    return {"status": status}


# --- moderation (ops) ---------------------------------------------------------------------------

# What a suspended or rejected artisan's listings carry: out of browse, not orderable, not publishable.
ARTISAN_HOLD = "artisan_hold"


def verification_change(decision: str, note: str | None, *, now: str) -> dict[str, Any]:
    return {"verification": decision, "verification_note": note, "updated_at": now}


def suspension(artisan: Artisan, reason: str, *, now: str) -> dict[str, Any] | None:
    """Suspend; None for an artisan already suspended (idempotent: the first reason stays, nothing is recorded)."""
    if artisan.suspended:
        return None
    return {"suspended": True, "suspension_reason": reason, "updated_at": now}


def lifting(artisan: Artisan, *, now: str) -> dict[str, Any] | None:
    """Lift a suspension; None when there is none (idempotent)."""
    if not artisan.suspended:
        return None
    return {"suspended": False, "suspension_reason": None, "updated_at": now}


def keeps_listings_held(artisan: Artisan) -> bool:
    """A suspended artisan, or one not (or no longer) verified, keeps every listing out of the catalog."""
    return artisan.suspended or artisan.verification != "verified"


def hold(listing: Listing) -> dict[str, Any] | None:
    """Hold a listing out of the catalog; None if archived or held already."""
    if listing.status == "archived" or listing.moderation_hold == ARTISAN_HOLD:
        return None
    return {"moderation_hold": ARTISAN_HOLD}


def release(listing: Listing) -> dict[str, Any] | None:
    """Release a held listing (an active one is back in the catalog); None if it is not held."""
    if listing.moderation_hold is None:
        return None
    return {"moderation_hold": None}


def takedown(listing: Listing, reason: str, *, now: str) -> dict[str, Any] | None:
    """Take a listing down; None if it is down already (idempotent). Archived listings are not taken down."""
    if listing.status == "archived":
        raise InvalidStateError("An archived listing cannot be taken down.")
    if listing.status == "taken_down":
        return None
    return {"status": "taken_down", "takedown_reason": reason, "updated_at": now}


def reinstatement(listing: Listing, *, now: str) -> dict[str, Any]:
    """A taken-down listing goes back to draft; its owner may publish it again."""
    if listing.status != "taken_down":
        raise InvalidStateError("Only a taken-down listing can be reinstated.")
    return {"status": "draft", "takedown_reason": None, "updated_at": now}


@dataclass(frozen=True)
class BrowseShape:
    """Which one Query serves a browse request: `index` is recent, category, price, artisan or province."""

    index: str
    key: str | None = None
    sort: str = "newest"
    min_price: int | None = None
    max_price: int | None = None


def browse_shape(*, category: str | None, artisan_id: str | None, province: str | None, sort: str | None,
                 min_price: int | None, max_price: int | None) -> BrowseShape:
    """The supported query shapes of `GET /listings`; anything else is 400 UNSUPPORTED_QUERY."""
    given = {name for name, value in (("category", category), ("artisan_id", artisan_id), ("province", province))
             if value is not None}
    has_price = min_price is not None or max_price is not None
    if min_price is not None and max_price is not None and min_price > max_price:
        raise ValidationError(details=[{"field": "min_price", "message": "must not exceed max_price"}])
    if given <= {"category"}:
        # A craft, or every craft: sorted by price (with a price range) or newest first.
        chosen = sort or ("price_asc" if has_price else "newest")
        if chosen == "newest" and has_price:
            raise UnsupportedQueryError("A price range needs sort=price_asc or sort=price_desc.")
        if category is not None:
            return BrowseShape("category", category, chosen, min_price, max_price)
        if chosen != "newest":
            return BrowseShape("price", None, chosen, min_price, max_price)
        return BrowseShape("recent")
    if has_price or sort not in (None, "newest") or len(given) > 1:
        raise UnsupportedQueryError("Supported: category or nothing (each with sort and price range), artisan_id "
                                    "or province.")
    if given == {"artisan_id"}:
        return BrowseShape("artisan", artisan_id)
    return BrowseShape("province", province)
