"""Fixtures of the functional tests that fault-inject at the AWS protocol boundary (botocore event hooks)."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.handlers
import pytest

from harness.aws import Aws


@dataclass
class Hooks:
    """botocore handlers installed for every botocore session created from now on (pynamodb makes one
    per transaction's connection), and on boto3's default session for clients built afterwards."""

    installed: list[tuple[str, Callable[..., Any]]] = field(default_factory=list)

    def add(self, event: str, handler: Callable[..., Any]) -> None:
        botocore.handlers.BUILTIN_HANDLERS.append((event, handler, botocore.handlers.REGISTER_FIRST))
        boto3._get_default_session()._session.get_component("event_emitter").register_first(event, handler)
        self.installed.append((event, handler))
        forget_aws_clients()

    def remove_all(self) -> None:
        for event, handler in self.installed:
            botocore.handlers.BUILTIN_HANDLERS.remove((event, handler, botocore.handlers.REGISTER_FIRST))
            boto3._get_default_session()._session.get_component("event_emitter").unregister(event, handler)
        self.installed.clear()
        forget_aws_clients()


def forget_aws_clients() -> None:
    """Make the app build its next botocore clients afresh, so that they carry the installed hooks
    (botocore copies a session's handlers into a client when the client is made). The app caches its
    clients for a container's life, as it should on Lambda; these are its own reset points."""
    from chalicelib.store import tables, transactions
    from chalicelib.store.clients import reset_clients

    reset_clients()
    for model in tables.ALL_MODELS:
        model._connection = None
    cached = getattr(transactions, "_connection", None)
    if cached is not None and hasattr(cached, "cache_clear"):
        cached.cache_clear()


@pytest.fixture
def hooks(aws: Aws) -> Iterator[Hooks]:
    installed = Hooks()
    yield installed
    installed.remove_all()
