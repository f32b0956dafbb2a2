"""The shim's Prometheus metrics.

They live in prometheus_client's default registry, so LiteLLM's own ``/metrics`` (with
``callbacks: ["prometheus"]``) serves them beside its own; ``metrics_port`` in the guardrail's
settings also serves them on a port of their own. One set per process, however many guardrail
instances the proxy builds.
"""

from __future__ import annotations

import functools

from prometheus_client import Counter, Histogram, start_http_server

from shim.decide import Outcome

__all__ = ["ShimMetrics", "serve_metrics", "shim_metrics"]

_WAIT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 1.5, 2.5, 5.0)


class ShimMetrics:
    """Verdict wait time, decisions by scanner, timeouts, failures and fail-policy outcomes."""

    def __init__(self) -> None:
        self.wait = Histogram(
            "guardstream_shim_verdict_wait_seconds", "Time from publish to decision",
            ["mode", "phase"], buckets=_WAIT_BUCKETS,
        )  # fmt: skip
        self.decisions = Counter(
            "guardstream_shim_decisions", "Decisions, by mode and deciding scanner",
            ["mode", "decision", "scanner"],
        )  # fmt: skip
        self.missing = Counter(
            "guardstream_shim_scanner_missing", "Scanners that timed out or failed, by scanner",
            ["scanner", "status"],
        )  # fmt: skip
        self.fail_policy = Counter(
            "guardstream_shim_fail_policy", "Decisions made by on_timeout (open or closed)",
            ["policy"],
        )  # fmt: skip

    def observe(self, mode: str, phase: str, outcome: Outcome, waited_s: float) -> None:
        """Count one decision."""
        self.wait.labels(mode=mode, phase=phase).observe(waited_s)
        for scanner in outcome.blocked_by or [""]:
            self.decisions.labels(mode=mode, decision=outcome.decision, scanner=scanner).inc()
        for scanner in outcome.timed_out:
            self.missing.labels(scanner=scanner, status="timeout").inc()
        for scanner in outcome.failed:
            self.missing.labels(scanner=scanner, status="error").inc()
        if outcome.fail_policy_applied:
            self.fail_policy.labels(policy=outcome.fail_policy_applied).inc()


@functools.cache
def shim_metrics() -> ShimMetrics:
    """The process's one set of shim metrics (the default registry refuses a second)."""
    return ShimMetrics()


@functools.cache
def serve_metrics(port: int, host: str = "0.0.0.0") -> None:
    """Serve the default registry on ``port``, once per process."""
    start_http_server(port, addr=host)
