"""Small named documents in the settings table (the FX rates)."""
from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from . import audit
from .records import AuditEntry
from .tables import SettingItem
from .transactions import Transaction


def get_setting(name: str) -> tuple[dict[str, str], str] | None:
    """The document's value and when it was last written, or None."""
    try:
        row = SettingItem.get(name)
    except DoesNotExist:
        return None
    return row.value.as_dict(), row.updated_at


def put_setting(name: str, value: dict[str, str], *, updated_at: str, audit_entry: AuditEntry) -> None:
    """Write the document and the ops decision's audit entry together."""
    transaction = Transaction(SettingItem.Meta.region)
    transaction.put(SettingItem(name=name, value=value, updated_at=updated_at))
    audit.record(transaction, audit_entry)
    transaction.commit()
