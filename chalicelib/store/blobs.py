"""S3: presigned POSTs for uploads, and the object reads and writes of the image processor.

With the DynamoDB repositories, the only code that talks to AWS. The client is built on first
use and cached per region and endpoint, so importing this module costs nothing
and the local stack's `AWS_ENDPOINT_URL` is honoured without any "if local".
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from ..wiring import get_settings
from .clients import aws_client

# Renditions are written once under a fresh key and never change.
IMMUTABLE = "public, max-age=31536000, immutable"
_MISSING = {"404", "NoSuchKey", "NotFound"}
_DELETE_BATCH = 1000  # DeleteObjects takes at most this many keys


class BlobDeleteError(Exception):
    """S3 refused to delete some objects; the caller's retry will try again."""


@dataclass(frozen=True)
class PresignedPost:
    """Where and what a browser posts: every field, then the file as the last part."""

    url: str
    fields: dict[str, str]


def _s3() -> Any:
    return aws_client("s3")


def presigned_upload(key: str, *, content_type: str, max_bytes: int, expires_in: int) -> PresignedPost:
    """A POST policy for exactly `key`, exactly `content_type`, 1..max_bytes bytes, valid `expires_in` s.

    The key is fixed by the policy (no `starts-with`), so the browser chooses
    nothing but the bytes; S3 refuses any other key, type or size.
    """
    post = _s3().generate_presigned_post(
        Bucket=get_settings().images_bucket,
        Key=key,
        Fields={"Content-Type": content_type},
        Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
        ExpiresIn=expires_in,
    )
    return PresignedPost(url=post["url"], fields=dict(post["fields"]))


def object_size(key: str) -> int | None:
    """The stored size in bytes, or None when there is no such object (HEAD reads no data)."""
    try:
        head = _s3().head_object(Bucket=get_settings().images_bucket, Key=key)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in _MISSING:
            return None
        raise
    return int(head["ContentLength"])


def read_object(key: str) -> bytes:
    response = _s3().get_object(Bucket=get_settings().images_bucket, Key=key)
    data: bytes = response["Body"].read()
    return data


def put_object(key: str, data: bytes, *, content_type: str, cache_control: str) -> None:
    _s3().put_object(Bucket=get_settings().images_bucket, Key=key, Body=data, ContentType=content_type,
                     CacheControl=cache_control)


def delete_objects(keys: list[str]) -> None:
    """Delete every key (absent ones included: S3 treats that as done)."""
    bucket = get_settings().images_bucket
    for start in range(0, len(keys), _DELETE_BATCH):
        batch = keys[start:start + _DELETE_BATCH]
        result = _s3().delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": key} for key in batch],
                                                             "Quiet": True})
        if result.get("Errors"):
            failed = ", ".join(f"{e.get('Key')}: {e.get('Code')}" for e in result["Errors"])
            raise BlobDeleteError(f"could not delete {failed}")


class BlobChangedError(Exception):
    """The object is not the version the caller read before (its ETag changed)."""


@dataclass(frozen=True)
class OpenedObject:
    """An object being read: its version (ETag), its size, and its bytes as a stream (read in pieces)."""

    etag: str
    size: int
    body: Any


def open_object(key: str, *, if_match: str | None = None) -> OpenedObject | None:
    """Start reading `key` (None if there is none); with `if_match`, only that version (else BlobChangedError)."""
    request: dict[str, Any] = {"Bucket": get_settings().images_bucket, "Key": key}
    if if_match is not None:
        request["IfMatch"] = if_match
    try:
        response = _s3().get_object(**request)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code")
        if code in _MISSING:
            return None
        if code in ("PreconditionFailed", "412"):
            raise BlobChangedError(key) from None
        raise
    return OpenedObject(etag=response["ETag"], size=int(response["ContentLength"]), body=response["Body"])


def presigned_download(key: str, *, filename: str, expires_in: int) -> str:
    """A GET URL for `key`, valid `expires_in` s, that browsers save as `filename`."""
    url: str = _s3().generate_presigned_url(
        "get_object", ExpiresIn=expires_in,
        Params={"Bucket": get_settings().images_bucket, "Key": key,
                "ResponseContentDisposition": f'attachment; filename="{filename}"',
                "ResponseContentType": "text/csv; charset=utf-8"})
    return url
