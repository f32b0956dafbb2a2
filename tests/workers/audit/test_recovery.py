"""A restarted exactly-once audit pool restores its whole join table before it joins again.

The table's changelog is written here directly, as the pool writes it (the key as JSON, the
state's bytes), and large enough that the consumer hands recovery its records in many batches:
a recovery that ends before the last of them arrives forgets markers (their records would be
written again) and pending states (their records never).
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import yaml
from aiokafka import AIOKafkaProducer

from tests.pools import running_pool
from topics import KafkaConnection, Topics
from workers.audit.join import AuditState

MARKERS = 30_000


async def _write_markers(kafka: KafkaConnection, topics: Topics, now_ms: int) -> None:
    producer = AIOKafkaProducer(**kafka.producer_kwargs(), linger_ms=20)
    await producer.start()
    try:
        sends = [
            await producer.send(
                topics.audit_state.name,
                AuditState(first_seen_ms=now_ms - 1_000, emitted_ms=now_ms).dump(),
                key=json.dumps(f"req-{i:06d}|request").encode(),
                partition=i % topics.partitions,
            )
            for i in range(MARKERS)
        ]
        await asyncio.gather(*sends)
    finally:
        await producer.stop()


async def test_a_restarted_pool_restores_every_marker_and_writes_nothing_again(
    kafka: KafkaConnection, topics: Topics, tmp_path: Path
) -> None:
    await _write_markers(kafka, topics, int(time.time() * 1000))
    config = tmp_path / "guardstream.yaml"
    config.write_text(yaml.safe_dump({"pools": {"audit": {"audit": {"exactly_once": True}}}}))
    with running_pool(kafka, topics, "audit", "--config", str(config), home=tmp_path) as audit:
        held = 0
        for _ in range(120):
            held = audit.health()["join_states"]
            if held >= MARKERS:
                break
            await asyncio.sleep(0.5)
        assert held == MARKERS
        await asyncio.sleep(2)  # the deadline timer has looked at every state by now
        assert audit.health()["records_written"] == 0
