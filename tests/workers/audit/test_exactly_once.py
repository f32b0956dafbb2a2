"""Exactly one audit record per (request id, phase): re-deliveries and a record written twice.

The test plays the scanner pools and the proxy itself, so it can send every message twice, in
every order, after the record was written too.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiokafka import AIOKafkaConsumer, TopicPartition

from tests.pools import Bus, PoolProcess, running_pool, scan_request
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


async def _audit_consumer(kafka: KafkaConnection, topics: Topics, isolation: str) -> Any:
    consumer = AIOKafkaConsumer(
        **kafka.client_kwargs(), enable_auto_commit=False, isolation_level=isolation
    )
    await consumer.start()
    partitions = [TopicPartition(topics.audit.name, p) for p in range(topics.audit.partitions)]
    consumer.assign(partitions)
    await consumer.seek_to_end(*partitions)
    for tp in partitions:  # resolved now: a record sent after this is read
        await consumer.position(tp)
    return consumer


@pytest.mark.timeout(180)
async def test_a_pool_killed_mid_transaction_leaves_one_committed_record_each(
    kafka: KafkaConnection, topics: Topics, tmp_path: Path
) -> None:
    """The window the transactions close: a record is on the audit topic, its marker and its
    input offset are not committed yet, and the pool dies. Requests stream in; the test freezes
    the pool now and then and kills it (``kill -9``) only when a transaction is open (an audit
    partition's committed end is behind its raw end), else lets it go on. A new pool takes over
    and writes what the killed one left: every request has exactly one committed record, and the
    aborted copy is there, read raw."""
    config = tmp_path / "guardstream.yaml"
    config.write_text(yaml.safe_dump({"pools": {"audit": {
        # the broker's smallest session: the killed member's partitions are free in 6 s
        "session_timeout_s": 6,
        "audit": {"logging_only_deadline_s": 2, "verdict_grace_s": 1,
                  "exactly_once": True, "transaction_timeout_s": 10},
    }}}))  # fmt: skip
    raw = await _audit_consumer(kafka, topics, "read_uncommitted")
    committed = await _audit_consumer(kafka, topics, "read_committed")
    pool = PoolProcess(kafka, topics, "audit", "--config", str(config), home=tmp_path)
    sent: list[str] = []
    stop = asyncio.Event()
    try:
        await asyncio.to_thread(pool.wait_ready)
        async with Bus(kafka, topics) as bus:

            async def stream() -> None:
                while not stop.is_set():
                    request = scan_request([f"text {len(sent)}"], ["keyword"], topics)
                    await bus.send(request)
                    result = _result(request, "keyword", "allow")
                    await _send(bus, topics.results.name, result, request.request_id)
                    verdict = _verdict(request, "allow")
                    await _send(bus, topics.verdicts.name, verdict, request.request_id)
                    sent.append(request.request_id)
                    await asyncio.sleep(0.02)  # about what one pool writes here

            streaming = asyncio.create_task(stream())
            attempts = await _kill_in_a_transaction(pool, raw, committed)
            stop.set()  # what was sent by now is the successor's to write
            await streaming
            print(f"\nkilled in a transaction at attempt {attempts}, {len(sent)} requests sent")
            pool.stop()  # closes its log
            pool = PoolProcess(kafka, topics, "audit", "--config", str(config), home=tmp_path)
            await asyncio.to_thread(pool.wait_ready)
            shown = await _read_records(committed, until=set(sent), timeout_s=60, grace_s=3)
            copies = await _read_records(raw, until=set(sent), timeout_s=10, grace_s=0)
            output = pool.output()
    finally:
        stop.set()
        pool.stop()
        await raw.stop()
        await committed.stop()
    missing = set(sent) - set(shown)
    assert not missing, (len(missing), output)
    twice = {rid: n for rid, n in Counter(shown).items() if n > 1}
    assert not twice, twice  # read_committed, with no reader's filter in between
    assert len(copies) > len(shown), "no aborted copy: the kill missed the transaction"
    listed = [r.request_id async for r in read_audit(kafka, topics)]
    assert sorted(listed) == sorted(sent)


async def _open_transaction(raw: Any, committed: Any, partitions: list[Any]) -> bool:
    """Whether an audit partition's last stable offset is behind its end."""
    ends = await raw.end_offsets(partitions)
    stable = await committed.end_offsets(partitions)
    return any(stable[tp] < ends[tp] for tp in partitions)


async def _kill_in_a_transaction(pool: PoolProcess, raw: Any, committed: Any) -> int:
    """Freeze the pool until it is caught with a transaction open, then ``kill -9`` it;
    return how many tries that took."""
    partitions = sorted(raw.assignment())
    for attempt in range(1, 200):
        await asyncio.sleep(0.05 + 0.01 * (attempt % 7))  # not in step with the stream
        assert pool.process.poll() is None, pool.output()
        os.kill(pool.process.pid, signal.SIGSTOP)  # frozen: no commit can follow
        if await _open_transaction(raw, committed, partitions):
            # A commit the pool asked for just before it froze still ends without it (the
            # coordinator writes the markers): look again, and kill only a transaction that
            # stays open while the pool cannot move.
            await asyncio.sleep(0.5)
            if await _open_transaction(raw, committed, partitions):
                pool.kill()  # SIGKILL works on a stopped process
                return attempt
        os.kill(pool.process.pid, signal.SIGCONT)
    raise AssertionError(f"the pool was never caught with a transaction open:\n{pool.output()}")


async def _read_records(
    consumer: Any, *, until: set[str], timeout_s: float, grace_s: float
) -> list[str]:
    """The request ids of the records ``consumer`` reads until it has every one of ``until``
    (or ``timeout_s`` passed), and for ``grace_s`` more, to see any late copy."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    ids: list[str] = []
    while loop.time() < deadline:
        for records in (await consumer.getmany(timeout_ms=300)).values():
            ids += [decode(AuditRecord, m.value).request_id for m in records]
        if until <= set(ids):
            deadline = min(deadline, loop.time() + grace_s)
    return ids
