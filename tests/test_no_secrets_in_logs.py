"""No raw prompt and no planted secret reaches any log line, at any log level.

A secrets pool and the audit pool run at DEBUG (the most talkative level, aiokafka's and faust's
loggers included) with the security log sink on, also at DEBUG and with request data included.
Requests carrying a planted e-mail, card number and AWS key are scanned and audited, and an
undecodable message carrying them goes to the dead letters. Then every byte the processes wrote
(their output and every file under their home) is searched: none of the planted values, nor the
prompt around them, appears.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import yaml

from tests.pools import Bus, PoolProcess, scan_request
from topics import AuditRecord, KafkaConnection, Policy, Topics, decode
from topics.admin import create_topics

PLANTED = {
    "email": "leaky.person.93be@example.com",
    "card": "4539 1488 0343 6467",
    "aws": "AKIAYVP4CIPPERUVIFX6",
    "prompt": "the quarterly zebra ledger",
}


async def test_planted_values_never_reach_a_log_line_at_debug(
    kafka: KafkaConnection, tmp_path: Path
) -> None:
    topics = Topics(prefix=f"logs-{uuid.uuid4().hex[:8]}", partitions=2)
    await create_topics(kafka, topics.all())
    config = tmp_path / "guardstream.yaml"
    config.write_text(yaml.safe_dump({"pools": {"audit": {
        "audit": {"logging_only_deadline_s": 3, "verdict_grace_s": 1},
        "sinks": {"security_log": {"log_file": str(tmp_path / "security.log"),
                                   "log_level": "DEBUG", "include_request_data": True}},
    }}}))  # fmt: skip
    args = ("--config", str(config), "--log-level", "DEBUG")
    pools = [
        PoolProcess(kafka, topics, kind, *args, home=tmp_path) for kind in ("secrets", "audit")
    ]
    try:
        await asyncio.gather(*(asyncio.to_thread(p.wait_ready) for p in pools))
        texts = [
            f"Mail {PLANTED['email']} about {PLANTED['prompt']}",
            f"card {PLANTED['card']} and aws_access_key_id={PLANTED['aws']}",
        ]
        policy = Policy(actions={"AWS_ACCESS_KEY": "mask"}, redact=True)
        request = scan_request(texts, ["secrets"], topics, policy=policy)
        async with Bus(kafka, topics) as bus:
            await bus.send(request)
            await bus.send_raw(f'{{"broken": "{texts[0]} {texts[1]}"'.encode())
            results = await bus.results(1, timeout=60)
            letters = await bus.read(topics.dead_letters.name, 1, timeout=60)
            audits = [
                decode(AuditRecord, r.value)
                for r in await bus.read(topics.audit.name, 1, timeout=60)
            ]
        assert [r.verdict for r in results] == ["mask"], [r.error for r in results]
        assert letters and [a.request_id for a in audits] == [request.request_id]
        # the security log got the audit record (its sink writes soon after the record)
        async with asyncio.timeout(30):
            while request.request_id not in _read(tmp_path / "security.log"):
                await asyncio.sleep(0.2)
    finally:
        for pool in pools:
            pool.stop()
    written = {path: _read(path) for path in sorted(tmp_path.rglob("*")) if path.is_file()}
    written.pop(config, None)
    logs = [p for p in written if p.suffix == ".log"]
    assert len(logs) >= 3, sorted(written)  # both pools' output and the security log
    assert any("DEBUG" in written[p] for p in logs), "the pools did not log at DEBUG"
    leaks = {
        (path.name, name)
        for path, text in written.items()
        for name, value in PLANTED.items()
        if value in text or value.replace(" ", "") in text
    }
    assert not leaks, leaks


def _read(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8", "replace")
    except OSError:
        return ""
