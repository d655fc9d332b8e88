"""The one read-decide-write loop behind every optimistic change.

Read the current state, decide (a pure function that may refuse with a domain
error), write conditional on what was read. If the write finds the state moved
(`ConflictError`), read and decide again: the decision is always made on the
state it is written over. Callers never write the loop themselves.
"""
from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from .errors import InvalidStateError

S = TypeVar("S")
D = TypeVar("D")
R = TypeVar("R")

MAX_ATTEMPTS = 8
_FIRST_PAUSE_SECONDS = 0.01  # doubling: the eighth conflict waits up to 1.3 s, all of them 2.5 s at most


class ConflictError(Exception):
    """A conditional write found the item changed since it was read; read again."""


def read_decide_write(read: Callable[[], S], decide: Callable[[S], D], write: Callable[[S, D], R], *,
                      what: str) -> R:
    """`write(state, decide(state))` on a fresh `read()`, at most MAX_ATTEMPTS times.

    `what` names the thing for the one error a caller can get when others keep
    changing it ("The listing is being changed by other requests; try again.").
    """
    for attempt in range(MAX_ATTEMPTS):
        state = read()
        decision = decide(state)
        try:
            return write(state, decision)
        except ConflictError:
            # Another writer got there first (or is committing a transaction on the item): let it finish.
            time.sleep(random.uniform(0, _FIRST_PAUSE_SECONDS * 2 ** attempt))
    raise InvalidStateError(f"The {what} is being changed by other requests; try again.")
