"""The PKR exchange rates: defaults until ops set them."""
from __future__ import annotations

from typing import Any

from chalicelib.auth import Identity
from chalicelib.ids import rfc3339, utc_now
from chalicelib.money import DEFAULT_FX_RATES
from chalicelib.store.settings import get_setting, put_setting

_FX = "fx_rates"


def _document() -> tuple[dict[str, str], str | None]:
    item = get_setting(_FX)
    if item is None:
        return dict(DEFAULT_FX_RATES), None
    return dict(DEFAULT_FX_RATES) | item.value.as_dict(), item.updated_at


def current_rates() -> dict[str, str]:
    return _document()[0]


def fx_rates() -> dict[str, Any]:
    rates, updated_at = _document()
    return {"base": "PKR", "rates": rates, "updated_at": updated_at}


def set_fx_rates(*, identity: Identity, rates: dict[str, str]) -> dict[str, Any]:
    identity.require("ops")
    merged = current_rates() | rates
    item = put_setting(_FX, merged, updated_at=rfc3339(utc_now()))
    return {"base": "PKR", "rates": merged, "updated_at": item.updated_at}
