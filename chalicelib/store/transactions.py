"""One TransactWriteItems whose failed conditions are reported by what they guarded.

pynamodb sends a transaction's condition checks, deletes, puts and updates in
that order, whatever order they were added in, and DynamoDB reports failed
conditions by position in the request. This wrapper tags each action and maps
the cancellation reasons back to the tags. DynamoDB's transaction conflicts
and throttling are retried with jittered back-off, then surface as a 503.
"""
from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Hashable
from functools import lru_cache
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from ..errors import ServiceUnavailableError
from .conditions import BUSY_CODES

logger = logging.getLogger(__name__)
_SEND_ORDER = {"check": 0, "delete": 1, "put": 2, "update": 3}
_METHOD = {"check": "condition_check", "delete": "delete", "put": "save", "update": "update"}
_RETRIES = 5
# Cancellation reasons that clear with time: another writer, or the item's write rate (a hot item).
_RETRYABLE_REASONS = frozenset({"TransactionConflict", "ThrottlingError"})


@lru_cache(maxsize=4)
def _connection(region: str | None) -> Connection:
    """One connection (and botocore client) per region for the container's life: building one costs ~0.1 s."""
    return Connection(region=region)


class ConflictedError(Exception):
    """The transaction met another writer on these actions (TransactionConflict); it wrote nothing."""

    def __init__(self, tags: list[Hashable]) -> None:
        super().__init__(repr(tags))
        self.tags = tags


class Transaction:
    def __init__(self, region: str | None) -> None:
        self._region = region
        self._actions: list[tuple[str, Hashable, tuple[Any, ...], dict[str, Any]]] = []
        self._after_commit: list[Callable[[], None]] = []

    def __len__(self) -> int:
        return len(self._actions)

    def put(self, model: Any, *, condition: Any = None, tag: Hashable = None) -> None:
        self._actions.append(("put", tag, (model,), {"condition": condition}))

    def update(self, model: Any, actions: list[Any], *, condition: Any = None, tag: Hashable = None) -> None:
        self._actions.append(("update", tag, (model,), {"actions": actions, "condition": condition}))

    def delete(self, model: Any, *, condition: Any = None, tag: Hashable = None) -> None:
        self._actions.append(("delete", tag, (model,), {"condition": condition}))

    def check(self, model_class: Any, hash_key: Any, *, condition: Any, tag: Hashable = None) -> None:
        """A condition on an item the transaction does not write (ConditionCheck)."""
        self._actions.append(("check", tag, (model_class, hash_key), {"condition": condition}))

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once the transaction has written everything (the outbox relay); never on a failure."""
        self._after_commit.append(callback)

    def commit(self, *, retry_conflicts: bool = True) -> list[Hashable]:
        """Run it; returns the tags of the actions whose condition failed (empty: all written).

        Without `retry_conflicts`, a transaction conflict (or an item over its write rate) raises
        ConflictedError naming the actions concerned, so the caller can take another path to them.
        """
        sent = sorted(self._actions, key=lambda action: _SEND_ORDER[action[0]])
        for attempt in range(_RETRIES):
            try:
                with TransactWrite(connection=_connection(self._region)) as transaction:
                    for kind, _, args, kwargs in self._actions:
                        getattr(transaction, _METHOD[kind])(*args, **kwargs)
            except TransactWriteError as error:
                reasons = error.cancellation_reasons or []
                failed = [sent[i][1] for i, reason in enumerate(reasons)
                          if reason is not None and reason.code == "ConditionalCheckFailed"]
                if failed:
                    return failed
                codes = {reason.code for reason in reasons if reason is not None}
                if codes & _RETRYABLE_REASONS and not retry_conflicts:
                    # Another writer holds an item, or the item is past its write rate: either way it is hot.
                    raise ConflictedError([sent[i][1] for i, reason in enumerate(reasons)
                                           if reason is not None and reason.code in _RETRYABLE_REASONS]) from None
                if codes & _RETRYABLE_REASONS or error.cause_response_code in BUSY_CODES:
                    # "Equal jitter": never less than half the step, so a conflict with a transaction that has
                    # just committed (ours included: an abandon right after its begin) is waited out, not
                    # retried into five times at random within a few milliseconds.
                    step = 0.02 * 2 ** attempt
                    time.sleep(step / 2 + random.uniform(0, step / 2))
                    continue
                raise
            for callback in self._after_commit:
                callback()
            return []
        logger.warning("transaction gave up after %d busy attempts", _RETRIES,
                       extra={"actions": [str(tag) for _, tag, _, _ in self._actions if tag is not None]})
        raise ServiceUnavailableError(headers={"Retry-After": "1"})
