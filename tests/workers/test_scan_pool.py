"""The pool machinery through the real broker, with a small keyword scanner plug-in."""

from __future__ import annotations

import asyncio
import base64
import time
from pathlib import Path

import orjson

from tests.pools import KEYWORD_SCANNER, Bus, http_json, running_pool, scan_request
from topics import (
    DeadLetter,
    KafkaConnection,
    Policy,
    ScanResult,
    Topics,
    decode,
    encode,
    request_headers,
)
from topics.headers import KINDS_HEADER, read_timing
from workers.batch import Record
from workers.health import check_pools
from workers.scan_pool import lanes
from workers.settings import PoolSettings

KEYWORD = ("keyword", "--scanner-class", KEYWORD_SCANNER)


async def test_requests_get_one_result_each_on_their_reply_partition(
    kafka: KafkaConnection, topics: Topics, tmp_path: Path
) -> None:
    with running_pool(kafka, topics, *KEYWORD, home=tmp_path):
        async with Bus(kafka, topics) as bus:
            blocked = scan_request(["this is forbidden"], ["keyword"], topics, partition=2)
            allowed = scan_request(["this is fine"], ["keyword", "pii"], topics, partition=2)
            other = scan_request(["forbidden, but not for us"], ["pii"], topics, partition=2)
            masked = scan_request(
                ["a forbidden word", "and a clean one"], ["keyword"], topics, partition=2,
                policy=Policy(actions={"KEYWORD": "mask"}, redact=True),
            )  # fmt: skip
            for request in (blocked, allowed, other, masked):
                await bus.send(request)
            results = await bus.results(3, partition=2)
    by_id = {r.correlation_id: r for r in results}
    assert set(by_id) == {blocked.correlation_id, allowed.correlation_id, masked.correlation_id}
    assert by_id[blocked.correlation_id].verdict == "block"
    assert [(f.start, f.end, f.label) for f in by_id[blocked.correlation_id].findings] == [
        (8, 17, "KEYWORD")
    ]
    assert by_id[allowed.correlation_id].verdict == "allow"
    assert by_id[masked.correlation_id].verdict == "mask"
    assert [(r.text, r.content) for r in by_id[masked.correlation_id].redacted] == [
        (0, "a <KEYWORD> word")
    ]
    assert all(r.scanner == "keyword" and r.worker_id.startswith("keyword-") for r in results)


async def test_poison_goes_to_dead_letters_and_the_pool_goes_on(
    kafka: KafkaConnection, topics: Topics, tmp_path: Path
) -> None:
    with running_pool(kafka, topics, *KEYWORD, home=tmp_path) as pool:
        async with Bus(kafka, topics) as bus:
            await bus.send_raw(b"\x00\x01 not json", key=b"k1")
            await bus.send_raw(
                orjson.dumps({"schema": "guardstream.scan_request", "v": 99, "data": {}}), key=b"k2"
            )
            poison = scan_request(["POISON here"], ["keyword"], topics, partition=1)
            healthy = scan_request(["forbidden after the poison"], ["keyword"], topics, partition=1)
            await bus.send(poison)
            await bus.send(healthy)
            results = {r.correlation_id: r for r in await bus.results(2, partition=1)}
            letters = [
                decode(DeadLetter, r.value) for r in await bus.read(topics.dead_letters.name, 3)
            ]
        metrics = http_json(f"http://127.0.0.1:{pool.port}/health")[1]
    assert results[healthy.correlation_id].verdict == "block"
    assert results[poison.correlation_id].verdict == "error"
    assert "poisonous text" in results[poison.correlation_id].error
    reasons = sorted(letter.reason for letter in letters)
    assert reasons == ["newer_major", "not_json", "scan_failed"]
    newer = next(letter for letter in letters if letter.reason == "newer_major")
    assert "version 99 is newer than this reader's 1" in newer.detail
    raw = next(letter for letter in letters if letter.reason == "not_json")
    assert base64.b64decode(raw.payload_b64) == b"\x00\x01 not json"
    assert base64.b64decode(raw.key_b64) == b"k1"
    assert metrics["loaded"] is True


async def test_repeated_texts_are_answered_from_the_cache(
    kafka: KafkaConnection, topics: Topics, tmp_path: Path
) -> None:
    system = "You are a helpful assistant. Never say forbidden things."
    with running_pool(kafka, topics, *KEYWORD, home=tmp_path) as pool:
        async with Bus(kafka, topics) as bus:
            requests = [scan_request([system, f"turn {i}"], ["keyword"], topics) for i in range(5)]
            for request in requests:
                await bus.send(request)
                await bus.results(requests.index(request) + 1, partition=0)  # one at a time
        health = pool.health()
        metrics = (
            __import__("urllib.request")
            .request.urlopen(f"http://127.0.0.1:{pool.port}/metrics")
            .read()
            .decode()
        )
    assert health["cache"] == {"entries": 6, "hits": 4, "misses": 6}
    assert 'guardstream_cache_hits_total{scanner="keyword"} 4.0' in metrics
    assert 'guardstream_results_total{scanner="keyword",verdict="block"} 5.0' in metrics


async def test_two_processes_split_partitions_and_a_killed_one_loses_nothing(
    kafka: KafkaConnection, topics: Topics, tmp_path: Path
) -> None:
    small_batches = (*KEYWORD, "--batch-size", "4")
    with (
        running_pool(kafka, topics, *small_batches, home=tmp_path) as first,
        running_pool(kafka, topics, *small_batches, home=tmp_path) as second,
    ):
        for _ in range(100):  # wait for the group to settle on both members
            a, b = first.health()["assigned"], second.health()["assigned"]
            if a and b and len(a) + len(b) == topics.partitions:
                break
            await asyncio.sleep(0.2)
        assert a and b and not set(a) & set(b)
        async with Bus(kafka, topics) as bus:
            sent = []
            for i in range(60):
                # slow texts keep batches in flight, so the kill lands mid-batch
                request = scan_request(
                    [f"forbidden {i} SLOW:0.05"], ["keyword"], topics, request_id=f"r{i}"
                )
                sent.append(request)
                await bus.send(request)
                if i == 20:
                    first.kill()
            results = await bus.results(len(sent), partition=0, timeout=120)
    answered = {r.correlation_id for r in results}
    assert answered == {r.correlation_id for r in sent}
    assert all(r.verdict == "block" for r in results)
    assert len(results) >= len(sent)  # redelivered batches may answer twice; never less


async def test_a_slow_batch_answers_error_not_silence(
    kafka: KafkaConnection, topics: Topics, tmp_path: Path
) -> None:
    with running_pool(kafka, topics, *KEYWORD, "--scan-timeout-s", "0.5", home=tmp_path):
        async with Bus(kafka, topics) as bus:
            stuck = scan_request(["SLOW:3"], ["keyword"], topics)
            await bus.send(stuck)
            began = time.monotonic()
            (result,) = await bus.results(1, partition=0)
            letters = [
                decode(DeadLetter, r.value) for r in await bus.read(topics.dead_letters.name, 1)
            ]
    assert result.correlation_id == stuck.correlation_id
    assert result.verdict == "error" and "ScannerTimeout" in result.error
    assert [letter.reason for letter in letters] == ["scan_timeout"]
    del began


async def test_one_big_slow_request_does_not_hold_up_the_others(
    kafka: KafkaConnection, topics: Topics, tmp_path: Path
) -> None:
    """A large request is cut at large_scan_timeout_s; its scan stops at the deadline, so the
    requests after it are answered (not timed out behind it), and the pool says it is
    degraded."""
    config = tmp_path / "pool.yaml"
    config.write_text(
        "pools:\n  keyword:\n    large_request_bytes: 20000\n    large_scan_timeout_s: 1.5\n"
    )
    with running_pool(kafka, topics, *KEYWORD, "--config", str(config), home=tmp_path) as pool:
        async with Bus(kafka, topics) as bus:
            big = scan_request(["CRAWL:60 " + "padding " * 4000], ["keyword"], topics)
            small = [scan_request([f"forbidden {i}"], ["keyword"], topics) for i in range(5)]
            for request in (big, *small):
                await bus.send(request)
            rest = await bus.results(len(small) + 1, partition=0, timeout=30)
            later = scan_request(["forbidden again"], ["keyword"], topics)
            await bus.send(later)
            everything = await bus.results(len(small) + 2, partition=0, timeout=30)
            (after,) = [r for r in everything if r.correlation_id == later.correlation_id]
            ready = http_json(f"http://127.0.0.1:{pool.port}/health/ready")
            (health,) = await check_pools(kafka, topics, ("keyword",))
    by_id = {r.correlation_id: r for r in rest}
    assert {r.correlation_id for r in small} <= set(by_id)
    assert all(by_id[r.correlation_id].verdict == "block" for r in small)
    assert by_id[big.correlation_id].verdict == "error"
    assert "ScannerTimeout" in by_id[big.correlation_id].error
    assert after.correlation_id == later.correlation_id and after.verdict == "block"
    assert ready == (200, {"ready": True, "degraded": True})
    assert any(p.startswith("degraded") for p in health.problems), health.problems


async def test_requests_sent_during_a_scan_are_the_next_batch_and_results_say_when(
    kafka: KafkaConnection, topics: Topics, tmp_path: Path
) -> None:
    """The pool scans what has arrived: a slow request alone, then the five sent while it was
    scanned, in one batch begun after it ended; each result's timing header is in order."""
    with running_pool(kafka, topics, *KEYWORD, home=tmp_path):
        async with Bus(kafka, topics) as bus:
            await bus.send(scan_request(["warm up"], ["keyword"], topics))
            await bus.read(topics.results.name, 1, partition=0)
            slow = scan_request(["SLOW:4"], ["keyword"], topics)
            await bus.send(slow)
            await asyncio.sleep(1.5)  # the pool has it and is scanning it (checked below)
            sent_ms = time.time() * 1000
            rest = [scan_request([f"forbidden {i}"], ["keyword"], topics) for i in range(5)]
            for request in rest:
                await bus.send(request)
            records = await bus.read(topics.results.name, 7, partition=0, timeout=60)
    timing = {decode(ScanResult, r.value).correlation_id: read_timing(r.headers) for r in records}
    first = timing[slow.correlation_id]
    assert first is not None and first.received_ms < sent_ms, "the slow scan began too late"
    later = [timing[r.correlation_id] for r in rest]
    assert all(t is not None for t in later)
    assert len({t.batched_ms for t in later}) == 1  # one batch
    assert all(first.scanned_ms <= t.batched_ms for t in later)
    for t in [first, *later]:
        assert t.received_ms <= t.batched_ms <= t.scanned_ms <= t.sent_ms


def test_a_batchs_large_requests_come_after_its_small_ones_each_alone(tmp_path: Path) -> None:
    settings = PoolSettings(
        "keyword", KafkaConnection("k:1"), Topics(), tmp_path, large_request_bytes=10,
        scan_timeout_s=30, large_scan_timeout_s=5,
    )  # fmt: skip
    records = [Record("t", 0, i, None, b"x" * size) for i, size in enumerate([50, 3, 20, 4])]
    assert [([r.offset for r in part], limit) for part, limit in lanes(records, settings)] == [
        ([1, 3], 30),
        ([0], 5),
        ([2], 5),
    ]


async def test_headers_for_other_kinds_are_skipped_without_a_decode(
    kafka: KafkaConnection, topics: Topics, tmp_path: Path
) -> None:
    # one key: one partition, so the last result means every record before it was handled
    key = "route-1"
    scanned = scan_request(["forbidden, with headers"], ["keyword"], topics, request_id=key)
    old_shim = scan_request(["forbidden, no headers"], ["keyword"], topics, request_id=key)
    with running_pool(kafka, topics, *KEYWORD, home=tmp_path) as pool:
        async with Bus(kafka, topics) as bus:
            # not decodable at all, but its headers say it is for another kind: never read
            await bus.send_raw(b"\x00 not json", key=key.encode(), headers=_kinds(b"pii"))
            # not decodable and for this kind: read, and dead-lettered as before
            await bus.send_raw(b"\x01 not json", key=key.encode(), headers=_kinds(b"keyword"))
            await bus.send(scanned, headers=request_headers(scanned, len(encode(scanned))))
            await bus.send(old_shim)
            results = {r.correlation_id: r for r in await bus.results(2, partition=0)}
            letters = await bus.read(topics.dead_letters.name, 2, timeout=3.0)
        health = pool.health()
    assert results[scanned.correlation_id].verdict == "block"
    assert results[old_shim.correlation_id].verdict == "block"
    assert [base64.b64decode(decode(DeadLetter, r.value).payload_b64) for r in letters] == [
        b"\x01 not json"
    ]
    assert health["skipped_for_other_kinds"] == 1


def _kinds(kinds: bytes) -> list[tuple[str, bytes]]:
    return [(KINDS_HEADER, kinds)]


def test_a_batch_skips_records_for_other_kinds_before_decoding() -> None:
    from tests.workers.keyword_scanner import KeywordScanner
    from workers.batch import BatchProcessor
    from workers.scan_cache import ScanCache

    scanner = KeywordScanner()
    scanner.load()
    processor = BatchProcessor(scanner, "w", ScanCache(0))
    skipped = Record("t", 0, 0, None, b"not json", _kinds(b"pii,secrets"))
    ours = Record("t", 0, 1, None, b"not json either", _kinds(b"keyword"))
    outcome = processor.process([skipped, ours])
    assert outcome.skipped == 1
    assert [(r.offset, d.reason) for r, d in outcome.dead_letters] == [(1, "not_json")]


def test_a_prompt_scanned_in_pre_call_is_not_scanned_again_in_a_later_phase() -> None:
    from dataclasses import replace

    from tests.workers.keyword_scanner import KeywordScanner
    from workers.batch import BatchProcessor
    from workers.scan_cache import ScanCache

    topics = Topics("t", 1)
    scanner = KeywordScanner()
    processor = BatchProcessor(scanner, "w", ScanCache(100))
    pre_call = scan_request(["a forbidden prompt"], ["keyword"], topics)
    logged = replace(
        scan_request(["a forbidden prompt"], ["keyword"], topics),
        mode="logging_only",
        reply=None,
    )
    first = processor.process([Record("t", 0, 0, None, encode(pre_call))])
    again = processor.process([Record("t", 0, 1, None, encode(logged))])
    assert (first.scanned_texts, again.scanned_texts, again.cached_texts) == (1, 0, 1)
    assert again.results[0][1].verdict == "block"
    assert scanner.batches == [1]  # the second request never reached the scanner
