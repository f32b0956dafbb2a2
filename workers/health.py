"""The health of every pool, as Kafka sees it: members, assigned partitions, lag, last result,
and how many bytes per second it scans (:mod:`topics.rates`).

``guardstream health`` prints this and exits non-zero when a pool has no members or lags past a
threshold, or a degraded pool (its scans time out); ``guardstream health --serve`` answers
``/health/guardrails`` with it over HTTP; the proxy answers the same path on its own port
(:mod:`shim.health`), from the same reading of the consumer groups (:mod:`topics.groups`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer

from topics.connection import KafkaConnection
from topics.errors import ScannerTimeout
from topics.groups import GroupState, describe_pools
from topics.messages import AuditRecord, ScanResult, Verdict
from topics.rates import PoolRate, pool_rates, started_consumer, tail
from topics.specs import Topics
from workers.settings import POOLS

__all__ = ["POOLS", "PoolHealth", "check_pools", "recent_fail_policy"]


@dataclass(slots=True)
class PoolHealth:
    """One pool's state: its consumer group, its last result, what is wrong with it."""

    group: GroupState
    last_result_age_s: float | None = None
    problems: list[str] = field(default_factory=list)
    rate: PoolRate | None = None
    """Bytes per second it scans, from its processes' latest results; None before any."""

    @property
    def pool(self) -> str:
        return self.group.kind

    @property
    def healthy(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        g = self.group
        return {
            "pool": g.kind, "group": g.group, "state": g.state, "healthy": self.healthy,
            "members": g.members, "assigned": g.assigned, "lag": g.lag,
            "last_result_age_s": self.last_result_age_s, "problems": self.problems,
            "scan_rate": self.rate.as_dict() if self.rate else None,
        }  # fmt: skip


async def check_pools(
    connection: KafkaConnection,
    topics: Topics,
    pools: tuple[str, ...] = POOLS,
    *,
    max_lag: int = 1000,
) -> list[PoolHealth]:
    """The health of each of ``pools``: its consumer group (:func:`topics.groups.describe_pools`,
    the same reading the proxy's ``/health/guardrails`` makes) and its latest results."""
    groups = await describe_pools(connection, topics, pools)
    consumer = await started_consumer(connection)
    try:
        last, timeouts, results = await _last_results(consumer, topics)
    finally:
        await consumer.stop()
    rates = pool_rates(results, int(time.time() * 1000))
    out = []
    for group in groups:
        health = PoolHealth(group, rate=rates.get(group.kind))
        if group.kind in last:
            health.last_result_age_s = round(time.time() - last[group.kind] / 1000, 3)
        if not group.members:
            health.problems.append("no members: the pool is not running")
        if group.lag > max_lag:
            health.problems.append(f"lag {group.lag} is over {max_lag}")
        if timeouts.get(group.kind):
            health.problems.append(
                f"degraded: {timeouts[group.kind]} of its last results are scan timeouts"
            )
        out.append(health)
    return out


async def _last_results(
    consumer: AIOKafkaConsumer, topics: Topics
) -> tuple[dict[str, int], dict[str, int], list[ScanResult]]:
    """When each scanner last answered, and when the audit pool last wrote, from topic tails;
    how many of each scanner's results there were scan timeouts; and those results."""
    last: dict[str, int] = {}
    timeouts: dict[str, int] = {}
    results = []
    async for result in tail(consumer, topics.results.name, topics.results.partitions, ScanResult):
        results.append(result)
        last[result.scanner] = max(last.get(result.scanner, 0), result.finished_ms)
        if result.error.startswith(ScannerTimeout.__name__):
            timeouts[result.scanner] = timeouts.get(result.scanner, 0) + 1
    async for record in tail(consumer, topics.audit.name, topics.audit.partitions, AuditRecord):
        last["audit"] = max(last.get("audit", 0), record.completed_ms)
    return last, timeouts, results


async def recent_fail_policy(connection: KafkaConnection, topics: Topics) -> dict[str, int]:
    """Of the proxies' latest verdicts (up to 50 a partition): how many there were, and how
    many the fail policy decided, ``open`` and ``closed`` (the shim's own counts, as the
    proxy's ``/health/guardrails`` gives them per process)."""
    consumer = await started_consumer(connection)
    counts = {"verdicts": 0, "open": 0, "closed": 0}
    try:
        spec = topics.verdicts
        async for verdict in tail(consumer, spec.name, spec.partitions, Verdict):
            counts["verdicts"] += 1
            if verdict.fail_policy_applied:
                counts[verdict.fail_policy_applied] += 1
    finally:
        await consumer.stop()
    return counts
