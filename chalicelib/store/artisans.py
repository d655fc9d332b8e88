"""Artisan profiles and the CNIC uniqueness claims that back them."""
from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError

from ..errors import DuplicateError
from .conditions import condition_failed
from .pages import Page, query_page
from .tables import ArtisanItem, ClaimItem, bind_tables
from .transactions import Transaction

_BROWSE = ("browse_province", "browse_craft", "browse_province_craft")


class ProfileChangedError(Exception):
    """The profile changed between read and write; re-read and try again."""


def _cnic_claim(cnic_hash: str) -> str:
    return f"cnic#{cnic_hash}"


def get_artisan(artisan_id: str) -> ArtisanItem | None:
    bind_tables()
    try:
        return ArtisanItem.get(artisan_id, consistent_read=True)
    except DoesNotExist:
        return None


def browse_keys(*, verification: str, province: str, craft: str) -> dict[str, str | None]:
    """Sparse index keys: only verified artisans are listed publicly."""
    if verification != "verified":
        return {name: None for name in _BROWSE}
    return {"browse_province": province, "browse_craft": craft, "browse_province_craft": f"{province}#{craft}"}


def create_artisan(fields: dict[str, Any]) -> ArtisanItem:
    """Create the profile and claim its CNIC in one transaction.

    Raises DuplicateError when the CNIC backs another artisan and
    ProfileChangedError when the profile appeared meanwhile.
    """
    bind_tables()
    item = ArtisanItem(**fields)
    claim = ClaimItem(claim=_cnic_claim(fields["cnic_hash"]), owner_id=fields["artisan_id"])
    transaction = Transaction(ArtisanItem.Meta.region)
    transaction.put(item, condition=ArtisanItem.artisan_id.does_not_exist(), tag="profile")
    transaction.put(claim, condition=ClaimItem.claim.does_not_exist(), tag="claim")
    failed = transaction.commit()
    if "claim" in failed:
        raise DuplicateError("This CNIC already backs another artisan profile.")
    if failed:
        raise ProfileChangedError()
    return item


def update_artisan(expected: ArtisanItem, changes: dict[str, Any], *, new_cnic_hash: str | None = None) -> None:
    """Write `changes` (None removes an attribute) if the profile is still as `expected`.

    The condition covers what browse keys and CNIC rules derive from, so
    they never disagree with the profile. A CNIC change moves its claim in
    the same transaction. Raises ProfileChangedError if the profile moved.
    """
    bind_tables()
    actions = [_action(name, value) for name, value in changes.items()]
    condition = ((ArtisanItem.province == expected.province) & (ArtisanItem.craft == expected.craft)
                 & (ArtisanItem.verification == expected.verification)
                 & (ArtisanItem.cnic_hash == expected.cnic_hash))
    if new_cnic_hash is None or new_cnic_hash == expected.cnic_hash:
        try:
            ArtisanItem(expected.artisan_id).update(actions=actions, condition=condition)
        except UpdateError as error:
            if condition_failed(error):
                raise ProfileChangedError() from None
            raise
        return
    actions.append(ArtisanItem.cnic_hash.set(new_cnic_hash))
    transaction = Transaction(ArtisanItem.Meta.region)
    transaction.update(ArtisanItem(expected.artisan_id), actions, condition=condition, tag="profile")
    transaction.put(ClaimItem(claim=_cnic_claim(new_cnic_hash), owner_id=expected.artisan_id),
                    condition=ClaimItem.claim.does_not_exist(), tag="new_claim")
    transaction.delete(ClaimItem(claim=_cnic_claim(expected.cnic_hash)),
                       condition=ClaimItem.owner_id == expected.artisan_id, tag="old_claim")
    failed = transaction.commit()
    if "new_claim" in failed:
        raise DuplicateError("This CNIC already backs another artisan profile.")
    if failed:
        raise ProfileChangedError()


def _action(name: str, value: Any) -> Any:
    attribute = getattr(ArtisanItem, name)
    return attribute.remove() if value is None else attribute.set(value)


def list_verified(*, province: str | None, craft: str | None, limit: int, cursor: str | None) -> Page[ArtisanItem]:
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
    return query_page(source, key, query_id=f"artisans:{name}:{key}", limit=limit, cursor=cursor)


def list_by_verification(*, verification: str, limit: int, cursor: str | None) -> Page[ArtisanItem]:
    """The ops queue, oldest first."""
    return query_page(ArtisanItem.by_verification, verification, query_id=f"ops-artisans:{verification}",
                      limit=limit, cursor=cursor, newest_first=False)
