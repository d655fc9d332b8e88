"""The presigned POST policy the API hands out, decoded and checked condition by condition.

The local emulator enforces none of these conditions (ARCHITECTURE.md), so this
is where we know that S3 on AWS will refuse another key, type, size or a late post.
Generating a presigned POST signs locally: no request leaves the process.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.config import TABLE_ENV
from chalicelib.images.keys import UploadKey
from chalicelib.images.uploads import UPLOAD_EXPIRES_SECONDS
from chalicelib.store import blobs
from chalicelib.store.clients import reset_clients
from chalicelib.wiring import reset_settings
from harness.environment import BASE_ENV

BUCKET = "mip-prod-images"
KEY = "uploads/3f1c-artisan/LABC123/IXYZ789"


@pytest.fixture(autouse=True)
def settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {**BASE_ENV, **{var: f"table-{var}" for var in TABLE_ENV.values()},
                        "IMAGES_BUCKET": BUCKET, "COGNITO_USER_POOL_ID": "pool",
                        "COGNITO_CLIENT_ID": "client", "COGNITO_OPS_CLIENT_ID": "ops-client",
                        "IMPORT_QUEUE_URL": "https://sqs.ap-south-1.amazonaws.com/123456789012/mip-prod-imports"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    reset_settings()
    reset_clients()  # signed with this module's credentials, not another test's
    yield
    reset_settings()
    reset_clients()


def grant(size: int = 2_000_000, content_type: str = "image/png") -> blobs.PresignedPost:
    return blobs.presigned_upload(KEY, content_type=content_type, max_bytes=size,
                                  expires_in=UPLOAD_EXPIRES_SECONDS)


def policy_of(post: blobs.PresignedPost) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(base64.b64decode(post.fields["policy"]))
    return document


def condition(policy: dict[str, Any], name: str) -> Any:
    """The value of a `{"name": value}` condition; fails if there is not exactly one."""
    found = [c[name] for c in policy["conditions"] if isinstance(c, dict) and name in c]
    assert len(found) == 1, policy["conditions"]
    return found[0]


def test_policy_fixes_the_exact_key_and_bucket() -> None:
    post = grant()
    policy = policy_of(post)
    assert condition(policy, "key") == KEY
    assert condition(policy, "bucket") == BUCKET
    assert post.fields["key"] == KEY
    # no "starts-with": the uploader cannot choose any part of the key
    assert not [c for c in policy["conditions"] if isinstance(c, list) and c[0] == "starts-with"]


def test_policy_fixes_the_declared_content_type() -> None:
    post = grant(content_type="image/webp")
    assert condition(policy_of(post), "Content-Type") == "image/webp"
    assert post.fields["Content-Type"] == "image/webp"


def test_policy_limits_the_size_to_one_byte_up_to_the_declared_size() -> None:
    ranges = [c for c in policy_of(grant(size=123_456))["conditions"]
              if isinstance(c, list) and c[0] == "content-length-range"]
    assert ranges == [["content-length-range", 1, 123_456]]


def test_policy_expires_in_fifteen_minutes() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    post = grant()
    expiration = datetime.strptime(policy_of(post)["expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert UPLOAD_EXPIRES_SECONDS == 900
    assert 900 <= (expiration - before).total_seconds() <= 902


def test_policy_is_signed_with_sigv4_for_the_region() -> None:
    post = grant()
    fields = post.fields
    assert fields["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    access_key, date, region, service, terminator = fields["x-amz-credential"].split("/")
    assert (access_key, region, service, terminator) == ("testing", "ap-south-1", "s3", "aws4_request")
    key = ("AWS4" + BASE_ENV["AWS_SECRET_ACCESS_KEY"]).encode()
    for part in (date, region, service, terminator):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    expected = hmac.new(key, fields["policy"].encode(), hashlib.sha256).hexdigest()
    assert fields["x-amz-signature"] == expected
    signed = policy_of(post)["conditions"]
    for name in ("x-amz-algorithm", "x-amz-credential", "x-amz-date"):
        assert {name: fields[name]} in signed


def test_url_is_the_regional_virtual_hosted_bucket_on_aws() -> None:
    assert grant().url == f"https://{BUCKET}.s3.ap-south-1.amazonaws.com/"


def test_url_is_path_style_on_the_local_emulator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
    assert grant().url == f"http://127.0.0.1:4566/{BUCKET}"


def test_upload_key_round_trips_and_refuses_other_shapes() -> None:
    upload = UploadKey(artisan_id="3f1c-artisan", listing_id="LABC123", image_id="IXYZ789")
    assert upload.key == KEY
    assert UploadKey.parse(KEY) == upload
    for other in ("public/LABC123/IXYZ789/thumb.jpg", "uploads/a/b", "uploads/a/b/c/d", "uploads//b/c"):
        assert UploadKey.parse(other) is None
