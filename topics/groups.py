"""The pools' consumer groups as Kafka sees them: members, assigned partitions, lag.

Each scanner kind (and the audit pool) is one consumer group, named by :func:`pool_group`.
Both the proxy's ``/health/guardrails`` (the shim) and ``guardstream health`` (the workers)
read the groups through :func:`describe_pools`, so they report the same thing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.coordinator.protocol import ConsumerProtocolMemberAssignment
from aiokafka.errors import KafkaError

from topics.connection import KafkaConnection
from topics.errors import BrokerUnavailable
from topics.specs import Topics

__all__ = ["GroupState", "describe_pools", "pool_group", "pool_sources"]


def pool_group(topics: Topics, kind: str) -> str:
    """The consumer group of the pool of ``kind``."""
    return f"{topics.prefix}-pool-{kind}"


def pool_sources(topics: Topics, kind: str) -> list[str]:
    """The topics the pool of ``kind`` consumes (its lag is summed over them)."""
    if kind == "audit":
        return [
            topics.requests.name,
            topics.verdicts.name,
            topics.results.name,
            topics.audit_joins.name,
        ]
    return [topics.requests.name]


@dataclass(frozen=True, slots=True)
class GroupState:
    """One pool's consumer group."""

    kind: str
    group: str
    state: str
    """Kafka's group state: ``Stable``, ``PreparingRebalance``, ``Empty``, ``Dead``..."""
    members: list[str] = field(default_factory=list)
    """``client-id@host#member`` of each member."""
    assigned: dict[str, list[int]] = field(default_factory=dict)
    """Requests-topic partitions by member."""
    lag: int = 0
    """Messages on its source topics not yet committed by the group."""


async def describe_pools(
    connection: KafkaConnection, topics: Topics, kinds: Iterable[str]
) -> list[GroupState]:
    """The state of each pool in ``kinds``; :class:`BrokerUnavailable` when Kafka is not
    reachable."""
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
        return [await _describe(admin, consumer, topics, kind) for kind in kinds]
    except KafkaError as e:
        raise BrokerUnavailable(f"Kafka at {connection.bootstrap_servers}: {e}") from e
    finally:
        await consumer.stop()
        await admin.close()


async def _describe(
    admin: AIOKafkaAdminClient, consumer: AIOKafkaConsumer, topics: Topics, kind: str
) -> GroupState:
    group_id = pool_group(topics, kind)
    described = None
    # one group at a time: aiokafka misreads some multi-group answers
    for response in await admin.describe_consumer_groups([group_id]):
        for group in response.groups:
            if group[1] == group_id:
                described = group
    members: list[str] = []
    assigned: dict[str, list[int]] = {}
    for member in described[5] if described else []:
        name = f"{member[1]}@{member[2].lstrip('/')}#{member[0][-8:]}"
        members.append(name)
        assigned[name] = _partitions(member[4], topics.requests.name)
    committed = await admin.list_consumer_group_offsets(group_id)
    counts = {spec.name: spec.partitions for spec in topics.all()}
    partitions = [
        TopicPartition(t, p) for t in pool_sources(topics, kind) for p in range(counts[t])
    ]
    ends = await consumer.end_offsets(partitions)
    starts = await consumer.beginning_offsets(partitions)
    lag = 0
    for tp in partitions:
        done = committed[tp].offset if tp in committed and committed[tp].offset >= 0 else starts[tp]
        lag += max(0, ends[tp] - done)
    state = described[2] if described else "Dead"
    return GroupState(kind, group_id, state, members, assigned, lag)


def _partitions(assignment: bytes, topic: str) -> list[int]:
    if not assignment:
        return []
    try:
        decoded = ConsumerProtocolMemberAssignment.decode(assignment)
    except Exception:  # a member of another protocol; its assignment is not ours to read
        return []
    return sorted(p for t, parts in decoded.assignment if t == topic for p in parts)
