"""The one read-decide-write loop: it decides again on a fresh read after every conflict, and gives up in one way."""
from __future__ import annotations

import pytest

from chalicelib.errors import InvalidStateError, NotFoundError
from chalicelib.optimistic import MAX_ATTEMPTS, ConflictError, read_decide_write


def test_a_conflict_means_read_and_decide_again_on_the_new_state() -> None:
    states = iter([1, 2, 3])
    decided: list[int] = []

    def write(state: int, decision: int) -> str:
        if state < 3:
            raise ConflictError()
        return f"wrote {decision} over {state}"

    def decide(state: int) -> int:
        decided.append(state)
        return state * 10

    assert read_decide_write(lambda: next(states), decide, write, what="listing") == "wrote 30 over 3"
    assert decided == [1, 2, 3]


def test_a_refusal_from_decide_ends_the_loop_without_writing() -> None:
    def refuse(_: int) -> int:
        raise NotFoundError()

    def write(state: int, decision: int) -> None:
        raise AssertionError("must not write")

    with pytest.raises(NotFoundError):
        read_decide_write(lambda: 1, refuse, write, what="order")


def test_endless_conflicts_end_in_one_invalid_state_error() -> None:
    reads: list[int] = []

    def write(state: int, decision: None) -> None:
        raise ConflictError()

    with pytest.raises(InvalidStateError, match="The order is being changed by other requests"):
        read_decide_write(lambda: reads.append(1) or 1, lambda _: None, write, what="order")
    assert len(reads) == MAX_ATTEMPTS
