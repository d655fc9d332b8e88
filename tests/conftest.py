"""Shared fixtures for the functional tier: the real Chalice app on moto's in-process mock.

The account itself (environment, provisioned stack, Cognito users) is `harness.aws`,
which `bench/` uses too; these fixtures only give it a test's lifetime.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from harness.aws import Aws, mocked_aws


@pytest.fixture
def aws() -> Iterator[Aws]:
    with mocked_aws() as account:
        yield account


@pytest.fixture
def client(aws: Aws) -> Iterator[Any]:
    from chalice.test import Client

    from app import app

    with Client(app) as test_client:
        yield test_client
