"""Where an image's bytes live in the bucket: the upload key the grant fixes, and the public renditions."""
from __future__ import annotations

import re
from dataclasses import dataclass

_UPLOAD_KEY = re.compile(r"^uploads/(?P<artisan_id>[^/]+)/(?P<listing_id>[^/]+)/(?P<image_id>[^/]+)$")


@dataclass(frozen=True)
class UploadKey:
    artisan_id: str
    listing_id: str
    image_id: str

    @property
    def key(self) -> str:
        return f"uploads/{self.artisan_id}/{self.listing_id}/{self.image_id}"

    @classmethod
    def parse(cls, key: str) -> UploadKey | None:
        match = _UPLOAD_KEY.match(key)
        return cls(**match.groupdict()) if match else None


def rendition_key(listing_id: str, image_id: str, name: str, extension: str) -> str:
    return f"public/{listing_id}/{image_id}/{name}.{extension}"
