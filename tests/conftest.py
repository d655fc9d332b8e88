"""Shared fixtures for the functional tier: the real Chalice app on moto's in-process mock.

The tables, bucket, queues and user pool come from `infra/resources.yaml`
through the same provisioner the local stack uses. Users sign in through
Cognito's real USER_PASSWORD_AUTH flow on the mock and send real ID tokens.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest

REGION = "ap-south-1"
BASE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "IMAGES_BASE_URL": "https://images.test.example",
    "CURSOR_SECRET": "functional-cursor-secret",
    "CNIC_HASH_KEY": "functional-cnic-key",
    "RESERVATION_MINUTES": "30",
    "COMMISSION_BPS": "500",
    "JAZZCASH_MERCHANT_ID": "MC12345",
    "JAZZCASH_PASSWORD": "jc-password",
    "JAZZCASH_INTEGRITY_SALT": "0F5DD14AE2",
    "JAZZCASH_ACTION_URL": "https://sandbox.test.example/sandbox/jazzcash",
    "CARD_WEBHOOK_SECRET": "whsec_functional",
    "API_BASE_URL": "https://api.test.example",
    "STOREFRONT_URL": "https://shop.test.example",
}


@dataclass
class User:
    sub: str
    email: str
    token: str
    groups: tuple[str, ...] = ()

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Aws:
    """The mocked account: its environment and a way to make signed-in users."""

    env: dict[str, str]
    _count: list[int] = field(default_factory=lambda: [0])

    def user(self, *groups: str, email: str | None = None) -> User:
        from local.users import create_user, sign_in

        self._count[0] += 1
        email = email or f"user{self._count[0]}@test.example"
        cognito = boto3.client("cognito-idp", region_name=REGION)
        sub = create_user(cognito, pool_id=self.env["COGNITO_USER_POOL_ID"], email=email,
                          password="Passw0rd-test", group=None)
        for group in groups:
            cognito.admin_add_user_to_group(UserPoolId=self.env["COGNITO_USER_POOL_ID"], Username=email,
                                            GroupName=group)
        token = sign_in(cognito, client_id=self.env["COGNITO_CLIENT_ID"], email=email, password="Passw0rd-test")
        return User(sub=sub, email=email, token=token, groups=groups)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Aws]:
    from moto import mock_aws

    from chalicelib.config import reset_settings
    from local.provision import provision

    for name, value in BASE_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        provisioned = provision(None, region=REGION)  # type: ignore[arg-type]
        for name, value in provisioned.environment.items():
            monkeypatch.setenv(name, value)
        reset_settings()
        yield Aws(env={**BASE_ENV, **provisioned.environment})
    reset_settings()


@pytest.fixture
def client(aws: Aws) -> Iterator[Any]:
    from chalice.test import Client

    from app import app

    with Client(app) as test_client:
        yield test_client
