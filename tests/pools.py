"""Running real pool processes in tests, and talking to them through the real broker."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from topics import (
    KafkaConnection,
    Policy,
    ReplyAddress,
    ScanRequest,
    ScanResult,
    Text,
    Topics,
    decode,
    encode,
    message_key,
)

ROOT = Path(__file__).resolve().parent.parent
KEYWORD_SCANNER = "tests.workers.keyword_scanner:KeywordScanner"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_json(url: str, timeout: float = 2.0) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


class PoolProcess:
    """A ``guardstream worker`` process of its own (a child of the test), running the code of
    ``root`` (this tree unless told: the upgrade test runs a previous release's)."""

    def __init__(
        self,
        kafka: KafkaConnection,
        topics: Topics,
        kind: str,
        *args: str,
        home: Path,
        root: Path = ROOT,
    ) -> None:
        self.port = free_port()
        self.kind = kind
        command = [
            sys.executable, "-m", "workers.cli", "worker", kind,
            "--bootstrap-servers", kafka.bootstrap_servers,
            "--prefix", topics.prefix, "--partitions", str(topics.partitions),
            "--web-port", str(self.port), *args,
        ]  # fmt: skip
        env = {**os.environ, "GUARDSTREAM_HOME": str(home), "PYTHONPATH": str(root)}
        self.log = (home / f"{kind}-{self.port}.log").open("wb")
        self.process = subprocess.Popen(
            command, env=env, stdout=self.log, stderr=subprocess.STDOUT, cwd=root
        )

    def health(self, index: int = 0) -> dict:
        return http_json(f"http://127.0.0.1:{self.port + index}/health")[1]

    def wait_ready(self, timeout: float = 120.0, index: int = 0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"pool {self.kind} exited with {self.process.returncode}: {self.output()}"
                )
            with contextlib.suppress(OSError, ValueError):
                status, _ = http_json(f"http://127.0.0.1:{self.port + index}/health/ready")
                if status == 200:
                    return
            time.sleep(0.2)
        raise TimeoutError(f"pool {self.kind} not ready in {timeout}s: {self.output()}")

    def output(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")[-4000:]

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        return self.process.returncode


@contextlib.contextmanager
def running_pool(
    kafka: KafkaConnection, topics: Topics, kind: str, *args: str, home: Path
) -> Iterator[PoolProcess]:
    pool = PoolProcess(kafka, topics, kind, *args, home=home)
    try:
        pool.wait_ready()
        yield pool
    finally:
        pool.stop()


def scan_request(
    texts: list[str],
    scanners: list[str],
    topics: Topics,
    *,
    partition: int = 0,
    policy: Policy | None = None,
    request_id: str | None = None,
    roles: list[str] | None = None,
) -> ScanRequest:
    now = int(time.time() * 1000)
    return ScanRequest(
        request_id=request_id or f"req-{uuid.uuid4().hex[:12]}",
        correlation_id=uuid.uuid4().hex,
        mode="pre_call",
        phase="request",
        texts=[
            Text(role=role, content=t, message=i)
            for i, (t, role) in enumerate(zip(texts, roles or ["user"] * len(texts), strict=True))
        ],
        scanners=scanners,
        created_ms=now,
        deadline_ms=now + 5000,
        policy=policy or Policy(),
        reply=ReplyAddress(topic=topics.results.name, partition=partition, instance_id="test"),
    )


class Bus:
    """A producer plus readers of the results and dead-letter topics, for one test."""

    def __init__(self, kafka: KafkaConnection, topics: Topics) -> None:
        self.kafka = kafka
        self.topics = topics
        self.producer = AIOKafkaProducer(**kafka.client_kwargs(), enable_idempotence=True)

    async def __aenter__(self) -> Bus:
        await self.producer.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.producer.stop()

    async def send(self, request: ScanRequest, *, headers: list | None = None) -> None:
        await self.producer.send_and_wait(
            topic=self.topics.requests.name,
            value=encode(request),
            key=message_key(request.request_id),
            headers=headers,
        )

    async def send_raw(
        self, value: bytes, key: bytes = b"raw", *, headers: list | None = None
    ) -> None:
        await self.producer.send_and_wait(
            topic=self.topics.requests.name, value=value, key=key, headers=headers
        )

    async def read(
        self, topic: str, count: int, *, timeout: float = 60.0, partition: int | None = None
    ) -> list:
        consumer = AIOKafkaConsumer(
            **self.kafka.client_kwargs(), auto_offset_reset="earliest", enable_auto_commit=False
        )
        await consumer.start()
        try:
            spec = next(s for s in self.topics.all() if s.name == topic)
            wanted = [partition] if partition is not None else range(spec.partitions)
            consumer.assign([TopicPartition(topic, p) for p in wanted])
            await consumer.seek_to_beginning()
            records: list = []
            deadline = time.monotonic() + timeout
            while len(records) < count and time.monotonic() < deadline:
                batch = await consumer.getmany(timeout_ms=500)
                for part in batch.values():
                    records.extend(part)
            return records
        finally:
            await consumer.stop()

    async def results(self, count: int, **kwargs) -> list[ScanResult]:
        return [
            decode(ScanResult, r.value)
            for r in await self.read(self.topics.results.name, count, **kwargs)
        ]
