"""Small named documents in the settings table (the FX rates)."""
from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from .tables import SettingItem, bind_tables


def get_setting(name: str) -> SettingItem | None:
    bind_tables()
    try:
        return SettingItem.get(name)
    except DoesNotExist:
        return None


def put_setting(name: str, value: dict[str, str], *, updated_at: str) -> SettingItem:
    bind_tables()
    item = SettingItem(name=name, value=value, updated_at=updated_at)
    item.save()
    return item
