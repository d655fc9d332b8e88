"""Registry imports and their rows: the exactly-once bookkeeping behind `onboarding/worker.py`.

Each row of an import reaches a final state (created, duplicate or rejected) in
one transaction with the import's counters, conditional on the row not being
final yet; so every row counts once whatever happens to the worker (a crash, a
timeout, a redelivered message, two workers at once). Phone and CNIC claims in
the Claims table make a phone number or a CNIC back one artisan only, across
imports and self-service profiles alike.
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError

from ..ids import rfc3339, utc_now
from . import audit, outbox
from .artisans import add_new_profile, cnic_claim_key
from .conditions import condition_failed
from .pages import Page, query_page
from .records import Artisan, AuditEntry, OutboxEvent
from .tables import ClaimItem, ImportItem, ImportRowItem
from .transactions import Transaction

ALL = "all"
ROW_DAYS = 30  # row records expire then; the claims, users and profiles stay
FINAL = ("created", "duplicate", "rejected")
_COUNTER = {"created": "created", "duplicate": "duplicates", "rejected": "rejected"}


@dataclass(frozen=True)
class Import:
    import_id: str
    status: str
    size_bytes: int
    created_by: str
    created_at: str
    updated_at: str
    total: int = 0
    processed: int = 0
    created: int = 0
    duplicates: int = 0
    rejected: int = 0
    next_row: int = 2
    file_etag: str | None = None
    failure_reason: str | None = None
    errors_key: str | None = None


@dataclass(frozen=True)
class ImportRow:
    import_id: str
    row: int
    state: str
    reason: str | None = None
    artisan_id: str | None = None

    @property
    def final(self) -> bool:
        return self.state in FINAL


_IMPORT_FIELDS = tuple(field.name for field in fields(Import))
_ROW_FIELDS = tuple(field.name for field in fields(ImportRow))


def _import(row: ImportItem) -> Import:
    values: dict[str, Any] = {name: getattr(row, name) for name in _IMPORT_FIELDS}
    counted: dict[str, Any] = {name: int(value) if isinstance(value, float) else value
                               for name, value in values.items()}
    return Import(**counted)


def _row(item: ImportRowItem) -> ImportRow:
    values = {name: getattr(item, name) for name in _ROW_FIELDS}
    values["row"] = int(values["row"])
    return ImportRow(**values)


def phone_claim_key(phone: str) -> str:
    return f"phone#{phone}"


def row_owner(import_id: str, row: int) -> str:
    """Who holds a row's claims until its artisan exists (then the artisan's id does)."""
    return f"import:{import_id}:{row}"


# --- the import ---------------------------------------------------------------------


def create_import(record: Import, *, audit_entry: AuditEntry) -> Import:
    """The new import and its audit entry, in one transaction."""
    row = ImportItem(import_all=ALL, **{name: getattr(record, name) for name in _IMPORT_FIELDS
                                        if getattr(record, name) is not None})
    transaction = Transaction(ImportItem.Meta.region)
    transaction.put(row, condition=ImportItem.import_id.does_not_exist(), tag="import")
    audit.record(transaction, audit_entry)
    failed = transaction.commit()
    if failed:
        raise RuntimeError(f"import {record.import_id} not created: {failed}")
    return record


def get_import(import_id: str) -> Import | None:
    try:
        return _import(ImportItem.get(import_id, consistent_read=True))
    except DoesNotExist:
        return None


def list_imports(*, limit: int, cursor: str | None) -> Page[Import]:
    """Newest first: one Query on the by_recent index."""
    return query_page(ImportItem.by_recent, ALL, convert=_import, query_id="imports", limit=limit, cursor=cursor)


def _update_import(import_id: str, actions: list[Any], condition: Any) -> bool:
    """A conditional update of the import; False when the condition did not hold."""
    try:
        ImportItem(import_id).update(actions=[*actions, ImportItem.updated_at.set(rfc3339(utc_now()))],
                                     condition=condition)
    except UpdateError as error:
        if condition_failed(error):
            return False
        raise
    return True


def start_processing(import_id: str, *, total: int, file_etag: str) -> bool:
    """waiting_upload -> processing with the file's row count; False if another worker started it first."""
    return _update_import(import_id, [ImportItem.status.set("processing"), ImportItem.total.set(total),
                                      ImportItem.file_etag.set(file_etag)],
                          ImportItem.status == "waiting_upload")


def fail_import(import_id: str, reason: str) -> bool:
    """-> failed with the reason, unless it is already done or failed."""
    return _update_import(import_id, [ImportItem.status.set("failed"), ImportItem.failure_reason.set(reason)],
                          ImportItem.status.is_in("waiting_upload", "processing"))


def advance_checkpoint(import_id: str, next_row: int) -> bool:
    """Move the checkpoint forward to `next_row` (never back: another worker may be ahead)."""
    return _update_import(import_id, [ImportItem.next_row.set(next_row)],
                          (ImportItem.status == "processing") & (ImportItem.next_row < next_row))


def finish_import(import_id: str, *, errors_key: str) -> bool:
    """processing -> done, once every row is final (processed == total) and the error report is written."""
    return _update_import(import_id, [ImportItem.status.set("done"), ImportItem.errors_key.set(errors_key)],
                          (ImportItem.status == "processing") & (ImportItem.processed == ImportItem.total))


# --- its rows --------------------------------------------------------------------


def get_row(import_id: str, row: int) -> ImportRow | None:
    try:
        return _row(ImportRowItem.get(import_id, row, consistent_read=True))
    except DoesNotExist:
        return None


def _not_final() -> Any:
    return ImportRowItem.state.does_not_exist() | (ImportRowItem.state == "claimed")


def _expires() -> int:
    return int(time.time()) + ROW_DAYS * 86400


def _count(transaction: Transaction, import_id: str, state: str) -> None:
    counter = getattr(ImportItem, _COUNTER[state])
    transaction.update(ImportItem(import_id), [counter.add(1), ImportItem.processed.add(1)],
                       condition=ImportItem.status == "processing", tag="counters")


def settle_row(import_id: str, row: int, *, state: str, reason: str, release: tuple[str, ...] = ()) -> bool:
    """Record a row `rejected` or `duplicate` and count it, releasing the claims it held (`release`: keys).

    False when the row was already final (another worker, or an earlier attempt, settled it).
    """
    transaction = Transaction(ImportRowItem.Meta.region)
    transaction.put(ImportRowItem(import_id, row, state=state, reason=reason, expires_at_epoch=_expires()),
                    condition=_not_final(), tag="row")
    _count(transaction, import_id, state)
    owner = row_owner(import_id, row)
    for key in release:
        transaction.delete(ClaimItem(claim=key), condition=ClaimItem.owner_id == owner, tag=key)
    failed = transaction.commit()
    if failed and "row" not in failed:
        raise RuntimeError(f"row {row} of {import_id} not settled: {failed}")
    return not failed


@dataclass(frozen=True)
class Claimed:
    """The outcome of claiming a row's phone and CNIC: `taken` names a claim someone else holds."""

    final: bool = False
    taken: tuple[str, ...] = ()


def claim_row(import_id: str, row: int, *, phone: str, cnic_hash: str) -> Claimed:
    """Claim the phone and the CNIC for this row (absent, or already this row's) and mark it `claimed`, at once."""
    owner = row_owner(import_id, row)
    transaction = Transaction(ImportRowItem.Meta.region)
    transaction.put(ImportRowItem(import_id, row, state="claimed", expires_at_epoch=_expires()),
                    condition=_not_final(), tag="row")
    for tag, key in (("phone", phone_claim_key(phone)), ("cnic", cnic_claim_key(cnic_hash))):
        transaction.put(ClaimItem(claim=key, owner_id=owner),
                        condition=ClaimItem.claim.does_not_exist() | (ClaimItem.owner_id == owner), tag=tag)
    failed = transaction.commit()
    if "row" in failed:
        return Claimed(final=True)
    return Claimed(taken=tuple(tag for tag in ("phone", "cnic") if tag in failed))


def create_row_artisan(import_id: str, row: int, *, artisan: Artisan) -> bool:
    """The profile, the claims handed from the row to the artisan, the row `created` and counted, and the
    artisan's welcome (an outbox event the notifier sends): one transaction.

    False when the row was already final.
    """
    owner = row_owner(import_id, row)
    transaction = Transaction(ImportRowItem.Meta.region)
    add_new_profile(transaction, artisan)
    for key in (phone_claim_key(artisan.phone), cnic_claim_key(artisan.cnic_hash)):
        transaction.update(ClaimItem(claim=key), [ClaimItem.owner_id.set(artisan.artisan_id)],
                           condition=ClaimItem.owner_id == owner, tag=key)
    transaction.update(ImportRowItem(import_id, row),
                       [ImportRowItem.state.set("created"), ImportRowItem.artisan_id.set(artisan.artisan_id)],
                       condition=ImportRowItem.state == "claimed", tag="row")
    _count(transaction, import_id, "created")
    outbox.add(transaction, OutboxEvent(event_id=f"artisan.welcome#{import_id}#{row}", kind="artisan.welcome",
                                        recipient_user_id=artisan.artisan_id,
                                        data={"import_id": import_id, "row": row}, created_at=artisan.created_at))
    failed = transaction.commit()
    if failed and "row" not in failed:
        raise RuntimeError(f"row {row} of {import_id} not created: {failed}")
    return not failed


def settled_rows(import_id: str) -> Iterator[ImportRow]:
    """Every row that was refused (duplicate or rejected), in row order: the error report's Query (a background job)."""
    query = ImportRowItem.query(import_id, filter_condition=ImportRowItem.state.is_in("duplicate", "rejected"),
                                consistent_read=True)
    for item in query:
        yield _row(item)
