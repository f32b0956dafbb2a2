"""The broker stops and comes back on the same port and data folder while requests flow.

A dedicated local broker (the session's broker is shared, so it cannot be restarted), two scanner
pools and the audit pool run on it. Half-way through the load the broker is stopped and started
again; the pools' consumers and producers must reconnect by themselves, and the audit pool must
write exactly one record per request, none lost, each with the right decision.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from tests.chaos.common import (
    Figures,
    Tail,
    broker_chaos_pools,
    chaos_requests,
    recovery_ms,
    send_with_retry,
)
from tests.pools import Bus, scan_request
from topics import AuditRecord, DeadLetter, KafkaConnection, ScanResult, Topics
from topics.admin import create_topics
from workers.cli.environment import Environment
from workers.local.broker import LocalBroker

N = chaos_requests(120)
pytestmark = [
    pytest.mark.timeout(max(300, N // 10)),
    pytest.mark.skipif(shutil.which("java") is None, reason="the local broker needs Java"),
]
AWS_KEY = "AKIAQWERTYUIOPASDFGH"


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[LocalBroker]:
    env = Environment.from_environ(os.environ)
    local = LocalBroker(tmp_path / "broker", env.jars(), java_home=env.java_home, heap="512m")
    try:
        yield local
    finally:
        local.stop()


def _expected(i: int) -> tuple[str, str]:
    """The text of request ``i`` and what its scanners must ask for (the requests are
    ``logging_only``: each is recorded as served, with the scanners' verdicts)."""
    return [
        (f"hello {i}", "allow"),
        (f"this is forbidden {i}", "block"),
        (f"my key is {AWS_KEY} ({i})", "mask"),
    ][i % 3]


async def test_a_broker_restart_loses_no_request_and_audits_each_once(
    broker: LocalBroker, tmp_path: Path
) -> None:
    info = broker.start()
    port = int(info.bootstrap_servers.rsplit(":", 1)[1])
    kafka = KafkaConnection(info.bootstrap_servers)
    topics = Topics(prefix=f"restart-{uuid.uuid4().hex[:8]}", partitions=3)
    await create_topics(kafka, topics.all())
    pools = broker_chaos_pools(kafka, topics, tmp_path)
    figures = Figures(N)
    expected: dict[str, str] = {}
    created: dict[str, int] = {}
    try:
        await asyncio.gather(*(asyncio.to_thread(p.wait_ready) for p in pools))
        async with (
            Bus(kafka, topics) as bus,
            Tail(
                kafka,
                topics.audit.name,
                topics.partitions,
                AuditRecord,
                isolation_level="read_committed",
            ) as audit,
            Tail(kafka, topics.results.name, topics.partitions, ScanResult) as results,
        ):
            retries = 0
            for i in range(N):
                text, decision = _expected(i)
                request = replace(
                    scan_request([text], ["keyword", "secrets"], topics, request_id=f"b{i}"),
                    mode="logging_only",
                    reply=None,
                )
                expected[request.request_id] = decision
                created[request.request_id] = request.created_ms
                retries += await send_with_retry(bus.producer, topics, request)
                if i == N // 2:
                    began = time.monotonic()
                    assert broker.stop(timeout=0)  # SIGKILL: a crash, not a goodbye
                    await asyncio.sleep(2)
                    again = await asyncio.to_thread(broker.start, port=port)
                    back_ms = int(time.time() * 1000)
                    assert again.bootstrap_servers == info.bootstrap_servers
                    figures.events.append(
                        f"broker down and back in {time.monotonic() - began:.1f} s"
                    )
                await asyncio.sleep(0.02)
            figures.events.append(f"sends retried by the test's producer: {retries}")
            await audit.until(lambda got: {r.request_id for r in got} >= set(expected), 150)
            await asyncio.sleep(6)  # past the verdict grace: a late duplicate would show now
            records = audit.messages()
            stamps = list(audit.items)
            written = [(r.scanner, at) for r, at in results.items]
            written += [("audit", r.completed_ms) for r in records]
        async with Bus(kafka, topics) as bus:
            from topics import decode

            dead = [
                decode(DeadLetter, r.value)
                for r in await bus.read(topics.dead_letters.name, 10_000, timeout=3)
            ]
        exits = [p.process.poll() for p in pools]
    finally:
        for pool in pools:
            pool.stop()

    by_id: dict[str, list[AuditRecord]] = {}
    for record in records:
        by_id.setdefault(record.request_id, []).append(record)
    figures.one_audit_record = sum(len(by_id.get(r, [])) == 1 for r in expected)
    figures.answered = len(set(by_id) & set(expected))
    figures.lost = len(set(expected) - set(by_id))
    figures.duplicates = len(records) - len(by_id)
    figures.worst_delay_ms = max(s - created[r.request_id] for r, s in stamps)
    figures.recovery_ms = recovery_ms(written, back_ms)
    for letter in dead:
        figures.dead_letters[letter.reason] = figures.dead_letters.get(letter.reason, 0) + 1
    figures.audit_records = len(records)
    figures.show("broker restart under load")
    assert exits == [None, None, None], "a pool died with the broker"
    assert set(figures.recovery_ms) == {"keyword", "secrets", "audit"}
    assert min(figures.recovery_ms.values()) >= 0, "a pool never wrote again"
    assert figures.lost == 0
    assert figures.one_audit_record == N, {k: len(v) for k, v in by_id.items() if len(v) > 1}
    wrong = {
        rid: (v[0].decision, _asked(v[0]), v[0].timed_out)
        for rid, v in by_id.items()
        if v[0].decision != "allow" or _asked(v[0]) != expected[rid] or v[0].timed_out
    }
    assert not wrong, f"{len(wrong)} wrong records, e.g. {list(wrong.items())[:5]}"


def _asked(record: AuditRecord) -> str:
    """The most severe verdict of a record's scanners: what enforcing would have done."""
    verdicts = {o.verdict for o in record.outcomes}
    return next((v for v in ("block", "mask") if v in verdicts), "allow")
