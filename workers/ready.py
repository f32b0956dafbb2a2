"""Batches of whatever is ready: a pool scans the requests that have arrived, not a timer's worth.

An idle pool scans a lone request the moment it arrives; while a scan runs, the requests that
come meanwhile wait here and make up the next batch, so batches grow with the load by
themselves. A timer (faust's ``take_events(n, within)``) instead holds every batch until it is
full or the time is up: at low rates every request waited the whole time for company that never
came. ``linger_s`` keeps that behaviour available: a batch that is not full then waits up to
that long for more before it is handed out.

Nothing here knows Kafka; :mod:`workers.scan_pool` feeds it from its faust stream.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Generic, TypeVar

__all__ = ["ReadyBatches"]

T = TypeVar("T")


class ReadyBatches(Generic[T]):
    """A queue whose reader takes everything ready at once, up to ``max_batch`` items.

    Args:
        max_batch: most items in one batch.
        linger_s: how long a batch that is not full waits for more after its first item
            (0: not at all).
        capacity: most items waiting; :meth:`put` waits while it is reached (default: two
            batches), so that the consumer in front stops fetching rather than piling up
            records in memory.
    """

    def __init__(self, max_batch: int, linger_s: float = 0.0, capacity: int | None = None) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self.max_batch = max_batch
        self.linger_s = max(0.0, linger_s)
        self.capacity = max(capacity or 2 * max_batch, max_batch)
        self._items: deque[T] = deque()
        self._arrived = asyncio.Event()
        self._room = asyncio.Event()
        self._room.set()

    def __len__(self) -> int:
        return len(self._items)

    async def put(self, item: T) -> None:
        """Add ``item``; waits while :attr:`capacity` items wait already."""
        while len(self._items) >= self.capacity:
            self._room.clear()
            await self._room.wait()
        self._items.append(item)
        self._arrived.set()

    async def take(self) -> list[T]:
        """The next batch: waits for one item, then returns every item ready (up to
        :attr:`max_batch`, in the order they were put), after at most :attr:`linger_s` more
        for a batch that is not full."""
        while not self._items:
            self._arrived.clear()
            await self._arrived.wait()
        if self.linger_s and len(self._items) < self.max_batch:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + self.linger_s
            while len(self._items) < self.max_batch and loop.time() < deadline:
                self._arrived.clear()
                try:
                    async with asyncio.timeout_at(deadline):
                        await self._arrived.wait()
                except TimeoutError:
                    break
        count = min(len(self._items), self.max_batch)
        batch = [self._items.popleft() for _ in range(count)]
        self._room.set()
        return batch
