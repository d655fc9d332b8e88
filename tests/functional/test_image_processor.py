"""The image processor through its real entry point, on moto in-process, with real files.

Each test uploads real bytes with the granted presigned POST (`requests`, which
moto's mock receives like S3), takes the notifications that moto's S3 put on the
image queue, wraps them the way Lambda does (`local.pump.sqs_event`, the same
shape the local event pump delivers) and calls `app.process_image_events`.
"""
from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
from PIL import ExifTags, Image

from harness.aws import Aws
from harness.environment import REGION
from harness.http import body_of, call
from harness.images import Upload, encode, granted, noisy_jpeg, queued_messages, upload_file
from local.pump import lambda_context, sqs_event

ROOT = Path(__file__).resolve().parents[2]
RED = (255, 0, 0)
WHITE = (255, 255, 255)
IMMUTABLE = "public, max-age=31536000, immutable"


# --- real files ------------------------------------------------------------------------------


def phone_photo() -> bytes:
    """A 1600x1200 sensor image the camera says to rotate 90° clockwise (EXIF orientation 6),
    with GPS and a maker tag, its top-left corner painted red."""
    raw = Image.new("RGB", (1600, 1200), WHITE)
    raw.paste(RED, (0, 0, 200, 200))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: (33.0, 41.0, 0.0), 3: "E", 4: (73.0, 3.0, 0.0)}
    return encode(raw, "JPEG", quality=90, exif=exif)


def transparent_png() -> bytes:
    image = Image.new("RGBA", (600, 400), (0, 0, 0, 0))
    image.paste((0, 0, 255, 255), (300, 0, 600, 400))
    return encode(image, "PNG")


def jpeg_declaring(width: int, height: int) -> bytes:
    """A small real JPEG whose SOF0 header claims `width`x`height`."""
    data = bytearray(encode(Image.new("RGB", (16, 16), RED), "JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect/></svg>'


# --- the pipeline, step by step ----------------------------------------------------------------


def deliver(aws: Aws, messages: list[dict[str, Any]]) -> dict[str, Any]:
    """Call the image processor the way Lambda's SQS event source does."""
    from app import process_image_events

    sqs = boto3.client("sqs", region_name=REGION)
    arn = sqs.get_queue_attributes(QueueUrl=aws.env["IMAGE_QUEUE_URL"],
                                   AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    event = sqs_event(messages, queue_arn=arn, region=REGION)
    result: dict[str, Any] = process_image_events(event, lambda_context("process_image_events"))
    return result


def uploads_of(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in messages if "Records" in json.loads(m["Body"])]


def process_all(aws: Aws) -> dict[str, Any]:
    return deliver(aws, queued_messages(aws))


def image_of(client: Any, upload: Upload) -> dict[str, Any]:
    response = call(client, "GET", f"/listings/{upload.listing_id}", upload.artisan)
    assert response.status_code == 200, response.body
    (image,) = body_of(response)["images"]
    assert image["image_id"] == upload.image_id
    return dict(image)


def s3() -> Any:
    return boto3.client("s3", region_name=REGION)


def bucket_keys(aws: Aws) -> set[str]:
    listed = s3().list_objects_v2(Bucket=aws.env["IMAGES_BUCKET"])
    return {entry["Key"] for entry in listed.get("Contents", [])}


def stored(aws: Aws, url: str) -> tuple[bytes, dict[str, Any]]:
    """The object behind a rendition URL, and its S3 metadata."""
    base = aws.env["IMAGES_BASE_URL"] + "/"
    assert url.startswith(base)
    response = s3().get_object(Bucket=aws.env["IMAGES_BUCKET"], Key=url.removeprefix(base))
    return response["Body"].read(), response


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def close_to(pixel: Any, expected: tuple[int, ...], tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, expected, strict=True))


# --- accepted images -----------------------------------------------------------------------------


def test_phone_photo_becomes_upright_renditions_without_exif_or_gps(client, aws):
    upload = upload_file(client, aws, phone_photo())
    assert process_all(aws) == {"batchItemFailures": []}
    image = image_of(client, upload)
    assert image["status"] == "ready"
    assert (image["width"], image["height"]) == (1200, 1600)  # portrait once upright
    base = f"{aws.env['IMAGES_BASE_URL']}/public/{upload.listing_id}/{upload.image_id}"
    assert image["urls"] == {name: f"{base}/{name}.jpg" for name in ("thumb", "medium", "large")}
    widths = {"thumb": 320, "medium": 1024, "large": 1200}
    for name, url in image["urls"].items():
        data, response = stored(aws, url)
        assert response["ContentType"] == "image/jpeg"
        assert response["CacheControl"] == IMMUTABLE
        picture = decoded(data)
        assert picture.width == widths[name]
        assert picture.height == round(1600 * widths[name] / 1200)
        # the red corner was top-left on the sensor; upright it is top-right
        assert close_to(picture.getpixel((picture.width - 5, 5)), RED)
        assert close_to(picture.getpixel((5, 5)), WHITE)
        assert not picture.getexif()
        assert b"Exif" not in data and b"PhoneMaker" not in data
    assert bucket_keys(aws) == {url.removeprefix(aws.env["IMAGES_BASE_URL"] + "/")
                                for url in image["urls"].values()}  # the original is gone


def test_png_with_alpha_keeps_its_transparency(client, aws):
    upload = upload_file(client, aws, transparent_png(), content_type="image/png", filename="cut-out.png")
    assert process_all(aws) == {"batchItemFailures": []}
    image = image_of(client, upload)
    assert image["status"] == "ready"
    assert (image["width"], image["height"]) == (600, 400)
    data, response = stored(aws, image["urls"]["medium"])
    assert response["ContentType"] == "image/webp"
    picture = decoded(data)
    assert picture.mode == "RGBA"
    assert picture.getpixel((10, 10))[3] == 0
    assert picture.getpixel((590, 10))[3] == 255
    assert upload.key not in bucket_keys(aws)


def test_webp_is_accepted(client, aws):
    upload = upload_file(client, aws, encode(Image.new("RGB", (500, 250), RED), "WEBP"),
                         content_type="image/webp", filename="photo.webp")
    assert process_all(aws) == {"batchItemFailures": []}
    image = image_of(client, upload)
    assert image["status"] == "ready"
    assert (image["width"], image["height"]) == (500, 250)
    assert close_to(decoded(stored(aws, image["urls"]["thumb"])[0]).getpixel((10, 10)), RED)
    assert upload.key not in bucket_keys(aws)


def test_declared_type_is_not_trusted_the_bytes_decide(client, aws):
    upload = upload_file(client, aws, transparent_png(), content_type="image/jpeg", filename="really.jpg")
    process_all(aws)
    image = image_of(client, upload)
    assert image["status"] == "ready"
    assert stored(aws, image["urls"]["thumb"])[1]["ContentType"] == "image/webp"


# --- rejected uploads ------------------------------------------------------------------------------


@pytest.mark.parametrize(("data", "reason"), [
    (b"Dear customer, this is a text file named photo.jpg\n" * 40, "not_an_image"),
    (noisy_jpeg()[:5000], "corrupt"),
    (SVG, "unsupported_type"),
    (jpeg_declaring(30000, 30000), "too_many_pixels"),
], ids=["text-named-jpg", "truncated-jpeg", "svg", "30000x30000"])
def test_rejected_upload_is_recorded_with_its_reason_and_deleted(client, aws, data, reason):
    upload = upload_file(client, aws, data)
    assert process_all(aws) == {"batchItemFailures": []}
    assert image_of(client, upload) == {"image_id": upload.image_id, "status": "rejected", "reason": reason}
    assert bucket_keys(aws) == set()


def test_upload_larger_than_declared_is_too_large(client, aws):
    # S3 refuses it on AWS by the policy; moto does not, so the processor checks too.
    data = noisy_jpeg()
    upload = upload_file(client, aws, data, declared_size=len(data) - 1)
    assert process_all(aws) == {"batchItemFailures": []}
    assert image_of(client, upload)["reason"] == "too_large"
    assert bucket_keys(aws) == set()


# --- repeated, late and stray notifications ----------------------------------------------------------


def test_duplicate_notification_changes_nothing(client, aws):
    upload = upload_file(client, aws, noisy_jpeg())
    messages = queued_messages(aws)
    assert deliver(aws, messages) == {"batchItemFailures": []}
    first = image_of(client, upload)
    keys = bucket_keys(aws)
    assert deliver(aws, uploads_of(messages)) == {"batchItemFailures": []}
    assert image_of(client, upload) == first
    assert bucket_keys(aws) == keys
    assert len(keys) == 3


def test_notification_for_a_deleted_listing_leaves_no_objects(client, aws):
    upload = upload_file(client, aws, noisy_jpeg())
    boto3.client("dynamodb", region_name=REGION).delete_item(
        TableName=aws.env["TABLE_LISTINGS"], Key={"listing_id": {"S": upload.listing_id}})
    assert process_all(aws) == {"batchItemFailures": []}
    assert bucket_keys(aws) == set()


def test_notification_for_a_photo_deleted_before_processing_leaves_no_objects(client, aws):
    upload = upload_file(client, aws, noisy_jpeg())
    response = call(client, "DELETE", f"/listings/{upload.listing_id}/images/{upload.image_id}", upload.artisan)
    assert response.status_code == 204
    assert process_all(aws) == {"batchItemFailures": []}
    assert bucket_keys(aws) == set()
    listing = body_of(call(client, "GET", f"/listings/{upload.listing_id}", upload.artisan))
    assert listing["images"] == []


def test_s3_test_event_is_skipped(client, aws):
    messages = queued_messages(aws)
    assert [json.loads(m["Body"])["Event"] for m in messages] == ["s3:TestEvent"]
    assert deliver(aws, messages) == {"batchItemFailures": []}
    assert bucket_keys(aws) == set()


def test_object_outside_the_upload_layout_is_ignored_and_deleted(client, aws):
    s3().put_object(Bucket=aws.env["IMAGES_BUCKET"], Key="uploads/stray file.jpg", Body=noisy_jpeg())
    messages = uploads_of(queued_messages(aws))
    assert "uploads%2Fstray+file.jpg" in messages[0]["Body"]  # S3 URL-encodes keys, + for spaces
    assert deliver(aws, messages) == {"batchItemFailures": []}
    assert bucket_keys(aws) == set()


# --- failures -------------------------------------------------------------------------------------


def test_a_message_whose_object_cannot_be_read_fails_alone(client, aws):
    good = upload_file(client, aws, noisy_jpeg())
    # An object S3 will not serve (archived storage class): GetObject fails, as when S3 is unavailable.
    data = noisy_jpeg()
    stuck, _ = granted(client, aws, size_bytes=len(data))
    s3().put_object(Bucket=aws.env["IMAGES_BUCKET"], Key=stuck.key, Body=data, StorageClass="GLACIER")
    also_good = upload_file(client, aws, transparent_png(), content_type="image/png")
    messages = uploads_of(queued_messages(aws))
    assert len(messages) == 3
    stuck_message = next(m for m in messages if stuck.image_id in m["Body"])
    assert deliver(aws, messages) == {"batchItemFailures": [{"itemIdentifier": stuck_message["MessageId"]}]}
    assert image_of(client, good)["status"] == "ready"
    assert image_of(client, also_good)["status"] == "ready"
    assert image_of(client, stuck) == {"image_id": stuck.image_id, "status": "pending"}
    keys = bucket_keys(aws)
    assert stuck.key in keys  # kept for the retry
    assert good.key not in keys and also_good.key not in keys


def test_deleting_a_ready_photo_deletes_its_renditions(client, aws):
    upload = upload_file(client, aws, noisy_jpeg())
    process_all(aws)
    assert len(bucket_keys(aws)) == 3
    response = call(client, "DELETE", f"/listings/{upload.listing_id}/images/{upload.image_id}", upload.artisan)
    assert response.status_code == 204
    assert bucket_keys(aws) == set()


def test_the_api_does_not_load_pillow():
    """Cold start: only the image processor's path imports Pillow."""
    probe = "import sys, app; print('PIL' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            check=True)
    assert result.stdout.strip() == "False"
