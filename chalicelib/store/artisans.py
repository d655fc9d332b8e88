"""Artisan profiles and the CNIC uniqueness claims that back them."""
from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.expressions.condition import Condition

from ..errors import DuplicateError, NotFoundError
from ..optimistic import ConflictError
from . import audit, outbox
from .conditions import changed_meanwhile, condition_failed
from .pages import Page, query_page
from .records import Artisan, AuditEntry, OutboxEvent
from .tables import ArtisanItem, ClaimItem
from .transactions import Transaction

_FIELDS = tuple(field.name for field in fields(Artisan))
_BROWSE = ("browse_province", "browse_craft", "browse_province_craft", "browse_listed")
LISTED = "listed"


def _artisan(row: ArtisanItem) -> Artisan:
    values = {name: getattr(row, name) for name in _FIELDS}
    values["suspended"] = bool(values["suspended"])
    return Artisan(**values)


def _cnic_claim(cnic_hash: str) -> str:
    return f"cnic#{cnic_hash}"


def _browse_keys(*, verification: str, province: str, craft: str, suspended: bool) -> dict[str, str | None]:
    """Sparse index keys: only verified artisans who are not suspended are listed publicly."""
    if verification != "verified" or suspended:
        return {name: None for name in _BROWSE}
    return {"browse_province": province, "browse_craft": craft, "browse_province_craft": f"{province}#{craft}",
            "browse_listed": LISTED}


def get_artisan(artisan_id: str) -> Artisan | None:
    try:
        return _artisan(ArtisanItem.get(artisan_id, consistent_read=True))
    except DoesNotExist:
        return None


def create_artisan(artisan: Artisan) -> Artisan:
    """Create the profile and claim its CNIC in one transaction.

    Raises DuplicateError when the CNIC backs another artisan and
    ConflictError when the profile appeared meanwhile.
    """
    claim = ClaimItem(claim=_cnic_claim(artisan.cnic_hash), owner_id=artisan.artisan_id)
    transaction = Transaction(ArtisanItem.Meta.region)
    add_new_profile(transaction, artisan)
    transaction.put(claim, condition=ClaimItem.claim.does_not_exist(), tag="new_claim")
    _commit_claiming(transaction)
    return artisan


def add_new_profile(transaction: Transaction, artisan: Artisan) -> None:
    """Add the put of a new profile (with its browse keys) to `transaction`, tagged "profile".

    The caller adds the claims: a self-service profile claims its CNIC, an imported one takes over its row's claims.
    """
    values = asdict(artisan)
    values.update(_browse_keys(verification=artisan.verification, province=artisan.province, craft=artisan.craft,
                               suspended=artisan.suspended))
    row = ArtisanItem(**{name: value for name, value in values.items() if value is not None and value is not False})
    transaction.put(row, condition=ArtisanItem.artisan_id.does_not_exist(), tag="profile")


def cnic_claim_key(cnic_hash: str) -> str:
    """The Claims table key that makes a CNIC back one artisan only."""
    return _cnic_claim(cnic_hash)


def update_artisan(expected: Artisan, changes: dict[str, Any], *, audit_entry: AuditEntry | None = None) -> Artisan:
    """Write `changes` (None removes an attribute) if the profile is still as `expected`; returns the result.

    The condition covers what the browse keys and the CNIC claim derive from, so
    they never disagree with the profile. A CNIC change (`cnic_hash`) moves its
    claim in the same transaction, and so does an ops decision its `audit_entry`.
    Raises ConflictError if the profile moved.
    """
    updated = Artisan(**{**asdict(expected), **changes})
    writes = dict(changes, **_browse_keys(verification=updated.verification, province=updated.province,
                                          craft=updated.craft, suspended=updated.suspended))
    if "suspended" in writes and not writes["suspended"]:
        writes["suspended"] = None  # present only while suspended
    actions = [_action(name, value) for name, value in writes.items()]
    condition = ((ArtisanItem.province == expected.province) & (ArtisanItem.craft == expected.craft)
                 & (ArtisanItem.verification == expected.verification)
                 & (ArtisanItem.cnic_hash == expected.cnic_hash) & _suspended_as(expected.suspended))
    if audit_entry is not None and updated.cnic_hash == expected.cnic_hash:
        transaction = Transaction(ArtisanItem.Meta.region)
        transaction.update(ArtisanItem(expected.artisan_id), actions, condition=condition, tag="profile")
        audit.record(transaction, audit_entry)
        if updated.verification != expected.verification and updated.verification in ("verified", "rejected"):
            # The artisan is told the decision (an SMS): an event with the decision's own transaction.
            outbox.add(transaction, OutboxEvent(
                f"artisan.verification#{expected.artisan_id}#{audit_entry.audit_id}", "artisan.verification",
                expected.artisan_id, {"decision": updated.verification, "note": updated.verification_note},
                audit_entry.at))
        if transaction.commit():
            raise ConflictError()
        return updated
    if updated.cnic_hash == expected.cnic_hash:
        try:
            ArtisanItem(expected.artisan_id).update(actions=actions, condition=condition)
        except UpdateError as error:
            if changed_meanwhile(error):
                raise ConflictError() from None
            raise
        return updated
    transaction = Transaction(ArtisanItem.Meta.region)
    transaction.update(ArtisanItem(expected.artisan_id), actions, condition=condition, tag="profile")
    transaction.put(ClaimItem(claim=_cnic_claim(updated.cnic_hash), owner_id=expected.artisan_id),
                    condition=ClaimItem.claim.does_not_exist(), tag="new_claim")
    transaction.delete(ClaimItem(claim=_cnic_claim(expected.cnic_hash)),
                       condition=ClaimItem.owner_id == expected.artisan_id, tag="old_claim")
    _commit_claiming(transaction)
    return updated


def _suspended_as(suspended: bool) -> Condition:
    return ArtisanItem.suspended.exists() if suspended else ArtisanItem.suspended.does_not_exist()


# The artisan's `listing_hold` mark: HELD from before the first listing is held until a release begins,
# RELEASING while holds are released (each release checks it, so a new hold stops a release at once),
# absent once every listing is free. Publishing needs it absent.
HELD = "held"
RELEASING = "releasing"


def begin_listing_hold(artisan_id: str) -> None:
    """Mark the artisan's listings as (being) held, before any is: publishing and releases stop from now on.

    Idempotent; NotFoundError if there is no such artisan.
    """
    _mark(artisan_id, ArtisanItem.listing_hold.set(HELD), ArtisanItem.artisan_id.exists(), missing=NotFoundError())


def begin_release(artisan_id: str) -> bool:
    """Start releasing the holds of a verified artisan who is not suspended; False if not (or nothing is held)."""
    return _mark(artisan_id, ArtisanItem.listing_hold.set(RELEASING),
                 (ArtisanItem.verification == "verified") & ArtisanItem.suspended.does_not_exist()
                 & ArtisanItem.listing_hold.exists())


def end_release(artisan_id: str) -> bool:
    """Forget the mark once every hold is released, unless a new hold began meanwhile (False)."""
    return _mark(artisan_id, ArtisanItem.listing_hold.remove(), ArtisanItem.listing_hold == RELEASING)


def _mark(artisan_id: str, action: Any, condition: Condition, *, missing: Exception | None = None) -> bool:
    try:
        ArtisanItem(artisan_id).update(actions=[action], condition=condition)
    except UpdateError as error:
        if not condition_failed(error):
            raise
        if missing is not None:
            raise missing from None
        return False
    return True


def may_publish() -> Condition:
    """What the artisan's row must say for their listing to enter the catalog (checked in the publishing write)."""
    return (ArtisanItem.verification == "verified") & ArtisanItem.listing_hold.does_not_exist()


def releasing() -> Condition:
    """What the artisan's row must say for one of their listings to be released (checked in the releasing write)."""
    return ArtisanItem.listing_hold == RELEASING


def _commit_claiming(transaction: Transaction) -> None:
    """Commit a transaction that claims a CNIC (tag `new_claim`): DuplicateError if another artisan holds it."""
    failed = transaction.commit()
    if "new_claim" in failed:
        raise DuplicateError("This CNIC already backs another artisan profile.")
    if failed:
        raise ConflictError()


def _action(name: str, value: Any) -> Any:
    attribute = getattr(ArtisanItem, name)
    return attribute.remove() if value is None else attribute.set(value)


def list_verified(*, province: str | None, craft: str | None, limit: int, cursor: str | None) -> Page[Artisan]:
    """Verified artisans, newest first, each shape one Query on a sparse index."""
    source: Any
    if province and craft:
        source, key, name = ArtisanItem.by_province_craft, f"{province}#{craft}", "by_province_craft"
    elif province:
        source, key, name = ArtisanItem.by_province, province, "by_province"
    elif craft:
        source, key, name = ArtisanItem.by_craft, craft, "by_craft"
    else:
        source, key, name = ArtisanItem.by_listed, LISTED, "by_listed"
    return query_page(source, key, convert=_artisan, query_id=f"artisans:{name}:{key}", limit=limit, cursor=cursor)


def list_by_verification(*, verification: str, limit: int, cursor: str | None) -> Page[Artisan]:
    """The ops queue, oldest first."""
    return query_page(ArtisanItem.by_verification, verification, convert=_artisan,
                      query_id=f"ops-artisans:{verification}", limit=limit, cursor=cursor, newest_first=False)
