"""The health of every pool, as Kafka sees it: members, assigned partitions, lag, last result.

``guardstream health`` prints this and exits non-zero when a pool has no members or lags past a
threshold, or a degraded pool (its scans time out); ``guardstream health --serve`` answers
``/health/guardrails`` with it over HTTP; the proxy answers the same path on its own port
(:mod:`shim.health`), from the same reading of the consumer groups (:mod:`topics.groups`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from topics.codec import decode
from topics.connection import KafkaConnection
from topics.errors import BrokerUnavailable, DecodeError, ScannerTimeout
from topics.groups import GroupState, describe_pools
from topics.messages import AuditRecord, ScanResult
from topics.specs import Topics
from workers.settings import POOLS

__all__ = ["POOLS", "PoolHealth", "check_pools"]

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
    consumer = AIOKafkaConsumer(**connection.client_kwargs(), enable_auto_commit=False)
    try:
        await consumer.start()
    except KafkaError as e:
        await consumer.stop()
        raise BrokerUnavailable(f"cannot reach Kafka at {connection.bootstrap_servers}: {e}") from e
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
    for spec, kind in ((topics.results, ScanResult), (topics.audit, AuditRecord)):
        partitions = [TopicPartition(spec.name, p) for p in range(spec.partitions)]
        ends = await consumer.end_offsets(partitions)
        starts = await consumer.beginning_offsets(partitions)
        wanted = {
            tp: max(starts[tp], ends[tp] - _TAIL) for tp in partitions if ends[tp] > starts[tp]
        }
        if not wanted:
            continue
        consumer.assign(list(wanted))
        for tp, offset in wanted.items():
            consumer.seek(tp, offset)
        remaining = dict(wanted)
        while remaining:
            batch = await consumer.getmany(timeout_ms=2000)
            if not batch:
                break
            for tp, records in batch.items():
                for record in records:
                    try:
                        message = decode(kind, record.value)
                    except DecodeError:
                        continue
                    who = message.scanner if isinstance(message, ScanResult) else "audit"
                    if isinstance(message, ScanResult) and message.error.startswith(
                        ScannerTimeout.__name__
                    ):
                        timeouts[who] = timeouts.get(who, 0) + 1
                    at = (
                        message.finished_ms
                        if isinstance(message, ScanResult)
                        else message.completed_ms
                    )
                    last[who] = max(last.get(who, 0), at)
                if records and records[-1].offset + 1 >= ends[tp]:
                    remaining.pop(tp, None)
        consumer.unsubscribe()
    return last, timeouts
