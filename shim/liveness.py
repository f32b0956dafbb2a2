"""Which scanner pools answer: a per-scanner fast fail, beside the whole-Kafka circuit.

The circuit (:mod:`shim.circuit`) opens when no scanner answers at all. One pool that stopped
while the others run is another failure: every request would wait its whole budget for it and
then apply ``on_timeout`` to it anyway. A :class:`PoolWatch` marks a scanner *down* when

- its last ``trip_after`` requests timed out while another scanner of the same request answered
  (a request nobody answered is the circuit's business: Kafka itself may be gone), or
- its consumer group, seen with members before, has none left (the ``/health/guardrails``
  refresh reads the groups).

Requests then stop waiting for it: it is *skipped*, and ``on_timeout`` applies to it at once.
Requests still name it, so a pool that comes back scans them as before; the first result of
it that arrives within its request's budget marks it *up*, and requests wait for it again. No
request is held as a probe: the evidence comes from requests that did not wait for it. A group
whose members return does not by itself mark the pool up, because a member that has joined
is not yet consuming (a rebalance takes seconds): only an answer in time does.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

__all__ = ["PoolWatch", "SkipState"]


@dataclass(frozen=True, slots=True, kw_only=True)
class SkipState:
    """Why and since when a scanner is skipped."""

    since: float
    """When it was marked down (the watch's clock, monotonic seconds)."""
    reason: str
    """What showed it: ``timeouts`` or ``no_members``."""


@dataclass(slots=True)
class _Pool:
    timeouts: int = 0
    """Requests in a row that timed out on this scanner while another scanner answered."""
    had_members: bool = False
    down: SkipState | None = None


class PoolWatch:
    """Per-scanner liveness: which asked scanners a request should not wait for.

    Args:
        trip_after: timed-out requests in a row that mark a scanner down. Three, not the
            circuit's five: requests in flight when a pool stops time out together, so three
            arrive within about one budget, and a false trip costs little (the next answer in
            time re-admits the pool).
        clock: monotonic seconds (tests may pass their own).
    """

    def __init__(self, trip_after: int = 3, clock: Callable[[], float] = time.monotonic) -> None:
        self.trip_after = trip_after
        self._clock = clock
        self._pools: dict[str, _Pool] = {}

    def skipped(self, scanners: Iterable[str]) -> frozenset[str]:
        """The scanners of ``scanners`` that are down now: not to be waited for."""
        return frozenset(s for s in scanners if (p := self._pools.get(s)) and p.down)

    def state(self, scanner: str) -> SkipState | None:
        """Why ``scanner`` is skipped, or None while requests wait for it."""
        pool = self._pools.get(scanner)
        return pool.down if pool else None

    def answered(self, scanner: str) -> str:
        """A result of ``scanner`` arrived within its request's budget. Returns ``"up"`` when
        that re-admits it (for a log line), else ``""``."""
        pool = self._pool(scanner)
        pool.timeouts = 0
        if pool.down is None:
            return ""
        pool.down = None
        return "up"

    def timed_out(self, scanner: str) -> str:
        """A request waited its whole budget for ``scanner`` while another scanner answered.
        Returns ``"down"`` when that marks it down, else ``""``."""
        pool = self._pool(scanner)
        pool.timeouts += 1
        if pool.down is None and pool.timeouts >= self.trip_after:
            pool.down = SkipState(since=self._clock(), reason="timeouts")
            return "down"
        return ""

    def members(self, scanner: str, count: int) -> str:
        """The pool's consumer group has ``count`` members now. A group that had members and
        has none marks the scanner down (``"down"``); a group never seen with members does not
        (something other than a pool may answer for it, e.g. a test responder)."""
        pool = self._pool(scanner)
        if count:
            pool.had_members = True
            return ""
        if pool.had_members and pool.down is None:
            pool.down = SkipState(since=self._clock(), reason="no_members")
            return "down"
        return ""

    def _pool(self, scanner: str) -> _Pool:
        pool = self._pools.get(scanner)
        if pool is None:
            pool = self._pools[scanner] = _Pool()
        return pool
