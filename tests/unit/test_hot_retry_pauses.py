"""The hot path's retry pauses: the longest waiters retry most often as the patience runs out."""
from __future__ import annotations

import pytest

from chalicelib.store.hot import _PATIENCE_SECONDS, _longest_pause


def test_the_first_half_of_the_patience_backs_off_to_200_ms() -> None:
    assert _longest_pause(0.0) == 0.2
    assert _longest_pause(_PATIENCE_SECONDS / 2) == 0.2


def test_past_half_the_patience_the_longest_pause_shrinks_to_10_ms_at_the_deadline() -> None:
    waits = [_PATIENCE_SECONDS * share for share in (0.5, 0.6, 0.75, 0.9, 0.99, 1.0, 1.2)]
    pauses = [_longest_pause(waited) for waited in waits]
    assert pauses == sorted(pauses, reverse=True) and len(set(pauses)) > 4
    assert _longest_pause(_PATIENCE_SECONDS * 0.75) == pytest.approx(0.1)
    assert _longest_pause(_PATIENCE_SECONDS) == 0.01
    assert _longest_pause(_PATIENCE_SECONDS * 2) == 0.01
