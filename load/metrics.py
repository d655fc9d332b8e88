"""Latency and status per request kind, shared by every worker thread."""
from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


def percentile(ordered: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not ordered:
        return 0.0
    rank = max(1, round(fraction * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass
class Recorder:
    max_requests: int
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    _lock: threading.Lock = field(default_factory=threading.Lock)
    notes: Counter[str] = field(default_factory=Counter)
    _count: int = 0

    @property
    def count(self) -> int:
        return self._count

    def budget_left(self) -> bool:
        return self._count < self.max_requests

    def record(self, kind: str, seconds: float, status: int) -> None:
        with self._lock:
            self._count += 1
            self.latencies[kind].append(seconds)
            self.statuses[kind][status] += 1

    def note(self, text: str) -> None:
        with self._lock:
            self.notes[text] += 1

    @contextmanager
    def timed(self, kind: str) -> Iterator[dict[str, int]]:
        """`with recorder.timed("kind") as result: ...; result["status"] = code`."""
        result = {"status": 0}
        started = time.perf_counter()
        try:
            yield result
        finally:
            self.record(kind, time.perf_counter() - started, result["status"])

    def report(self, title: str, elapsed: float) -> str:
        total = sum(len(values) for values in self.latencies.values())
        rows = [f"== {title}: {total} requests in {elapsed:.1f} s = {total / elapsed if elapsed else 0:.1f} req/s",
                f"{'kind':<18}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}  statuses"]
        for kind in sorted(self.latencies):
            ordered = sorted(self.latencies[kind])
            statuses = " ".join(f"{code}:{n}" for code, n in sorted(self.statuses[kind].items()))
            rows.append(f"{kind:<18}{len(ordered):>6}{percentile(ordered, .5) * 1000:>9.1f}"
                        f"{percentile(ordered, .95) * 1000:>9.1f}{percentile(ordered, .99) * 1000:>9.1f}  {statuses}")
        errors: Counter[int] = Counter()
        for counter in self.statuses.values():
            errors.update({code: n for code, n in counter.items() if code >= 400 or code == 0})
        rows.append("errors by status: " + (", ".join(f"{code}: {n}" for code, n in sorted(errors.items())) or "none")
                    + "  (0 = no answer; retried with the same request)")
        rows += [f"  {n} x {text}" for text, n in self.notes.most_common(3)]
        return "\n".join(rows)
