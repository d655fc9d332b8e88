"""Product images, the processor side: S3 notifications (through SQS) into image records.

S3 notifies the image queue; `process_batch` validates the real bytes, writes
the renditions and records the verdict on the listing. Every step is safe to
repeat, because SQS delivers at least once: the verdict is written only over a
still-pending record, and the original is deleted whatever happens. Pillow
(`renditions.py`) is imported only when a batch is processed, so the API's
cold start never loads it.
"""
from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

from ..config import IMAGE_MAX_BYTES
from ..store import blobs
from ..store import listings as listing_store
from .keys import UploadKey, rendition_key

if TYPE_CHECKING:
    from .renditions import ProcessedImage

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BatchResult:
    failed: list[str]  # message ids for SQS to deliver again
    outcomes: Counter[str]  # "ready", "rejected", "skipped" (duplicate, late or deleted) per upload


def process_batch(messages: list[dict[str, Any]]) -> BatchResult:
    """Handle the SQS messages of one Lambda batch; return the ids of those to retry and what became of each upload.

    A message fails only on an unexpected error (S3 or DynamoDB unavailable, a
    malformed body): it is logged, retried by SQS and dead-lettered after the
    queue's maxReceiveCount. One bad message never holds back the others.
    """
    failed: list[str] = []
    outcomes: Counter[str] = Counter()
    for message in messages:
        try:
            for notification in _notifications(json.loads(message["body"])):
                outcomes[process_upload(notification)] += 1
        except Exception:
            logger.exception("image message failed; SQS will retry it", extra={"message_id": message["messageId"]})
            failed.append(message["messageId"])
    return BatchResult(failed, outcomes)


def _notifications(body: Mapping[str, Any]) -> list[str]:
    """The uploaded keys an S3 notification names, URL-decoded; none for the s3:TestEvent."""
    if body.get("Event") == "s3:TestEvent":
        return []
    return [unquote_plus(record["s3"]["object"]["key"]) for record in body["Records"]
            if record.get("eventName", "").startswith("ObjectCreated:")]


def process_upload(key: str) -> str:
    """Validate one uploaded object and record `ready` or `rejected` on its pending image; delete it.

    Returns the outcome: "ready", "rejected" or "skipped" (nothing awaited these bytes).
    """
    outcome = "skipped"
    upload = UploadKey.parse(key)
    if upload is None:
        logger.warning("deleting an upload outside uploads/<artisan>/<listing>/<image>", extra={"key": key})
    else:
        pending = _pending_record(upload)
        if pending is not None:
            outcome = _judge(upload, pending)
    blobs.delete_objects([key])
    return outcome


def _pending_record(upload: UploadKey) -> dict[str, Any] | None:
    """The image's record if it still awaits these bytes; None for a deleted listing or image,
    an already processed one (a duplicate or late notification) or a key that does not match."""
    listing = listing_store.get_listing(upload.listing_id)
    if listing is None or listing.artisan_id != upload.artisan_id:
        return None
    record = listing.images.get(upload.image_id)
    if record is None or record.get("status") != "pending" or record.get("upload_key") != upload.key:
        return None
    return dict(record)


def _judge(upload: UploadKey, pending: Mapping[str, Any]) -> str:
    from .renditions import ImageRejectedError, process_image  # Pillow: processor only

    size = blobs.object_size(upload.key)
    if size is None:
        return "skipped"  # already consumed by an earlier delivery
    base = {"image_id": upload.image_id, "created_at": pending["created_at"]}
    limit = min(IMAGE_MAX_BYTES, int(pending.get("size_bytes") or IMAGE_MAX_BYTES))
    if size > limit:
        # S3 enforces the policy's size on AWS; checked here too so no emulator or
        # stale policy can make the processor read more than it promised.
        return "rejected" if _finish(upload, {**base, "status": "rejected", "reason": "too_large"}) else "skipped"
    try:
        processed = process_image(blobs.read_object(upload.key), max_bytes=limit)
    except ImageRejectedError as rejection:
        logger.info("image rejected", extra={"key": upload.key, "reason": rejection.reason})
        return "rejected" if _finish(upload, {**base, "status": "rejected", "reason": rejection.reason}) else "skipped"
    written = write_renditions(upload.listing_id, upload.image_id, processed)
    ready = {**base, "status": "ready", "rendition_keys": written, "width": processed.width,
             "height": processed.height}
    if _finish(upload, ready):
        return "ready"
    # Another delivery of the same notification may have won with the same keys:
    # delete only what no record refers to (all of it when the image is gone).
    kept = set(_kept_rendition_keys(upload))
    blobs.delete_objects([key for key in written.values() if key not in kept])
    return "skipped"


def _kept_rendition_keys(upload: UploadKey) -> list[str]:
    listing = listing_store.get_listing(upload.listing_id)
    record = listing.images.get(upload.image_id) if listing is not None else None
    return list((record or {}).get("rendition_keys", {}).values())


def write_renditions(listing_id: str, image_id: str, processed: ProcessedImage) -> dict[str, str]:
    """Store each rendition under its public key; returns the keys by rendition name."""
    written: dict[str, str] = {}
    for name, rendition in processed.renditions.items():
        key = rendition_key(listing_id, image_id, name, rendition.extension)
        blobs.put_object(key, rendition.data, content_type=rendition.content_type, cache_control=blobs.IMMUTABLE)
        written[name] = key
    return written


def _finish(upload: UploadKey, record: dict[str, Any]) -> bool:
    done = listing_store.finish_image(upload.listing_id, upload.image_id, record)
    if not done:
        logger.info("image no longer pending; verdict dropped", extra={"key": upload.key})
    return done
