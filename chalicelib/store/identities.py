"""What the API asks of the user pool itself: whether a user signs in with a second factor, and group membership."""
from __future__ import annotations

from typing import Any

from ..errors import ServiceUnavailableError
from .clients import aws_client


def user_pool_client(*, patient: bool = False) -> Any:
    """The cognito-idp client (`patient`: retries throttling with back-off, for background work)."""
    return aws_client("cognito-idp", patient=patient)


def has_totp(username: str, *, user_pool_id: str) -> bool:
    """True when the user has TOTP enrolled (Cognito then asks for the code at every sign-in)."""
    client = user_pool_client()
    try:
        user = client.admin_get_user(UserPoolId=user_pool_id, Username=username)
    except client.exceptions.UserNotFoundException:
        return False
    return "SOFTWARE_TOKEN_MFA" in (user.get("UserMFASettingList") or [])


def add_to_group(username: str, group: str, *, user_pool_id: str) -> None:
    """Make the user a member of `group` (adding a member again changes nothing).

    `username` may be the user's `sub`: Cognito accepts it for pools that sign in by e-mail or phone.
    A refusal or an unreachable pool is a 503, so the caller retries the request that wanted it.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    client = user_pool_client()
    try:
        client.admin_add_user_to_group(UserPoolId=user_pool_id, Username=username, GroupName=group)
    except (BotoCoreError, ClientError) as error:
        raise ServiceUnavailableError("The sign-in service did not answer; send the same request again.") from error
