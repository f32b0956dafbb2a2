"""kill -9 of the audit pool, again and again, while requests keep coming.

The test plays the scanner pools and the proxy (each request's result and verdict), so every
request completes one audit record. Every few seconds the audit pool is frozen, noted as caught
inside a transaction or not (an audit partition's committed end behind its raw end), killed
without a goodbye, and a fresh process takes its place (the same worker: the same transactional
id, which aborts what the dead one left open). Every request must have exactly one committed
audit record (read ``read_committed``, as every reader reads the topic, with no filter that
hides duplicates): none lost, none twice.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections import Counter
from pathlib import Path

import pytest
import yaml
from aiokafka import AIOKafkaConsumer, TopicPartition

from tests.chaos.common import Figures, Tail, chaos_requests
from tests.pools import Bus, PoolProcess, scan_request
from topics import AuditRecord, KafkaConnection, ScanResult, Topics, Verdict, encode, message_key

N = chaos_requests(300)
pytestmark = pytest.mark.timeout(max(400, N // 8))

RATE = 50
"""Requests per second: about what one audit pool writes in transactions on a small machine."""


def _parts(request: object, now: int) -> tuple[ScanResult, Verdict]:
    result = ScanResult(
        request_id=request.request_id, correlation_id=request.correlation_id,  # type: ignore[attr-defined]
        phase="request", scanner="keyword", verdict="allow", score=0.0, worker_id="chaos",
        scan_ms=1.0, finished_ms=now,
    )  # fmt: skip
    verdict = Verdict(
        request_id=request.request_id, correlation_id=request.correlation_id,  # type: ignore[attr-defined]
        phase="request", mode="pre_call", decision="allow", decided_ms=now, waited_ms=2.0,
    )  # fmt: skip
    return result, verdict


async def _ends(kafka: KafkaConnection, topics: Topics, isolation: str) -> AIOKafkaConsumer:
    consumer = AIOKafkaConsumer(**kafka.consumer_kwargs(), isolation_level=isolation)
    await consumer.start()
    return consumer


def _twice(
    stamps: list[tuple[AuditRecord, int]], copies: Counter[str], kills_ms: list[int]
) -> list[str]:
    """Where the first requests with more than one committed record sit against the kills:
    when each copy was written, ms from the nearest kill before it."""
    lines = []
    for request_id in [rid for rid, n in copies.items() if n > 1][:10]:
        times = [at for r, at in stamps if r.request_id == request_id]
        since = [at - max((k for k in kills_ms if k <= at), default=0) for at in times]
        created = next(r.created_ms for r, _ in stamps if r.request_id == request_id)
        lines.append(
            f"twice {request_id}: created {created}, copies written {times} "
            f"({since} ms after the kill before each)"
        )
    return lines


async def test_repeated_kill_9_of_the_audit_pool_audits_each_request_once(
    kafka: KafkaConnection, topics: Topics, tmp_path: Path
) -> None:
    config = tmp_path / "guardstream.yaml"
    config.write_text(yaml.safe_dump({"pools": {"audit": {
        "session_timeout_s": 6,  # the broker's smallest: the dead member's partitions move soon
        "audit": {"logging_only_deadline_s": 60, "verdict_grace_s": 5, "exactly_once": True},
    }}}))  # fmt: skip

    def fresh() -> PoolProcess:
        return PoolProcess(kafka, topics, "audit", "--config", str(config), home=tmp_path)

    pool = fresh()
    figures = Figures(N)
    sent: list[str] = []
    kills_ms: list[int] = []
    sending_done = asyncio.Event()
    raw_ends = await _ends(kafka, topics, "read_uncommitted")
    stable_ends = await _ends(kafka, topics, "read_committed")
    partitions = [TopicPartition(topics.audit.name, p) for p in range(topics.partitions)]

    async def send(bus: Bus) -> None:
        began = time.monotonic()
        for i in range(N):
            request = scan_request([f"text {i}"], ["keyword"], topics)
            result, verdict = _parts(request, int(time.time() * 1000))
            key = message_key(request.request_id)
            await bus.send(request)
            await bus.producer.send_and_wait(topics.results.name, encode(result), key=key)
            await bus.producer.send_and_wait(topics.verdicts.name, encode(verdict), key=key)
            sent.append(request.request_id)
            lag = began + (i + 1) / RATE - time.monotonic()
            if lag > 0:
                await asyncio.sleep(lag)
        sending_done.set()

    async def chaos() -> None:
        nonlocal pool
        rounds = in_transaction = 0
        while not sending_done.is_set() or rounds < 2:
            await asyncio.sleep(3.0)  # the pool writes for a while first
            os.kill(pool.process.pid, signal.SIGSTOP)  # frozen: no commit can follow
            ends = await raw_ends.end_offsets(partitions)
            stable = await stable_ends.end_offsets(partitions)
            caught = any(stable[tp] < ends[tp] for tp in partitions)
            pool.kill()  # SIGKILL works on a stopped process
            kills_ms.append(int(time.time() * 1000))
            pool.stop()  # closes its log
            rounds += 1
            in_transaction += caught
            began = time.monotonic()
            pool = fresh()
            await asyncio.to_thread(pool.wait_ready)
            figures.events.append(
                f"kill {rounds}{' inside a transaction' if caught else ''}: "
                f"the new pool ready after {time.monotonic() - began:.1f} s"
            )
        figures.events.append(f"kills inside an open transaction: {in_transaction} of {rounds}")

    try:
        await asyncio.to_thread(pool.wait_ready)
        async with (
            Bus(kafka, topics) as bus,
            Tail(
                kafka, topics.audit.name, topics.partitions, AuditRecord,
                isolation_level="read_committed",
            ) as audit,
            Tail(kafka, topics.audit.name, topics.partitions, AuditRecord) as raw,
        ):  # fmt: skip
            await asyncio.gather(send(bus), chaos())
            await audit.until(lambda got: {r.request_id for r in got} >= set(sent), N // 10 + 120)
            await asyncio.sleep(6)  # past the verdict grace: a late duplicate would show now
            records = audit.messages()
            stamps = list(audit.items)
            copies_read_raw = len(raw.messages())
        exit_code = pool.process.poll()
    finally:
        pool.stop()
        await raw_ends.stop()
        await stable_ends.stop()

    created = set(sent)
    copies = Counter(r.request_id for r in records)
    figures.answered = len(set(copies) & created)
    figures.lost = len(created - set(copies))
    figures.one_audit_record = sum(copies.get(rid) == 1 for rid in created)
    figures.audit_records = len(records)
    figures.worst_delay_ms = max(
        (at - r.created_ms for r, at in stamps if r.request_id in created), default=0
    )
    twice = sum(n - 1 for n in copies.values())
    figures.events.append(f"committed copies beyond the first: {twice}")
    figures.events.append(f"copies read raw (aborted ones included): {copies_read_raw}")
    figures.events += _twice(stamps, copies, kills_ms)
    figures.show("kill -9 of the audit pool")
    assert exit_code is None, "the last audit pool died"
    assert figures.lost == 0, sorted(created - set(copies))[:5]
    assert figures.one_audit_record == N, {k: n for k, n in copies.items() if n != 1}
    assert figures.audit_records == N
