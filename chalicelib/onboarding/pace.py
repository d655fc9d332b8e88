"""A token bucket: the import worker's ceiling on Cognito requests, so imports leave room for sign-ups.

Cognito's quotas are per account and Region, per category of operation: AdminCreateUser is in
UserCreation (50 requests/s by default, shared with SignUp and ConfirmSignUp); AdminAddUserToGroup
is in UserUpdate (25/s by default, shared with self-service artisans joining the group). One worker
(reserved concurrency 1) takes ROWS_PER_SECOND rows a second, each one call of each category.
IMPORT_ROWS_PER_SECOND in the environment replaces the rate (Settings.import_rows_per_second): the
local benchmark lifts it to measure the stack's own throughput; no stage sets it.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable

ROWS_PER_SECOND = 10.0  # 20% of UserCreation, 40% of UserUpdate: room for sign-ups during an import


class TokenBucket:
    """At most `rate` takes a second on average, `burst` at once; `take` waits for a token."""

    def __init__(self, rate: float, burst: float, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._rate = rate
        self._burst = burst
        self._tokens = burst
        self._clock = clock
        self._sleep = sleep
        self._last = clock()
        self._lock = threading.Lock()

    def take(self) -> float:
        """Wait until a token is there and take it; returns the seconds waited."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self._burst, self._tokens + (now - self._last) * self._rate)
            self._last = now
            self._tokens -= 1
            wait = max(0.0, -self._tokens / self._rate)
        if wait:
            self._sleep(wait)
        return wait
