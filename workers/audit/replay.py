"""Replaying recorded traffic under a new policy, and comparing with the audit trail.

Scan requests are read back from the requests topic with manual partition assignment, no group
id and no commits, so no pool's consumer group (nor any other) is touched. Each request is
scanned in-process by the same :class:`~workers.batch.BatchProcessor` the pools run, with its
recorded policy overridden by a :class:`PolicyChange`; scanners that are not replayed keep the
verdict the audit record holds. The new decision follows the audit trail's rule (block over mask
over allow; ``during_call`` cannot mask) and is compared with the recorded one.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from topics.codec import decode, encode
from topics.connection import KafkaConnection
from topics.crypto import PayloadCipher
from topics.errors import DecodeError
from topics.messages import Action, AuditRecord, Decision, Policy, ScanRequest, ScanResult
from topics.specs import Topics
from workers.audit.reader import read_audit
from workers.batch import BatchProcessor, Record
from workers.policy import decide
from workers.scan_cache import ScanCache
from workers.scanners.base import Scanner

__all__ = ["PolicyChange", "Replay", "ReplayWindow", "read_requests", "replay"]

_AUDIT_SLACK_MS = 60_000
"""Audit records are written after their request; read from this much before the first one to
allow for clock skew between the shim and the audit pool."""
_VERDICT_OF: dict[Action, str] = {"log": "flag", "mask": "mask", "block": "block"}


@dataclass(frozen=True, slots=True)
class PolicyChange:
    """Actions and thresholds laid over each request's recorded policy, name by name."""

    actions: dict[str, Action] = field(default_factory=dict)
    thresholds: dict[str, float] = field(default_factory=dict)

    def apply(self, policy: Policy) -> Policy:
        """``policy`` with this change's names overriding its own."""
        actions = {**policy.actions, **self.actions}
        return Policy(
            actions=actions,
            thresholds={**policy.thresholds, **self.thresholds},
            redact=policy.redact or "mask" in actions.values(),
        )


@dataclass(frozen=True, slots=True)
class ReplayWindow:
    """Which requests to replay. Start: ``from_offsets`` (partition to offset; key ``-1`` means
    every partition), else ``since_ms``, else the beginning. End: ``until_ms``, else the end of
    each partition as it was when reading began."""

    since_ms: int | None = None
    until_ms: int | None = None
    from_offsets: dict[int, int] = field(default_factory=dict)


@dataclass(slots=True)
class Replay:
    """What a replay found: one row per request and phase, and the counts."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    undecodable: int = 0

    def summary(self) -> dict[str, Any]:
        """The report as one JSON-ready mapping."""
        out: dict[str, Any] = {"requests": len(self.rows), "undecodable": self.undecodable}
        self.rows.sort(key=lambda r: (r["created_ms"], r["request_id"], r["phase"]))
        kinds = ("unchanged", "newly_blocked", "newly_allowed", "changed", "error")
        ids = {k: [r["request_id"] for r in self.rows if r["change"] == k] for k in kinds}
        unaudited = [r["request_id"] for r in self.rows if r["old"] is None]
        out["audited"] = len(self.rows) - len(unaudited)
        out["unaudited"] = len(unaudited)
        out |= {k: len(v) for k, v in ids.items()}
        out["request_ids"] = {k: v for k, v in ids.items() if k != "unchanged"}
        out["request_ids"]["unaudited"] = unaudited
        out["request_ids"]["incomplete"] = [r["request_id"] for r in self.rows if r["incomplete"]]
        transitions: dict[str, int] = {}
        by_scanner: dict[str, dict[str, list[str]]] = {}
        by_label: dict[str, dict[str, list[str]]] = {}
        for row in self.rows:
            if row["old"] is not None and row["old"] != row["new"]:
                step = f"{row['old']}->{row['new']}"
                transitions[step] = transitions.get(step, 0) + 1
            for name, (old, new) in row["scanners"].items():
                if old != new and old is not None:
                    by_scanner.setdefault(name, {}).setdefault(f"{old}->{new}", [])
                    by_scanner[name][f"{old}->{new}"].append(row["request_id"])
            if row["change"] not in ("unchanged", "error") and row["old"] is not None:
                for label in row["labels"]:
                    by_label.setdefault(label, {}).setdefault(row["change"], [])
                    by_label[label][row["change"]].append(row["request_id"])
        out |= {"transitions": transitions, "by_scanner": by_scanner, "by_label": by_label}
        out["rows"] = [r for r in self.rows if r["change"] != "unchanged" or r["old"] is None]
        return out


async def read_requests(
    connection: KafkaConnection, topics: Topics, window: ReplayWindow, *, batch: int = 64
) -> AsyncIterator[list[Record]]:
    """Batches of raw records from the requests topic within ``window``. No group, no commits."""
    consumer = AIOKafkaConsumer(
        **connection.client_kwargs(), group_id=None, enable_auto_commit=False
    )
    await consumer.start()
    try:
        spec = topics.requests
        partitions = [TopicPartition(spec.name, p) for p in range(spec.partitions)]
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        starts = await consumer.beginning_offsets(partitions)
        if window.until_ms is not None:
            found = await consumer.offsets_for_times(dict.fromkeys(partitions, window.until_ms))
            ends = {tp: found[tp].offset if found.get(tp) else ends[tp] for tp in partitions}
        if window.since_ms is not None and not window.from_offsets:
            found = await consumer.offsets_for_times(dict.fromkeys(partitions, window.since_ms))
            starts = {tp: found[tp].offset if found.get(tp) else ends[tp] for tp in partitions}
        for tp in partitions:
            wanted = window.from_offsets.get(tp.partition, window.from_offsets.get(-1))
            start = starts[tp] if wanted is None else max(wanted, starts[tp])
            if wanted is None and window.from_offsets:  # offsets named other partitions only
                start = ends[tp]
            consumer.seek(tp, min(start, ends[tp]))
        pending = {tp for tp in partitions if await consumer.position(tp) < ends[tp]}
        while pending:
            fetched = await consumer.getmany(*pending, timeout_ms=1000, max_records=batch)
            records = [
                Record(m.topic, m.partition, m.offset, m.key, m.value)
                for tp, messages in fetched.items()
                for m in messages
                if m.offset < ends[tp]
            ]
            if records:
                yield records
            pending = {tp for tp in pending if await consumer.position(tp) < ends[tp]}
    finally:
        await consumer.stop()


async def replay(
    connection: KafkaConnection,
    topics: Topics,
    scanners: Iterable[Scanner],
    change: PolicyChange,
    window: ReplayWindow,
    *,
    batch_size: int = 64,
    cipher: PayloadCipher | None = None,
) -> Replay:
    """Re-scan the requests in ``window`` with ``scanners`` (loaded) under ``change``, and
    compare each request's new decision with its audit record. With end-to-end encryption,
    ``cipher`` (the pools' key) opens the recorded texts."""
    processors = [BatchProcessor(s, "replay", ScanCache(10_000), cipher) for s in scanners]
    report = Replay()
    requests: dict[tuple[str, str], tuple[ScanRequest, dict[str, ScanResult]]] = {}
    async for records in read_requests(connection, topics, window, batch=batch_size):
        fresh: list[Record] = []
        keys: list[tuple[str, str]] = []
        for record in records:
            try:
                request = decode(ScanRequest, record.value)
            except DecodeError:
                report.undecodable += 1
                continue
            key: tuple[str, str] = (request.request_id, request.phase)
            if key in requests:  # delivered twice (at least once): replay it once
                continue
            request = replace(
                request, correlation_id=uuid.uuid4().hex, policy=change.apply(request.policy)
            )
            requests[key] = (request, {})
            keys.append(key)
            fresh.append(replace(record, value=encode(request)))
        for processor in processors:
            outcome = await asyncio.to_thread(processor.process, fresh)  # off the event loop
            for request, result in outcome.results:
                key = (request.request_id, request.phase)
                requests[key][1][result.scanner] = replace(result, redacted=[])
        for key in keys:  # scanned: keep verdicts and findings, not the texts
            requests[key] = (replace(requests[key][0], texts=[]), requests[key][1])
    if not requests:
        return report
    since = min(r.created_ms for r, _ in requests.values()) - _AUDIT_SLACK_MS
    audit: dict[tuple[str, str], AuditRecord] = {}
    async for audited in read_audit(connection, topics, since_ms=max(since, 0), idle_timeout_s=0.5):
        if (audited.request_id, audited.phase) in requests:
            audit[(audited.request_id, audited.phase)] = audited
    by_name = {p.scanner.name: p.scanner for p in processors}
    for key, (request, results) in requests.items():
        report.rows.append(_compare(request, results, audit.get(key), by_name))
    return report


def _compare(
    request: ScanRequest,
    results: dict[str, ScanResult],
    record: AuditRecord | None,
    scanners: dict[str, Scanner],
) -> dict[str, Any]:
    outcomes = record.outcomes if record else []
    old = {o.scanner: o.verdict if o.status == "ok" else o.status for o in outcomes}
    verdicts = {name: old.get(name) for name in request.scanners}
    verdicts |= {name: r.verdict for name, r in results.items()}
    new = _decision(verdicts.values(), request.mode)
    labels: set[str] = set()
    for name, result in results.items():
        if result.verdict != old.get(name):
            policy, scanner = request.policy, scanners[name]
            labels |= {  # the findings that now decide this scanner's verdict
                f.label
                for f in result.findings
                if (action := decide(scanner, policy, f.label, f.score))
                and _VERDICT_OF[action] == result.verdict
            }
            if _severity(result.verdict) < _severity(old.get(name)):  # what no longer counts
                labels |= {f.label for o in outcomes if o.scanner == name for f in o.findings}
    previous = record.decision if record else None
    change = "unchanged"
    if any(r.verdict == "error" for r in results.values()):
        change = "error"
    elif previous is not None and previous != new:
        change = {"block": "newly_blocked", "allow": "newly_allowed"}.get(new, "changed")
    return {
        "request_id": request.request_id,
        "phase": request.phase,
        "mode": request.mode,
        "created_ms": request.created_ms,
        "old": previous,
        "new": new,
        "change": change,
        "incomplete": bool(record and (record.timed_out or record.failed)),
        "scanners": {n: (old.get(n) if record else None, v) for n, v in verdicts.items()},
        "labels": sorted(labels),
    }


def _severity(verdict: str | None) -> int:
    return {"flag": 1, "mask": 2, "block": 3}.get(verdict or "", 0)


def _decision(verdicts: Iterable[str | None], mode: str) -> Decision:
    found = set(verdicts)
    if "block" in found:
        return "block"
    if "mask" in found and mode != "during_call":  # during_call cannot rewrite the prompt
        return "mask"
    return "allow"
