"""The audit pool through the real broker, joining real pools' results."""

from __future__ import annotations

import asyncio
import json
import urllib.request
import uuid
from pathlib import Path

import yaml

from tests.pools import KEYWORD_SCANNER, Bus, PoolProcess, running_pool, scan_request
from topics import AuditRecord, KafkaConnection, Topics, Verdict, decode
from workers.audit.join import WITHHELD

AWS_KEY = "AKIAQWERTYUIOPASDFGH"


def _audit_config(tmp_path: Path, **sinks) -> Path:
    config = tmp_path / "guardstream.yaml"
    config.write_text(yaml.safe_dump({"pools": {"audit": {
        "audit": {"logging_only_deadline_s": 3, "verdict_grace_s": 1},
        "sinks": sinks,
    }}}))  # fmt: skip
    return config


def _logging_only(request):
    from dataclasses import replace

    return replace(request, mode="logging_only", reply=None)


async def _records(bus: Bus, count: int, timeout: float = 60) -> list[AuditRecord]:
    return [
        decode(AuditRecord, r.value)
        for r in await bus.read(bus.topics.audit.name, count, timeout=timeout)
    ]


async def test_one_record_per_request_even_across_a_restart(
    kafka: KafkaConnection, topics: Topics, tmp_path: Path
) -> None:
    config = _audit_config(tmp_path)
    keyword = ("keyword", "--scanner-class", KEYWORD_SCANNER)
    with (
        running_pool(kafka, topics, *keyword, home=tmp_path),
        running_pool(kafka, topics, "secrets", home=tmp_path),
    ):
        audit = PoolProcess(kafka, topics, "audit", "--config", str(config), home=tmp_path)
        audit.wait_ready()
        async with Bus(kafka, topics) as bus:
            sent = []
            for i in range(40):
                text = [f"hello {i}", f"forbidden {i}", f"my key is {AWS_KEY}", f"plain {i}"][i % 4]
                request = _logging_only(
                    scan_request([text], ["keyword", "secrets"], topics, request_id=f"a{i}")
                )
                sent.append(request)
                await bus.send(request)
                if i == 19:
                    await asyncio.sleep(2)
                    assert audit.stop() == 0  # a clean restart in the middle
                    audit = PoolProcess(
                        kafka, topics, "audit", "--config", str(config), home=tmp_path
                    )
                    audit.wait_ready()
            records = await _records(bus, len(sent))
            await asyncio.sleep(4)  # past the deadlines: any late duplicate would be written now
            records = await _records(bus, len(sent) + 1, timeout=5)
        audit.stop()
    by_id: dict[str, list[AuditRecord]] = {}
    for record in records:
        by_id.setdefault(record.request_id, []).append(record)
    assert sorted(by_id) == sorted(r.request_id for r in sent)
    assert all(len(v) == 1 for v in by_id.values()), {
        k: len(v) for k, v in by_id.items() if len(v) > 1
    }
    # logging_only: every request was served as sent; the scanners' verdicts say the rest
    assert {v[0].decision for v in by_id.values()} == {"allow"}
    verdicts = {rid: {o.scanner: o.verdict for o in v[0].outcomes} for rid, v in by_id.items()}
    assert verdicts["a1"]["keyword"] == "block" and verdicts["a0"]["keyword"] == "allow"
    assert verdicts["a2"]["secrets"] == "mask"  # secrets mask by default
    key_record = by_id["a2"][0]
    assert all(AWS_KEY not in t for t in key_record.redacted_texts)
    assert key_record.redacted_texts == [WITHHELD]  # no PII scanner answered: text withheld
    assert len(key_record.texts_sha256[0]) == 64
    assert all(not v[0].timed_out for v in by_id.values())


async def test_markers_are_forgotten_after_their_keep_time_and_the_table_empties(
    kafka: KafkaConnection, topics: Topics, tmp_path: Path
) -> None:
    config = tmp_path / "guardstream.yaml"
    config.write_text(yaml.safe_dump({"pools": {"audit": {
        "audit": {"logging_only_deadline_s": 1, "keep_emitted_s": 3},
    }}}))  # fmt: skip
    with running_pool(kafka, topics, "audit", "--config", str(config), home=tmp_path) as audit:
        async with Bus(kafka, topics) as bus:
            for i in range(5):  # nobody answers: each record is written at its deadline
                await bus.send(_logging_only(scan_request([f"text {i}"], ["keyword"], topics)))
            records = await _records(bus, 5)
            assert len(records) == 5 and all(r.timed_out == ["keyword"] for r in records)
            held = audit.health()["join_states"]
            assert held == 5  # the markers, absorbing re-deliveries for now
            for _ in range(40):
                await asyncio.sleep(0.5)
                if audit.health()["join_states"] == 0:
                    break
            assert audit.health()["join_states"] == 0  # forgotten by the timer


async def test_missing_scanners_time_out_and_the_verdict_is_joined(
    kafka: KafkaConnection, topics: Topics, tmp_path: Path
) -> None:
    config = _audit_config(tmp_path)
    with running_pool(kafka, topics, "audit", "--config", str(config), home=tmp_path):
        async with Bus(kafka, topics) as bus:
            waiting = scan_request(["anything"], ["keyword", "moderation"], topics)
            await bus.send(waiting)
            from topics import encode, message_key

            verdict = Verdict(
                request_id=waiting.request_id,
                correlation_id=waiting.correlation_id,
                phase="request",
                mode="pre_call",
                decision="block",
                decided_ms=waiting.created_ms + 10,
                waited_ms=10.0,
                timed_out=["keyword", "moderation"],
                fail_policy_applied="closed",
            )
            await bus.producer.send_and_wait(
                topic=topics.verdicts.name,
                value=encode(verdict),
                key=message_key(waiting.request_id),
            )
            (record,) = await _records(bus, 1)
    assert record.decision == "block"
    assert record.timed_out == ["keyword", "moderation"]
    assert [o.status for o in record.outcomes] == ["timeout", "timeout"]


async def test_sinks_security_log_filters_and_rotates_and_mlflow_holds_the_metrics(
    kafka: KafkaConnection, topics: Topics, tmp_path: Path
) -> None:
    log_file = tmp_path / "security.log"
    config = _audit_config(
        tmp_path,
        security_log={
            "log_file": str(log_file),
            "log_level": "WARNING",
            "max_bytes": 2000,
            "include_request_data": True,
        },
        mlflow={
            "experiment_name": "guardstream-test",
            "tracking_uri": f"sqlite:///{tmp_path}/mlflow.db",
            "window_s": 3600,
        },
    )
    keyword = ("keyword", "--scanner-class", KEYWORD_SCANNER)
    with (
        running_pool(kafka, topics, *keyword, home=tmp_path),
        running_pool(kafka, topics, "audit", "--config", str(config), home=tmp_path) as audit,
    ):
        async with Bus(kafka, topics) as bus:
            for i in range(30):
                text = "forbidden" if i % 3 == 0 else f"benign {uuid.uuid4()}"
                await bus.send(
                    _logging_only(scan_request([text], ["keyword"], topics, request_id=f"s{i}"))
                )
            await _records(bus, 30)
            for _ in range(50):
                await asyncio.sleep(0.2)
                lines = [
                    json.loads(x)
                    for f in sorted(tmp_path.glob("security.log*"))
                    for x in f.read_text().splitlines()
                ]
                if len(lines) >= 10:
                    break
        with urllib.request.urlopen(f"http://127.0.0.1:{audit.port}/metrics") as response:
            metrics_text = response.read().decode()
    # logging_only: served, so never a "block"; the keyword scanner's blocks are would-be blocks
    assert 'guardstream_audit_records_total{decision="would_block"} 10.0' in metrics_text
    assert 'guardstream_audit_records_total{decision="allow"} 20.0' in metrics_text
    assert sorted(line["request_id"] for line in lines) == sorted(f"s{i}" for i in range(0, 30, 3))
    assert {line["level"] for line in lines} == {"WARNING"}
    assert all(line["would_block"] and line["decision"] == "allow" for line in lines)
    assert len(list(tmp_path.glob("security.log.*"))) >= 1  # rotated at 2000 bytes
    assert all(line["texts"] == [WITHHELD] for line in lines)

    # the audit pool has stopped: the MLflow sink logged its open window on the way out
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{tmp_path}/mlflow.db")
    experiment = client.get_experiment_by_name("guardstream-test")
    (run,) = client.search_runs([experiment.experiment_id])
    metrics = run.data.metrics
    assert metrics["requests"] == 30
    assert metrics["would_block"] == 10 and metrics["allowed"] == 30
    assert "blocked" not in metrics
    assert metrics["keyword.findings"] == 10
    assert metrics["block_rate"] == 0.0
