"""Registry imports: what ops send and what they are shown."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..config import IMPORT_MAX_BYTES
from ..http.schemas import RequestModel, ResponseModel
from ..images.schemas import ImageUploadForm


class ArtisanImportCreate(RequestModel):
    size_bytes: int = Field(ge=1, le=IMPORT_MAX_BYTES)


class ArtisanImportPublic(ResponseModel):
    import_id: str
    status: Literal["waiting_upload", "processing", "done", "failed"]
    total: int
    processed: int
    created: int
    duplicates: int
    rejected: int
    errors_url: str | None = None
    failure_reason: str | None = None
    created_at: str


class ArtisanImportCreated(ArtisanImportPublic):
    upload: ImageUploadForm


class ArtisanImportPage(ResponseModel):
    items: list[ArtisanImportPublic]
    next_cursor: str | None
