"""What the API asks of the user pool itself: whether a user signs in with a second factor."""
from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

from ..wiring import get_settings


@lru_cache(maxsize=4)
def _client(region: str, endpoint_url: str | None) -> Any:
    import boto3  # only ops requests load it, once per container

    return boto3.session.Session().client("cognito-idp", region_name=region, endpoint_url=endpoint_url)


def reset_client() -> None:
    _client.cache_clear()


def has_totp(username: str, *, user_pool_id: str) -> bool:
    """True when the user has TOTP enrolled (Cognito then asks for the code at every sign-in)."""
    client = _client(get_settings().region, os.environ.get("AWS_ENDPOINT_URL") or None)
    try:
        user = client.admin_get_user(UserPoolId=user_pool_id, Username=username)
    except client.exceptions.UserNotFoundException:
        return False
    return "SOFTWARE_TOKEN_MFA" in (user.get("UserMFASettingList") or [])
