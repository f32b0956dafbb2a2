"""The audit pool's exactly-once write: a record, its marker and its input offset in one Kafka
transaction.

faust's own ``processing_guarantee="exactly_once"`` did not hold up (tried before this module):
it names a transactional producer after the *output* partition of each send, not the input
partition it commits, so a record, its marker and the offsets that led to them land in different
transactions (or in one whose producer lives in another process, "No transaction producer
found"); a fenced producer is dropped and never replaced, so a pool started after a ``kill -9``
wrote nothing more; and a commit after a failed ``begin`` raised ``IllegalOperation: Not in the
middle of a transaction`` under load.

So the pool keeps faust's at-least-once consumer, table and agents, and writes each record
itself: :class:`AuditTransactions` owns one aiokafka transactional producer per process, named
after the process (``<group>-<worker id>``, the same after a restart). Records are committed in
small batches (whatever was decided while the previous commit was under way, or in
``_LINGER_S``): one transaction holds each record, its join marker (the table's changelog entry)
and the offsets of the input messages that completed them, and those messages are acknowledged
to faust only once it is committed, so faust's own offset commits never pass an uncommitted
record. A restarted process registers the same transactional id:
the coordinator aborts the dead process's open transaction and gives the new producer a higher
epoch, so it proceeds at once (a process whose partitions move to *another* process is aborted by
the coordinator after ``transaction_timeout_s`` instead). Readers read ``read_committed``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError, ProducerFenced
from mode import Service

from topics.errors import ProcessFailed
from workers.fatal import Fatal
from workers.settings import PoolSettings

__all__ = ["AuditTransactions", "Write"]

log = logging.getLogger("guardstream.audit")

_ATTEMPTS = 3
"""Tries of one transaction whose failure was retriable (a moved leader or coordinator): each
failed try was aborted, so no reader sees it."""


_LINGER_S = 0.02
"""How long a decided record waits for others to share its transaction."""

_BATCH = 500
"""The most records in one transaction: past it, the agent waits for the commit."""

_RETRY_BACKOFF_MS = 10
"""How soon a refused write is tried again (see :meth:`AuditTransactions.on_start`)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Write:
    """One message of a transaction."""

    topic: str
    key: bytes
    value: bytes
    partition: int | None = None
    """None: the default partitioner (by key), as every other producer of the topic."""


@dataclass(slots=True, kw_only=True)
class _Batch:
    """What the next transaction holds."""

    writes: list[Write] = field(default_factory=list)
    offsets: dict[TopicPartition, int] = field(default_factory=dict)
    done: list[Callable[[], object]] = field(default_factory=list)
    records: int = 0


class AuditTransactions(Service):
    """One transactional producer for one audit pool process; started with the app.

    Args:
        settings: the process's settings (connection, group, worker id).
        timeout_s: the transaction timeout: how long the coordinator lets a transaction of a
            process that died stay open (blocking ``read_committed`` readers of its partitions)
            before aborting it, when no process with the same id comes back.
        before_commit: awaited before each transaction: flushes faust's producer, so the join
            states it wrote earlier are on the changelog before the markers that follow them.
        fatal: what a failed commit stops.
    """

    def __init__(
        self,
        settings: PoolSettings,
        timeout_s: float,
        *,
        before_commit: Callable[[], Awaitable[None]],
        fatal: Fatal,
    ) -> None:
        super().__init__()
        self.group_id = settings.group_id
        self.transactional_id = f"{settings.group_id}-{settings.worker_id}"
        self.timeout_s = timeout_s
        self.before_commit = before_commit
        self.fatal = fatal
        self.connection = settings.connection
        self.max_request_size = settings.topics.requests.max_message_bytes + 65536
        self.producer: AIOKafkaProducer | None = None
        """Made in :meth:`on_start`: aiokafka builds its clients inside the running loop."""
        self.ready = asyncio.Event()
        """Set once the producer has its id: any transaction a dead process of the same id
        left open is aborted by then."""
        self._batch = _Batch()
        self._committing = asyncio.Lock()
        self.committed = 0
        """Transactions committed."""

    async def on_start(self) -> None:
        self.producer = AIOKafkaProducer(
            **{
                **self.connection.producer_kwargs(),
                # a transaction's first write to a partition whose previous commit marker is
                # not written yet is refused for a moment (CONCURRENT_TRANSACTIONS, which the
                # broker reports to this client as NOT_ENOUGH_REPLICAS): back to back
                # transactions would each wait the default 100 ms for it
                "retry_backoff_ms": _RETRY_BACKOFF_MS,
            },
            transactional_id=self.transactional_id,
            transaction_timeout_ms=int(self.timeout_s * 1000),
            max_request_size=self.max_request_size,
        )
        await self.producer.start()
        # an empty transaction waits for the producer id: registering it aborts the open
        # transaction of a killed predecessor, before this process writes anything
        async with self.producer.transaction():
            pass
        self.ready.set()

    async def on_stop(self) -> None:
        if self.producer is not None:
            await self.producer.stop()

    async def add(
        self, writes: list[Write], offsets: dict[TopicPartition, int], done: Callable[[], object]
    ) -> None:
        """Put one record's ``writes`` and its input ``offsets`` (the next offset to read, per
        input partition) into the next transaction; ``done`` is called once it is committed.

        Raises:
            ProcessFailed: a commit this call had to wait for failed (see :meth:`commit`).
        """
        await self.ready.wait()
        batch = self._batch
        batch.writes += writes
        for tp, offset in offsets.items():
            batch.offsets[tp] = max(batch.offsets.get(tp, 0), offset)
        batch.done.append(done)
        batch.records += 1
        if batch.records >= _BATCH:
            await self.commit()

    @Service.task
    async def _linger(self) -> None:
        while not self.should_stop:
            await self.sleep(_LINGER_S)
            if self._batch.records and self.ready.is_set():
                try:
                    await self.commit()
                except ProcessFailed as e:
                    self.fatal.fail(str(e))
                    return

    async def commit(self) -> None:
        """Commit what was added so far, all or nothing, then acknowledge its inputs.

        Raises:
            ProcessFailed: the producer was fenced (another process took this transactional id)
                or the transaction failed past its retries; the pool must stop (its in-memory
                markers say written what is not).
        """
        async with self._committing:
            batch, self._batch = self._batch, _Batch()
            if not batch.records:
                return
            await self.before_commit()
            await self._transaction(batch.writes, batch.offsets)
            self.committed += 1
            for done in batch.done:
                done()

    async def _transaction(self, writes: list[Write], offsets: dict[TopicPartition, int]) -> None:
        producer = self.producer
        assert producer is not None  # set before ready
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                async with producer.transaction():
                    for w in writes:
                        await producer.send(w.topic, w.value, key=w.key, partition=w.partition)
                    await producer.send_offsets_to_transaction(offsets, self.group_id)
                return
            except ProducerFenced as e:
                raise ProcessFailed(
                    f"audit transactions fenced: another process registered "
                    f"{self.transactional_id!r}"
                ) from e
            except KafkaError as e:
                if not e.retriable or attempt == _ATTEMPTS:
                    raise ProcessFailed(f"audit transaction failed: {e!r}") from e
                log.warning("audit transaction aborted (%r); trying again", e)
                await asyncio.sleep(0.2 * attempt)
