"""``guardstream audit query|tail`` over a real audit topic."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import replace

from aiokafka import AIOKafkaProducer

from tests.topics.samples import SAMPLES
from topics import AuditRecord, Caller, KafkaConnection, ScannerOutcome, Topics, encode, message_key

BASE = next(m for m in SAMPLES if isinstance(m, AuditRecord))


def _record(i: int, decision: str, key: str, model: str) -> AuditRecord:
    now = int(time.time() * 1000)
    outcomes = [ScannerOutcome(scanner="secrets", status="ok", verdict="allow")]
    if decision == "block":
        outcomes = [replace(o, verdict="block") for o in BASE.outcomes[:1]]
    return replace(
        BASE, request_id=f"q{i}", decision=decision, caller=Caller(key_alias=key, model=model),
        outcomes=outcomes, timed_out=[], completed_ms=now, created_ms=now,
    )  # fmt: skip


def _guardstream(kafka: KafkaConnection, topics: Topics, *args: str) -> subprocess.CompletedProcess:
    command = [
        sys.executable, "-m", "workers.cli", "audit", *args, "--bootstrap-servers",
        kafka.bootstrap_servers, "--prefix", topics.prefix, "--partitions", str(topics.partitions),
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=60, env=dict(os.environ))


async def test_query_filters_and_shows_duplicates_once(
    kafka: KafkaConnection, topics: Topics
) -> None:
    records = [
        _record(
            i, "block" if i % 4 == 0 else "allow", f"key-{i % 2}", "gpt-4o" if i < 6 else "llama"
        )
        for i in range(12)
    ]
    producer = AIOKafkaProducer(**kafka.client_kwargs())
    await producer.start()
    try:
        for record in [*records, records[0]]:  # the first one twice, as a killed pool might
            await producer.send_and_wait(
                topic=topics.audit.name, value=encode(record), key=message_key(record.request_id)
            )
    finally:
        await producer.stop()

    blocked = _guardstream(kafka, topics, "query", "--decision", "block", "--json")
    assert blocked.returncode == 0, blocked.stderr
    ids = sorted(json.loads(line)["request_id"] for line in blocked.stdout.splitlines())
    assert ids == ["q0", "q4", "q8"]

    narrowed = _guardstream(kafka, topics, "query", "--key", "key-0", "--model", "llama", "--json")
    assert sorted(json.loads(x)["request_id"] for x in narrowed.stdout.splitlines()) == [
        "q10",
        "q6",
        "q8",
    ]

    by_scanner = _guardstream(kafka, topics, "query", "--scanner", "pii", "--json")
    assert sorted(json.loads(x)["request_id"] for x in by_scanner.stdout.splitlines()) == [
        "q0",
        "q4",
        "q8",
    ]

    table = _guardstream(kafka, topics, "query")
    assert "12 record(s)" in table.stdout
    assert "q11" in table.stdout

    future = _guardstream(kafka, topics, "query", "--since", str(int(time.time() * 1000) + 60_000))
    assert "0 record(s)" in future.stdout
