"""The PKR exchange rates: defaults until ops set them."""
from __future__ import annotations

from typing import Any

from .auth import Identity
from .ids import rfc3339, utc_now
from .money import DEFAULT_FX_RATES
from .store.settings import get_setting, put_setting

FX_SETTING = "fx_rates"


def rates_from(item: Any) -> dict[str, str]:
    """The rates in a stored settings document (None: the defaults)."""
    return dict(DEFAULT_FX_RATES) | (item.value.as_dict() if item is not None else {})


def _document() -> tuple[dict[str, str], str | None]:
    item = get_setting(FX_SETTING)
    return rates_from(item), (item.updated_at if item is not None else None)


def current_rates() -> dict[str, str]:
    return _document()[0]


def fx_rates() -> dict[str, Any]:
    rates, updated_at = _document()
    return {"base": "PKR", "rates": rates, "updated_at": updated_at}


def set_fx_rates(*, identity: Identity, rates: dict[str, str]) -> dict[str, Any]:
    identity.require("ops")
    merged = current_rates() | rates
    item = put_setting(FX_SETTING, merged, updated_at=rfc3339(utc_now()))
    return {"base": "PKR", "rates": merged, "updated_at": item.updated_at}
