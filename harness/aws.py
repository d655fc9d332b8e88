"""AWS in-process: moto's mock with the stack of `infra/resources.yaml`, and signed-in users.

The tables, bucket, queues and user pool come from the template through the same
provisioner the local stack uses. Users sign in through Cognito's real
USER_PASSWORD_AUTH flow on the mock and send real ID tokens.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

import boto3

from .environment import BASE_ENV, REGION, patched_environ

PASSWORD = "Passw0rd-test"


@dataclass
class User:
    """A signed-in Cognito user and the ID token the app is sent."""

    sub: str
    email: str
    token: str
    groups: tuple[str, ...] = ()
    totp_secret: str | None = None  # ops users' authenticator

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Aws:
    """The mocked account: its environment and a way to make signed-in users."""

    env: dict[str, str]
    _count: list[int] = field(default_factory=lambda: [0])

    def user(self, *groups: str, email: str | None = None) -> User:
        """A new confirmed user in `groups` (e.g. "artisans", "ops"), signed in (ops with their TOTP code)."""
        from local.users import new_signed_in_user

        self._count[0] += 1
        email = email or f"user{self._count[0]}@test.example"
        cognito = boto3.client("cognito-idp", region_name=REGION)
        sub, token, secret = new_signed_in_user(
            cognito, pool_id=self.env["COGNITO_USER_POOL_ID"], client_id=self.env["COGNITO_CLIENT_ID"],
            ops_client_id=self.env["COGNITO_OPS_CLIENT_ID"], email=email, password=PASSWORD, groups=groups)
        return User(sub=sub, email=email, token=token, groups=groups, totp_secret=secret)


@contextmanager
def mocked_aws(extra_env: Mapping[str, str] | None = None) -> Iterator[Aws]:
    """moto's `mock_aws` with the template's resources provisioned and their names in `os.environ`.

    The environment is BASE_ENV plus `extra_env` plus what provisioning returns, with
    AWS_ENDPOINT_URL unset so every client talks to the mock; all of it is restored on
    exit. The app's settings are reset on entry and exit, so they are built from this
    account (and bind the tables to it) on first use, and not reused after it.
    """
    from moto import mock_aws

    from chalicelib.wiring import reset_settings
    from local.provision import provision

    with patched_environ({**BASE_ENV, **(extra_env or {}), "AWS_ENDPOINT_URL": None}):
        try:
            with mock_aws():
                provisioned = provision(None, region=REGION)
                with patched_environ(provisioned.environment):
                    reset_settings()
                    yield Aws(env={**BASE_ENV, **(extra_env or {}), **provisioned.environment})
        finally:
            reset_settings()
