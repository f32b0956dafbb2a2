"""Bad bytes on the requests topic, through a real pool on the real broker.

``tests/workers/test_scan_pool.py`` covers plain garbage, a wrong version and a scanner that raises;
this adds the rest of the decoder's reasons, bytes that are not UTF-8, lone surrogates, a
tombstone (a record with no value), a request just under the size limit, and one over it (which
the broker itself refuses, with a typed error). Each bad record must land on the dead-letter
topic with its reason and original bytes, and the pool must go on answering healthy requests.
"""

from __future__ import annotations

import base64
import time
from pathlib import Path

import orjson
import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.errors import MessageSizeTooLargeError

from tests.chaos.common import Tail
from tests.pools import KEYWORD_SCANNER, Bus, running_pool, scan_request
from topics import DeadLetter, KafkaConnection, ScanResult, Topics, encode, message_key
from topics.codec import MAX_MESSAGE_BYTES

KEYWORD = ("keyword", "--scanner-class", KEYWORD_SCANNER)


def _body(topics: Topics, **changes: object) -> dict:
    body = orjson.loads(encode(scan_request(["forbidden"], ["keyword"], topics)))
    body["data"].update(changes)
    return body


def _poison(topics: Topics) -> dict[str, tuple[bytes, str]]:
    """Name -> (record value, the dead-letter reason it must get)."""
    good = encode(scan_request(["forbidden"], ["keyword"], topics))
    missing = _body(topics)
    del missing["data"]["texts"]
    return {
        "empty": (b"", "not_json"),
        "truncated": (good[: len(good) // 2], "not_json"),
        "json-array": (b'[{"schema": "guardstream.scan_request"}]', "not_json"),
        "invalid-utf8": (good.replace(b'"forbidden"', b'"forb\xff\xfeidden"'), "not_json"),
        "lone-surrogate": (good.replace(b'"forbidden"', b'"forbidden \\ud800"'), "not_json"),
        "wrong-schema": (
            orjson.dumps({**_body(topics), "schema": "guardstream.scan_result"}),
            "wrong_schema",
        ),
        "missing-field": (orjson.dumps(missing), "missing_field"),
        "wrong-type": (orjson.dumps(_body(topics, texts="forbidden")), "wrong_type"),
        "bad-value": (orjson.dumps(_body(topics, mode="sideways")), "bad_value"),
        "unknown-field": (orjson.dumps(_body(topics, sneaky=True)), "unknown_field"),
        "no-body": (
            orjson.dumps({"schema": "guardstream.scan_request", "v": 1}),
            "missing_field",
        ),
    }


async def test_each_kind_of_bad_record_is_dead_lettered_and_the_pool_goes_on(
    kafka: KafkaConnection, topics: Topics, tmp_path: Path
) -> None:
    poison = _poison(topics)
    with running_pool(kafka, topics, *KEYWORD, home=tmp_path) as pool:
        async with (
            Bus(kafka, topics) as bus,
            Tail(kafka, topics.dead_letters.name, 3, DeadLetter) as letters,
            Tail(kafka, topics.results.name, topics.partitions, ScanResult) as results,
        ):
            for name, (value, _) in poison.items():
                await bus.send_raw(value, key=name.encode())
            healthy = scan_request(["forbidden after the poison"], ["keyword"], topics)
            await bus.send(healthy)
            await letters.until(lambda got: len(got) >= len(poison), 60)
            await results.until(
                lambda got: any(r.correlation_id == healthy.correlation_id for r in got), 60
            )
        health = pool.health()
        exit_code = pool.process.poll()
    by_key = {base64.b64decode(d.key_b64).decode(): d for d in letters.messages()}
    assert {k: d.reason for k, d in by_key.items()} == {k: r for k, (_, r) in poison.items()}
    for name, (value, _) in poison.items():
        assert base64.b64decode(by_key[name].payload_b64) == value, name
        assert by_key[name].payload_size == len(value)
    (answer,) = [r for r in results.messages() if r.correlation_id == healthy.correlation_id]
    assert answer.verdict == "block"
    assert exit_code is None and health["loaded"] is True


async def test_a_tombstone_is_dead_lettered_and_the_pool_goes_on(
    kafka: KafkaConnection, topics: Topics, tmp_path: Path
) -> None:
    with running_pool(kafka, topics, *KEYWORD, home=tmp_path) as pool:
        async with (
            Bus(kafka, topics) as bus,
            Tail(kafka, topics.dead_letters.name, 3, DeadLetter) as letters,
            Tail(kafka, topics.results.name, topics.partitions, ScanResult) as results,
        ):
            await bus.producer.send_and_wait(
                topic=topics.requests.name, value=None, key=b"tombstone"
            )
            healthy = scan_request(["forbidden after the tombstone"], ["keyword"], topics)
            await bus.send(healthy)
            await results.until(
                lambda got: any(r.correlation_id == healthy.correlation_id for r in got), 30
            )
            await letters.until(lambda got: len(got) >= 1, 5)
        alive = pool.process.poll() is None
    assert alive
    assert any(r.correlation_id == healthy.correlation_id for r in results.messages())
    assert [d.reason for d in letters.messages()] == ["not_json"]


async def test_the_size_limit_answers_under_it_and_refuses_over_it_with_a_typed_error(
    kafka: KafkaConnection, topics: Topics, tmp_path: Path
) -> None:
    # a big producer, so that the broker (not the client's 1 MB default) decides
    producer = AIOKafkaProducer(**kafka.client_kwargs(), max_request_size=4 * MAX_MESSAGE_BYTES)
    await producer.start()
    try:
        with running_pool(kafka, topics, *KEYWORD, home=tmp_path):
            async with Tail(kafka, topics.results.name, topics.partitions, ScanResult) as results:
                filler = "x" * (MAX_MESSAGE_BYTES - 64 * 1024)
                near = scan_request([f"{filler} forbidden"], ["keyword"], topics)
                over = scan_request([filler * 2], ["keyword"], topics)
                await producer.send_and_wait(
                    topic=topics.requests.name, value=encode(near), key=message_key(near.request_id)
                )
                began = time.monotonic()
                with pytest.raises(MessageSizeTooLargeError):
                    await producer.send_and_wait(
                        topic=topics.requests.name,
                        value=encode(over),
                        key=message_key(over.request_id),
                    )
                assert time.monotonic() - began < 60
                after = scan_request(["forbidden after the refusal"], ["keyword"], topics)
                await producer.send_and_wait(
                    topic=topics.requests.name,
                    value=encode(after),
                    key=message_key(after.request_id),
                )
                wanted = {near.correlation_id, after.correlation_id}
                got = await results.until(
                    lambda found: {r.correlation_id for r in found} >= wanted, 60
                )
    finally:
        await producer.stop()
    verdicts = {r.correlation_id: r.verdict for r in got}
    assert verdicts[near.correlation_id] == "block"
    assert verdicts[after.correlation_id] == "block"
    assert over.correlation_id not in verdicts
