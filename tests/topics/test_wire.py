"""The contract through a real broker: every message type, and malformed bytes."""

from __future__ import annotations

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from tests.topics.samples import SAMPLES
from topics import DecodeError, KafkaConnection, ScanRequest, Topics, decode, encode, message_key


async def _consume(kafka: KafkaConnection, topic: str, count: int) -> list:
    consumer = AIOKafkaConsumer(topic, **kafka.client_kwargs(), auto_offset_reset="earliest")
    await consumer.start()
    records = []
    try:
        while len(records) < count:
            batch = await consumer.getmany(timeout_ms=10_000)
            assert batch, f"got {len(records)} of {count} records before the topic went quiet"
            for part in batch.values():
                records.extend(part)
    finally:
        await consumer.stop()
    return records


async def test_every_message_type_travels_through_the_broker(
    kafka: KafkaConnection, topics: Topics
) -> None:
    producer = AIOKafkaProducer(**kafka.client_kwargs(), enable_idempotence=True)
    await producer.start()
    try:
        for message in SAMPLES:
            key = getattr(message, "request_id", "dead-letter")
            await producer.send_and_wait(
                topic=topics.requests.name, value=encode(message), key=message_key(key)
            )
    finally:
        await producer.stop()
    records = await _consume(kafka, topics.requests.name, len(SAMPLES))
    by_type = {type(m).SCHEMA: m for m in SAMPLES}
    decoded = []
    for record in records:
        schema = record.value and __import__("orjson").loads(record.value)["schema"]
        expected = by_type[schema]
        decoded.append(decode(type(expected), record.value))
    assert sorted(map(repr, decoded)) == sorted(map(repr, SAMPLES))


async def test_messages_of_one_request_share_a_partition(
    kafka: KafkaConnection, topics: Topics
) -> None:
    producer = AIOKafkaProducer(**kafka.client_kwargs())
    await producer.start()
    try:
        sent = [
            await producer.send_and_wait(
                topic=topics.requests.name, value=encode(SAMPLES[0]), key=message_key(rid)
            )
            for rid in ["a", "b", "c", "a", "b", "c"]
        ]
    finally:
        await producer.stop()
    assert [m.partition for m in sent[:3]] == [m.partition for m in sent[3:]]


async def test_malformed_bytes_from_the_broker_raise_the_typed_error(
    kafka: KafkaConnection, topics: Topics
) -> None:
    bad = [
        b"not json",
        b"\xff\xfe",
        encode(SAMPLES[1]),
        b'{"schema":"guardstream.scan_request","v":9}',
    ]
    producer = AIOKafkaProducer(**kafka.client_kwargs())
    await producer.start()
    try:
        for value in bad:
            await producer.send_and_wait(topic=topics.requests.name, value=value, partition=0)
    finally:
        await producer.stop()
    records = await _consume(kafka, topics.requests.name, len(bad))
    reasons = []
    for record in records:
        with pytest.raises(DecodeError) as caught:
            decode(ScanRequest, record.value)
        reasons.append(caught.value.reason)
    assert reasons == ["not_json", "not_json", "wrong_schema", "newer_major"]
