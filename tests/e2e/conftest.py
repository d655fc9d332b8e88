"""The real local stack, started the way `make run` starts it (`python -m local`).

One stack per test session (SEED=0), one more with the demo data (SEED=1) for
the tests that ask for it. Ports are free ones, so a developer's running
`make run` does not collide. Each stack is stopped with SIGTERM and must exit 0.
"""

from __future__ import annotations

import re
import signal
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
import requests
from playwright.sync_api import Browser, sync_playwright

from chalicelib.payments import card
from local.child import StackProcess, launch
from local.stack import StackSettings
from local.users import new_signed_in_user

from .browser_helpers import CHROMIUM, CHROMIUM_FLAGS

READY_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class User:
    email: str
    password: str
    sub: str
    token: str
    totp_secret: str | None = None  # ops sign in with an authenticator code

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class LocalStack(StackProcess):
    """A running `python -m local` process and what a test needs to talk to it."""

    user_pool_id: str = ""
    client_id: str = ""
    ops_client_id: str = ""

    def client(self, service: str) -> Any:
        """A boto3 client on the stack's emulator."""
        return boto3.client(
            service,
            endpoint_url=self.aws_url,
            region_name="ap-south-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )

    def user(
        self, group: str | None = None, *, password: str = "test-pass-2026"
    ) -> User:
        """A new confirmed user (optionally in `artisans` or `ops`), signed in."""
        cognito = self.client("cognito-idp")
        email = f"{group or 'buyer'}-{uuid.uuid4().hex[:12]}@test.mip.pk"
        sub, token, secret = new_signed_in_user(
            cognito, pool_id=self.user_pool_id, client_id=self.client_id, ops_client_id=self.ops_client_id,
            email=email, password=password, groups=(group,) if group else ())
        return User(email=email, password=password, sub=sub, token=token, totp_secret=secret)

    def card_webhook_headers(self, body: bytes) -> dict[str, str]:
        """What the card gateway sends with `body`: signed now with this stack's webhook secret."""
        secret = StackSettings.from_env(self.env).card_webhook_secret
        return {"Content-Type": "application/json",
                "Stripe-Signature": card.sign_webhook(body, secret=secret, timestamp=int(time.time()))}

    def post_card_event(self, body: bytes, session: Any = requests) -> requests.Response:
        """Deliver a card gateway event (`harness.gateways` builds them) to the API's webhook, as the gateway would."""
        return session.post(f"{self.api_url}/payments/card/webhook", data=body, timeout=30,  # type: ignore[no-any-return]
                            headers=self.card_webhook_headers(body))

    def stop(self, sig: int = signal.SIGTERM, timeout: float = STOP_TIMEOUT_SECONDS) -> int:
        """Send `sig`, wait for the exit, return the exit code (a test failure if it will not stop)."""
        code = super().stop(sig, timeout)
        if code is None:
            pytest.fail(f"the stack did not stop within {timeout} s:\n{self.output}", pytrace=False)
        return code


def start_stack(**overrides: str) -> LocalStack:
    """Start `python -m local` on free ports; return once it has printed READY."""
    child = launch(**{"SEED": "0", "SWEEP_SECONDS": "1", **overrides})
    stack = LocalStack(process=child.process, env=child.env, lines=child.lines, _ready=child._ready)
    if not stack.wait_ready(READY_TIMEOUT_SECONDS):
        stack.kill()
        pytest.fail(f"the local stack did not start:\n{stack.output}", pytrace=False)
    stack.user_pool_id = _printed(stack, "User pool")
    stack.client_id = _printed(stack, "App client")
    stack.ops_client_id = _printed(stack, "Ops client")
    return stack


def _printed(stack: LocalStack, label: str) -> str:
    match = re.search(rf"^{label}:\s+(\S+)$", stack.output, re.MULTILINE)
    assert match, f"the stack did not print {label!r}:\n{stack.output}"
    return match.group(1)


def run_stack(**overrides: str) -> Iterator[LocalStack]:
    """A stack for a fixture's lifetime; it must exit 0 when stopped."""
    stack = start_stack(**overrides)
    try:
        yield stack
    finally:
        code = stack.stop()
    assert code == 0, f"the stack exited with {code}:\n{stack.output}"


@pytest.fixture(scope="session")
def stack() -> Iterator[LocalStack]:
    """The local stack without demo data."""
    yield from run_stack()


@pytest.fixture(scope="session")
def seeded_stack() -> Iterator[LocalStack]:
    """The local stack with the demo users and, once `local/seed.py` exists, the demo catalogue."""
    yield from run_stack(SEED="1")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, one for the session; never skipped: a missing one fails (make test installs it)."""
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: apt-get install -y chromium"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True)
        yield launched
        launched.close()
