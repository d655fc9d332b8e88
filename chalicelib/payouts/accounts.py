"""Where an artisan is paid: the payout account on their profile (`PUT`/`GET /artisans/me`).

Checked by the request schema (payouts/rules.py: IBAN mod-97, Pakistani mobile numbers), kept on the
artisan's payout balance row (store/payouts.py), masked in every answer, and never logged.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..ids import rfc3339, utc_now
from ..store import payouts as store
from . import rules

if TYPE_CHECKING:
    from ..store.records import PayoutAccount
    from .schemas import IbanAccountIn, WalletAccountIn


def save_account(*, artisan_id: str, account: IbanAccountIn | WalletAccountIn | None,
                 display_name: str) -> PayoutAccount | None:
    """Keep the account (None: remove it; the artisan is then left out of payout runs)."""
    kept = None
    if account is not None:
        kept = rules.checked_account(account.method, iban=getattr(account, "iban", None),
                                     msisdn=getattr(account, "msisdn", None), title=account.account_title,
                                     default_title=display_name, now=rfc3339(utc_now()))
    store.set_account(artisan_id, kept, shard=rules.payable_shard(artisan_id))
    return kept


def account_of(artisan_id: str) -> PayoutAccount | None:
    return store.get_account(artisan_id)
