"""The sink plug-in interface, and the runner that keeps a slow or failing sink from stalling
the audit topic."""

from __future__ import annotations

import asyncio
import logging
from typing import ClassVar

from topics.messages import AuditRecord

__all__ = ["Sink", "SinkRunner", "would_block"]

log = logging.getLogger("guardstream.sinks")


def would_block(record: AuditRecord) -> bool:
    """True for a request that was served although a scanner asked to block it (nobody
    enforced: ``logging_only`` or a pass-through stream). Counted apart from real blocks."""
    return record.decision == "allow" and any(o.verdict == "block" for o in record.outcomes)


class Sink:
    """Writes audit records somewhere. ``write`` is synchronous; the runner calls it in a thread
    and calls it again with the same records after a failure."""

    name: ClassVar[str] = ""

    def write(self, records: list[AuditRecord]) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Flush and release."""


class SinkRunner:
    """Feeds one sink from a bounded queue in the background.

    ``offer`` never waits. A failing write is retried with a growing pause (up to
    ``max_pause_s``); while it fails, records wait in the queue; past ``max_queue`` the oldest
    are dropped and counted, so the audit topic itself is never held up.
    """

    def __init__(
        self,
        sink: Sink,
        *,
        max_queue: int = 10_000,
        max_batch: int = 500,
        max_pause_s: float = 30.0,
    ) -> None:
        self.sink = sink
        self.max_batch = max_batch
        self.max_pause_s = max_pause_s
        self.queue: asyncio.Queue[AuditRecord] = asyncio.Queue(max_queue)
        self.dropped = 0
        self.failures = 0
        self.written = 0
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(
            self._run(), name=f"sink-{self.sink.name}"
        )

    def offer(self, record: AuditRecord) -> None:
        """Queue a record; drop the oldest when full."""
        if self.queue.full():
            self.queue.get_nowait()
            self.dropped += 1
        self.queue.put_nowait(record)

    async def stop(self, timeout: float = 10.0) -> None:
        """Write what is queued (within ``timeout``), then stop."""
        if self._task is None:
            return
        try:
            await asyncio.wait_for(self.queue.join(), timeout)
        except TimeoutError:
            log.warning(
                "sink %s stopped with %d records unwritten", self.sink.name, self.queue.qsize()
            )
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        await asyncio.to_thread(self.sink.close)

    async def _run(self) -> None:
        while True:
            batch = [await self.queue.get()]
            while len(batch) < self.max_batch and not self.queue.empty():
                batch.append(self.queue.get_nowait())
            pause = 0.5
            while True:
                try:
                    await asyncio.to_thread(self.sink.write, batch)
                    self.written += len(batch)
                    break
                except Exception as e:  # any sink failure is retried, never raised into the pool
                    self.failures += 1
                    log.warning(
                        "sink %s failed (%s); retrying in %.1fs",
                        self.sink.name,
                        type(e).__name__,
                        pause,
                    )
                    await asyncio.sleep(pause)
                    pause = min(pause * 2, self.max_pause_s)
            for _ in batch:
                self.queue.task_done()
