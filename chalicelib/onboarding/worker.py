"""The import worker: a registry file's rows become artisans, in chunks, from a checkpoint, exactly once each.

The file landing under imports/ (an S3 notice), or a continuation the worker sent itself,
starts `run_import`. It counts the file's rows once (waiting_upload -> processing), then
takes rows from the checkpoint `next_row` in chunks of CHUNK_ROWS, moving the checkpoint
after each; when the Lambda's time runs low it sends itself a continuation and returns.
A redelivered or duplicate message resumes from the checkpoint. Each row is settled at most
once (store/imports.py), so the counts are exact even with two workers on one file. A created row's
welcome is an outbox event in the same transaction (store/imports.py create_row_artisan): the notifier
sets the temporary password the SMS carries as it sends it. No phone number, CNIC or password is ever
logged or stored.
"""
from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import unquote_plus

from ..catalog.artisans import cnic_hash
from ..catalog.rules import cnic_last4
from ..config import IMPORT_MAX_BYTES
from ..ids import rfc3339, utc_now
from ..store import accounts, blobs, queues
from ..store import imports as store
from ..store.artisans import cnic_claim_key
from ..store.records import Artisan
from ..wiring import get_settings
from . import rules
from .pace import ROWS_PER_SECOND, TokenBucket

logger = logging.getLogger(__name__)

CHUNK_ROWS = 100
# Stop taking chunks with this much time left: a chunk at the designed rate takes about 10 s.
RESERVE_MS = 60_000
_KEY_PREFIX = "imports/"

class ImportIncompleteError(Exception):
    """The file ended but not every row is settled: a bug, so the message is retried and the alarm raised."""


@dataclass(frozen=True)
class BatchResult:
    failed: list[str]
    outcomes: dict[str, str]  # import id -> "done" | "failed" | "continued" | "skipped"


def upload_key(import_id: str) -> str:
    return f"{_KEY_PREFIX}{import_id}.csv"


def errors_key(import_id: str) -> str:
    return f"import-errors/{import_id}.csv"


@lru_cache(maxsize=2)
def _bucket(rate: float) -> TokenBucket:
    """One bucket for the container's life: the pace holds across invocations (reserved concurrency 1)."""
    return TokenBucket(rate, burst=rate)


def process_batch(messages: list[dict[str, Any]], *, remaining_ms: Callable[[], int],
                  pace: TokenBucket | None = None) -> BatchResult:
    """Handle the SQS messages of one invocation; a message fails (and SQS retries it) only on an unexpected error."""
    failed: list[str] = []
    outcomes: dict[str, str] = {}
    for message in messages:
        try:
            for import_id in _import_ids(json.loads(message["body"])):
                outcomes[import_id] = run_import(import_id, remaining_ms=remaining_ms, pace=pace or _default_pace())
        except Exception:
            logger.exception("import message failed; SQS will retry it", extra={"message_id": message["messageId"]})
            failed.append(message["messageId"])
    return BatchResult(failed, outcomes)


def _default_pace() -> TokenBucket:
    return _bucket(get_settings().import_rows_per_second or ROWS_PER_SECOND)


def _import_ids(body: Mapping[str, Any]) -> list[str]:
    """The imports a message is about: an S3 notice of imports/<id>.csv, or a continuation {"import_id"}."""
    if "import_id" in body:
        return [str(body["import_id"])]
    if body.get("Event") == "s3:TestEvent":
        return []
    keys = [unquote_plus(record["s3"]["object"]["key"]) for record in body["Records"]
            if record.get("eventName", "").startswith("ObjectCreated:")]
    return [key[len(_KEY_PREFIX):-len(".csv")] for key in keys if key.startswith(_KEY_PREFIX) and key.endswith(".csv")]


def run_import(import_id: str, *, remaining_ms: Callable[[], int], pace: TokenBucket) -> str:
    """Take the import as far as time allows; returns "done", "failed", "continued" or "skipped"."""
    current = store.get_import(import_id)
    if current is None or current.status in ("done", "failed"):
        return "skipped"
    if current.status == "waiting_upload":
        reason = _start(import_id)
        if reason is not None:
            store.fail_import(import_id, reason)
            return "failed"
        current = store.get_import(import_id)
        if current is None or current.status != "processing":
            return "skipped"
    try:
        opened = blobs.open_object(upload_key(import_id), if_match=current.file_etag)
    except blobs.BlobChangedError:
        store.fail_import(import_id, "The file was replaced during the import.")
        return "failed"
    if opened is None:
        store.fail_import(import_id, "The file is gone (files are kept 30 days).")
        return "failed"
    records = _records(opened.body)
    header = next(records)[1]
    chunk: list[tuple[int, dict[str, str]]] = []
    for number, record in records:
        if number < current.next_row or rules.is_blank(record):
            continue
        chunk.append((number, rules.row_cells(header, record)))
        if len(chunk) < CHUNK_ROWS:
            continue
        if not _take_chunk(import_id, chunk, pace):
            return "skipped"
        chunk = []
        if remaining_ms() < RESERVE_MS:
            queues.send(get_settings().import_queue_url, {"import_id": import_id})
            return "continued"
    if chunk and not _take_chunk(import_id, chunk, pace):
        return "skipped"
    return _finish(import_id)


def _start(import_id: str) -> str | None:
    """Count the file's rows and move the import to processing; the reason the file cannot be imported, if any."""
    opened = blobs.open_object(upload_key(import_id))
    if opened is None:
        return "The file is gone (files are kept 30 days)."
    if opened.size > IMPORT_MAX_BYTES:
        return f"The file is larger than {IMPORT_MAX_BYTES // (1024 * 1024)} MB."
    try:
        records = _records(opened.body)
        first = next(records, None)
        if first is None:
            return "The file is empty."
        problem = rules.header_problem(first[1])
        if problem is not None:
            return problem
        total = sum(1 for _, record in records if not rules.is_blank(record))
    except UnicodeDecodeError:
        return "The file is not UTF-8 text (save it as CSV UTF-8)."
    except csv.Error as error:
        return f"The file is not a CSV file ({error})."
    store.start_processing(import_id, total=total, file_etag=opened.etag)
    return None


def _records(body: Any) -> Iterator[tuple[int, list[str]]]:
    """The file's records, numbered as a spreadsheet shows them (the header is row 1), streamed: 50 MB never
    sits in memory. A UTF-8 byte order mark is accepted."""
    text = io.TextIOWrapper(body, encoding="utf-8-sig", newline="")
    yield from enumerate(csv.reader(text), start=1)


def _take_chunk(import_id: str, chunk: list[tuple[int, dict[str, str]]], pace: TokenBucket) -> bool:
    """Settle every row of the chunk, then move the checkpoint past it; False if the import stopped meanwhile."""
    for number, cells in chunk:
        _take_row(import_id, number, cells, pace)
    store.advance_checkpoint(import_id, chunk[-1][0] + 1)
    current = store.get_import(import_id)
    return current is not None and current.status == "processing"


def _take_row(import_id: str, number: int, cells: Mapping[str, str], pace: TokenBucket) -> None:
    """One row to a final state, exactly once whoever else works on it (its welcome comes with the creation)."""
    parsed = rules.parse_row(cells)
    existing = store.get_row(import_id, number)
    if existing is not None and existing.final:
        return
    if isinstance(parsed, rules.RefusedRow):
        store.settle_row(import_id, number, state="rejected", reason=parsed.reason)
        return
    hashed = cnic_hash(parsed.cnic)
    claimed = store.claim_row(import_id, number, phone=parsed.phone, cnic_hash=hashed)
    if claimed.final:
        return
    if claimed.taken:
        store.settle_row(import_id, number, state="duplicate", reason=rules.duplicate_reason(claimed.taken))
        return
    reference = f"{import_id}:{number}"
    pace.take()
    try:
        # A password nobody learns: the notifier sets the one the welcome SMS carries.
        account = accounts.create_user(phone=parsed.phone, email=parsed.email, import_ref=reference,
                                       temporary_password=rules.temporary_password())
    except accounts.UserExistsError:
        account = accounts.get_user(parsed.phone)  # ours from an earlier attempt, or someone's
        if account.import_ref != reference:
            store.settle_row(import_id, number, state="duplicate", reason=rules.duplicate_reason(("account",)),
                             release=(store.phone_claim_key(parsed.phone), cnic_claim_key(hashed)))
            return
    accounts.add_to_group(parsed.phone, rules.GROUP)
    now = rfc3339(utc_now())
    artisan = Artisan(artisan_id=account.sub, display_name=parsed.display_name, craft=parsed.craft,
                      province=parsed.province, district=parsed.district, phone=parsed.phone, cnic_hash=hashed,
                      cnic_last4=cnic_last4(parsed.cnic), verification="verified" if parsed.verified else "pending",
                      created_at=now, updated_at=now, bio=parsed.bio, bio_ur=parsed.bio_ur)
    store.create_row_artisan(import_id, number, artisan=artisan)


def _finish(import_id: str) -> str:
    """Write the error report (rows refused, in order) and mark the import done."""
    current = store.get_import(import_id)
    if current is None or current.status != "processing":
        return "skipped"
    if current.processed != current.total:
        raise ImportIncompleteError(f"{import_id}: {current.processed} of {current.total} rows settled")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["row", "outcome", "reason"])
    for row in store.settled_rows(import_id):
        writer.writerow([row.row, row.state, row.reason or ""])
    key = errors_key(import_id)
    blobs.put_object(key, buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8",
                     cache_control="private, no-store")
    store.finish_import(import_id, errors_key=key)
    return "done"
