"""The local broker: start, stop, restart, two at once, and a clear error without Java."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from topics import BrokerUnavailable, KafkaConnection
from workers.cli.environment import Environment
from workers.local.broker import LocalBroker

needs_java = pytest.mark.skipif(shutil.which("java") is None, reason="the local broker needs Java")
pytestmark = pytest.mark.broker  # starts brokers of its own


def _broker(path: Path) -> LocalBroker:
    env = Environment.from_environ(os.environ)
    return LocalBroker(path, env.jars(), java_home=env.java_home)


async def _echo(bootstrap: str, value: bytes) -> bytes:
    connection = KafkaConnection(bootstrap)
    producer = AIOKafkaProducer(**connection.client_kwargs())
    await producer.start()
    try:
        await producer.send_and_wait(topic="echo", value=value)
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer("echo", **connection.client_kwargs(), auto_offset_reset="earliest")
    await consumer.start()
    try:
        record = await consumer.getone()
    finally:
        await consumer.stop()
    return record.value


@needs_java
async def test_start_stop_and_start_again_keeps_serving(tmp_path: Path) -> None:
    broker = _broker(tmp_path / "one")
    first = broker.start()
    try:
        assert broker.status() == first
        assert broker.start() == first  # starting a running broker returns it
        assert await _echo(first.bootstrap_servers, b"before restart") == b"before restart"
    finally:
        assert broker.stop()
    assert broker.status() is None
    assert not broker.stop()
    second = broker.start()
    try:
        assert second.pid != first.pid
        # the same address: clients configured with the old one find it again
        assert second.bootstrap_servers == first.bootstrap_servers
        # same data folder: the message written before the restart is still there
        assert await _echo(second.bootstrap_servers, b"after restart") == b"before restart"
    finally:
        broker.stop()


@needs_java
async def test_a_client_started_before_a_stop_recovers_after_the_start(tmp_path: Path) -> None:
    """What a pool or proxy does: keep its producer and consumer across the broker's restart."""
    broker = _broker(tmp_path / "one")
    first = broker.start()
    connection = KafkaConnection(first.bootstrap_servers)
    producer = AIOKafkaProducer(**connection.client_kwargs())
    await producer.start()
    try:
        await producer.send_and_wait("across", b"before")
        broker.stop()
        assert broker.start().bootstrap_servers == first.bootstrap_servers
        await asyncio.wait_for(producer.send_and_wait("across", b"after"), timeout=60)
        consumer = AIOKafkaConsumer(
            "across", **connection.client_kwargs(), auto_offset_reset="earliest"
        )
        await consumer.start()
        try:
            got = [(await consumer.getone()).value for _ in range(2)]
        finally:
            await consumer.stop()
        assert got == [b"before", b"after"]
    finally:
        await producer.stop()
        broker.stop()


@needs_java
def test_a_kept_port_held_by_another_process_is_an_error_not_a_move(tmp_path: Path) -> None:
    broker = _broker(tmp_path / "one")
    first = broker.start()
    broker.stop()
    host, port = first.bootstrap_servers.rsplit(":", 1)
    with socket.socket() as squatter:
        squatter.bind((host, int(port)))
        squatter.listen()
        with pytest.raises(BrokerUnavailable, match=rf"{port}.*something else holds"):
            broker.start()
    assert broker.status() is None


@needs_java
async def test_a_second_broker_runs_beside_the_first(tmp_path: Path) -> None:
    one, two = _broker(tmp_path / "one"), _broker(tmp_path / "two")
    a = one.start()
    try:
        b = two.start()
        try:
            assert a.bootstrap_servers != b.bootstrap_servers
            assert await _echo(a.bootstrap_servers, b"to one") == b"to one"
            assert await _echo(b.bootstrap_servers, b"to two") == b"to two"
        finally:
            two.stop()
    finally:
        one.stop()


def test_without_java_the_error_says_what_to_do(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no java on it
    broker = LocalBroker(tmp_path / "b", Environment(home=tmp_path).jars(), java_home="")
    with pytest.raises(BrokerUnavailable, match=r"no Java found.*KAFKA_BOOTSTRAP_SERVERS"):
        broker.start()
    assert broker.status() is None


@needs_java
@pytest.mark.timeout(600)  # the broker starts twice
def test_cli_start_status_stop_find_the_broker_without_flags(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    shared_jars = Environment.from_environ(os.environ).home / "jars"
    if shared_jars.exists():  # reuse the session's jar cache rather than fetching again
        (home / "jars").symlink_to(shared_jars)
    env = {**os.environ, "GUARDSTREAM_HOME": str(home)}
    env.pop("KAFKA_BOOTSTRAP_SERVERS", None)

    def guardstream(*args: str) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "workers.cli", *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=180)

    assert guardstream("kafka", "status").returncode == 1
    started = guardstream("kafka", "start")
    try:
        assert started.returncode == 0, started.stderr
        assert "Kafka is ready at 127.0.0.1:" in started.stdout
        status = guardstream("kafka", "status")
        assert status.returncode == 0
        assert "running at 127.0.0.1:" in status.stdout
        created = guardstream("topics", "create", "--partitions", "2")
        assert created.returncode == 0, created.stdout + created.stderr
        assert created.stdout.count("created") == 7
        described = guardstream("topics", "describe", "--partitions", "2")
        assert described.returncode == 0
        assert described.stdout.count(" ok") == 7
    finally:
        stopped = guardstream("kafka", "stop")
    assert "Kafka stopped" in stopped.stdout
    again = guardstream("kafka", "start")  # same name: back on the same address
    try:
        assert again.returncode == 0, again.stderr
        address = started.stdout.split("Kafka is ready at ")[1].split()[0]
        assert f"Kafka is ready at {address} " in again.stdout
    finally:
        assert "Kafka stopped" in guardstream("kafka", "stop").stdout
    assert guardstream("kafka", "status").returncode == 1
    assert "no Kafka broker" in guardstream("topics", "describe").stderr
