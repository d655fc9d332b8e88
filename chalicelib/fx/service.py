"""The PKR exchange rates: defaults until ops set them."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..audit.service import audit_entry
from ..auth import Identity
from ..ids import rfc3339, utc_now
from ..money import DEFAULT_FX_RATES
from ..store.settings import get_setting, put_setting

FX_SETTING = "fx_rates"


def rates_from(stored: Mapping[str, str] | None) -> dict[str, str]:
    """The rates in a stored settings document over the defaults (None: the defaults)."""
    return dict(DEFAULT_FX_RATES) | dict(stored or {})


def _document() -> tuple[dict[str, str], str | None]:
    stored = get_setting(FX_SETTING)
    if stored is None:
        return rates_from(None), None
    value, updated_at = stored
    return rates_from(value), updated_at


def current_rates() -> dict[str, str]:
    return _document()[0]


def fx_rates() -> dict[str, Any]:
    rates, updated_at = _document()
    return {"base": "PKR", "rates": rates, "updated_at": updated_at}


def set_fx_rates(*, identity: Identity, rates: dict[str, str]) -> dict[str, Any]:
    """Merge the given rates over the current ones; the audit entry records what was sent."""
    identity.require("ops")
    merged = current_rates() | rates
    updated_at = rfc3339(utc_now())
    put_setting(FX_SETTING, merged, updated_at=updated_at,
                audit_entry=audit_entry(identity, "fx_rates.update", FX_SETTING, at=updated_at,
                                        details={"rates": dict(rates)}))
    return {"base": "PKR", "rates": merged, "updated_at": updated_at}
