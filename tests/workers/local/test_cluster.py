"""``guardstream kafka start --brokers 3``: a replicated cluster that outlives one node."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from topics import KafkaConnection, Topics
from topics.admin import describe_topics
from workers.cli.environment import Environment

pytestmark = [
    pytest.mark.broker,
    pytest.mark.timeout(300),
    pytest.mark.skipif(shutil.which("java") is None, reason="the local broker needs Java"),
]


async def _survives_one_node(cluster_env: Environment, topics: Topics) -> list[bytes]:
    """Write with acks=all, kill the leader of the partition, write again; what reads back."""
    cluster = cluster_env.local_cluster()
    info = cluster.status()
    assert info is not None
    kafka = KafkaConnection(info.bootstrap_servers)
    producer = AIOKafkaProducer(**kafka.producer_kwargs(), request_timeout_ms=30000)
    await producer.start()
    try:
        sent = await producer.send_and_wait(
            topic=topics.requests.name, value=b"before", partition=0
        )
        leader = producer.client.cluster.leader_for_partition(
            TopicPartition(topics.requests.name, 0)
        )
        assert cluster.node(leader).stop(timeout=0)  # SIGKILL, as a crash
        await producer.send_and_wait(topic=topics.requests.name, value=b"after", partition=0)
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(**kafka.client_kwargs(), enable_auto_commit=False)
    await consumer.start()
    try:
        where = TopicPartition(topics.requests.name, 0)
        consumer.assign([where])
        consumer.seek(where, sent.offset)
        got = await consumer.getmany(where, timeout_ms=10000, max_records=2)
        return [r.value for r in got.get(where, [])]
    finally:
        await consumer.stop()


def test_cli_starts_three_nodes_topics_keep_three_copies_and_stop_ends_them_all(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    shared_jars = Environment.from_environ(os.environ).home / "jars"
    if shared_jars.exists():  # reuse the session's jar cache rather than fetching again
        (home / "jars").symlink_to(shared_jars)
    env = {**os.environ, "GUARDSTREAM_HOME": str(home)}
    env.pop("KAFKA_BOOTSTRAP_SERVERS", None)
    cluster_env = Environment.from_environ(env)
    topics = Topics(prefix=f"rf-{uuid.uuid4().hex[:6]}", partitions=2)

    def guardstream(*args: str) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "workers.cli", *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=180)

    started = guardstream("kafka", "start", "--brokers", "3")
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        assert "Kafka cluster of 3 is ready at" in started.stdout
        pids = [n.pid for n in cluster_env.local_cluster().status().nodes.values()]  # type: ignore[union-attr]
        created = guardstream("topics", "create", "--prefix", topics.prefix, "--partitions", "2")
        assert created.returncode == 0, created.stdout + created.stderr
        bootstrap = cluster_env.local_cluster().status().bootstrap_servers  # type: ignore[union-attr]
        states = asyncio.run(describe_topics(KafkaConnection(bootstrap), topics.all()))
        assert {s.replicas for s in states} == {3}
        assert {s.configs["min.insync.replicas"] for s in states} == {"2"}
        assert asyncio.run(_survives_one_node(cluster_env, topics)) == [b"before", b"after"]
    finally:
        stopped = guardstream("kafka", "stop")
    assert "Kafka cluster stopped" in stopped.stdout
    assert not any(Path(f"/proc/{pid}").exists() for pid in pids)
    assert guardstream("kafka", "status").returncode == 1
