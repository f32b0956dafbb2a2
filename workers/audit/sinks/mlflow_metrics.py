"""Security metrics per time window, tracked in an MLflow experiment.

Each audit record is counted into the window its completion time falls in (``window_s``, one
minute by default). A window's metrics are logged, one MLflow step per window, when a record of a
later window arrives or the sink closes: requests, allowed, masked, blocked, would_block (a
block asked for but not enforced: ``logging_only``), flagged (something found but let through),
timeouts and failures, block rate, and per scanner its findings, timeouts
and mean scan time. A record counted once is not counted again if re-delivered or retried.

The default store is a local SQLite file (``sqlite:///mlflow.db``), MLflow's own local default
since its file store went into maintenance; a ``file:`` URI works too where
``MLFLOW_ALLOW_FILE_STORE=true`` is set, and so does a tracking server's ``http(s)://`` URI.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, ClassVar

from topics.messages import AuditRecord
from workers.audit.sinks.base import Sink, would_block

__all__ = ["MlflowSink"]


@dataclass(slots=True)
class _Window:
    start_ms: int
    seen: set[tuple[str, str]] = field(default_factory=set)
    counts: Counter = field(default_factory=Counter)
    scan_ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def add(self, record: AuditRecord) -> None:
        key = (record.request_id, record.phase)
        if key in self.seen:
            return
        self.seen.add(key)
        c = self.counts
        c["requests"] += 1
        c[{"allow": "allowed", "mask": "masked", "block": "blocked"}[record.decision]] += 1
        if would_block(record):
            c["would_block"] += 1
        elif record.decision == "allow" and any(o.findings for o in record.outcomes):
            c["flagged"] += 1
        c["timeouts"] += len(record.timed_out)
        c["failures"] += len(record.failed)
        for outcome in record.outcomes:
            c[f"{outcome.scanner}.findings"] += len(outcome.findings)
            c[f"{outcome.scanner}.timeouts"] += outcome.status == "timeout"
            if outcome.status == "ok":
                self.scan_ms[outcome.scanner].append(outcome.scan_ms)

    def metrics(self) -> dict[str, float]:
        out = {k: float(v) for k, v in self.counts.items()}
        out["block_rate"] = (
            self.counts["blocked"] / self.counts["requests"] if self.counts["requests"] else 0.0
        )
        for scanner, times in self.scan_ms.items():
            out[f"{scanner}.scan_ms_mean"] = sum(times) / len(times)
        return out


class MlflowSink(Sink):
    """Logs windowed security metrics into one MLflow run of ``experiment_name``."""

    name: ClassVar[str] = "mlflow"

    def __init__(
        self,
        experiment_name: str = "guardstream-security",
        tracking_uri: str = "sqlite:///mlflow.db",
        window_s: float = 60.0,
        run_name: str = "",
    ) -> None:
        self.experiment_name = experiment_name
        self.tracking_uri = tracking_uri
        self.window_ms = int(window_s * 1000)
        self.run_name = run_name or f"audit-{time.strftime('%Y%m%d-%H%M%S')}"
        self._windows: dict[int, _Window] = {}
        self._client: Any = None
        self.run_id = ""

    def write(self, records: list[AuditRecord]) -> None:
        for record in records:
            start = record.completed_ms - record.completed_ms % self.window_ms
            self._windows.setdefault(start, _Window(start)).add(record)
        newest = max(self._windows, default=0)
        self._flush([start for start in self._windows if start < newest])

    def close(self) -> None:
        self._flush(list(self._windows))

    def _flush(self, starts: list[int]) -> None:
        if not starts:
            return
        from mlflow.entities import Metric  # imported here: mlflow is slow to import

        client = self._connect()
        for start in sorted(starts):
            window = self._windows[start]
            step = start // self.window_ms
            metrics = [Metric(k, v, start, step) for k, v in window.metrics().items()]
            client.log_batch(self.run_id, metrics=metrics)
            del self._windows[start]  # only once logged: a failure retries the whole window

    def _connect(self) -> Any:
        if self._client is None:
            from mlflow.tracking import MlflowClient

            client = MlflowClient(tracking_uri=self.tracking_uri)
            experiment = client.get_experiment_by_name(self.experiment_name)
            experiment_id = (
                experiment.experiment_id
                if experiment
                else client.create_experiment(self.experiment_name)
            )
            self.run_id = client.create_run(experiment_id, run_name=self.run_name).info.run_id
            self._client = client
        return self._client
