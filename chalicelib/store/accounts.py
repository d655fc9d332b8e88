"""The user pool accounts a registry import creates: one per accepted row, username = the phone number.

Throttling (TooManyRequestsException) is retried by botocore's standard mode with back-off,
on top of the worker's own token bucket that keeps the import under Cognito's quotas.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..wiring import get_settings
from .identities import user_pool_client

IMPORT_REF = "custom:import_ref"


class UserExistsError(Exception):
    """A user with this username (phone number) is already in the pool."""


@dataclass(frozen=True)
class Account:
    sub: str
    import_ref: str | None


def _cognito() -> Any:
    return user_pool_client(patient=True)


def _sub(attributes: list[dict[str, str]]) -> Account:
    values = {attribute["Name"]: attribute["Value"] for attribute in attributes}
    return Account(sub=values["sub"], import_ref=values.get(IMPORT_REF))


def create_user(*, phone: str, email: str | None, import_ref: str, temporary_password: str) -> Account:
    """Create the user without any message from Cognito (the import sends its own welcome SMS).

    Raises UserExistsError when the phone number is taken.
    """
    client = _cognito()
    attributes = [{"Name": "phone_number", "Value": phone}, {"Name": "phone_number_verified", "Value": "true"},
                  {"Name": IMPORT_REF, "Value": import_ref}]
    if email is not None:
        attributes.append({"Name": "email", "Value": email})
    try:
        response = client.admin_create_user(UserPoolId=get_settings().user_pool_id, Username=phone,
                                            UserAttributes=attributes, TemporaryPassword=temporary_password,
                                            MessageAction="SUPPRESS")
    except client.exceptions.UsernameExistsException:
        raise UserExistsError() from None
    return _sub(response["User"]["Attributes"])


def get_user(phone: str) -> Account:
    response = _cognito().admin_get_user(UserPoolId=get_settings().user_pool_id, Username=phone)
    return _sub(response["UserAttributes"])


def add_to_group(phone: str, group: str) -> None:
    """Idempotent: adding a member again changes nothing."""
    _cognito().admin_add_user_to_group(UserPoolId=get_settings().user_pool_id, Username=phone, GroupName=group)


def set_temporary_password(username: str, password: str) -> None:
    """A new temporary password (the user must change it at first sign-in); `username` may be the user's `sub`."""
    _cognito().admin_set_user_password(UserPoolId=get_settings().user_pool_id, Username=username,
                                       Password=password, Permanent=False)
