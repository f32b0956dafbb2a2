"""``/health/guardrails`` says how many bytes per second each pool scans, from the rates the
pools' results carry (read from the results topic, as ``guardstream health`` reads them)."""

from __future__ import annotations

import asyncio
import time

from shim.health import GuardrailHealth
from tests.pools import Bus
from topics import KafkaConnection, ScanResult, Topics, encode, message_key
from topics.messages import ScanRate


async def test_the_report_gives_each_pools_scan_rate(
    kafka: KafkaConnection, topics: Topics
) -> None:
    now = int(time.time() * 1000)
    rates = {
        "pii-0": ScanRate(window_s=60.0, scanned_bytes=600_000, busy_s=20.0),
        "pii-1": ScanRate(window_s=60.0, scanned_bytes=300_000, busy_s=10.0),
    }
    async with Bus(kafka, topics) as bus:
        for i, (worker, rate) in enumerate(rates.items()):
            result = ScanResult(
                request_id=f"r{i}", correlation_id=f"c{i}", phase="request", scanner="pii",
                verdict="allow", score=0.0, worker_id=worker, scan_ms=5.0, finished_ms=now,
                rate=rate,
            )  # fmt: skip
            await bus.producer.send_and_wait(
                topic=topics.results.name, value=encode(result), key=message_key(f"r{i}")
            )
    health = GuardrailHealth("guardstream", kafka, topics, ["pii", "secrets"], interval_s=0.5)
    try:
        deadline = time.monotonic() + 60
        body: dict = {}
        while time.monotonic() < deadline:
            _, body = health.report()
            if body["scanners"]["pii"]["scan_rate"] is not None:
                break
            await asyncio.sleep(0.2)
    finally:
        await health.stop()
    pii = body["scanners"]["pii"]["scan_rate"]
    assert pii["processes"] == 2
    assert pii["bytes_per_busy_s"] == 30_000  # 900 KB in 30 s of scanning
    assert 14_000 < pii["bytes_per_s"] <= 15_000  # 15 KB/s over the last minute, and falling
    assert body["scanners"]["secrets"]["scan_rate"] is None  # no result of it yet
