"""A pool process that cannot work exits non-zero, saying why, so that it is restarted."""

from __future__ import annotations

import contextlib
import subprocess
import time
from pathlib import Path

from tests.pools import KEYWORD_SCANNER, Bus, PoolProcess, http_json, scan_request
from topics import KafkaConnection, Topics
from workers.fatal import EXIT_FAILED


async def test_a_lost_scan_thread_ends_the_process_with_a_clear_reason(
    kafka: KafkaConnection, topics: Topics, tmp_path: Path
) -> None:
    pool = PoolProcess(kafka, topics, "keyword", "--scanner-class", KEYWORD_SCANNER, home=tmp_path)
    try:
        pool.wait_ready()
        async with Bus(kafka, topics) as bus:
            await bus.send(scan_request(["ENGINE_EXIT now"], ["keyword"], topics))
            began = time.monotonic()
            readiness = set()
            while pool.process.poll() is None and time.monotonic() < began + 60:
                with contextlib.suppress(OSError, ValueError):
                    readiness.add(http_json(f"http://127.0.0.1:{pool.port}/health/ready", 0.5)[0])
                time.sleep(0.05)
        with contextlib.suppress(subprocess.TimeoutExpired):
            pool.process.wait(5)
        print(f"\nexited {time.monotonic() - began:.1f} s after the request; readiness {readiness}")
        output = pool.output()
    finally:
        pool.stop()
    assert pool.process.returncode == EXIT_FAILED, output
    assert "CRITICAL" in output and "the scan thread was lost: SystemExit: 3" in output, output


async def test_a_crashed_kafka_consumer_ends_the_process_through_the_watchdog(
    kafka: KafkaConnection, topics: Topics, tmp_path: Path
) -> None:
    """faust's fetcher crashes with no supervisor to restart it: the worker would run on,
    answering its probes and consuming nothing, but the watchdog sees the app crashed and the
    process exits with :data:`EXIT_FAILED`, saying why."""
    pool = PoolProcess(kafka, topics, "keyword", "--scanner-class", KEYWORD_SCANNER, home=tmp_path)
    try:
        pool.wait_ready()
        async with Bus(kafka, topics) as bus:
            await bus.send(scan_request(["CONSUMER_FAULT now"], ["keyword"], topics))
        began = time.monotonic()
        with contextlib.suppress(subprocess.TimeoutExpired):
            pool.process.wait(60)
        print(f"\nexited {time.monotonic() - began:.1f} s after the fault")
        output = pool.output()
    finally:
        pool.stop()
    assert pool.process.returncode == EXIT_FAILED, output
    assert "CRITICAL" in output, output
    assert "faust crashed: RuntimeError: the fetch failed (test fault)" in output, output
