"""The one read-decide-write loop behind every optimistic change.

Read the current state, decide (a pure function that may refuse with a domain
error), write conditional on what was read. If the write finds the state moved
(`ConflictError`), read and decide again: the decision is always made on the
state it is written over. Callers never write the loop themselves.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from .errors import InvalidStateError

S = TypeVar("S")
D = TypeVar("D")
R = TypeVar("R")

MAX_ATTEMPTS = 8


class ConflictError(Exception):
    """A conditional write found the item changed since it was read; read again."""


def read_decide_write(read: Callable[[], S], decide: Callable[[S], D], write: Callable[[S, D], R], *,
                      what: str) -> R:
    """`write(state, decide(state))` on a fresh `read()`, at most MAX_ATTEMPTS times.

    `what` names the thing for the one error a caller can get when others keep
    changing it ("The listing is being changed by other requests; try again.").
    """
    for _ in range(MAX_ATTEMPTS):
        state = read()
        decision = decide(state)
        try:
            return write(state, decision)
        except ConflictError:
            continue
    raise InvalidStateError(f"The {what} is being changed by other requests; try again.")
