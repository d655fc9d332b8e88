"""Photos: the upload grant and a photo as a listing shows it."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..config import IMAGE_MAX_BYTES
from ..http.schemas import RequestModel, ResponseModel


class ImageUploadCreate(RequestModel):
    content_type: Literal["image/jpeg", "image/png", "image/webp"]
    size_bytes: int = Field(ge=1, le=IMAGE_MAX_BYTES)


class ImageUploadForm(ResponseModel):
    """An S3 presigned POST: post every field, then the file as the last part named `file`."""

    url: str
    fields: dict[str, str]


class ImageUploadGrant(ResponseModel):
    image_id: str
    status: Literal["pending"]
    upload: ImageUploadForm
    expires_in: int


class ImagePublic(ResponseModel):
    image_id: str
    status: Literal["pending", "ready", "rejected"]
    urls: dict[Literal["thumb", "medium", "large"], str] | None = None
    width: int | None = None
    height: int | None = None
    reason: str | None = None
