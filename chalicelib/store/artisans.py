"""Artisan profiles and the CNIC uniqueness claims that back them."""
from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError

from ..errors import DuplicateError
from ..optimistic import ConflictError
from .conditions import changed_meanwhile
from .pages import Page, query_page
from .records import Artisan
from .tables import ArtisanItem, ClaimItem
from .transactions import Transaction

_FIELDS = tuple(field.name for field in fields(Artisan))
_BROWSE = ("browse_province", "browse_craft", "browse_province_craft")


def _artisan(row: ArtisanItem) -> Artisan:
    return Artisan(**{name: getattr(row, name) for name in _FIELDS})


def _cnic_claim(cnic_hash: str) -> str:
    return f"cnic#{cnic_hash}"


def _browse_keys(*, verification: str, province: str, craft: str) -> dict[str, str | None]:
    """Sparse index keys: only verified artisans are listed publicly."""
    if verification != "verified":
        return {name: None for name in _BROWSE}
    return {"browse_province": province, "browse_craft": craft, "browse_province_craft": f"{province}#{craft}"}


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
    values = asdict(artisan)
    values.update(_browse_keys(verification=artisan.verification, province=artisan.province, craft=artisan.craft))
    row = ArtisanItem(**{name: value for name, value in values.items() if value is not None})
    claim = ClaimItem(claim=_cnic_claim(artisan.cnic_hash), owner_id=artisan.artisan_id)
    transaction = Transaction(ArtisanItem.Meta.region)
    transaction.put(row, condition=ArtisanItem.artisan_id.does_not_exist(), tag="profile")
    transaction.put(claim, condition=ClaimItem.claim.does_not_exist(), tag="new_claim")
    _commit_claiming(transaction)
    return artisan


def update_artisan(expected: Artisan, changes: dict[str, Any]) -> Artisan:
    """Write `changes` (None removes an attribute) if the profile is still as `expected`; returns the result.

    The condition covers what the browse keys and the CNIC claim derive from, so
    they never disagree with the profile. A CNIC change (`cnic_hash`) moves its
    claim in the same transaction. Raises ConflictError if the profile moved.
    """
    updated = Artisan(**{**asdict(expected), **changes})
    writes = dict(changes, **_browse_keys(verification=updated.verification, province=updated.province,
                                          craft=updated.craft))
    actions = [_action(name, value) for name, value in writes.items()]
    condition = ((ArtisanItem.province == expected.province) & (ArtisanItem.craft == expected.craft)
                 & (ArtisanItem.verification == expected.verification)
                 & (ArtisanItem.cnic_hash == expected.cnic_hash))
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
        source, key, name = ArtisanItem.by_verification, "verified", "by_verification"
    return query_page(source, key, convert=_artisan, query_id=f"artisans:{name}:{key}", limit=limit, cursor=cursor)


def list_by_verification(*, verification: str, limit: int, cursor: str | None) -> Page[Artisan]:
    """The ops queue, oldest first."""
    return query_page(ArtisanItem.by_verification, verification, convert=_artisan,
                      query_id=f"ops-artisans:{verification}", limit=limit, cursor=cursor, newest_first=False)
