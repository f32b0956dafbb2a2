"""What ``guardstream health`` reads from the topics: the proxies' fail-policy decisions, and
how many bytes per second each pool scans."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.pools import Bus, running_pool, scan_request
from topics import KafkaConnection, Topics, Verdict, encode, message_key
from workers.health import check_pools, recent_fail_policy


async def test_recent_fail_policy_counts_open_and_closed_decisions(
    kafka: KafkaConnection, topics: Topics
) -> None:
    policies = ["", "open", "open", "closed", ""]
    async with Bus(kafka, topics) as bus:
        for i, policy in enumerate(policies):
            verdict = Verdict(
                request_id=f"r{i}",
                correlation_id=f"c{i}",
                phase="request",
                mode="pre_call",
                decision="block" if policy == "closed" else "allow",
                decided_ms=int(time.time() * 1000),
                waited_ms=1500.0,
                fail_policy_applied=policy,  # type: ignore[arg-type]
            )
            await bus.producer.send_and_wait(
                topic=topics.verdicts.name,
                value=encode(verdict),
                key=message_key(verdict.request_id),
            )
    counts = await recent_fail_policy(kafka, topics)
    assert counts == {"verdicts": 5, "open": 2, "closed": 1}


async def test_a_pool_reports_the_bytes_it_scanned_and_how_fast(
    kafka: KafkaConnection, topics: Topics, tmp_path: Path
) -> None:
    # distinct texts (no cache answers) of 4,000 characters, one of them two bytes long
    texts = [(f"{i} é " + "the release notes of the service " * 130)[:4000] for i in range(6)]
    sizes = [len(t.encode()) for t in texts]
    assert sizes == [4001] * 6
    with running_pool(kafka, topics, "secrets", home=tmp_path):
        async with Bus(kafka, topics) as bus:
            for text in texts:
                await bus.send(scan_request([text], ["secrets"], topics))
            results = await bus.results(len(texts), partition=0)
        (health,) = await check_pools(kafka, topics, ("secrets",))
    assert len(results) == len(texts)
    rates = [r.rate for r in results]
    assert all(r is not None and r.busy_s > 0 for r in rates)
    # the last result's window holds every scan of the pool's one process
    last = max(results, key=lambda r: r.finished_ms)
    assert last.rate is not None and last.rate.scanned_bytes == sum(sizes)
    assert health.rate is not None and health.rate.processes == 1
    assert health.rate.scanned_bytes == sum(sizes)
    assert health.rate.bytes_per_busy_s == pytest.approx(sum(sizes) / last.rate.busy_s)
    assert 0 < health.rate.wall_bytes_per_s <= sum(sizes) / last.rate.busy_s
    reported = health.as_dict()["scan_rate"]
    assert reported["processes"] == 1 and reported["bytes_per_busy_s"] > 0
