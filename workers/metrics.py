"""Prometheus metrics of one pool process, in a registry of its own."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

__all__ = ["AuditMetrics", "ConsumerLag", "PoolMetrics", "consumer_lag"]

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256)


class PoolMetrics:
    """The metrics a pool exports at ``/metrics``."""

    def __init__(self, kind: str) -> None:
        self.registry = CollectorRegistry()
        labels = {"scanner": kind}
        self.scan_seconds = Histogram(
            "guardstream_scan_seconds", "Time to scan one batch", ["scanner"],
            registry=self.registry, buckets=_LATENCY_BUCKETS,
        ).labels(**labels)  # fmt: skip
        self.batch_size = Histogram(
            "guardstream_batch_size", "Requests per scanned batch", ["scanner"],
            registry=self.registry, buckets=_BATCH_BUCKETS,
        ).labels(**labels)  # fmt: skip
        self._results = Counter(
            "guardstream_results", "Results published, by verdict", ["scanner", "verdict"],
            registry=self.registry,
        )  # fmt: skip
        self._dead_letters = Counter(
            "guardstream_dead_letters", "Messages sent to the dead-letter topic, by reason",
            ["scanner", "reason"], registry=self.registry,
        )  # fmt: skip
        self.cache_hits = Counter(
            "guardstream_cache_hits", "Texts answered from the cache", ["scanner"],
            registry=self.registry,
        ).labels(**labels)  # fmt: skip
        self.cache_misses = Counter(
            "guardstream_cache_misses", "Texts that had to be scanned", ["scanner"],
            registry=self.registry,
        ).labels(**labels)  # fmt: skip
        self.last_result_time = Gauge(
            "guardstream_last_result_timestamp_seconds", "When the last result was published",
            ["scanner"], registry=self.registry,
        ).labels(**labels)  # fmt: skip
        self.consumer_lag = ConsumerLag(self.registry, kind)
        self._kind = kind

    def result(self, verdict: str) -> None:
        """Count one published result."""
        self._results.labels(scanner=self._kind, verdict=verdict).inc()
        self.last_result_time.set_to_current_time()

    def dead_letter(self, reason: str) -> None:
        """Count one dead letter."""
        self._dead_letters.labels(scanner=self._kind, reason=reason).inc()

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)


class AuditMetrics:
    """The metrics the audit pool exports at ``/metrics``."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._records = Counter(
            "guardstream_audit_records", "Audit records written, by decision", ["decision"],
            registry=self.registry,
        )  # fmt: skip
        self._missing = Counter(
            "guardstream_audit_scanner_missing",
            "Scanners that timed out or failed in written records", ["scanner", "status"],
            registry=self.registry,
        )  # fmt: skip
        self.skipped = Counter(
            "guardstream_audit_skipped", "Undecodable messages the audit pool skipped",
            registry=self.registry,
        )  # fmt: skip
        self.sink_queued = Gauge(
            "guardstream_sink_queued",
            "Records waiting for a sink",
            ["sink"],
            registry=self.registry,
        )
        self.sink_dropped = Gauge(
            "guardstream_sink_dropped", "Records a full sink queue dropped", ["sink"],
            registry=self.registry,
        )  # fmt: skip
        self.consumer_lag = ConsumerLag(self.registry, "audit")

    def record(self, decision: str, timed_out: list[str], failed: list[str]) -> None:
        """Count one written record."""
        self._records.labels(decision=decision).inc()
        for scanner in timed_out:
            self._missing.labels(scanner=scanner, status="timeout").inc()
        for scanner in failed:
            self._missing.labels(scanner=scanner, status="error").inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)


class ConsumerLag:
    """``guardstream_consumer_lag{scanner}``: requests this process has yet to commit, summed over
    its partitions of the requests topic. Set at scrape time by :meth:`update`; absent while it
    cannot be told, rather than a reassuring 0."""

    def __init__(self, registry: CollectorRegistry, scanner: str) -> None:
        self._gauge = Gauge(
            "guardstream_consumer_lag",
            "Messages behind on the requests topic, over this process's partitions",
            ["scanner"], registry=registry,
        )  # fmt: skip
        self._scanner = scanner

    def update(self, consumer: Any, topic: str) -> None:
        """Measure the lag of ``consumer`` (a faust consumer) on ``topic``."""
        lag = consumer_lag(consumer, topic)
        if lag is None:
            self._gauge.clear()
        else:
            self._gauge.labels(scanner=self._scanner).set(lag)


def consumer_lag(consumer: Any, topic: str) -> int | None:
    """Messages on ``topic`` past the committed offset, summed over ``consumer``'s assigned
    partitions; None when no partition's lag is known (no assignment yet, a rebalance, nothing
    fetched or committed yet).

    The end of each partition is the highwater the last fetch brought back, so reading it costs
    no request to the broker. faust keeps its committed offsets (the next offset to read, as
    Kafka does) only in a private mapping; it is read defensively.
    """
    try:
        assigned = [tp for tp in consumer.assignment() if tp.topic == topic]
        committed = getattr(consumer, "_committed_offset", None) or {}
    except Exception:  # no consumer yet, or it is between rebalances
        return None
    total, known = 0, False
    for tp in assigned:
        try:
            end, done = consumer.highwater(tp), committed.get(tp)
        except Exception:  # the partition was revoked since assignment() answered
            continue
        if isinstance(end, int) and isinstance(done, int):
            total += max(end - done, 0)
            known = True
    return total if known else None
