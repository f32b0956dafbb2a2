"""End-to-end payload encryption: the broker sees ciphertext, the shim and the pools see text.

The cipher itself is checked directly (round trip, tampering, wrong request, bad settings); then
a real secrets pool with a rotated key set answers requests sealed by the shim's reply client,
while a raw reader of the topics finds no planted secret, and requests under a wrong key, or in
plaintext, end as ``decrypt_failed`` dead letters with an ``error`` result.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from shim.replies import ReplyClient
from shim.settings import ShimSettings
from tests.pools import Bus, PoolProcess, running_pool, scan_request
from tests.topics.samples import SAMPLES
from topics import (
    AuditRecord,
    ConfigError,
    DeadLetter,
    DecryptError,
    KafkaConnection,
    PayloadCipher,
    Policy,
    RedactedText,
    ScanResult,
    Topics,
    decode,
    generate_key,
    is_sealed,
)
from topics.admin import create_topics
from workers.audit.join import WITHHELD
from workers.settings import PoolSettings

PLANTED_KEY = "AKIAJH3KD9QWERTZPLMN"
PLANTED_EMAIL = "sealed.person.41c9@example.net"
OLD_KEY, NEW_KEY, WRONG_KEY = generate_key("k1"), generate_key("k2"), generate_key("k1")


# --- the cipher alone ---------------------------------------------------------------------


def test_a_sealed_text_opens_only_for_its_request_and_place() -> None:
    cipher = PayloadCipher.from_setting(OLD_KEY)
    sealed = cipher.seal(f"key {PLANTED_KEY} ünïcode", "req-1", "texts.0")
    assert is_sealed(sealed) and PLANTED_KEY not in sealed
    assert sealed != cipher.seal(f"key {PLANTED_KEY} ünïcode", "req-1", "texts.0")  # fresh nonce
    assert cipher.open(sealed, "req-1", "texts.0") == f"key {PLANTED_KEY} ünïcode"
    for request_id, where in (("req-2", "texts.0"), ("req-1", "texts.1")):
        with pytest.raises(DecryptError) as moved:
            cipher.open(sealed, request_id, where)
        assert moved.value.reason == "decrypt_failed"
    body = sealed.rsplit(":", 1)[1]
    flipped = body[:20] + ("A" if body[20] != "A" else "B") + body[21:]
    with pytest.raises(DecryptError):
        cipher.open(sealed.replace(body, flipped), "req-1", "texts.0")
    with pytest.raises(DecryptError):
        PayloadCipher.from_setting(WRONG_KEY).open(sealed, "req-1", "texts.0")
    with pytest.raises(DecryptError):  # with a key set, plaintext is refused
        cipher.open("plain words", "req-1", "texts.0")


def test_rotation_seals_with_the_first_key_and_opens_with_all() -> None:
    old = PayloadCipher.from_setting(OLD_KEY)
    rotated = PayloadCipher.from_setting(f"{NEW_KEY},{OLD_KEY}")
    assert rotated.open(old.seal("x", "r", "texts.0"), "r", "texts.0") == "x"
    assert rotated.seal("x", "r", "texts.0").startswith("gs1:k2:")
    with pytest.raises(DecryptError):
        old.open(rotated.seal("x", "r", "texts.0"), "r", "texts.0")


@pytest.mark.parametrize(
    "setting",
    [
        "",
        "k1:not base64!",
        f"k1:{base64.b64encode(b'short').decode()}",
        f"bad id:{base64.b64encode(bytes(32)).decode()}",
        f"{OLD_KEY},{OLD_KEY}",
    ],
)
def test_bad_key_settings_fail_at_start_up(setting: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        PayloadCipher.from_setting(setting)
    if setting:
        with pytest.raises(ConfigError):
            PoolSettings("secrets", KafkaConnection("x:1"), Topics(), tmp_path, payload_key=setting)
        with pytest.raises(ConfigError):
            ShimSettings.from_params({"bootstrap_servers": "x:1", "payload_key": setting})


def test_the_key_never_shows_in_reprs(tmp_path: Path) -> None:
    secret = OLD_KEY.split(":", 1)[1]
    settings = PoolSettings(
        "secrets", KafkaConnection("x:1"), Topics(), tmp_path, payload_key=OLD_KEY
    )
    shim = ShimSettings.from_params(
        {"bootstrap_servers": "x:1", "payload_key": "os.environ/GS_KEY"}, {"GS_KEY": OLD_KEY}
    )
    assert shim.cipher is not None
    assert secret not in repr(settings) and secret not in repr(shim)


def test_redacted_texts_of_results_are_sealed_and_opened() -> None:
    cipher = PayloadCipher.from_setting(OLD_KEY)
    result = replace(SAMPLES[1], redacted=[RedactedText(text=2, content="Mail <EMAIL_ADDRESS>")])
    sealed = cipher.seal_result(result)
    assert is_sealed(sealed.redacted[0].content)
    assert cipher.open_result(sealed) == result


async def _results_for(bus: Bus, correlation_id: str, partition: int) -> list[ScanResult]:
    """The results of one request on a reply partition, once at least one has arrived."""
    async with asyncio.timeout(60):
        while True:
            found = [
                r for r in await bus.results(10_000, partition=partition, timeout=0.5)
                if r.correlation_id == correlation_id
            ]  # fmt: skip
            if found:
                return found


# --- a real pool ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
async def sealed_pool(
    kafka: KafkaConnection, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[dict[str, Any]]:
    """A secrets pool whose key set is being rotated: k2 seals, k1 still opens."""
    home = tmp_path_factory.mktemp("sealed")
    topics = Topics(prefix=f"sealed-{uuid.uuid4().hex[:8]}", partitions=2)
    await create_topics(kafka, topics.all())
    config = home / "guardstream.yaml"
    config.write_text(
        yaml.safe_dump({"pools": {"secrets": {"payload_key": f"{NEW_KEY},{OLD_KEY}"}}})
    )
    pool = PoolProcess(kafka, topics, "secrets", "--config", str(config), home=home)
    try:
        await asyncio.to_thread(pool.wait_ready)
        yield {"topics": topics, "pool": pool}
    finally:
        pool.stop()


async def _replies(kafka: KafkaConnection, topics: Topics, key: str) -> ReplyClient:
    client = ReplyClient(
        kafka, topics, f"enc-{uuid.uuid4().hex[:6]}", 10, PayloadCipher.from_setting(key)
    )
    client.start()
    async with asyncio.timeout(30):
        while not client.ready:
            await asyncio.sleep(0.05)
    return client


async def test_sealed_requests_are_scanned_and_the_bus_carries_no_plaintext(
    kafka: KafkaConnection, sealed_pool: dict[str, Any]
) -> None:
    topics = sealed_pool["topics"]
    replies = await _replies(kafka, topics, OLD_KEY)  # a shim not yet rotated
    texts = [f"aws_access_key_id = {PLANTED_KEY}", f"write to {PLANTED_EMAIL}"]
    policy = Policy(actions={"AWS_ACCESS_KEY": "mask"}, redact=True)
    request = scan_request(texts, ["secrets"], topics, partition=replies.partition, policy=policy)
    try:
        results = await replies.ask(request, timeout_s=60)
    finally:
        await replies.stop()
    result = results["secrets"]
    assert result.verdict == "mask", result.error
    assert {(f.text, f.label) for f in result.findings} == {(0, "AWS_ACCESS_KEY")}
    (masked,) = [r.content for r in result.redacted if r.text == 0]
    assert PLANTED_KEY not in masked and masked.startswith("aws_access_key_id = ")

    async with Bus(kafka, topics) as bus:
        requests = await bus.read(topics.requests.name, 1, timeout=10)
        answers = await bus.read(topics.results.name, 1, timeout=10)
    wire = b"".join(r.value for r in [*requests, *answers])
    assert requests and answers
    for planted in (PLANTED_KEY, PLANTED_EMAIL, "aws_access_key_id"):
        assert planted.encode() not in wire
    (on_wire,) = [decode(ScanResult, r.value) for r in answers]
    # sealed with the key the request came with, which this not yet rotated shim has
    assert all(is_sealed(r.content) and r.content.startswith("gs1:k1:") for r in on_wire.redacted)


async def test_a_wrong_key_or_plaintext_is_dead_lettered_as_decrypt_failed(
    kafka: KafkaConnection, sealed_pool: dict[str, Any]
) -> None:
    topics = sealed_pool["topics"]
    replies = await _replies(kafka, topics, WRONG_KEY)
    wrong = scan_request([f"id {PLANTED_KEY}"], ["secrets"], topics, partition=replies.partition)
    plain = scan_request(["nothing secret"], ["secrets"], topics, partition=replies.partition)
    try:
        results = await replies.ask(wrong, timeout_s=60)
        async with Bus(kafka, topics) as bus:
            await bus.send(plain)  # a producer without the key: plaintext
            letters = [
                decode(DeadLetter, r.value)
                for r in await bus.read(topics.dead_letters.name, 2, timeout=60)
            ]
            answered = await _results_for(bus, plain.correlation_id, replies.partition)
    finally:
        await replies.stop()
    assert results["secrets"].verdict == "error"
    assert "decrypt_failed" in results["secrets"].error
    assert [d.reason for d in letters] == ["decrypt_failed", "decrypt_failed"]
    assert all(PLANTED_KEY not in d.detail for d in letters)
    assert [r.verdict for r in answered] == ["error"]
    assert "decrypt_failed" in sealed_pool["pool"].output()


async def test_the_audit_pool_opens_sealed_texts_and_never_stores_ciphertext(
    kafka: KafkaConnection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the deployment-wide key from the environment, as compose and k8s pass it to every pool
    monkeypatch.setenv("GUARDSTREAM_PAYLOAD_KEY", OLD_KEY)
    topics = Topics(prefix=f"sealaudit-{uuid.uuid4().hex[:8]}", partitions=1)
    await create_topics(kafka, topics.all())
    config = tmp_path / "audit.yaml"
    config.write_text(
        yaml.safe_dump(
            {"pools": {"audit": {"audit": {"logging_only_deadline_s": 30, "verdict_grace_s": 1}}}}
        )
    )
    text = f"aws_access_key_id = {PLANTED_KEY}"
    good, wrong = (
        replace(scan_request([text], ["secrets"], topics, request_id=rid), reply=None,
                mode="logging_only")
        for rid in ("sealed-good", "sealed-wrong")
    )  # fmt: skip
    with (
        running_pool(kafka, topics, "secrets", home=tmp_path),
        running_pool(kafka, topics, "audit", "--config", str(config), home=tmp_path),
    ):
        async with Bus(kafka, topics) as bus:
            await bus.send(PayloadCipher.from_setting(OLD_KEY).seal_request(good))
            await bus.send(PayloadCipher.from_setting(WRONG_KEY).seal_request(wrong))
            raw = await bus.read(topics.audit.name, 2, timeout=60)
    assert len(raw) == 2
    wire = b"".join(r.value for r in raw)
    assert PLANTED_KEY.encode() not in wire and b"gs1:" not in wire
    records = {r.request_id: r for r in (decode(AuditRecord, r.value) for r in raw)}
    opened = records["sealed-good"]
    assert opened.texts_sha256 == [hashlib.sha256(text.encode()).hexdigest()]
    assert [(o.status, o.verdict) for o in opened.outcomes] == [("ok", "mask")]
    unopened = records["sealed-wrong"]
    assert unopened.texts_sha256 == [] and unopened.redacted_texts == [WITHHELD]
    assert unopened.failed == ["secrets"]
