"""Users on the emulator's user pool: the demo sign-ins, and a helper that tests reuse.

Users are created the way an admin would (no confirmation e-mail), with a
permanent password, so that they can sign in with USER_PASSWORD_AUTH at once.
"""

from __future__ import annotations

from typing import Any, TypedDict


class DemoUser(TypedDict):
    email: str
    password: str
    sub: str


# role name -> (e-mail, password, Cognito group or None for a plain buyer)
DEMO_USERS: dict[str, tuple[str, str, str | None]] = {
    "ops": ("ops@demo.mip.pk", "demo-ops-2026", "ops"),
    "artisan1": ("artisan1@demo.mip.pk", "demo-artisan-2026", "artisans"),
    "artisan2": ("artisan2@demo.mip.pk", "demo-artisan-2026", "artisans"),
    # An artisan with no profile yet: a first-time seller, to walk through sign-up to first listing.
    "newcomer": ("newcomer@demo.mip.pk", "demo-artisan-2026", "artisans"),
    "buyer": ("buyer@demo.mip.pk", "demo-buyer-2026", None),
}


def create_user(
    cognito: Any, *, pool_id: str, email: str, password: str, group: str | None = None
) -> str:
    """Create a confirmed user with a permanent password (and group); returns its `sub`."""
    user = cognito.admin_create_user(
        UserPoolId=pool_id,
        Username=email,
        UserAttributes=[
            {"Name": "email", "Value": email},
            {"Name": "email_verified", "Value": "true"},
        ],
        MessageAction="SUPPRESS",
    )["User"]
    cognito.admin_set_user_password(
        UserPoolId=pool_id, Username=email, Password=password, Permanent=True
    )
    if group is not None:
        cognito.admin_add_user_to_group(
            UserPoolId=pool_id, Username=email, GroupName=group
        )
    sub: str = next(a["Value"] for a in user["Attributes"] if a["Name"] == "sub")
    return sub


def sign_in(cognito: Any, *, client_id: str, email: str, password: str) -> str:
    """The Cognito ID token for these credentials (what clients send as Bearer)."""
    result = cognito.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": password},
    )
    token: str = result["AuthenticationResult"]["IdToken"]
    return token


def create_demo_users(cognito: Any, *, pool_id: str) -> dict[str, DemoUser]:
    """The demo sign-ins: one ops user, two artisans and one buyer."""
    return {
        role: DemoUser(
            email=email,
            password=password,
            sub=create_user(
                cognito, pool_id=pool_id, email=email, password=password, group=group
            ),
        )
        for role, (email, password, group) in DEMO_USERS.items()
    }
