"""Artisan profiles and their verification: the service. Keyword-only arguments, plain values in and out."""
from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING, Any

from ..auth import Identity
from ..errors import NotFoundError
from ..ids import rfc3339, utc_now
from ..optimistic import read_decide_write
from ..payouts import accounts as payout_accounts
from ..payouts.rules import account_document
from ..store import artisans as store
from ..store import identities
from ..store.records import Artisan, PayoutAccount
from ..wiring import get_settings
from . import rules
from .documents import artisan_document

if TYPE_CHECKING:
    from .schemas import ArtisanUpsert


def cnic_hash(cnic: str) -> str:
    """Keyed hash: without the key, trying all 10^13 CNICs reveals nothing."""
    digits = cnic.replace("-", "")
    return hmac.new(get_settings().cnic_hash_key, digits.encode(), hashlib.sha256).hexdigest()


def upsert_my_profile(*, identity: Identity, profile: ArtisanUpsert) -> tuple[dict[str, Any], bool]:
    """Create (True) or update (False) the caller's artisan profile; any signed-in user may.

    Creating a profile makes the caller an artisan. The profile is written first, then the caller is
    added to the artisans group, and again on every later PUT whose token still lacks the group: if the
    addition fails (503), the retried PUT, now an update, makes it good, so no profile is left without it.
    """
    fields = profile.model_dump(exclude={"cnic", "payout_account"})
    new_hash = cnic_hash(profile.cnic) if profile.cnic is not None else None

    def write(current: Artisan | None, _: None) -> tuple[Artisan, bool]:
        now = rfc3339(utc_now())
        if current is None:
            cnic = rules.require_cnic_on_create(profile.cnic)
            return store.create_artisan(Artisan(
                **fields, artisan_id=identity.user_id, cnic_hash=cnic_hash(cnic), cnic_last4=rules.cnic_last4(cnic),
                verification="pending", created_at=now, updated_at=now)), True
        changes = rules.profile_changes(current, fields, cnic=profile.cnic, cnic_hash=new_hash, now=now)
        return store.update_artisan(current, changes), False

    artisan, created = read_decide_write(lambda: store.get_artisan(identity.user_id), lambda _: None, write,
                                         what="profile")
    if rules.needs_artisans_group(identity):
        identities.add_to_group(identity.user_id, rules.ARTISANS, user_pool_id=get_settings().user_pool_id)
    # The payout account is written after the profile, and only when the body names it (null removes it).
    if "payout_account" in profile.model_fields_set:
        account = payout_accounts.save_account(artisan_id=identity.user_id, account=profile.payout_account,
                                               display_name=artisan.display_name)
    else:
        account = payout_accounts.account_of(identity.user_id)
    return _with_account(artisan_document(artisan, private=True), account), created


def get_my_profile(*, identity: Identity) -> dict[str, Any]:
    """Any signed-in user: a buyer who has just become an artisan still holds a token without the group."""
    artisan = store.get_artisan(identity.user_id)
    if artisan is None:
        raise NotFoundError("You have no artisan profile yet.")
    account = payout_accounts.account_of(identity.user_id)
    return _with_account(artisan_document(artisan, private=True), account)


def _with_account(document: dict[str, Any], account: PayoutAccount | None) -> dict[str, Any]:
    """The owner's profile shows where they are paid, masked; without an account the field is absent."""
    return document if account is None else {**document, "payout_account": account_document(account)}


def get_artisan(*, identity: Identity | None, artisan_id: str) -> dict[str, Any]:
    return artisan_document(rules.may_see_artisan(identity, store.get_artisan(artisan_id)), private=False)


def list_artisans(*, province: str | None, craft: str | None, limit: int, cursor: str | None) -> dict[str, Any]:
    page = store.list_verified(province=province, craft=craft, limit=limit, cursor=cursor)
    return {"items": [artisan_document(item, private=False) for item in page.items], "next_cursor": page.next_cursor}


def verification_queue(*, identity: Identity, verification: str, limit: int, cursor: str | None) -> dict[str, Any]:
    identity.require("ops")
    page = store.list_by_verification(verification=verification, limit=limit, cursor=cursor)
    return {"items": [artisan_document(item, private=True) for item in page.items], "next_cursor": page.next_cursor}
