"""``guardstream health`` against real pools: a stopped pool and a lagging pool."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

from tests.pools import KEYWORD_SCANNER, Bus, free_port, running_pool, scan_request
from topics import KafkaConnection, Topics


def _health(kafka: KafkaConnection, topics: Topics, *args: str) -> tuple[int, list[dict]]:
    command = [
        sys.executable, "-m", "workers.cli", "health",
        "--bootstrap-servers", kafka.bootstrap_servers,
        "--prefix", topics.prefix, "--partitions", str(topics.partitions), "--json", *args,
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.stdout, done.stderr
    return done.returncode, json.loads(done.stdout.splitlines()[-1])


async def test_health_reports_running_stopped_and_lagging_pools(
    kafka: KafkaConnection, topics: Topics, tmp_path: Path
) -> None:
    keyword = ("keyword", "--scanner-class", KEYWORD_SCANNER)
    with running_pool(kafka, topics, *keyword, home=tmp_path):
        async with Bus(kafka, topics) as bus:
            await bus.send(scan_request(["forbidden"], ["keyword"], topics))
            await bus.results(1, partition=0)
        code, (running, stopped) = _health(kafka, topics, "--pools", "keyword,secrets")
    assert code == 1
    assert running["pool"] == "keyword" and running["healthy"], running
    assert len(running["members"]) == 1
    assert sum(len(p) for p in running["assigned"].values()) == topics.partitions
    assert running["last_result_age_s"] is not None
    assert stopped["pool"] == "secrets" and stopped["problems"] == [
        "no members: the pool is not running"
    ]

    code, (alone,) = _health(kafka, topics, "--pools", "keyword")
    assert code == 1 and alone["problems"] == ["no members: the pool is not running"]

    async with Bus(kafka, topics) as bus:  # requests pile up while the pool is down
        for i in range(5):
            await bus.send(scan_request([f"backlog {i}"], ["keyword"], topics))
    code, (lagging,) = _health(kafka, topics, "--pools", "keyword", "--max-lag", "3")
    assert code == 1
    assert lagging["lag"] == 5
    assert lagging["problems"] == ["no members: the pool is not running", "lag 5 is over 3"]


async def test_health_is_served_over_http(
    kafka: KafkaConnection, topics: Topics, tmp_path: Path
) -> None:
    port = free_port()
    command = [
        sys.executable, "-m", "workers.cli", "health",
        "--bootstrap-servers", kafka.bootstrap_servers,
        "--prefix", topics.prefix, "--partitions", str(topics.partitions), "--pools", "keyword",
        "--serve", str(port),
    ]  # fmt: skip
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert "serving" in server.stdout.readline()
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health/guardrails", timeout=30)
            raise AssertionError("expected 503 with no pool running")
        except urllib.error.HTTPError as e:
            assert e.code == 503
            body = json.loads(e.read())
        assert body["healthy"] is False and body["pools"][0]["pool"] == "keyword"
    finally:
        server.terminate()
        server.wait()
        server.stdout.close()
