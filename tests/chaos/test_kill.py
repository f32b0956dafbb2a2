"""kill -9 of pool processes, again and again, while requests keep coming.

Two keyword-pool processes share the partitions; every few seconds the older one is killed
without a goodbye, the survivor must take over all partitions, and a fresh process joins. Every
request must get its result (counted by distinct correlation id: re-delivered batches answer
twice, which the proxy and the audit pool absorb), with the right verdict.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
import yaml

from tests.chaos.common import Figures, Tail, chaos_requests
from tests.pools import KEYWORD_SCANNER, Bus, PoolProcess, scan_request
from topics import DeadLetter, KafkaConnection, ScanResult, Topics

N = chaos_requests(200)
pytestmark = pytest.mark.timeout(max(300, N // 10))

KEYWORD = ("keyword", "--scanner-class", KEYWORD_SCANNER, "--batch-size", "4")


def _pool(kafka: KafkaConnection, topics: Topics, home: Path, config: Path) -> PoolProcess:
    return PoolProcess(kafka, topics, *KEYWORD, "--config", str(config), home=home)


async def _settled(pools: list[PoolProcess], partitions: int, timeout: float = 120) -> float:
    """Seconds until the pools' assignments cover every requests partition, once each; -1 if
    that never happened within ``timeout``."""
    began = time.monotonic()
    while time.monotonic() < began + timeout:
        try:
            held = [a for p in pools for a in p.health()["assigned"] if ".scan.requests[" in a]
        except OSError:
            held = []
        if len(held) == len(set(held)) == partitions:
            return round(time.monotonic() - began, 1)
        await asyncio.sleep(0.3)
    return -1


async def test_repeated_kill_9_loses_no_verdict(
    kafka: KafkaConnection, topics: Topics, tmp_path: Path
) -> None:
    config = tmp_path / "guardstream.yaml"
    # the broker's smallest allowed session: a killed member's partitions move within seconds
    config.write_text(yaml.safe_dump({"pools": {"keyword": {"session_timeout_s": 6}}}))
    pools = [_pool(kafka, topics, tmp_path, config) for _ in range(2)]
    await asyncio.gather(*(asyncio.to_thread(p.wait_ready) for p in pools))
    assert await _settled(pools, topics.partitions) >= 0
    figures = Figures(N)
    sent: dict[str, str] = {}  # correlation id -> expected verdict
    created: dict[str, int] = {}
    duration = max(10.0, N * 0.01)
    sending_done = asyncio.Event()

    async def send(bus: Bus) -> None:
        began = time.monotonic()
        for i in range(N):
            bad = i % 3 == 0
            # a little scan time keeps batches in flight, so kills land mid-batch
            text = f"{'forbidden' if bad else 'fine'} text {i} SLOW:0.005"
            request = scan_request([text], ["keyword"], topics, partition=i % topics.partitions)
            sent[request.correlation_id] = "block" if bad else "allow"
            created[request.correlation_id] = request.created_ms
            await bus.send(request)
            lag = began + (i + 1) * duration / N - time.monotonic()
            if lag > 0:
                await asyncio.sleep(lag)
        sending_done.set()

    async def chaos() -> None:
        rounds = 0
        while not sending_done.is_set() or rounds < 2:
            await asyncio.sleep(2.0)
            victim, survivor = pools
            victim.kill()
            victim.stop()  # reaps it and closes its log
            rounds += 1
            took_over = await _settled([survivor], topics.partitions)
            figures.events.append(
                f"kill {rounds}: the survivor held every partition after {took_over} s"
            )
            assert took_over >= 0, f"the survivor never took the partitions:\n{survivor.output()}"
            fresh = _pool(kafka, topics, tmp_path, config)
            await asyncio.to_thread(fresh.wait_ready)
            pools[:] = [survivor, fresh]
            assert await _settled(pools, topics.partitions) >= 0

    try:
        async with (
            Bus(kafka, topics) as bus,
            Tail(kafka, topics.results.name, topics.partitions, ScanResult) as results,
            Tail(kafka, topics.dead_letters.name, 3, DeadLetter) as letters,
        ):
            await asyncio.gather(send(bus), chaos())
            got = await results.until(
                lambda found: {r.correlation_id for r in found} >= set(sent), timeout=120
            )
            stamps = list(results.items)
            dead = letters.messages()
    finally:
        for pool in pools:
            pool.stop()

    answered = {r.correlation_id for r in got}
    first: dict[str, int] = {}
    for result, stamp in stamps:
        first.setdefault(result.correlation_id, stamp)
    figures.answered = len(answered & set(sent))
    figures.lost = len(set(sent) - answered)
    figures.duplicates = len(got) - len(answered)
    figures.worst_delay_ms = max(first[c] - created[c] for c in sent if c in first)
    for letter in dead:
        figures.dead_letters[letter.reason] = figures.dead_letters.get(letter.reason, 0) + 1
    figures.show("kill -9 of pool processes")
    assert figures.lost == 0
    wrong = {r.correlation_id: r.verdict for r in got if r.verdict != sent[r.correlation_id]}
    assert not wrong, f"{len(wrong)} wrong verdicts, e.g. {list(wrong.items())[:5]}"
    assert not dead  # a crash is no reason to dead-letter a healthy request
