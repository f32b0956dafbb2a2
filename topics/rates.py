"""How many bytes per second each pool scans now, read from the tail of the results topic.

Every result carries its pool process's :class:`~topics.messages.ScanRate` (bytes it scanned
over the last minute, and the seconds it spent scanning them). Both ``guardstream health`` and
the proxy's ``/health/guardrails`` read the latest one of each process through
:func:`read_rates` (or :func:`pool_rates` on results already read), so they report the same
thing: per pool, how many bytes a process scans per second of scanning (what sizes a pool for
long prompts: a prompt's bytes over this rate, shared among the processes, must fit in the
budget) and how many bytes the pool scanned per second of wall time, recently.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import TypeVar

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from topics.codec import decode
from topics.connection import KafkaConnection
from topics.errors import BrokerUnavailable, DecodeError
from topics.messages import ScanResult
from topics.specs import Topics

__all__ = ["TAIL", "PoolRate", "pool_rates", "read_rates", "started_consumer", "tail"]

M = TypeVar("M")

TAIL = 50
"""Messages read back from the end of each partition."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PoolRate:
    """One pool's recent scanning, from the latest result of each of its processes."""

    processes: int
    """Processes with a result in the tail that carried a rate."""
    scanned_bytes: int
    """Bytes those processes scanned over their windows."""
    busy_s: float
    """Seconds they spent scanning them."""
    wall_bytes_per_s: float
    """Bytes the pool scanned per second of wall time: each process's bytes over its window
    and the time since its last result (an idle pool falls towards 0), summed."""

    @property
    def bytes_per_busy_s(self) -> float | None:
        """Bytes one process scans per second of scanning; None before any scan."""
        return self.scanned_bytes / self.busy_s if self.busy_s > 0 else None

    def as_dict(self) -> dict[str, float | int | None]:
        busy = self.bytes_per_busy_s
        return {
            "processes": self.processes,
            "bytes_per_busy_s": None if busy is None else round(busy),
            "bytes_per_s": round(self.wall_bytes_per_s),
        }


def pool_rates(results: Iterable[ScanResult], now_ms: int) -> dict[str, PoolRate]:
    """Each scanner's :class:`PoolRate` from ``results`` (any order): the latest result with a
    rate of each of its processes (``worker_id``) counts."""
    latest: dict[tuple[str, str], ScanResult] = {}
    for result in results:
        key = (result.scanner, result.worker_id)
        if result.rate is not None and (
            key not in latest or result.finished_ms > latest[key].finished_ms
        ):
            latest[key] = result
    out: dict[str, PoolRate] = {}
    for (scanner, _), result in latest.items():
        rate = result.rate
        assert rate is not None  # kept above only with one
        since_s = max(now_ms - result.finished_ms, 0) / 1000
        span_s = rate.window_s + since_s
        wall = rate.scanned_bytes / span_s if span_s > 0 else 0.0
        before = out.get(scanner)
        out[scanner] = PoolRate(
            processes=(before.processes if before else 0) + 1,
            scanned_bytes=(before.scanned_bytes if before else 0) + rate.scanned_bytes,
            busy_s=(before.busy_s if before else 0.0) + rate.busy_s,
            wall_bytes_per_s=(before.wall_bytes_per_s if before else 0.0) + wall,
        )
    return out


async def read_rates(
    connection: KafkaConnection, topics: Topics, now_ms: int
) -> dict[str, PoolRate]:
    """:func:`pool_rates` of the results topic's tail; :class:`BrokerUnavailable` when Kafka
    is away."""
    consumer = await started_consumer(connection)
    try:
        spec = topics.results
        results = [r async for r in tail(consumer, spec.name, spec.partitions, ScanResult)]
    finally:
        await consumer.stop()
    return pool_rates(results, now_ms)


async def tail(
    consumer: AIOKafkaConsumer, topic: str, partitions: int, kind: type[M], count: int = TAIL
) -> AsyncIterator[M]:
    """The last ``count`` decodable messages of each partition of ``topic``."""
    tps = [TopicPartition(topic, p) for p in range(partitions)]
    ends = await consumer.end_offsets(tps)
    starts = await consumer.beginning_offsets(tps)
    wanted = {tp: max(starts[tp], ends[tp] - count) for tp in tps if ends[tp] > starts[tp]}
    if not wanted:
        return
    consumer.assign(list(wanted))
    for tp, offset in wanted.items():
        consumer.seek(tp, offset)
    remaining = dict(wanted)
    try:
        while remaining:
            batch = await consumer.getmany(timeout_ms=2000)
            if not batch:
                break
            for tp, records in batch.items():
                for record in records:
                    with contextlib.suppress(DecodeError):
                        yield decode(kind, record.value)
                if records and records[-1].offset + 1 >= ends[tp]:
                    remaining.pop(tp, None)
    finally:
        consumer.unsubscribe()


async def started_consumer(connection: KafkaConnection) -> AIOKafkaConsumer:
    """A started consumer with no group; :class:`BrokerUnavailable` when Kafka is away."""
    consumer = AIOKafkaConsumer(**connection.client_kwargs(), enable_auto_commit=False)
    try:
        await consumer.start()
    except KafkaError as e:
        await consumer.stop()
        raise BrokerUnavailable(f"cannot reach Kafka at {connection.bootstrap_servers}: {e}") from e
    return consumer
