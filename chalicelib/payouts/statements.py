"""Monthly statements of an artisan's ledger, as JSON or CSV (API.md "Getting paid"; issue 14 point 4).

The opening balance is not summed from the first entry ever: it is the balance row (exact, kept in the same
transaction as every entry) less every entry since the month began, so a statement reads one balance twice and
one Query from the month's start to now (statement_rules.py decides the rest; store/orders.ledger_since reads).
"""
from __future__ import annotations

from typing import Any

from ..auth import Identity
from ..errors import NotFoundError
from ..ids import utc_now
from ..store import artisans as artisan_rows
from ..store import orders as store
from . import statement_rules as rules


def _statement(artisan_id: str, when: rules.Period) -> dict[str, Any]:
    balance, since_start = store.ledger_since(artisan_id, when.start)
    return rules.statement(artisan_id, when, balance=balance, since_start=since_start)


def my_statement(*, identity: Identity, month: str) -> dict[str, Any]:
    identity.require("artisans")
    return _statement(identity.user_id, rules.period(month, utc_now()))


def my_statement_csv(*, identity: Identity, month: str) -> tuple[str, str]:
    """The CSV's file name and text."""
    identity.require("artisans")
    document = _statement(identity.user_id, rules.period(month, utc_now()))
    return rules.filename(identity.user_id, month), rules.csv_text(document)


def artisan_statement(*, identity: Identity, artisan_id: str, month: str) -> dict[str, Any]:
    """Ops read any artisan's statement; one more GetItem tells an unknown artisan (404) from a quiet month."""
    identity.require("ops")
    when = rules.period(month, utc_now())
    if artisan_rows.get_artisan(artisan_id) is None:
        raise NotFoundError()
    return _statement(artisan_id, when)
