"""No raw prompt reaches the audit pool's changelog or the audit topic.

A planted secret goes through the audit pool in every way a text can: masked by both redacting
scanners, with a PII result whose own redacted text still holds the secret, with a redacting
scanner not asked, and with one that never answers. Then every record of the audit topic and of
the join state's changelog topic is read as raw bytes.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid
from dataclasses import replace
from pathlib import Path

import yaml
from aiokafka import AIOKafkaConsumer, TopicPartition

from tests.pools import Bus, running_pool, scan_request
from topics import (
    AuditRecord,
    Finding,
    KafkaConnection,
    RedactedText,
    ScanResult,
    Topics,
    decode,
    encode,
    message_key,
)
from workers.audit.join import WITHHELD


def _result(request, scanner: str, **fields) -> ScanResult:
    return ScanResult(
        request_id=request.request_id,
        correlation_id=request.correlation_id,
        phase=request.phase,
        scanner=scanner,
        verdict=fields.pop("verdict"),
        score=0.9,
        worker_id="test",
        scan_ms=1.0,
        finished_ms=int(time.time() * 1000),
        **fields,
    )


async def _raw_records(kafka: KafkaConnection, topic: str, partitions: int) -> list[bytes]:
    consumer = AIOKafkaConsumer(**kafka.client_kwargs(), enable_auto_commit=False)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        found: list[bytes] = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            positions = [await consumer.position(tp) for tp in tps]
            if all(at >= ends[tp] for at, tp in zip(positions, tps, strict=True)):
                break
            for records in (await consumer.getmany(timeout_ms=500)).values():
                found += [(r.key or b"") + b"\0" + (r.value or b"") for r in records]
        return found
    finally:
        await consumer.stop()


async def test_a_planted_secret_never_reaches_the_changelog_or_the_audit_topic(
    kafka: KafkaConnection, topics: Topics, tmp_path: Path
) -> None:
    secret = "AKIA" + uuid.uuid4().hex[:16].upper()
    text = f"deploy with {secret} please"
    start = text.index(secret)
    config = tmp_path / "guardstream.yaml"
    config.write_text(yaml.safe_dump({"pools": {"audit": {
        "audit": {"logging_only_deadline_s": 8, "verdict_grace_s": 1},
    }}}))  # fmt: skip

    def request(request_id: str, scanners: list[str]):
        made = scan_request([text], scanners, topics, request_id=request_id)
        return replace(made, mode="logging_only", reply=None)

    masked = request("masked", ["pii", "secrets"])
    unasked = request("no-pii-asked", ["secrets"])
    silent = request("pii-silent", ["pii", "secrets"])
    with running_pool(kafka, topics, "audit", "--config", str(config), home=tmp_path):
        async with Bus(kafka, topics) as bus:
            for r in (masked, unasked, silent):
                await bus.send(r)
            await asyncio.sleep(1)  # the raw texts wait in memory for the redactors' answers
            secrets_found = [
                Finding(text=0, start=start, end=start + len(secret), label="AWS_KEY", score=1.0)
            ]
            results = [
                # a PII scanner's own redacted text leaves the secret in
                _result(
                    masked, "pii", verdict="allow", redacted=[RedactedText(text=0, content=text)]
                ),
                _result(masked, "secrets", verdict="mask", findings=secrets_found),
                _result(unasked, "secrets", verdict="mask", findings=secrets_found),
                _result(silent, "secrets", verdict="mask", findings=secrets_found),
            ]
            for result in results:
                await bus.producer.send_and_wait(
                    topic=topics.results.name,
                    value=encode(result),
                    key=message_key(result.request_id),
                )
            audit = [
                decode(AuditRecord, r.value)
                for r in await bus.read(topics.audit.name, 3, timeout=30)
            ]
            await asyncio.sleep(1)  # the last state changes reach the changelog
    state_records = await _raw_records(
        kafka, topics.audit_state.name, topics.audit_state.partitions
    )
    audit_records = await _raw_records(kafka, topics.audit.name, topics.audit.partitions)

    by_id = {r.request_id: r for r in audit}
    assert sorted(by_id) == ["masked", "no-pii-asked", "pii-silent"]
    digest = hashlib.sha256(text.encode()).hexdigest()
    assert all(r.texts_sha256 == [digest] for r in audit)
    assert by_id["masked"].redacted_texts == [text.replace(secret, "<AWS_KEY>")], by_id["masked"]
    assert by_id["no-pii-asked"].redacted_texts == [WITHHELD]
    assert by_id["pii-silent"].redacted_texts == [WITHHELD]
    assert state_records, "the join state never reached its changelog topic"
    assert len(audit_records) == 3
    leaked = [r for r in state_records + audit_records if secret.encode() in r]
    assert not leaked, leaked[:2]
