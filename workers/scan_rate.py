"""How many bytes one pool process scanned over the last minute, and in how many seconds of
scanning: the figure pools are sized by for long prompts (a prompt's bytes over the pool's
bytes per second, shared among its processes, must fit in the budget).

Every result a process writes carries its latest :class:`~topics.messages.ScanRate`, so
``guardstream health`` and the proxy's ``/health/guardrails`` read it from the results topic
(:mod:`topics.rates`) with no extra message and no port of the pools to reach.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from topics.messages import ScanRate

__all__ = ["WINDOW_S", "ScanMeter"]

WINDOW_S = 60.0
"""How far back a rate looks."""


class ScanMeter:
    """Bytes scanned and seconds spent per batch over the last :data:`WINDOW_S`. Used from the
    pool's one scan thread."""

    def __init__(self, window_s: float = WINDOW_S, clock: Callable[[], float] = time.monotonic):
        self.window_s = window_s
        self._clock = clock
        self._started = clock()
        self._batches: deque[tuple[float, int, float]] = deque()  # (ended at, bytes, seconds)
        self._bytes = 0
        self._busy_s = 0.0

    def add(self, scanned_bytes: int, busy_s: float) -> None:
        """Count one scanned batch that just ended."""
        if scanned_bytes > 0 or busy_s > 0:
            self._batches.append((self._clock(), scanned_bytes, busy_s))
            self._bytes += scanned_bytes
            self._busy_s += busy_s

    def rate(self) -> ScanRate:
        """The figures of the window ending now (a few operations: results each carry one)."""
        now = self._clock()
        while self._batches and self._batches[0][0] < now - self.window_s:
            _, old_bytes, old_busy_s = self._batches.popleft()
            self._bytes -= old_bytes
            self._busy_s -= old_busy_s
        if not self._batches:
            self._busy_s = 0.0  # no float residue once the window is empty
        return ScanRate(
            window_s=round(min(self.window_s, now - self._started), 3),
            scanned_bytes=self._bytes,
            busy_s=round(max(self._busy_s, 0.0), 6),
        )
