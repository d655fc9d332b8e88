"""The audit log: every ops decision, added to the decision's own transaction, and the lists ops read.

A store function that commits an ops decision takes an `AuditEntry` and calls
`record(transaction, entry)` before committing, so the decision and its record
are written together or not at all. Entries are never changed or deleted.
"""
from __future__ import annotations

from .pages import Page, query_page
from .records import AuditEntry
from .tables import AuditItem
from .transactions import Transaction

ALL = "all"
TAG = "audit"


def _entry_key(entry: AuditEntry) -> str:
    return f"{entry.at}#{entry.audit_id}"


def _entry(row: AuditItem) -> AuditEntry:
    return AuditEntry(audit_id=row.audit_id, at=row.at, actor_id=row.actor_id, action=row.action,
                      target_id=row.target_id, details=dict(row.details or {}))


def record(transaction: Transaction, entry: AuditEntry) -> None:
    """Add the entry to `transaction` (a put that cannot overwrite: audit ids are unique)."""
    row = AuditItem(entry.target_id, _entry_key(entry), audit_id=entry.audit_id, at=entry.at,
                    actor_id=entry.actor_id, action=entry.action, details=entry.details, audit_all=ALL)
    transaction.put(row, condition=AuditItem.entry.does_not_exist(), tag=TAG)


def list_entries(*, target_id: str | None, actor_id: str | None, limit: int,
                 cursor: str | None) -> Page[AuditEntry]:
    """Newest first: one Query on the target's partition, the actor's index, or the all-decisions index."""
    if target_id is not None:
        return query_page(AuditItem, target_id, convert=_entry, query_id=f"audit:target:{target_id}",
                          limit=limit, cursor=cursor)
    if actor_id is not None:
        return query_page(AuditItem.by_actor, actor_id, convert=_entry, query_id=f"audit:actor:{actor_id}",
                          limit=limit, cursor=cursor)
    return query_page(AuditItem.by_time, ALL, convert=_entry, query_id="audit:all", limit=limit, cursor=cursor)
