"""A product photo through the real local stack: grant, browser-style upload, processing, plain GETs."""

from __future__ import annotations

import io
import secrets
import time
from typing import Any

import requests
from PIL import ExifTags, Image

from .conftest import LocalStack, User

READY_WITHIN_SECONDS = 10


def phone_photo() -> bytes:
    """A landscape JPEG that EXIF says to rotate (orientation 6), with a GPS position."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: (24.0, 51.0, 0.0), 3: "E", 4: (67.0, 0.0, 0.0)}
    buffer = io.BytesIO()
    Image.effect_noise((2400, 1800), 40).convert("RGB").save(buffer, "JPEG", quality=85, exif=exif)
    return buffer.getvalue()


def api(stack: LocalStack, method: str, path: str, user: User, body: Any = None) -> requests.Response:
    return requests.request(method, f"{stack.api_url}{path}", json=body, headers=user.headers, timeout=10)


def draft_listing(stack: LocalStack, artisan: User) -> str:
    cnic = f"42101-{secrets.randbelow(10**7):07d}-{secrets.randbelow(10)}"
    profile = {"display_name": "Allah Bachayo", "craft": "ajrak-block-print", "province": "sindh",
               "district": "Hala", "phone": "+923331234567", "cnic": cnic}
    assert api(stack, "PUT", "/artisans/me", artisan, profile).status_code == 201
    listing = {"title": "Indigo ajrak, double-sided", "title_ur": "اجرک", "category": "ajrak-block-print",
               "price": {"amount": 450000, "currency": "PKR"}, "stock": 4, "weight_grams": 350,
               "processing_days": 5}
    response = api(stack, "POST", "/listings", artisan, listing)
    assert response.status_code == 201, response.text
    return str(response.json()["listing_id"])


def test_uploaded_photo_becomes_fetchable_renditions(stack: LocalStack) -> None:
    artisan = stack.user("artisans")
    listing_id = draft_listing(stack, artisan)
    photo = phone_photo()

    granted = api(stack, "POST", f"/listings/{listing_id}/images", artisan,
                  {"content_type": "image/jpeg", "size_bytes": len(photo)})
    assert granted.status_code == 201, granted.text
    grant = granted.json()
    assert grant["upload"]["url"].startswith(stack.aws_url + "/")
    # What a browser does: every field of the grant, then the file as the last part.
    posted = requests.post(grant["upload"]["url"], data=grant["upload"]["fields"],
                           files={"file": ("IMG_2041.jpg", photo, "image/jpeg")}, timeout=30)
    assert posted.status_code in (200, 201, 204), posted.text

    deadline = time.monotonic() + READY_WITHIN_SECONDS
    image: dict[str, Any] = {}
    while time.monotonic() < deadline:
        images = api(stack, "GET", f"/listings/{listing_id}", artisan).json()["images"]
        image = next(i for i in images if i["image_id"] == grant["image_id"])
        if image["status"] != "pending":
            break
        time.sleep(0.2)
    assert image["status"] == "ready", image
    assert (image["width"], image["height"]) == (1800, 2400)

    for name, width in (("thumb", 320), ("medium", 1024), ("large", 1800)):
        response = requests.get(image["urls"][name], timeout=10)  # plain GET, no credentials
        assert response.status_code == 200, (name, response.status_code)
        assert response.headers["Content-Type"] == "image/jpeg"
        picture = Image.open(io.BytesIO(response.content))
        picture.load()
        assert picture.format == "JPEG"
        assert picture.size == (width, round(2400 * width / 1800))
        assert not picture.getexif()

    # The original upload is deleted, and nothing outside public/ is readable without credentials.
    bucket = image["urls"]["thumb"].removeprefix(stack.aws_url + "/").split("/", 1)[0]
    upload_key = grant["upload"]["fields"]["key"]
    assert stack.client("s3").list_objects_v2(Bucket=bucket, Prefix=upload_key).get("KeyCount") == 0
    assert requests.get(f"{stack.aws_url}/{bucket}/{upload_key}", timeout=10).status_code in (403, 404)
