"""Real image uploads: a photo's bytes, posted with the granted presigned POST, and the queue they land on.

`requests` posts to the grant's URL and moto's mock receives it like S3, which then
notifies the image queue; `queued_messages` takes what is there, for a caller to hand
to the image processor the way Lambda would.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import boto3
import requests
from PIL import Image

from .aws import Aws, User
from .environment import REGION
from .factories import make_listing, make_profile
from .http import body_of, call


def encode(image: Image.Image, format: str, **params: Any) -> bytes:
    """`image` saved in `format` (JPEG, PNG, WEBP...)."""
    buffer = io.BytesIO()
    image.save(buffer, format=format, **params)
    return buffer.getvalue()


def noisy_jpeg() -> bytes:
    """A small photo-like JPEG (400x300 of noise) that the processor accepts."""
    return encode(Image.effect_noise((400, 300), 60).convert("RGB"), "JPEG", quality=90)


@dataclass
class Upload:
    """A granted and posted upload: whose, for which listing, and its S3 key."""

    artisan: User
    listing_id: str
    image_id: str
    key: str


def new_listing(client: Any, aws: Aws) -> tuple[User, str]:
    """A new artisan with a profile, and a draft listing of theirs."""
    artisan = aws.user("artisans")
    assert call(client, "PUT", "/artisans/me", artisan, make_profile()).status_code == 201
    response = call(client, "POST", "/listings", artisan, make_listing())
    assert response.status_code == 201, response.body
    return artisan, body_of(response)["listing_id"]


def granted(client: Any, aws: Aws, *, content_type: str = "image/jpeg", size_bytes: int) -> tuple[Upload, Any]:
    """An upload granted for a new draft listing, and the grant's presigned POST (`url`, `fields`)."""
    artisan, listing_id = new_listing(client, aws)
    response = call(client, "POST", f"/listings/{listing_id}/images", artisan,
                    {"content_type": content_type, "size_bytes": size_bytes})
    assert response.status_code == 201, response.body
    grant = body_of(response)
    upload = Upload(artisan, listing_id, grant["image_id"], grant["upload"]["fields"]["key"])
    return upload, grant["upload"]


def upload_file(client: Any, aws: Aws, data: bytes, *, content_type: str = "image/jpeg",
                declared_size: int | None = None, filename: str = "photo.jpg") -> Upload:
    """Grant an upload and post `data` with it: every field, then the file last."""
    upload, form = granted(client, aws, content_type=content_type, size_bytes=declared_size or len(data))
    posted = requests.post(form["url"], data=form["fields"], files={"file": (filename, data, content_type)},
                           timeout=10)
    assert posted.status_code == 204, posted.text
    return upload


def queued_messages(aws: Aws) -> list[dict[str, Any]]:
    """Everything S3 put on the image queue so far (received, so not visible again for a while)."""
    sqs = boto3.client("sqs", region_name=REGION)
    messages: list[dict[str, Any]] = []
    while True:
        batch = sqs.receive_message(QueueUrl=aws.env["IMAGE_QUEUE_URL"], MaxNumberOfMessages=10,
                                    AttributeNames=["All"]).get("Messages", [])
        if not batch:
            return messages
        messages += batch
