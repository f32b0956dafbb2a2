"""Shared pieces of the chaos suite: the request count, a background topic reader, and a
figures summary printed by each chaos test (and by ``bench/chaos.py``).

SHORT mode (the default, what CI runs) keeps every test to seconds; LONG mode is chosen with
``GUARDSTREAM_CHAOS_REQUESTS=N`` (e.g. 10000), which sets how many requests the load tests send.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError

from tests.pools import KEYWORD_SCANNER, PoolProcess
from topics import DecodeError, KafkaConnection, ScanRequest, Topics, decode, encode, message_key

__all__ = [
    "Figures",
    "Tail",
    "chaos_requests",
    "longest_pause_ms",
    "recovery_ms",
    "send_with_retry",
]


def chaos_requests(short: int) -> int:
    """How many requests a load test sends: ``short`` unless ``GUARDSTREAM_CHAOS_REQUESTS``
    asks for more (LONG mode)."""
    return int(os.environ.get("GUARDSTREAM_CHAOS_REQUESTS") or short)


def broker_chaos_pools(kafka: KafkaConnection, topics: Topics, home: Path) -> list[PoolProcess]:
    """The pools the broker chaos tests run (not started): a keyword scanner, secrets, and an
    audit pool that waits long enough for logging-only verdicts across an outage."""
    config = home / "guardstream.yaml"
    config.write_text(yaml.safe_dump({"pools": {"audit": {
        "audit": {"logging_only_deadline_s": 60, "verdict_grace_s": 5},
    }}}))  # fmt: skip
    return [
        PoolProcess(kafka, topics, "keyword", "--scanner-class", KEYWORD_SCANNER, home=home),
        PoolProcess(kafka, topics, "secrets", home=home),
        PoolProcess(kafka, topics, "audit", "--config", str(config), home=home),
    ]


class Tail:
    """Reads every partition of one topic from the beginning in a background task, decoding
    each value as ``cls``; keeps ``(message, broker timestamp ms)`` pairs. The consumer
    reconnects by itself across a broker restart."""

    def __init__(
        self,
        kafka: KafkaConnection,
        topic: str,
        partitions: int,
        cls: type,
        *,
        isolation_level: str = "read_uncommitted",
    ) -> None:
        self.kafka = kafka
        self.isolation_level = isolation_level
        """``read_committed`` for a topic written in transactions (the audit topic), to count
        what every reader sees; the default reads aborted writes too."""
        self.topic = topic
        self.partitions = partitions
        self.cls = cls
        self.items: list[tuple[Any, int]] = []
        self.undecodable = 0
        self._task: asyncio.Task[None] | None = None
        self._consumer: AIOKafkaConsumer | None = None

    async def __aenter__(self) -> Tail:
        self._consumer = AIOKafkaConsumer(
            **self.kafka.consumer_kwargs(),
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level=self.isolation_level,
            fetch_max_bytes=64 * 1024 * 1024,
            max_partition_fetch_bytes=16 * 1024 * 1024,
        )
        await self._consumer.start()
        self._consumer.assign([TopicPartition(self.topic, p) for p in range(self.partitions)])
        await self._consumer.seek_to_beginning()
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._consumer is not None:
            await self._consumer.stop()

    async def _run(self) -> None:
        assert self._consumer is not None
        while True:
            try:
                batch = await self._consumer.getmany(timeout_ms=300)
            except KafkaError:  # the broker is restarting: aiokafka reconnects on the next call
                await asyncio.sleep(0.3)
                continue
            for records in batch.values():
                for record in records:
                    try:
                        self.items.append((decode(self.cls, record.value), record.timestamp))
                    except DecodeError:
                        self.undecodable += 1

    def messages(self) -> list[Any]:
        """Every message read so far."""
        return [m for m, _ in self.items]

    async def until(self, done: Callable[[list[Any]], bool], timeout: float) -> list[Any]:
        """Wait until ``done(messages)`` holds or ``timeout`` passes; return the messages."""
        deadline = time.monotonic() + timeout
        while not done(self.messages()) and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        return self.messages()


async def send_with_retry(
    producer: AIOKafkaProducer, topics: Topics, request: ScanRequest, give_up_s: float = 120.0
) -> int:
    """Publish ``request`` like the shim would, retrying while the broker is away; return how
    many attempts failed (a failed attempt may still have been written: duplicates are the
    pipeline's to absorb)."""
    failures = 0
    deadline = time.monotonic() + give_up_s
    while True:
        try:
            await producer.send_and_wait(
                topic=topics.requests.name,
                value=encode(request),
                key=message_key(request.request_id),
            )
            return failures
        except KafkaError:
            failures += 1
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)


def recovery_ms(stamps: list[tuple[str, int]], back_ms: int) -> dict[str, int]:
    """For each pool in ``stamps`` (``(pool, time it wrote something, ms)`` pairs), how long
    after ``back_ms`` (when the broker or leader was back) it first wrote again; -1 for a pool
    that never did."""
    pools = {pool for pool, _ in stamps}
    after = {pool: [at for p, at in stamps if p == pool and at >= back_ms] for pool in pools}
    return {pool: (min(at) - back_ms if at else -1) for pool, at in sorted(after.items())}


def longest_pause_ms(stamps: list[tuple[str, int]], since_ms: int) -> dict[str, int]:
    """For each pool in ``stamps``, the longest time it wrote nothing from ``since_ms`` (a kill)
    on: how long the kill stopped it. -1 for a pool that never wrote after ``since_ms``."""
    pools = sorted({pool for pool, _ in stamps})
    pauses = {}
    for pool in pools:
        times = sorted(at for p, at in stamps if p == pool and at >= since_ms)
        gaps = [b - a for a, b in zip([since_ms, *times], times, strict=False)]
        pauses[pool] = max(gaps) if times else -1
    return pauses


@dataclass
class Figures:
    """What one chaos run measured, printed at the end of each load test."""

    requests: int
    answered: int = 0
    duplicates: int = 0
    lost: int = 0
    worst_delay_ms: int = 0
    recovery_ms: dict[str, int] = field(default_factory=dict)
    """How long after the broker (or a leader) was back each pool wrote again."""
    one_audit_record: int | None = None
    audit_records: int | None = None
    """Audit records on the topic, duplicates included (read raw, not through a reader)."""
    dead_letters: dict[str, int] = field(default_factory=dict)
    events: list[str] = field(default_factory=list)

    def show(self, title: str) -> str:
        """A few lines for the test's output (``pytest -s``) or the bench script."""
        lines = [
            f"== {title}: {self.requests} requests",
            f"   answered (distinct ids)    {self.answered}",
            f"   verdicts lost              {self.lost}",
            f"   duplicate results absorbed {self.duplicates}",
            f"   worst verdict delay        {self.worst_delay_ms} ms",
        ]
        if self.recovery_ms:
            worst = max(self.recovery_ms.values())
            lines.append(f"   consuming again after      {worst} ms (worst; {self.recovery_ms})")
        if self.audit_records is not None:
            lines.append(f"   audit records              {self.audit_records}")
        if self.one_audit_record is not None:
            lines.append(f"   exactly one audit record   {self.one_audit_record}")
        lines.append(f"   dead letters by reason     {self.dead_letters or '{}'}")
        lines += [f"   {e}" for e in self.events]
        text = "\n".join(lines)
        print(text)
        return text
