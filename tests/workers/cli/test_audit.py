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
from topics import (
    AuditRecord,
    Caller,
    Finding,
    KafkaConnection,
    ScannerOutcome,
    Topics,
    encode,
    message_key,
)

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


async def _publish(kafka: KafkaConnection, topics: Topics, records: list[AuditRecord]) -> None:
    producer = AIOKafkaProducer(**kafka.client_kwargs())
    await producer.start()
    try:
        for record in records:
            await producer.send_and_wait(
                topic=topics.audit.name, value=encode(record), key=message_key(record.request_id)
            )
    finally:
        await producer.stop()


async def test_query_filters_and_shows_duplicates_once(
    kafka: KafkaConnection, topics: Topics
) -> None:
    records = [
        _record(
            i, "block" if i % 4 == 0 else "allow", f"key-{i % 2}", "gpt-4o" if i < 6 else "llama"
        )
        for i in range(12)
    ]
    await _publish(kafka, topics, [*records, records[0]])  # the first twice, as a killed pool might

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


def _finding(label: str) -> Finding:
    return Finding(text=0, start=0, end=6, label=label, score=0.9)


async def test_the_table_shows_a_would_be_block_and_names_each_scanner_once(
    kafka: KafkaConnection, topics: Topics
) -> None:
    now = int(time.time() * 1000)
    injection = ScannerOutcome(
        scanner="prompt_injection",
        status="ok",
        verdict="block",
        score=0.97,
        findings=[_finding("prompt_injection"), _finding("prompt_injection:override")],
    )
    pii = ScannerOutcome(
        scanner="pii", status="ok", verdict="mask", findings=[_finding("EMAIL_ADDRESS")]
    )
    served = replace(
        BASE, request_id="rollout-1", mode="logging_only", decision="allow",
        outcomes=[injection, pii], timed_out=[], completed_ms=now, created_ms=now,
    )  # fmt: skip
    # the same findings, enforced: a real block is not a would-be block
    enforced = replace(served, request_id="enforced-1", mode="pre_call", decision="block")
    await _publish(kafka, topics, [served, enforced])

    table = _guardstream(kafka, topics, "query")
    assert table.returncode == 0, table.stderr
    rows = {  # request id -> the row's cells (time, request, phase, mode, decision, ...)
        cells[1]: cells
        for line in table.stdout.splitlines()
        if line.startswith("│") and len(cells := [c.strip() for c in line.split("│")[1:-1]]) == 9
    }
    assert rows["rollout-1"][4] == "allow (would block)", table.stdout
    assert rows["enforced-1"][4] == "block"
    for cells in (rows["rollout-1"], rows["enforced-1"]):
        assert cells[7] == "pii:EMAIL_ADDRESS, prompt_injection, prompt_injection:override"
