"""Where audit records go besides the audit topic. Which sink class serves which name is data."""

from __future__ import annotations

from typing import Any

from topics.errors import ConfigError
from workers.audit.sinks.base import Sink, SinkRunner
from workers.plugins import load_class

__all__ = ["SINKS", "Sink", "SinkRunner", "build_sinks"]

SINKS: dict[str, str] = {
    "security_log": "workers.audit.sinks.security_log:SecurityLogSink",
    "mlflow": "workers.audit.sinks.mlflow_metrics:MlflowSink",
}


def build_sinks(config: dict[str, Any]) -> list[Sink]:
    """One sink per configured name (``{name: settings}``)."""
    sinks = []
    for name, settings in config.items():
        if name not in SINKS:
            raise ConfigError(f"unknown sink {name!r}; known: {', '.join(SINKS)}")
        sink = load_class(SINKS[name], Sink)
        try:
            sinks.append(sink(**(settings or {})))
        except TypeError as e:
            raise ConfigError(f"bad settings for sink {name}: {e}") from e
    return sinks
