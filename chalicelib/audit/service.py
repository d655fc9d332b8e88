"""Audit entries: made by the service that takes a decision, listed here. Keyword-only arguments, plain values.

An entry is handed to the store with the decision it records and written in the
same transaction (`store.audit.record`), so a decision without its entry, or an
entry without its decision, cannot exist. `details` is a small object (reason,
decision, rates); never a CNIC or a phone number.
"""
from __future__ import annotations

from typing import Any

from ..auth import Identity
from ..ids import new_id, rfc3339, utc_now
from ..store import audit as store
from ..store.records import AuditEntry


def audit_entry(identity: Identity, action: str, target_id: str, *, at: str | None = None,
                details: dict[str, Any] | None = None) -> AuditEntry:
    """The record of `identity`'s decision `action` on `target_id`, made `at` (now by default)."""
    return AuditEntry(audit_id=new_id("AU"), at=at or rfc3339(utc_now()), actor_id=identity.user_id, action=action,
                      target_id=target_id, details={name: value for name, value in (details or {}).items()
                                                    if value is not None})


def entry_document(entry: AuditEntry) -> dict[str, Any]:
    return {"at": entry.at, "actor_id": entry.actor_id, "action": entry.action, "target_id": entry.target_id,
            "details": dict(entry.details)}


def audit_log(*, identity: Identity, target_id: str | None, actor_id: str | None, limit: int,
              cursor: str | None) -> dict[str, Any]:
    """Ops decisions, newest first: about one target, by one actor, or all of them."""
    identity.require("ops")
    page = store.list_entries(target_id=target_id, actor_id=actor_id, limit=limit, cursor=cursor)
    return {"items": [entry_document(entry) for entry in page.items], "next_cursor": page.next_cursor}
