"""A rolling upgrade, under load: the previous release's shim and pools against the current
ones in every mix, through the real broker.

The previous release is the commit in ``tests/upgrade/PREVIOUS`` (tag ``v0.3.0`` where tags
travel): ``git archive`` extracts its tree into a temporary folder, and its pools and shim run
from there with ``PYTHONPATH`` pointing at it, on this virtualenv (the locked dependencies of
the two releases are the same; a release that changes them needs a virtualenv of its own).

Three topic prefixes, each with its own ``secrets`` consumer group:

- ``old``: only the previous release's pool (so the current shim talks to old pools);
- ``new``: only the current pool (so the previous shim talks to new pools);
- ``mixed``: one pool of each release in one consumer group, both holding partitions.

Both shims (one process each) send the same load to all three: every second request holds an
AWS key the secrets pool masks, the others are plain. Every request must come back with its own
right verdict (masked, or unchanged) within the budget, and no dead letter may be written.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from tests.pools import ROOT, PoolProcess
from topics import KafkaConnection, Topics
from topics.admin import create_topics
from topics.groups import describe_pools

pytestmark = pytest.mark.timeout(600)

HERE = Path(__file__).resolve().parent
PREVIOUS = (HERE / "PREVIOUS").read_text().split()[0]
REQUESTS = 100
"""Per shim and prefix: 600 requests in all."""
SECRET = "AKIAZXCVBNMASDFGHJKL"


def extract(commit: str, into: Path) -> Path:
    """The tree of ``commit`` in ``into``, or a skip when this checkout has no git history
    (the only reason to skip: CI runs on a clone of main with its history)."""
    if shutil.which("git") is None:
        pytest.skip("no git: the previous release comes from git history")
    found = subprocess.run(
        ["git", "-C", str(ROOT), "cat-file", "-e", f"{commit}^{{commit}}"], capture_output=True
    )
    if found.returncode != 0:
        pytest.skip(f"commit {commit} of the previous release is not in this clone's history")
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", commit, "shim", "topics", "workers"],
        capture_output=True,
        check=True,
    )
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    return into


@pytest.fixture(scope="module")
def previous(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return extract(PREVIOUS, tmp_path_factory.mktemp("previous"))


@pytest.fixture(scope="module")
def prefixes() -> dict[str, str]:
    run = uuid.uuid4().hex[:8]
    return {mix: f"upgrade-{mix}-{run}" for mix in ("old", "new", "mixed")}


@pytest.fixture(scope="module")
async def pools(
    kafka: KafkaConnection,
    previous: Path,
    prefixes: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[list[PoolProcess]]:
    for prefix in prefixes.values():
        await create_topics(kafka, Topics(prefix, 3).all())
    layout = [("old", previous), ("new", ROOT), ("mixed", previous), ("mixed", ROOT)]
    started = []
    for mix, root in layout:
        home = tmp_path_factory.mktemp(f"pool-{mix}")
        topics = Topics(prefixes[mix], 3)
        started.append(PoolProcess(kafka, topics, "secrets", home=home, root=root))
    try:
        await asyncio.gather(*(asyncio.to_thread(p.wait_ready, 300) for p in started))
        yield started
    finally:
        for pool in started:
            pool.stop()


def run_shim(tree: Path, tag: str, kafka: KafkaConnection, prefixes: list[str]) -> list[dict]:
    """Run ``driver.py`` against ``tree``'s shim; its lines, one per request."""
    config = {
        "bootstrap": kafka.bootstrap_servers,
        "prefixes": prefixes,
        "partitions": 3,
        "requests": REQUESTS,
        "concurrency": 24,
        "budget_ms": 30000,  # a slow answer on two shared cores is not a lost one
        "tag": tag,
    }
    env = {**os.environ, "PYTHONPATH": str(tree), "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    done = subprocess.run(
        [sys.executable, str(HERE / "driver.py"), json.dumps(config)],
        env=env,
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def wrong(line: dict[str, Any]) -> bool:
    """Whether a request came back with anything but its own right verdict."""
    sent, got, marker = line["sent"], line["got"], line["marker"]
    if SECRET in sent:  # masked: the key gone, the rest as sent
        return SECRET in got or not got.startswith("my deploy key is ") or marker not in got
    return got != sent


async def dead_letters(kafka: KafkaConnection, prefixes: list[str]) -> int:
    consumer = AIOKafkaConsumer(**kafka.client_kwargs())
    await consumer.start()
    try:
        total = 0
        for prefix in prefixes:
            spec = Topics(prefix, 3).dead_letters
            ends = await consumer.end_offsets(
                [TopicPartition(spec.name, p) for p in range(spec.partitions)]
            )
            total += sum(ends.values())
        return total
    finally:
        await consumer.stop()


async def test_every_mix_of_releases_answers_every_request_rightly(
    kafka: KafkaConnection,
    pools: list[PoolProcess],
    previous: Path,
    prefixes: dict[str, str],
) -> None:
    (mixed,) = await describe_pools(kafka, Topics(prefixes["mixed"], 3), ["secrets"])
    assert len(mixed.members) == 2 and all(mixed.assigned.values()), mixed
    names = list(prefixes.values())
    old_lines, new_lines = await asyncio.gather(
        asyncio.to_thread(run_shim, previous, "old-shim", kafka, names),
        asyncio.to_thread(run_shim, ROOT, "new-shim", kafka, names),
    )
    by_mix = {prefix: mix for mix, prefix in prefixes.items()}
    for shim, lines in (("old", old_lines), ("new", new_lines)):
        assert len(lines) == REQUESTS * len(names), f"{shim} shim answered {len(lines)}"
        for mix in prefixes:
            bad = [line for line in lines if by_mix[line["prefix"]] == mix and wrong(line)]
            assert not bad, f"{shim} shim, {mix} pools: {len(bad)} wrong, e.g. {bad[:3]}"
    assert await dead_letters(kafka, names) == 0
    assert all(p.process.poll() is None for p in pools), "a pool exited under the load"
