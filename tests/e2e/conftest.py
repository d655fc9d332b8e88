"""The real local stack, started the way `make run` starts it (`python -m local`).

One stack per test session (SEED=0), one more with the demo data (SEED=1) for
the tests that ask for it. Ports are free ones, so a developer's running
`make run` does not collide. Each stack is stopped with SIGTERM and must exit 0.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest

from local.users import create_user, sign_in

ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class User:
    email: str
    password: str
    sub: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class LocalStack:
    """A running `python -m local` process and what a test needs to talk to it."""

    process: subprocess.Popen[str]
    env: dict[str, str]
    api_url: str
    web_url: str
    aws_url: str
    lines: list[str] = field(default_factory=list)
    user_pool_id: str = ""
    client_id: str = ""

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

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
        sub = create_user(
            cognito,
            pool_id=self.user_pool_id,
            email=email,
            password=password,
            group=group,
        )
        token = sign_in(
            cognito, client_id=self.client_id, email=email, password=password
        )
        return User(email=email, password=password, sub=sub, token=token)

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Send `sig`, wait for the exit, return the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.send_signal(signal.SIGUSR1)  # the stack dumps its threads
            time.sleep(1)
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            time.sleep(0.5)  # let the reader thread collect the dump
            pytest.fail(
                f"the stack did not stop within {STOP_TIMEOUT_SECONDS} s:\n{self.output}",
                pytrace=False,
            )


def start_stack(**overrides: str) -> LocalStack:
    """Start `python -m local` on free ports; return once it has printed READY."""
    ports = {"API_PORT": free_port(), "AWS_PORT": free_port(), "WEB_PORT": free_port()}
    env = {
        **os.environ,
        **{name: str(port) for name, port in ports.items()},
        "SEED": "0",
        "SWEEP_SECONDS": "1",
        "PYTHONUNBUFFERED": "1",
        **overrides,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "local"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        start_new_session=True,  # its own process group: nothing it starts can outlive it unseen
    )
    stack = LocalStack(
        process=process,
        env=env,
        api_url=f"http://127.0.0.1:{env['API_PORT']}",
        web_url=f"http://127.0.0.1:{env['WEB_PORT']}",
        aws_url=f"http://127.0.0.1:{env['AWS_PORT']}",
    )
    ready = threading.Event()

    def drain() -> None:
        # Always read, so a chatty stack never blocks on a full pipe.
        assert process.stdout is not None
        for line in process.stdout:
            stack.lines.append(line.rstrip("\n"))
            if line.strip() == "READY":
                ready.set()
        ready.set()

    threading.Thread(target=drain, name="stack-output", daemon=True).start()
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while not ready.wait(0.1):
        if time.monotonic() > deadline:
            break
    if "READY" not in (line.strip() for line in stack.lines):
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        pytest.fail(f"the local stack did not start:\n{stack.output}", pytrace=False)
    stack.user_pool_id = _printed(stack, "User pool")
    stack.client_id = _printed(stack, "App client")
    return stack


def _printed(stack: LocalStack, label: str) -> str:
    match = re.search(rf"^{label}:\s+(\S+)$", stack.output, re.MULTILINE)
    assert match, f"the stack did not print {label!r}:\n{stack.output}"
    return match.group(1)


def _run(**overrides: str) -> Iterator[LocalStack]:
    stack = start_stack(**overrides)
    try:
        yield stack
    finally:
        code = stack.stop()
    assert code == 0, f"the stack exited with {code}:\n{stack.output}"


@pytest.fixture(scope="session")
def stack() -> Iterator[LocalStack]:
    """The local stack without demo data."""
    yield from _run()


@pytest.fixture(scope="session")
def seeded_stack() -> Iterator[LocalStack]:
    """The local stack with the demo users and, once `local/seed.py` exists, the demo catalogue."""
    yield from _run(SEED="1")
