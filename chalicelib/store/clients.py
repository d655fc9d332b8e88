"""The AWS SDK clients of a container: built when first used, then kept (a warm Lambda container reuses them).

boto3 is imported here, on first use, so the API's cold start pays for it only on requests that need a client.
"""
from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

from ..wiring import get_settings


@lru_cache(maxsize=16)
def _client(service: str, region: str, endpoint_url: str | None, patient: bool, single_attempt: bool = False) -> Any:
    import boto3
    from botocore.config import Config

    options: dict[str, Any] = {}
    if service == "s3":
        # Virtual-hosted style gives the regional URL (bucket.s3.<region>.amazonaws.com) for presigned POSTs
        # on AWS; botocore falls back to path style for an IP endpoint.
        options = {"signature_version": "s3v4", "s3": {"addressing_style": "virtual"},
                   "retries": {"max_attempts": 3, "mode": "standard"}}
    if patient:
        # Background work waits out throttling with back-off; a request fails fast with botocore's defaults.
        options["retries"] = {"max_attempts": 8, "mode": "standard"}
    if single_attempt:
        # A call that must not be repeated blindly (an SMS or e-mail has no idempotency token): the caller
        # decides what a failure means.
        options["retries"] = {"total_max_attempts": 1}
    # A session of its own: boto3's default session keeps the first credentials it resolved.
    return boto3.session.Session().client(service, region_name=region, endpoint_url=endpoint_url,
                                          config=Config(**options) if options else None)


def aws_client(service: str, *, patient: bool = False, single_attempt: bool = False) -> Any:
    """The client of `service` for this container's settings (`patient`: retries throttling, for background work;
    `single_attempt`: never retried by botocore)."""
    return _client(service, get_settings().region, os.environ.get("AWS_ENDPOINT_URL") or None, patient,
                   single_attempt)


def reset_clients() -> None:
    """Forget every client (tests that change credentials or install botocore hooks call this)."""
    _client.cache_clear()
