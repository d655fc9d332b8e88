"""The catalog's decisions, as pure functions of plain values: no I/O, unit-tested without an emulator."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from ..auth import Identity
from ..errors import (
    ForbiddenError,
    InvalidStateError,
    LimitReachedError,
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


# --- variants -----------------------------------------------------------------------------------

MAX_OPTIONS = 3
MAX_VARIANTS = 100
# Variants taken off a listing stay in its item, retired (stock of orders in flight comes back to them);
# an item holding this many, live and retired together, takes no new ones (it stays far below 400 KB).
MAX_STORED_VARIANTS = 400


def has_variants(listing: Listing) -> bool:
    return bool(listing.options)


def _position(listing_options: list[dict[str, Any]], combination: dict[str, str]) -> tuple[int, ...]:
    """Where a combination sorts: by each option's value order, as the artisan listed them."""
    order = []
    for option in listing_options:
        values = list(option["values"])
        value = combination.get(option["name"])
        order.append(values.index(value) if value in values else len(values))
    return tuple(order)


def live_variants(listing: Listing) -> list[tuple[str, dict[str, Any]]]:
    """The variants on offer (not retired), in the order of the option values."""
    live = [(variant_id, variant) for variant_id, variant in listing.variants.items() if not variant.get("retired")]
    return sorted(live, key=lambda pair: (_position(listing.options, pair[1]["options"]), pair[0]))


def total_stock(listing: Listing) -> int:
    """What the listing shows as its stock: its own, or the sum of its live variants'."""
    if not has_variants(listing):
        return listing.stock
    return sum(int(variant["stock"]) for _, variant in live_variants(listing))


def variant_of(listing: Listing, variant_id: str | None) -> dict[str, Any] | None:
    """The live variant named, or None."""
    variant = listing.variants.get(variant_id) if variant_id is not None else None
    return variant if variant is not None and not variant.get("retired") else None


def available(listing: Listing, variant_id: str | None) -> int:
    """Units on offer under one stock key: the listing's own stock, or one live variant's."""
    if variant_id is None:
        return listing.stock
    variant = variant_of(listing, variant_id)
    return int(variant["stock"]) if variant is not None else 0


def unit_price(listing: Listing, variant_id: str | None) -> int:
    variant = variant_of(listing, variant_id)
    return int(variant["price_amount"]) if variant is not None else listing.price_amount


def check_variants(options: list[dict[str, Any]], variants: list[dict[str, Any]]) -> list[dict[str, str]]:
    """What is wrong with a set of options and variants (VALIDATION_ERROR details; empty: nothing).

    Every variant names exactly one value of each option, from that option's values; no two variants share a
    combination, a variant_id or a SKU; options need variants and variants need options.
    """
    details: list[dict[str, str]] = []
    names = [option["name"] for option in options]
    if len({name.casefold() for name in names}) != len(names):
        details.append({"field": "options", "message": "option names must differ"})
    for number, option in enumerate(options):
        values = list(option["values"])
        if len({value.casefold() for value in values}) != len(values):
            details.append({"field": f"options[{number}].values", "message": "values must differ"})
    if options and not variants:
        details.append({"field": "variants", "message": "a listing with options needs at least one variant"})
    if variants and not options:
        details.append({"field": "variants", "message": "variants need options"})
        return details
    values_of = {option["name"]: set(option["values"]) for option in options}
    seen: dict[tuple[tuple[str, str], ...], int] = {}
    ids: set[str] = set()
    skus: set[str] = set()
    for number, variant in enumerate(variants):
        chosen: dict[str, str] = variant["options"]
        if options and set(chosen) != set(values_of):
            details.append({"field": f"variants[{number}].options",
                            "message": f"name exactly one value of each option: {', '.join(names)}"})
            continue
        wrong = sorted(name for name, value in chosen.items() if value not in values_of.get(name, set()))
        if wrong:
            details.append({"field": f"variants[{number}].options",
                            "message": f"not one of the option's values: {', '.join(wrong)}"})
            continue
        combination = tuple(sorted(chosen.items()))
        if combination in seen:
            details.append({"field": f"variants[{number}].options",
                            "message": f"the same combination as variants[{seen[combination]}]"})
        seen.setdefault(combination, number)
        variant_id = variant.get("variant_id")
        if variant_id is not None:
            if variant_id in ids:
                details.append({"field": f"variants[{number}].variant_id", "message": "listed twice"})
            ids.add(variant_id)
        sku = variant.get("sku")
        if sku is not None:
            if sku in skus:
                details.append({"field": f"variants[{number}].sku", "message": "SKUs must differ within a listing"})
            skus.add(sku)
    return details


def new_variant_id(listing_id: str, combination: dict[str, str], taken: set[str]) -> str:
    """A fresh id for a new variant, derived from the listing and the combination (a retried edit names the
    same variants alike), never one the listing used before."""
    salt = 0
    while True:
        seed = repr((listing_id, sorted(combination.items()), salt)).encode()
        variant_id = "V" + hashlib.sha256(seed).hexdigest()[:10].upper()
        if variant_id not in taken:
            return variant_id
        salt += 1


def variant_changes(listing_id: str, stored: dict[str, dict[str, Any]], *, options: list[dict[str, Any]],
                    variants: list[dict[str, Any]], default_price: int) -> dict[str, Any]:
    """The listing attributes a set of options and variants writes (all of `variants`, so `variant_moves` guards it).

    A variant keeps its id: the one it names, else the id of the stored variant with its combination; a new one
    gets a new id. Its price is its own or `default_price`. Stored variants not named again are retired (kept,
    with their stock, hidden). The listing's price is the lowest variant price (browse by price sorts on it)
    and its own stock pool is 0. `variants` items are {variant_id?, options, price? (minor units), stock, sku?}.
    """
    details = check_variants(options, variants)
    named = {variant["variant_id"] for variant in variants if variant.get("variant_id") is not None}
    details += [{"field": f"variants[{number}].variant_id", "message": "not a variant of this listing"}
                for number, variant in enumerate(variants)
                if variant.get("variant_id") is not None and variant["variant_id"] not in stored]
    if details:
        raise ValidationError(details=details)
    by_combination = {tuple(sorted(variant["options"].items())): variant_id
                      for variant_id, variant in stored.items() if variant_id not in named}
    taken = set(stored)
    result: dict[str, dict[str, Any]] = {}
    for variant in variants:
        combination = dict(variant["options"])
        variant_id = (variant.get("variant_id") or by_combination.pop(tuple(sorted(combination.items())), None)
                      or new_variant_id(listing_id, combination, taken))
        taken.add(variant_id)
        price = variant.get("price")
        record: dict[str, Any] = {"options": combination, "stock": int(variant["stock"]),
                                  "price_amount": int(price if price is not None else default_price)}
        if variant.get("sku") is not None:
            record["sku"] = variant["sku"]
        result[variant_id] = record
    for variant_id, variant in stored.items():
        if variant_id not in result:
            result[variant_id] = dict(variant, retired=True)
    if len(result) > MAX_STORED_VARIANTS:
        raise LimitReachedError(f"This listing has had {MAX_STORED_VARIANTS} variants; list the work anew.")
    prices = [record["price_amount"] for record in result.values() if not record.get("retired")]
    return {"options": [dict(option) for option in options], "variants": result, "stock": 0,
            **({"price_amount": min(prices)} if prices else {})}


def variants_edit(listing: Listing, changes: dict[str, Any], *, options: list[dict[str, Any]] | None,
                  variants: list[dict[str, Any]] | None) -> dict[str, Any]:
    """An edit's changes with its options and variants decided (`changes` as the client gave them, the price in
    `price_amount`). With options, `stock` is the variants' and read-only; a price alone cannot be applied."""
    target = options if options is not None else listing.options
    if options is not None and variants is None:
        raise ValidationError(details=[{"field": "variants", "message": "send the variants with the options"}])
    if target:
        if "stock" in changes:
            raise ValidationError(details=[{"field": "stock", "message": "read-only: a listing with options has "
                                                                         "the sum of its variants' stock"}])
        if variants is None:
            if "price_amount" in changes:
                raise ValidationError(details=[{"field": "price", "message": "a listing with options is priced "
                                                                             "per variant: send the variants"}])
            return changes
        default = changes.get("price_amount", listing.price_amount)
        decided = variant_changes(listing.listing_id, listing.variants, options=target, variants=variants,
                                  default_price=default)
        if decided["stock"] == listing.stock:
            decided.pop("stock")
        return {**changes, **decided}
    if variants:
        raise ValidationError(details=[{"field": "variants", "message": "variants need options"}])
    if not has_variants(listing):
        return changes
    if "stock" not in changes:
        raise ValidationError(details=[{"field": "stock", "message": "required when the options are removed"}])
    retired = {variant_id: dict(variant, retired=True) for variant_id, variant in listing.variants.items()}
    return {**changes, "options": [], "variants": retired}
