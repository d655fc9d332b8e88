"""Users on the emulator's user pool: the demo sign-ins, and helpers that tests reuse.

Users are created the way an admin would (no confirmation e-mail), with a
permanent password, so that they can sign in with USER_PASSWORD_AUTH at once.
Ops users also enrol a TOTP authenticator, as the API demands of them; they
sign in through the ops app client and answer Cognito's code challenge.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

from local.totp import fresh_code


class DemoUser(TypedDict):
    email: str
    password: str
    sub: str
    totp_secret: NotRequired[str]


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


def sign_in(
    cognito: Any, *, client_id: str, email: str, password: str, totp_secret: str | None = None
) -> str:
    """The Cognito ID token for these credentials (what clients send as Bearer).

    A user with TOTP enrolled is asked for a code; `totp_secret` answers it.
    """
    result = cognito.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": password},
    )
    if result.get("ChallengeName") == "SOFTWARE_TOKEN_MFA":
        if totp_secret is None:
            raise ValueError(f"{email} signs in with a TOTP code; no secret was given")
        result = cognito.respond_to_auth_challenge(
            ClientId=client_id,
            ChallengeName="SOFTWARE_TOKEN_MFA",
            Session=result["Session"],
            ChallengeResponses={
                "USERNAME": email,
                "SOFTWARE_TOKEN_MFA_CODE": fresh_code(totp_secret),
            },
        )
    token: str = result["AuthenticationResult"]["IdToken"]
    return token


def new_signed_in_user(
    cognito: Any,
    *,
    pool_id: str,
    client_id: str,
    ops_client_id: str,
    email: str,
    password: str,
    groups: tuple[str, ...] = (),
) -> tuple[str, str, str | None]:
    """Create a user in `groups` and sign them in as the API expects: (sub, ID token, TOTP secret or None).

    An ops user enrols an authenticator and signs in through the ops client with a code, which
    is the only way the API grants the ops role.
    """
    sub = create_user(cognito, pool_id=pool_id, email=email, password=password)
    for group in groups:
        cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=email, GroupName=group)
    if "ops" not in groups:
        return sub, sign_in(cognito, client_id=client_id, email=email, password=password), None
    secret = enrol_totp(cognito, pool_id=pool_id, client_id=client_id, email=email, password=password)
    token = sign_in(cognito, client_id=ops_client_id, email=email, password=password, totp_secret=secret)
    return sub, token, secret


def enrol_totp(
    cognito: Any, *, pool_id: str, client_id: str, email: str, password: str
) -> str:
    """Enrol an authenticator for the user, as the dashboard's first ops sign-in would; returns its secret."""
    access = cognito.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": password},
    )["AuthenticationResult"]["AccessToken"]
    secret: str = cognito.associate_software_token(AccessToken=access)["SecretCode"]
    cognito.verify_software_token(AccessToken=access, UserCode=fresh_code(secret))
    cognito.admin_set_user_mfa_preference(
        UserPoolId=pool_id,
        Username=email,
        SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True},
    )
    return secret


def create_demo_users(
    cognito: Any, *, pool_id: str, client_id: str
) -> dict[str, DemoUser]:
    """The demo sign-ins: one ops user (with an authenticator), three artisans and one buyer."""
    users: dict[str, DemoUser] = {}
    for role, (email, password, group) in DEMO_USERS.items():
        users[role] = DemoUser(
            email=email,
            password=password,
            sub=create_user(
                cognito, pool_id=pool_id, email=email, password=password, group=group
            ),
        )
        if group == "ops":
            users[role]["totp_secret"] = enrol_totp(
                cognito, pool_id=pool_id, client_id=client_id, email=email, password=password
            )
    return users
