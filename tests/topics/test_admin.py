from __future__ import annotations

import asyncio
import uuid

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from topics import KafkaConnection, Topics
from topics.admin import create_topics, describe_topics


async def test_create_is_idempotent_and_matches_the_spec(kafka: KafkaConnection) -> None:
    names = Topics(prefix=f"admin-{uuid.uuid4().hex[:8]}", partitions=4)
    first = await create_topics(kafka, names.all())
    assert all(s.created for s in first)
    assert [s.problems for s in first] == [[] for _ in first]
    assert {s.spec.name: s.partitions for s in first} == {s.name: s.partitions for s in names.all()}
    second = await create_topics(kafka, names.all())
    assert not any(s.created for s in second)
    assert [(s.spec.name, s.partitions) for s in second] == [
        (s.spec.name, s.partitions) for s in first
    ]
    audit = next(s for s in second if s.spec.name == names.audit.name)
    assert audit.configs["retention.ms"] == str(30 * 86_400_000)
    assert audit.configs["cleanup.policy"] == "delete"


async def test_describe_reports_missing_and_short_topics(kafka: KafkaConnection) -> None:
    names = Topics(prefix=f"admin-{uuid.uuid4().hex[:8]}", partitions=4)
    admin = AIOKafkaAdminClient(**kafka.client_kwargs())
    await admin.start()
    try:
        await admin.create_topics([NewTopic(names.requests.name, 2, 1)])
    finally:
        await admin.close()
    for _ in range(100):  # a new topic takes a moment to reach the broker's metadata
        states = {s.spec.name: s for s in await describe_topics(kafka, names.all())}
        if states[names.requests.name].exists:
            break
        await asyncio.sleep(0.1)
    short = states[names.requests.name].problems
    assert short[:2] == ["2 partitions, spec says 4", "retention.ms=604800000, spec says 86400000"]
    # the broker-wide default differs between brokers; the spec's value does not
    assert short[2].startswith("max.message.bytes=") and short[2].endswith("spec says 8388608")
    assert states[names.audit.name].problems == ["missing"]
    grown = {s.spec.name: s for s in await create_topics(kafka, names.all())}
    assert grown[names.requests.name].partitions == 4
    assert grown[names.requests.name].configs["retention.ms"] == "86400000"
    assert all(not s.problems for s in grown.values())


async def test_audit_retention_is_configurable_and_applied_to_an_existing_topic(
    kafka: KafkaConnection,
) -> None:
    prefix = f"retain-{uuid.uuid4().hex[:8]}"
    kept = Topics(prefix=prefix, partitions=1, audit_retention_days=90)
    first = await create_topics(kafka, [kept.audit])
    assert first[0].configs["retention.ms"] == str(90 * 86_400_000)
    shorter = Topics(prefix=prefix, partitions=1, audit_retention_days=7)
    (state,) = await create_topics(kafka, [shorter.audit])
    assert state.configs["retention.ms"] == str(7 * 86_400_000)
