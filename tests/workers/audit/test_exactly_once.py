"""Exactly one audit record per (request id, phase): re-deliveries and a record written twice.

The test plays the scanner pools and the proxy itself, so it can send every message twice, in
every order, after the record was written too.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import replace
from pathlib import Path

import yaml

from tests.pools import Bus, running_pool, scan_request
from topics import AuditRecord, KafkaConnection, ScanResult, Topics, Verdict, decode, encode
from topics.keys import message_key
from workers.audit.reader import read_audit


def _result(request, scanner: str, verdict: str) -> ScanResult:
    now = int(time.time() * 1000)
    return ScanResult(
        request_id=request.request_id,
        correlation_id=request.correlation_id,
        phase=request.phase,
        scanner=scanner,
        verdict=verdict,
        score=1.0 if verdict == "block" else 0.0,
        worker_id="test",
        scan_ms=1.0,
        finished_ms=now,
    )


def _verdict(request, decision: str) -> Verdict:
    return Verdict(
        request_id=request.request_id,
        correlation_id=request.correlation_id,
        phase=request.phase,
        mode=request.mode,
        decision=decision,
        decided_ms=int(time.time() * 1000),
        waited_ms=5.0,
    )


async def _send(bus: Bus, topic: str, message: object, request_id: str) -> None:
    await bus.producer.send_and_wait(
        topic=topic, value=encode(message), key=message_key(request_id)
    )


async def test_every_message_twice_gives_one_record_and_readers_hide_a_written_twice(
    kafka: KafkaConnection, topics: Topics, tmp_path: Path
) -> None:
    log_file = tmp_path / "security.log"
    config = tmp_path / "guardstream.yaml"
    config.write_text(yaml.safe_dump({"pools": {"audit": {
        "audit": {"logging_only_deadline_s": 2, "verdict_grace_s": 1},
        "sinks": {"security_log": {"log_file": str(log_file), "log_level": "INFO"}},
    }}}))  # fmt: skip
    requests = [
        scan_request([f"text {i}"], ["keyword", "secrets"], topics, request_id=f"x{i}")
        for i in range(6)
    ]
    # a request answered in full, a response phase of the same id, one nobody waits for
    requests.append(replace(requests[0], phase="response", correlation_id="c-response"))
    requests.append(replace(requests[1], request_id="x-logging", mode="logging_only", reply=None))
    with running_pool(kafka, topics, "audit", "--config", str(config), home=tmp_path):
        async with Bus(kafka, topics) as bus:
            for round_ in range(2):  # everything twice: a producer retry, a re-delivery
                for request in requests:
                    await bus.send(request)
                    for scanner in request.scanners:
                        result = _result(request, scanner, "allow")
                        await _send(bus, topics.results.name, result, request.request_id)
                    if request.reply is not None:
                        verdict = _verdict(request, "allow")
                        await _send(bus, topics.verdicts.name, verdict, request.request_id)
                if round_ == 0:
                    await asyncio.sleep(4)  # written by now: the second round comes after
            await asyncio.sleep(4)  # past every deadline: a second record would be written now
            audit = [
                decode(AuditRecord, r.value)
                for r in await bus.read(topics.audit.name, 100, timeout=5)
            ]
            keys = [(r.request_id, r.phase) for r in audit]
            assert sorted(keys) == sorted((r.request_id, r.phase) for r in requests), keys

            # a record written twice (a pool killed between the record and its marker)
            await _send(bus, topics.audit.name, audit[0], audit[0].request_id)
            for _ in range(50):
                await asyncio.sleep(0.2)
                lines = log_file.read_text().splitlines() if log_file.exists() else []
                if len(lines) >= len(requests):
                    break
            await asyncio.sleep(2)  # a duplicate would reach the sink by now
    shown = [(r.request_id, r.phase) async for r in read_audit(kafka, topics)]
    assert sorted(shown) == sorted(keys)
    logged = [(json.loads(x)["request_id"], json.loads(x)["phase"]) for x in lines]
    assert sorted(logged) == sorted(keys)
