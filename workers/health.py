"""The health of every pool, as Kafka sees it: members, assigned partitions, lag, last result.

``guardstream health`` prints this and exits non-zero when a pool has no members or lags past a
threshold; ``guardstream health --serve`` answers ``/health/guardrails`` with it over HTTP, the
endpoint the users' guide expects.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.coordinator.protocol import ConsumerProtocolMemberAssignment
from aiokafka.errors import KafkaError

from topics.codec import decode
from topics.connection import KafkaConnection
from topics.errors import BrokerUnavailable, DecodeError, ScannerTimeout
from topics.messages import AuditRecord, ScanResult
from topics.specs import Topics
from workers.settings import POOLS

__all__ = ["POOLS", "PoolHealth", "check_pools"]

_TAIL = 50


@dataclass(slots=True)
class PoolHealth:
    """One pool's state."""

    pool: str
    group: str
    state: str
    members: list[str] = field(default_factory=list)
    assigned: dict[str, list[int]] = field(default_factory=dict)
    """Requests-topic partitions by member."""
    lag: int = 0
    last_result_age_s: float | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {
            "pool": self.pool, "group": self.group, "state": self.state, "healthy": self.healthy,
            "members": self.members, "assigned": self.assigned, "lag": self.lag,
            "last_result_age_s": self.last_result_age_s, "problems": self.problems,
        }  # fmt: skip


async def check_pools(
    connection: KafkaConnection,
    topics: Topics,
    pools: tuple[str, ...] = POOLS,
    *,
    max_lag: int = 1000,
) -> list[PoolHealth]:
    """The health of each of ``pools``."""
    admin = AIOKafkaAdminClient(**connection.client_kwargs(), request_timeout_ms=10000)
    consumer = AIOKafkaConsumer(**connection.client_kwargs(), enable_auto_commit=False)
    try:
        await admin.start()
        await consumer.start()
    except KafkaError as e:
        await admin.close()
        await consumer.stop()
        raise BrokerUnavailable(f"cannot reach Kafka at {connection.bootstrap_servers}: {e}") from e
    try:
        groups = [f"{topics.prefix}-pool-{pool}" for pool in pools]
        described = {}
        for group_id in groups:  # one at a time: aiokafka misreads some multi-group answers
            for response in await admin.describe_consumer_groups([group_id]):
                for group in response.groups:
                    described[group[1]] = group
        last, timeouts = await _last_results(consumer, topics)
        out = []
        for pool, group_id in zip(pools, groups, strict=True):
            sources = _sources(topics, pool)
            health = PoolHealth(
                pool, group_id, described[group_id][2] if group_id in described else "Dead"
            )
            for member in described.get(group_id, (None, None, None, None, None, []))[5]:
                name = f"{member[1]}@{member[2].lstrip('/')}#{member[0][-8:]}"
                health.members.append(name)
                health.assigned[name] = _partitions(member[4], topics.requests.name)
            committed = await admin.list_consumer_group_offsets(group_id)
            partitions = [TopicPartition(t, p) for t in sources for p in range(_count(topics, t))]
            ends = await consumer.end_offsets(partitions)
            starts = await consumer.beginning_offsets(partitions)
            for tp in partitions:
                done = (
                    committed[tp].offset
                    if tp in committed and committed[tp].offset >= 0
                    else starts[tp]
                )
                health.lag += max(0, ends[tp] - done)
            if pool in last:
                health.last_result_age_s = round(time.time() - last[pool] / 1000, 3)
            if not health.members:
                health.problems.append("no members: the pool is not running")
            if health.lag > max_lag:
                health.problems.append(f"lag {health.lag} is over {max_lag}")
            if timeouts.get(pool):
                health.problems.append(
                    f"degraded: {timeouts[pool]} of its last results are scan timeouts"
                )
            out.append(health)
        return out
    finally:
        await consumer.stop()
        await admin.close()


def _sources(topics: Topics, pool: str) -> list[str]:
    if pool == "audit":
        return [
            topics.requests.name,
            topics.verdicts.name,
            topics.results.name,
            topics.audit_joins.name,
        ]
    return [topics.requests.name]


def _count(topics: Topics, name: str) -> int:
    return next(s.partitions for s in topics.all() if s.name == name)


def _partitions(assignment: bytes, topic: str) -> list[int]:
    if not assignment:
        return []
    try:
        decoded = ConsumerProtocolMemberAssignment.decode(assignment)
    except Exception:  # a member of another protocol; its assignment is not ours to read
        return []
    return sorted(p for t, parts in decoded.assignment if t == topic for p in parts)


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
