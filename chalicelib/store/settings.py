"""Small named documents in the settings table (the FX rates)."""
from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from .tables import SettingItem


def get_setting(name: str) -> tuple[dict[str, str], str] | None:
    """The document's value and when it was last written, or None."""
    try:
        row = SettingItem.get(name)
    except DoesNotExist:
        return None
    return row.value.as_dict(), row.updated_at


def put_setting(name: str, value: dict[str, str], *, updated_at: str) -> None:
    SettingItem(name=name, value=value, updated_at=updated_at).save()
