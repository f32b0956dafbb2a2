"""Creating and checking the contract's topics, idempotently."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from aiokafka.admin import AIOKafkaAdminClient, NewPartitions, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from topics.connection import KafkaConnection
from topics.errors import BrokerUnavailable
from topics.specs import TopicSpec, replication_for

__all__ = ["TopicState", "count_brokers", "create_topics", "describe_topics"]

_LEADER_WAIT_S = 15.0


@dataclass(frozen=True, slots=True)
class TopicState:
    """A topic as the cluster has it, against its spec."""

    spec: TopicSpec
    exists: bool
    partitions: int = 0
    replicas: int = 0
    """Copies of each partition (of its first, which all share at creation)."""
    configs: dict[str, str] = field(default_factory=dict)
    created: bool = False
    """True when this call created it."""

    @property
    def problems(self) -> list[str]:
        """How the topic differs from its spec; empty when it matches."""
        if not self.exists:
            return ["missing"]
        found = []
        if self.partitions < self.spec.partitions:
            found.append(f"{self.partitions} partitions, spec says {self.spec.partitions}")
        found.extend(_config_drift(self))
        return found


def _config_drift(state: TopicState) -> list[str]:
    drift = []
    for key, want in state.spec.configs(state.replicas or 1).items():
        have = state.configs.get(key)
        if have is not None and have != want:
            drift.append(f"{key}={have}, spec says {want}")
    return drift


async def create_topics(
    connection: KafkaConnection, specs: list[TopicSpec], *, replication_factor: int = 0
) -> list[TopicState]:
    """Create the topics that are missing; give those that exist their spec's configs and, when
    they have too few, more partitions (Kafka cannot take partitions away).

    ``replication_factor`` 0 (the default) asks the cluster how many brokers it has and keeps
    :func:`~topics.specs.replication_for` that many copies, with ``min.insync.replicas`` to
    match. Safe to run any number of times, by any number of processes at once.
    """
    async with _admin(connection) as admin:
        if replication_factor <= 0:
            cluster = await admin.describe_cluster()
            replication_factor = replication_for(len(cluster["brokers"]))
        existing = set(await admin.list_topics())
        missing = [s for s in specs if s.name not in existing]
        made = {s.name for s in missing}
        if missing:
            new = [
                NewTopic(
                    s.name,
                    s.partitions,
                    replication_factor,
                    topic_configs=s.configs(replication_factor),
                )
                for s in missing
            ]
            try:
                await admin.create_topics(new, validate_only=False)
            except TopicAlreadyExistsError:
                pass  # another process won the race; the describe below sees its topic
        await _wait_for_leaders(admin, [s.name for s in specs])
        states = await _describe(admin, specs, made)
        grow = {
            s.spec.name: NewPartitions(s.spec.partitions)
            for s in states
            if s.exists and s.partitions < s.spec.partitions
        }
        drifted = [s for s in states if s.exists and _config_drift(s)]
        if grow:
            await admin.create_partitions(grow)
            await _wait_for_leaders(admin, list(grow))
        if drifted:
            await admin.alter_configs(
                [
                    ConfigResource(
                        ConfigResourceType.TOPIC, s.spec.name, s.spec.configs(s.replicas)
                    )
                    for s in drifted
                ]
            )
        if grow or drifted:
            states = await _describe(admin, specs, made)
            deadline = time.monotonic() + _LEADER_WAIT_S
            while any(_config_drift(s) for s in states) and time.monotonic() < deadline:
                await asyncio.sleep(0.1)  # altered configs take a moment to be described
                states = await _describe(admin, specs, made)
    return [
        TopicState(
            s.spec, s.exists, s.partitions, s.replicas, s.configs, created=s.spec.name in made
        )
        for s in states
    ]


async def count_brokers(connection: KafkaConnection) -> int:
    """How many brokers the cluster's metadata lists."""
    async with _admin(connection) as admin:
        return len((await admin.describe_cluster())["brokers"])


async def describe_topics(connection: KafkaConnection, specs: list[TopicSpec]) -> list[TopicState]:
    """The cluster's view of each topic in ``specs``."""
    async with _admin(connection) as admin:
        return await _describe(admin, specs)


async def _wait_for_leaders(admin: AIOKafkaAdminClient, names: list[str]) -> None:
    """Wait until every partition has a leader, so clients started next do not see errors."""
    deadline = time.monotonic() + _LEADER_WAIT_S
    while time.monotonic() < deadline:
        described = await admin.describe_topics(names)
        if all(
            t["error_code"] == 0
            and t["partitions"]
            and all(p["leader"] >= 0 for p in t["partitions"])
            for t in described
        ):
            return
        await asyncio.sleep(0.1)
    raise BrokerUnavailable(f"partitions of {', '.join(names)} got no leader in {_LEADER_WAIT_S}s")


async def _described(
    admin: AIOKafkaAdminClient, names: list[str], known: set[str]
) -> dict[str, dict]:
    """``describe_topics`` of ``names`` (topics that exist) by name. Asked again while a
    topic in ``known`` (listed or just created) is missing or has a partition without a leader
    or replicas: each question goes to any node, and a node of a cluster that has just started
    (or just created a topic) may answer before it knows them all."""
    deadline = time.monotonic() + _LEADER_WAIT_S
    while True:
        described = {
            t["topic"]: t for t in await admin.describe_topics(names) if t["error_code"] == 0
        }
        settled = all(
            name in described
            and described[name]["partitions"]
            and all(p["leader"] >= 0 and p["replicas"] for p in described[name]["partitions"])
            for name in known
        )
        if settled or time.monotonic() > deadline:
            return described
        await asyncio.sleep(0.1)


async def _describe(
    admin: AIOKafkaAdminClient, specs: list[TopicSpec], known: set[str] | None = None
) -> list[TopicState]:
    """The cluster's view of ``specs``; ``known`` names topics certain to exist (just created),
    which a node's stale answer must not report missing."""
    names = {s.name for s in specs}
    # only topics known to exist are described: asking a broker about a missing one creates
    # it with the broker's defaults where auto.create.topics.enable is on (Kafka's default)
    known = (set(await admin.list_topics()) | (known or set())) & names
    described = await _described(admin, sorted(known), known) if known else {}
    present = [s for s in specs if s.name in described]
    configs: dict[str, dict[str, str]] = {}
    if present:
        resources = [ConfigResource(ConfigResourceType.TOPIC, s.name) for s in present]
        for response in await admin.describe_configs(resources):
            for _err, _msg, _type, name, entries in response.resources:
                configs[name] = {entry[0]: entry[1] for entry in entries}
    states = []
    for s in specs:
        partitions = described[s.name]["partitions"] if s.name in described else []
        replicas = len(partitions[0]["replicas"]) if partitions else 0
        states.append(
            TopicState(s, s.name in described, len(partitions), replicas, configs.get(s.name, {}))
        )
    return states


class _admin:
    """An admin client that turns connection failures into :class:`BrokerUnavailable`."""

    def __init__(self, connection: KafkaConnection) -> None:
        self._client = AIOKafkaAdminClient(**connection.client_kwargs(), request_timeout_ms=15000)
        self._where = connection.bootstrap_servers

    async def __aenter__(self) -> AIOKafkaAdminClient:
        try:
            await self._client.start()
        except KafkaError as e:
            await self._client.close()
            raise BrokerUnavailable(f"cannot reach Kafka at {self._where}: {e}") from e
        return self._client

    async def __aexit__(self, *exc: object) -> None:
        await self._client.close()
