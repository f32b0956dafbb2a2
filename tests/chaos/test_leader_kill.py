"""kill -9 of the node leading the requests and results partitions of a three-node cluster,
under load.

A dedicated local cluster (three KRaft nodes; topics in three copies, two in sync for a write),
two scanner pools and the audit pool. A third of the way through the load, the node that leads
a requests partition and a results partition is killed without a goodbye; followers take over
as leaders, and every process must carry on through them: no verdict lost, exactly one audit
record per request (read ``read_committed`` from the audit topic, as every reader reads it,
not through a reader that hides duplicates). The killed node comes back before the end and
catches up.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer, TopicPartition

from tests.chaos.common import (
    Figures,
    Tail,
    broker_chaos_pools,
    chaos_requests,
    longest_pause_ms,
    send_with_retry,
)
from tests.pools import scan_request
from topics import AuditRecord, KafkaConnection, ScanResult, Topics
from topics.admin import create_topics
from workers.cli.environment import Environment
from workers.local.cluster import LocalCluster

N = chaos_requests(300)
pytestmark = [
    pytest.mark.timeout(max(400, N // 10)),
    pytest.mark.skipif(shutil.which("java") is None, reason="the local broker needs Java"),
]


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[LocalCluster]:
    env = Environment.from_environ(os.environ)
    local = LocalCluster(tmp_path / "cluster", env.jars(), java_home=env.java_home, heap="384m")
    try:
        yield local
    finally:
        local.stop(timeout=0)


async def _restart(cluster: LocalCluster, node: int, figures: Figures) -> None:
    began = time.monotonic()
    await asyncio.to_thread(cluster.start)
    figures.events.append(f"node {node} back in {time.monotonic() - began:.1f} s")


def _leader(producer: AIOKafkaProducer, topic: str, partition: int) -> int:
    return producer.client.cluster.leader_for_partition(TopicPartition(topic, partition))


async def test_killing_a_partition_leader_loses_no_verdict_and_audits_each_once(
    cluster: LocalCluster, tmp_path: Path
) -> None:
    info = await asyncio.to_thread(cluster.start)
    kafka = KafkaConnection(info.bootstrap_servers)
    topics = Topics(prefix=f"leader-{uuid.uuid4().hex[:8]}", partitions=3)
    states = await create_topics(kafka, topics.all())
    assert {s.replicas for s in states} == {3}
    pools = broker_chaos_pools(kafka, topics, tmp_path)
    figures = Figures(N)
    created: dict[str, int] = {}
    bad: set[str] = set()
    producer = AIOKafkaProducer(**kafka.producer_kwargs(), request_timeout_ms=30000)
    try:
        await asyncio.gather(*(asyncio.to_thread(p.wait_ready) for p in pools))
        await producer.start()
        async with (
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
                text = f"forbidden {i}" if i % 3 == 0 else f"hello {i}"
                request = replace(
                    scan_request([text], ["keyword", "secrets"], topics, request_id=f"l{i}"),
                    mode="logging_only",
                    reply=None,
                )
                created[request.request_id] = request.created_ms
                if i % 3 == 0:
                    bad.add(request.request_id)
                retries += await send_with_retry(producer, topics, request)
                if i == N // 3:
                    await producer.partitions_for(topics.results.name)
                    leaders = {_leader(producer, topics.requests.name, p) for p in range(3)} & {
                        _leader(producer, topics.results.name, p) for p in range(3)
                    }
                    victim = min(leaders) if leaders else _leader(producer, topics.requests.name, 0)
                    killed_ms = int(time.time() * 1000)
                    assert cluster.node(victim).stop(timeout=0)  # SIGKILL
                    figures.events.append(f"killed node {victim} (a requests+results leader)")
                if i == 2 * N // 3:  # the killed node comes back while the load goes on
                    restarted = asyncio.create_task(_restart(cluster, victim, figures))
                await asyncio.sleep(0.03)
            await restarted
            figures.events.append(f"sends retried by the test's producer: {retries}")
            await audit.until(lambda got: {r.request_id for r in got} >= set(created), 150)
            await results.until(
                lambda got: len({(r.request_id, r.scanner) for r in got}) >= 2 * N, 30
            )
            await asyncio.sleep(6)  # past the verdict grace: a late duplicate would show now
            records = audit.messages()
            stamps = list(audit.items)
            every_result = results.messages()
            answered = {(r.request_id, r.scanner): r.verdict for r in every_result}
            written = [(r.scanner, at) for r, at in results.items]
            written += [("audit", r.completed_ms) for r in records]
        exits = [p.process.poll() for p in pools]
    finally:
        await producer.stop()
        for pool in pools:
            pool.stop()

    copies = Counter(r.request_id for r in records)
    figures.answered = len({rid for rid, _ in answered} & set(created))
    figures.lost = sum((rid, s) not in answered for rid in created for s in ("keyword", "secrets"))
    figures.duplicates = len(every_result) - len(answered)
    figures.one_audit_record = sum(copies.get(rid) == 1 for rid in created)
    figures.worst_delay_ms = max(at - created[r.request_id] for r, at in stamps)
    figures.recovery_ms = longest_pause_ms(written, killed_ms)
    figures.audit_records = len(records)
    figures.show("leader kill on three nodes under load")
    assert exits == [None, None, None], "a pool died with the leader"
    assert figures.lost == 0
    assert figures.one_audit_record == N, {k: n for k, n in copies.items() if n != 1}
    assert figures.audit_records == N
    wrong = {
        rid for (rid, scanner), verdict in answered.items()
        if scanner == "keyword" and (verdict == "block") != (rid in bad)
    }  # fmt: skip
    assert not wrong, sorted(wrong)[:5]
    assert min(figures.recovery_ms.values()) >= 0, "a pool never wrote after the kill"
