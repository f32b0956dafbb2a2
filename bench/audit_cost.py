"""What exactly-once audit records cost: the audit pool's throughput with Kafka transactions
(``audit.exactly_once``, the default) and without, in one run on one broker.

For each mode in turn (``--rounds`` times, alternating, so a machine's drift hits both alike):
a fresh topic prefix, an audit pool process with that mode, then ``--requests`` requests, each
with one scanner's result and the proxy's verdict, sent as fast as the producer goes; the clock
runs from the first send until every request's audit record can be read ``read_committed``.
Prints records per second per round and the median of each mode. Uses the broker at
``KAFKA_BOOTSTRAP_SERVERS``, or starts a local one of its own.

    .venv/bin/python -m bench.audit_cost --requests 2000 --rounds 2
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import yaml
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from topics import (
    AuditRecord,
    KafkaConnection,
    ReplyAddress,
    ScanRequest,
    ScanResult,
    Text,
    Topics,
    Verdict,
    decode,
    encode,
    message_key,
)
from topics.admin import create_topics
from workers.cli.environment import Environment
from workers.local.broker import LocalBroker, free_port

__all__ = ["main"]

ROOT = Path(__file__).resolve().parent.parent


def _messages(topics: Topics, i: int) -> list[tuple[str, bytes, bytes]]:
    """(topic, key, value) of one request, its result and its verdict."""
    now = int(time.time() * 1000)
    rid = f"cost-{i}-{uuid.uuid4().hex[:8]}"
    request = ScanRequest(
        request_id=rid, correlation_id=rid, phase="request", mode="pre_call",
        texts=[Text(role="user", content=f"request number {i}")], scanners=["secrets"],
        created_ms=now, deadline_ms=now + 5000,
        reply=ReplyAddress(topic=topics.results.name, partition=0, instance_id="bench"),
    )  # fmt: skip
    result = ScanResult(
        request_id=rid, correlation_id=rid, phase="request", scanner="secrets",
        verdict="allow", score=0.0, worker_id="bench", scan_ms=1.0, finished_ms=now,
    )  # fmt: skip
    verdict = Verdict(
        request_id=rid, correlation_id=rid, phase="request", mode="pre_call",
        decision="allow", decided_ms=now, waited_ms=2.0,
    )  # fmt: skip
    key = message_key(rid)
    return [
        (topics.requests.name, key, encode(request)),
        (topics.results.name, key, encode(result)),
        (topics.verdicts.name, key, encode(verdict)),
    ]


async def _committed_records(connection: KafkaConnection, topics: Topics, want: int) -> None:
    """Return once ``want`` audit records can be read committed."""
    consumer = AIOKafkaConsumer(
        **connection.client_kwargs(),
        enable_auto_commit=False,
        isolation_level="read_committed",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        spec = topics.audit
        consumer.assign([TopicPartition(spec.name, p) for p in range(spec.partitions)])
        seen: set[str] = set()
        while len(seen) < want:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                seen.update(decode(AuditRecord, m.value).request_id for m in records)
    finally:
        await consumer.stop()


async def _round(
    connection: KafkaConnection, exactly_once: bool, requests: int, folder: Path
) -> float:
    topics = Topics(f"cost-{uuid.uuid4().hex[:8]}", 3)
    await create_topics(connection, topics.all())
    config = folder / f"{topics.prefix}.yaml"
    config.write_text(yaml.safe_dump({"pools": {"audit": {"audit": {
        "exactly_once": exactly_once, "verdict_grace_s": 1,
    }}}}))  # fmt: skip
    port = free_port("127.0.0.1")
    command = [
        sys.executable, "-m", "workers.cli", "worker", "audit", "--config", str(config),
        "--bootstrap-servers", connection.bootstrap_servers, "--prefix", topics.prefix,
        "--partitions", "3", "--web-port", str(port),
    ]  # fmt: skip
    env = {**os.environ, "GUARDSTREAM_HOME": str(folder / topics.prefix)}
    with (folder / f"{topics.prefix}.log").open("wb") as log:
        pool = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        await asyncio.to_thread(_wait_ready, pool, port)
        producer = AIOKafkaProducer(**connection.producer_kwargs())
        await producer.start()
        began = time.monotonic()
        try:
            sends = [
                await producer.send(topic, value, key=key)
                for i in range(requests)
                for topic, key, value in _messages(topics, i)
            ]
            await asyncio.gather(*sends)
        finally:
            await producer.stop()
        await _committed_records(connection, topics, requests)
        return requests / (time.monotonic() - began)
    finally:
        pool.terminate()
        try:
            pool.wait(60)
        except subprocess.TimeoutExpired:  # a stop that hangs must not lose the figure
            print("  (the audit pool did not stop within 60 s of SIGTERM: killed)", flush=True)
            pool.kill()
            pool.wait()


def _wait_ready(pool: subprocess.Popen, port: int, timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pool.poll() is not None:
            raise RuntimeError(f"the audit pool exited with {pool.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/ready", timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError("the audit pool was not ready")


async def _run(connection: KafkaConnection, args: argparse.Namespace, folder: Path) -> None:
    rates: dict[bool, list[float]] = {True: [], False: []}
    for round_ in range(args.rounds):
        order = (True, False) if round_ % 2 == 0 else (False, True)
        for exactly_once in order:
            rate = await _round(connection, exactly_once, args.requests, folder)
            rates[exactly_once].append(rate)
            mode = "exactly_once " if exactly_once else "at_least_once"
            print(f"round {round_ + 1} {mode}: {rate:7.1f} records/s", flush=True)
    eo, alo = statistics.median(rates[True]), statistics.median(rates[False])
    print(f"median: exactly_once {eo:.1f}/s, at_least_once {alo:.1f}/s, cost {1 - eo / alo:.0%}")


def main(argv: list[str] | None = None) -> int:
    """Measure both modes; print their throughput."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    env = Environment.from_environ(os.environ)
    folder = Path(tempfile.mkdtemp(prefix="guardstream-audit-cost-"))
    broker = None
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "")
    if not bootstrap:
        broker = LocalBroker(folder / "broker", env.jars(), java_home=env.java_home)
        bootstrap = broker.start().bootstrap_servers
    try:
        asyncio.run(_run(KafkaConnection(bootstrap), args, folder))
    finally:
        if broker is not None:
            broker.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
