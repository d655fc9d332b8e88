"""Photo upload grants and photo deletion through the API (API.md "Images"), on moto in-process.

The presigned POST is exercised for real: `requests` posts multipart form data
to the granted URL, which moto's mock receives like S3 would.
"""
from __future__ import annotations

from typing import Any

import boto3
import pytest
import requests

from harness.aws import Aws, User
from harness.http import body_of, call
from harness.images import new_listing

JPEG = "image/jpeg"


def grant(client: Any, user: User | None, listing_id: str, **overrides: Any) -> Any:
    request = {"content_type": JPEG, "size_bytes": 5000, **overrides}
    return call(client, "POST", f"/listings/{listing_id}/images", user, request)


def images_of(client: Any, user: User, listing_id: str) -> list[dict[str, Any]]:
    response = call(client, "GET", f"/listings/{listing_id}", user)
    assert response.status_code == 200, response.body
    return list(body_of(response)["images"])


def error_code(response: Any) -> str:
    return str(body_of(response)["error"]["code"])


def bucket_keys(aws: Aws) -> set[str]:
    s3 = boto3.client("s3", region_name="ap-south-1")
    listed = s3.list_objects_v2(Bucket=aws.env["IMAGES_BUCKET"])
    return {entry["Key"] for entry in listed.get("Contents", [])}


def test_grant_is_201_pending_with_an_exact_key_presigned_post(client, aws):
    artisan, listing_id = new_listing(client, aws)
    response = grant(client, artisan, listing_id, content_type="image/png", size_bytes=123_456)
    assert response.status_code == 201, response.body
    granted = body_of(response)
    assert set(granted) == {"image_id", "status", "upload", "expires_in"}
    assert granted["status"] == "pending"
    assert granted["expires_in"] == 900
    fields = granted["upload"]["fields"]
    assert fields["key"] == f"uploads/{artisan.sub}/{listing_id}/{granted['image_id']}"
    assert fields["Content-Type"] == "image/png"
    assert granted["upload"]["url"].startswith(f"https://{aws.env['IMAGES_BUCKET']}.s3.")
    assert images_of(client, artisan, listing_id) == [{"image_id": granted["image_id"], "status": "pending"}]


def test_the_granted_post_uploads_the_file_under_the_granted_key(client, aws):
    artisan, listing_id = new_listing(client, aws)
    upload = body_of(grant(client, artisan, listing_id, size_bytes=11))["upload"]
    posted = requests.post(upload["url"], data=upload["fields"], files={"file": ("photo.jpg", b"hello bytes")},
                           timeout=10)
    assert posted.status_code == 204
    assert bucket_keys(aws) == {upload["fields"]["key"]}


@pytest.mark.parametrize("request_body", [
    {"content_type": "image/gif", "size_bytes": 100},
    {"content_type": "image/svg+xml", "size_bytes": 100},
    {"content_type": JPEG, "size_bytes": 0},
    {"content_type": JPEG, "size_bytes": 10 * 1024 * 1024 + 1},
    {"content_type": JPEG, "size_bytes": "100"},
    {"content_type": JPEG},
    {"content_type": JPEG, "size_bytes": 100, "key": "uploads/mine"},
])
def test_invalid_grant_requests_are_400_and_record_nothing(client, aws, request_body):
    artisan, listing_id = new_listing(client, aws)
    response = call(client, "POST", f"/listings/{listing_id}/images", artisan, request_body)
    assert response.status_code == 400
    assert error_code(response) == "VALIDATION_ERROR"
    assert images_of(client, artisan, listing_id) == []


def test_the_largest_allowed_size_is_ten_mebibytes(client, aws):
    artisan, listing_id = new_listing(client, aws)
    assert grant(client, artisan, listing_id, size_bytes=10 * 1024 * 1024).status_code == 201


def test_only_the_owner_may_add_photos(client, aws):
    _, listing_id = new_listing(client, aws)
    stranger = aws.user("artisans")
    ops = aws.user("ops")
    assert grant(client, None, listing_id).status_code == 401
    assert grant(client, stranger, listing_id).status_code == 404  # a draft is not theirs to know
    refused = grant(client, ops, listing_id)  # ops may see it, but not change it
    assert refused.status_code == 403
    assert error_code(refused) == "FORBIDDEN"
    assert bucket_keys(aws) == set()


def test_unknown_listing_is_404(client, aws):
    artisan, _ = new_listing(client, aws)
    assert grant(client, artisan, "LNOSUCHLISTING00").status_code == 404


def test_archived_listing_takes_no_photos(client, aws):
    artisan, listing_id = new_listing(client, aws)
    assert call(client, "DELETE", f"/listings/{listing_id}", artisan).status_code == 204
    response = grant(client, artisan, listing_id)
    assert response.status_code == 409
    assert error_code(response) == "INVALID_STATE"


def test_at_most_ten_photos_per_listing(client, aws):
    artisan, listing_id = new_listing(client, aws)
    granted = [grant(client, artisan, listing_id) for _ in range(10)]
    assert [response.status_code for response in granted] == [201] * 10
    eleventh = grant(client, artisan, listing_id)
    assert eleventh.status_code == 409
    assert error_code(eleventh) == "LIMIT_REACHED"
    assert len(images_of(client, artisan, listing_id)) == 10
    first = body_of(granted[0])["image_id"]
    assert call(client, "DELETE", f"/listings/{listing_id}/images/{first}", artisan).status_code == 204
    assert grant(client, artisan, listing_id).status_code == 201


def test_delete_removes_the_record_and_the_pending_upload(client, aws):
    artisan, listing_id = new_listing(client, aws)
    granted = body_of(grant(client, artisan, listing_id, size_bytes=5))
    upload = granted["upload"]
    requests.post(upload["url"], data=upload["fields"], files={"file": ("a.jpg", b"bytes")}, timeout=10)
    assert bucket_keys(aws) == {upload["fields"]["key"]}
    response = call(client, "DELETE", f"/listings/{listing_id}/images/{granted['image_id']}", artisan)
    assert response.status_code == 204
    assert images_of(client, artisan, listing_id) == []
    assert bucket_keys(aws) == set()
    again = call(client, "DELETE", f"/listings/{listing_id}/images/{granted['image_id']}", artisan)
    assert again.status_code == 404


def test_only_the_owner_may_delete_photos(client, aws):
    artisan, listing_id = new_listing(client, aws)
    image_id = body_of(grant(client, artisan, listing_id))["image_id"]
    path = f"/listings/{listing_id}/images/{image_id}"
    assert call(client, "DELETE", path).status_code == 401
    assert call(client, "DELETE", path, aws.user("artisans")).status_code == 404
    assert call(client, "DELETE", path, aws.user("ops")).status_code == 403
    assert [image["image_id"] for image in images_of(client, artisan, listing_id)] == [image_id]


def test_deleting_an_unknown_photo_is_404(client, aws):
    artisan, listing_id = new_listing(client, aws)
    response = call(client, "DELETE", f"/listings/{listing_id}/images/INOSUCHIMAGE000", artisan)
    assert response.status_code == 404
    assert error_code(response) == "NOT_FOUND"
