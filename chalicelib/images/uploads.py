"""Product images, the API side: granting a photo upload and deleting a photo.

The browser uploads straight to S3 with a presigned POST whose policy fixes
the key, the type and the size; `processor.py` takes over when the bytes land.
No AWS calls here: S3 goes through `store.blobs`, DynamoDB through `store`.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..auth import Identity
from ..catalog.listings import owned_listing
from ..errors import InvalidStateError, LimitReachedError, NotFoundError
from ..ids import new_id, rfc3339, utc_now
from ..optimistic import read_decide_write
from ..store import blobs
from ..store import listings as listing_store
from ..store.records import Listing
from .keys import UploadKey

UPLOAD_EXPIRES_SECONDS = 900


def grant_upload(*, identity: Identity, listing_id: str, content_type: str, size_bytes: int) -> dict[str, Any]:
    """Record a pending image and return the presigned POST that uploads its bytes.

    The record is written first (conditionally: owner, not archived, fewer than
    ten images), so no upload is ever granted for an image the listing cannot hold.
    """
    image_id = new_id("I")
    upload = UploadKey(artisan_id=identity.user_id, listing_id=listing_id, image_id=image_id)
    record = {"image_id": image_id, "status": "pending", "created_at": rfc3339(utc_now()),
              "upload_key": upload.key, "content_type": content_type, "size_bytes": size_bytes}

    def decide(listing: Listing) -> None:
        if listing.status == "archived":
            raise InvalidStateError("An archived listing cannot take new photos.")
        if len(listing.images) >= listing_store.MAX_IMAGES:
            raise LimitReachedError(f"A listing has at most {listing_store.MAX_IMAGES} photos; delete one first.")

    def write(_: Listing, __: None) -> None:
        # Conditional on owner, not archived and room left: a refusal re-reads, and `decide` names the reason.
        listing_store.add_image(listing_id, owner_id=identity.user_id, image_id=image_id, record=record)

    read_decide_write(lambda: owned_listing(identity, listing_id), decide, write, what="listing")
    post = blobs.presigned_upload(upload.key, content_type=content_type, max_bytes=size_bytes,
                                  expires_in=UPLOAD_EXPIRES_SECONDS)
    return {"image_id": image_id, "status": "pending", "upload": {"url": post.url, "fields": post.fields},
            "expires_in": UPLOAD_EXPIRES_SECONDS}


def delete_image(*, identity: Identity, listing_id: str, image_id: str) -> None:
    """Remove the record, then its renditions and any upload not yet processed."""
    record = owned_listing(identity, listing_id).images.get(image_id)
    if record is None or not listing_store.remove_image(listing_id, image_id, owner_id=identity.user_id):
        raise NotFoundError("The listing has no such photo.")
    blobs.delete_objects(_stored_keys(record))


def _stored_keys(record: Mapping[str, Any]) -> list[str]:
    keys = list((record.get("rendition_keys") or {}).values())
    if record.get("upload_key"):
        keys.append(record["upload_key"])
    return keys
