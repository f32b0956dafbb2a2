"""The health of every pool, as Kafka sees it: members, assigned partitions, lag, last result.

``guardstream health`` prints this and exits non-zero when a pool has no members or lags past a
threshold, or a degraded pool (its scans time out); ``guardstream health --serve`` answers
``/health/guardrails`` with it over HTTP; the proxy answers the same path on its own port
(:mod:`shim.health`), from the same reading of the consumer groups (:mod:`topics.groups`).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TypeVar

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from topics.codec import decode
from topics.connection import KafkaConnection
from topics.errors import BrokerUnavailable, DecodeError, ScannerTimeout
from topics.groups import GroupState, describe_pools
from topics.messages import AuditRecord, ScanResult, Verdict
from topics.specs import Topics
from workers.settings import POOLS

__all__ = ["POOLS", "PoolHealth", "check_pools", "recent_fail_policy"]

M = TypeVar("M")

_TAIL = 50


@dataclass(slots=True)
class PoolHealth:
    """One pool's state: its consumer group, its last result, what is wrong with it."""

    group: GroupState
    last_result_age_s: float | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def pool(self) -> str:
        return self.group.kind

    @property
    def healthy(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        g = self.group
        return {
            "pool": g.kind, "group": g.group, "state": g.state, "healthy": self.healthy,
            "members": g.members, "assigned": g.assigned, "lag": g.lag,
            "last_result_age_s": self.last_result_age_s, "problems": self.problems,
        }  # fmt: skip


async def check_pools(
    connection: KafkaConnection,
    topics: Topics,
    pools: tuple[str, ...] = POOLS,
    *,
    max_lag: int = 1000,
) -> list[PoolHealth]:
    """The health of each of ``pools``: its consumer group (:func:`topics.groups.describe_pools`,
    the same reading the proxy's ``/health/guardrails`` makes) and its latest results."""
    groups = await describe_pools(connection, topics, pools)
    consumer = await _started_consumer(connection)
    try:
        last, timeouts = await _last_results(consumer, topics)
    finally:
        await consumer.stop()
    out = []
    for group in groups:
        health = PoolHealth(group)
        if group.kind in last:
            health.last_result_age_s = round(time.time() - last[group.kind] / 1000, 3)
        if not group.members:
            health.problems.append("no members: the pool is not running")
        if group.lag > max_lag:
            health.problems.append(f"lag {group.lag} is over {max_lag}")
        if timeouts.get(group.kind):
            health.problems.append(
                f"degraded: {timeouts[group.kind]} of its last results are scan timeouts"
            )
        out.append(health)
    return out


async def _last_results(
    consumer: AIOKafkaConsumer, topics: Topics
) -> tuple[dict[str, int], dict[str, int]]:
    """When each scanner last answered, and when the audit pool last wrote, from topic tails;
    and how many of each scanner's results there were scan timeouts."""
    last: dict[str, int] = {}
    timeouts: dict[str, int] = {}
    async for result in _tail(consumer, topics.results.name, topics.results.partitions, ScanResult):
        last[result.scanner] = max(last.get(result.scanner, 0), result.finished_ms)
        if result.error.startswith(ScannerTimeout.__name__):
            timeouts[result.scanner] = timeouts.get(result.scanner, 0) + 1
    async for record in _tail(consumer, topics.audit.name, topics.audit.partitions, AuditRecord):
        last["audit"] = max(last.get("audit", 0), record.completed_ms)
    return last, timeouts


async def recent_fail_policy(connection: KafkaConnection, topics: Topics) -> dict[str, int]:
    """Of the proxies' latest verdicts (up to 50 a partition): how many there were, and how
    many the fail policy decided, ``open`` and ``closed`` (the shim's own counts, as the
    proxy's ``/health/guardrails`` gives them per process)."""
    consumer = await _started_consumer(connection)
    counts = {"verdicts": 0, "open": 0, "closed": 0}
    try:
        spec = topics.verdicts
        async for verdict in _tail(consumer, spec.name, spec.partitions, Verdict):
            counts["verdicts"] += 1
            if verdict.fail_policy_applied:
                counts[verdict.fail_policy_applied] += 1
    finally:
        await consumer.stop()
    return counts


async def _tail(
    consumer: AIOKafkaConsumer, topic: str, partitions: int, kind: type[M]
) -> AsyncIterator[M]:
    """The last :data:`_TAIL` decodable messages of each partition of ``topic``."""
    tps = [TopicPartition(topic, p) for p in range(partitions)]
    ends = await consumer.end_offsets(tps)
    starts = await consumer.beginning_offsets(tps)
    wanted = {tp: max(starts[tp], ends[tp] - _TAIL) for tp in tps if ends[tp] > starts[tp]}
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


async def _started_consumer(connection: KafkaConnection) -> AIOKafkaConsumer:
    """A started consumer with no group; :class:`BrokerUnavailable` when Kafka is away."""
    consumer = AIOKafkaConsumer(**connection.client_kwargs(), enable_auto_commit=False)
    try:
        await consumer.start()
    except KafkaError as e:
        await consumer.stop()
        raise BrokerUnavailable(f"cannot reach Kafka at {connection.bootstrap_servers}: {e}") from e
    return consumer
