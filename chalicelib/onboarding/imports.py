"""Registry imports, the API side: ops start one (a presigned POST for the file), follow it, list them.

The worker (`worker.py`) takes over when the file lands. No AWS calls here: S3 goes
through `store.blobs`, DynamoDB through `store.imports`.
"""
from __future__ import annotations

from typing import Any

from ..auth import Identity
from ..errors import NotFoundError
from ..ids import new_id, rfc3339, utc_now
from ..store import blobs
from ..store import imports as store
from ..store.records import AuditEntry
from .documents import import_document
from .worker import upload_key

UPLOAD_EXPIRES_SECONDS = 900
REPORT_EXPIRES_SECONDS = 900
AUDIT_ACTION = "artisan_import.created"


def create_import(*, identity: Identity, size_bytes: int) -> dict[str, Any]:
    """Record the import (waiting_upload, with its audit entry) and grant the upload of its one CSV file."""
    identity.require("ops")
    now = rfc3339(utc_now())
    import_id = new_id("R")
    record = store.create_import(
        store.Import(import_id=import_id, status="waiting_upload", size_bytes=size_bytes, created_by=identity.user_id,
                     created_at=now, updated_at=now),
        audit_entry=AuditEntry(audit_id=new_id("A"), at=now, actor_id=identity.user_id, action=AUDIT_ACTION,
                               target_id=import_id, details={"size_bytes": size_bytes}))
    post = blobs.presigned_upload(upload_key(import_id), content_type="text/csv", max_bytes=size_bytes,
                                  expires_in=UPLOAD_EXPIRES_SECONDS)
    return {**import_document(record, errors_url=None), "upload": {"url": post.url, "fields": post.fields}}


def get_import(*, identity: Identity, import_id: str) -> dict[str, Any]:
    identity.require("ops")
    record = store.get_import(import_id)
    if record is None:
        raise NotFoundError("There is no such import.")
    return import_document(record, errors_url=_errors_url(record))


def list_imports(*, identity: Identity, limit: int, cursor: str | None) -> dict[str, Any]:
    """Newest first; the error report's link is in each import's own GET (no S3 signing per listed item)."""
    identity.require("ops")
    page = store.list_imports(limit=limit, cursor=cursor)
    return {"items": [import_document(item, errors_url=None) for item in page.items], "next_cursor": page.next_cursor}


def _errors_url(record: store.Import) -> str | None:
    if record.status != "done" or record.errors_key is None:
        return None
    return blobs.presigned_download(record.errors_key, filename=f"{record.import_id}-errors.csv",
                                    expires_in=REPORT_EXPIRES_SECONDS)
