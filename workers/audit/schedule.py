"""When each join state of an audit pool process is next due: its record's deadline, or the
time its marker (or a request that never came) may be forgotten.

The pool's timer used to read every state of its table every second to find the due ones; with
markers kept an hour (``keep_emitted_s``) that is tens of thousands of states at 10 requests/s,
and the timer fell behind its own interval. A state's due time is set whenever the join touches
it, so the timer reads only the states whose time has come. The table is read whole again
(:meth:`DueTimes.mark_stale`) after a rebalance, when recovery brings states this process never
touched, and every few minutes as a safety net.
"""

from __future__ import annotations

import heapq

__all__ = ["DueTimes"]


class DueTimes:
    """Each key's next due time (ms), and the keys whose time has come."""

    def __init__(self) -> None:
        self._due: dict[str, int] = {}
        self._heap: list[tuple[int, str]] = []
        """Every due time set, the superseded ones too (skipped when popped)."""
        self.stale = True
        """The table holds states this schedule has not seen (at start, after a rebalance)."""

    def __len__(self) -> int:
        return len(self._due)

    def set(self, key: str, due_ms: int | None) -> None:
        """``key`` is next due at ``due_ms`` (None: not until something arrives for it)."""
        if due_ms is None:
            self._due.pop(key, None)
            return
        if self._due.get(key) == due_ms:
            return
        self._due[key] = due_ms
        heapq.heappush(self._heap, (due_ms, key))

    def drop(self, key: str) -> None:
        """``key`` is gone from the table."""
        self._due.pop(key, None)

    def take(self, now_ms: int) -> list[str]:
        """The keys due by ``now_ms``, each once; they are not due again until set again."""
        taken = []
        while self._heap and self._heap[0][0] <= now_ms:
            due_ms, key = heapq.heappop(self._heap)
            if self._due.get(key) == due_ms:
                del self._due[key]
                taken.append(key)
        if len(self._heap) > 4 * len(self._due) + 1024:  # mostly superseded entries
            self._heap = [(d, k) for k, d in self._due.items()]
            heapq.heapify(self._heap)
        return taken

    def clear(self) -> None:
        """Forget every key (before the table is read whole)."""
        self._due.clear()
        self._heap.clear()

    def mark_stale(self) -> None:
        """The table must be read whole before the schedule is trusted again."""
        self.stale = True
