"""Where a user can be reached: their artisan profile's phone, and their user pool e-mail and phone number."""
from __future__ import annotations

from dataclasses import dataclass

from pynamodb.exceptions import DoesNotExist

from ..wiring import get_settings
from .identities import user_pool_client
from .tables import ArtisanItem


@dataclass(frozen=True)
class Contact:
    email: str | None
    phone: str | None  # E.164: the artisan profile's number, else the one the user signed up with
    artisan: bool  # has an artisan profile
    locale: str | None


def contact(user_id: str) -> Contact:
    """One GetItem and one AdminGetUser (by the user's `sub`, which Cognito takes for pools signing in by
    e-mail or phone)."""
    try:
        profile_phone: str | None = ArtisanItem.get(user_id, consistent_read=True).phone
        artisan = True
    except DoesNotExist:
        profile_phone, artisan = None, False
    client = user_pool_client(patient=True)
    try:
        user = client.admin_get_user(UserPoolId=get_settings().user_pool_id, Username=user_id)
    except client.exceptions.UserNotFoundException:
        return Contact(email=None, phone=profile_phone, artisan=artisan, locale=None)
    values = {attribute["Name"]: attribute["Value"] for attribute in user.get("UserAttributes", [])}
    return Contact(email=values.get("email"), phone=profile_phone or values.get("phone_number"), artisan=artisan,
                   locale=values.get("locale"))
