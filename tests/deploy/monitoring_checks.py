"""The checks behind test_monitoring.py: the Grafana dashboard and the Prometheus alert rules in
deploy/monitoring, read against the metrics guardstream's code actually defines.

A query that names a metric no code exports draws an empty panel or an alert that never fires,
and nothing says so; these checks are what says so. Each check returns the problems it found (an
empty list when none).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml
from prometheus_client import CollectorRegistry
from prometheus_client.metrics import MetricWrapperBase

from shim.metrics import shim_metrics
from tests.deploy.common import POOLS, REPO
from workers.metrics import AuditMetrics, PoolMetrics

MONITORING = REPO / "deploy/monitoring"
DASHBOARD = MONITORING / "guardstream-dashboard.json"
RULES = MONITORING / "guardstream-rules.yaml"
PROMETHEUS_RULE = REPO / "deploy/k8s/components/prometheus-operator/prometheus-rule.yaml"

SCRAPE_METRICS = {"up"}
"""Series Prometheus makes itself for every target."""

_SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_sum", "_count", "_created"),
    "summary": ("", "_sum", "_count", "_created"),
    "gauge": ("",),
}

REQUIRED_PANELS = {
    "verdict wait": "guardstream_shim_verdict_wait_seconds_bucket",
    "timeouts": "guardstream_shim_scanner_missing_total",
    "fail open": "guardstream_shim_fail_policy_total",
    "decisions by scanner": "guardstream_shim_decisions_total",
    "pool lag": "guardstream_consumer_lag",
    "scan time": "guardstream_scan_seconds_bucket",
    "dead letters": "guardstream_dead_letters_total",
}
"""Words a panel's title must hold -> a metric its queries must read."""

REQUIRED_ALERTS = {
    "GuardstreamPoolDown": "up",
    "GuardstreamPoolLagging": "guardstream_consumer_lag",
    "GuardstreamFailOpenRate": "guardstream_shim_fail_policy_total",
    "GuardstreamDeadLetters": "guardstream_dead_letters_total",
}
"""Alert name -> a metric its expression must read."""

SEVERITIES = {"warning", "critical"}
_DURATION = re.compile(r"^(\d+(ms|[smhdwy]))+$")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
_SELECTOR = re.compile(r"\{[^}]*\}")
_GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_NAME = re.compile(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()")
_PROMQL_WORDS = {
    "and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right",
    "offset", "bool", "inf", "nan", "atan2",
}  # fmt: skip


def _names(family: Any) -> Iterator[str]:
    name = family.name if family.type != "counter" else family.name.removesuffix("_total")
    for suffix in _SUFFIXES.get(family.type, ("",)):
        yield name + suffix


def known_metrics() -> set[str]:
    """Every series name guardstream's code exports: the shim's (in the default registry) and
    a pool's and the audit pool's (each in a registry of its own), plus ``up``."""
    families = [
        family
        for metric in vars(shim_metrics()).values()
        if isinstance(metric, MetricWrapperBase)
        for family in metric.describe()
    ]
    registries: list[CollectorRegistry] = [PoolMetrics("pii").registry, AuditMetrics().registry]
    families += [family for registry in registries for family in registry.collect()]
    return {name for family in families for name in _names(family)} | SCRAPE_METRICS


def metrics_in(expr: str) -> set[str]:
    """The metric names a PromQL expression reads: what is left once strings, label matchers,
    grouping clauses, functions, keywords, durations and numbers are taken out."""
    bare = _GROUPING.sub(" ", _SELECTOR.sub(" ", _STRING.sub('""', expr)))
    bare = re.sub(r"\[[^\]]*\]", " ", bare)  # range and subquery durations
    bare = re.sub(r"\boffset\s+\w+", " ", bare)
    bare = re.sub(r"\$\w+|\$\{[^}]*\}", " ", bare)  # Grafana variables such as $__rate_interval
    return {
        name
        for name in _NAME.findall(bare)
        if name.lower() not in _PROMQL_WORDS and not re.fullmatch(r"[\d.e+-]+", name)
    }


def unknown_metric_problems(where: str, expr: str, known: set[str]) -> list[str]:
    names = metrics_in(expr)
    if not names:
        return [f"{where}: reads no metric: {expr!r}"]
    return [
        f"{where}: reads {name}, which no guardstream code exports"
        for name in sorted(names - known)
    ]


def load_dashboard(path: Path = DASHBOARD) -> dict[str, Any]:
    return json.loads(path.read_text())


def load_rules(path: Path = RULES) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())


def panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel, those inside collapsed rows too (rows themselves are not panels)."""
    for panel in dashboard.get("panels") or []:
        if panel.get("type") == "row":
            yield from panel.get("panels") or []
        else:
            yield panel


def rules(groups: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for group in groups.get("groups") or []:
        yield from group.get("rules") or []


# ---- the checks: each returns a list of problems ----


def dashboard_problems(dashboard: dict[str, Any], known: set[str]) -> list[str]:
    """A dashboard Grafana can load from a file, on whichever Prometheus it is given, whose
    every query reads metrics guardstream exports."""
    problems = []
    for key in ("uid", "title", "schemaVersion", "panels"):
        if not dashboard.get(key):
            problems.append(f"dashboard: no {key}")
    variables = {v.get("name"): v for v in (dashboard.get("templating") or {}).get("list") or []}
    source = variables.get("datasource") or {}
    if (source.get("type"), source.get("query")) != ("datasource", "prometheus"):
        problems.append("dashboard: no `datasource` variable choosing a Prometheus")
    rows = [p for p in dashboard.get("panels") or [] if p.get("type") == "row"]
    ids = [p.get("id") for p in [*rows, *panels(dashboard)]]
    if None in ids or len(ids) != len(set(ids)):
        problems.append("dashboard: panel ids are missing or repeat")
    for panel in panels(dashboard):
        where = f"panel {panel.get('title')!r}"
        if not panel.get("title") or not panel.get("gridPos"):
            problems.append(f"{where}: needs a title and a gridPos")
        targets = panel.get("targets") or []
        if not targets:
            problems.append(f"{where}: no queries")
        for target in [panel, *targets]:
            uid = (target.get("datasource") or {}).get("uid")
            if "datasource" in target and uid != "${datasource}":
                problems.append(f"{where}: datasource {uid!r} is not the ${{datasource}} variable")
        for target in targets:
            problems += unknown_metric_problems(where, target.get("expr", ""), known)
    return problems


def required_panel_problems(dashboard: dict[str, Any]) -> list[str]:
    """A panel for each thing the dashboard is for, reading the metric that measures it."""
    problems = []
    for words, metric in REQUIRED_PANELS.items():
        found = [
            p
            for p in panels(dashboard)
            if words in p.get("title", "").lower()
            and any(metric in metrics_in(t.get("expr", "")) for t in p.get("targets") or [])
        ]
        if not found:
            problems.append(f"no panel titled ...{words}... reads {metric}")
    return problems


def rule_problems(groups: dict[str, Any], known: set[str]) -> list[str]:
    """The rule file's schema (what ``promtool check rules`` holds a file to, where promtool is
    missing), and every expression reads metrics guardstream exports."""
    problems = []
    if set(groups) != {"groups"} or not groups["groups"]:
        return [f"rules: top level {sorted(groups)} is not a non-empty `groups` list"]
    names = [g.get("name") for g in groups["groups"]]
    if len(names) != len(set(names)) or not all(names):
        problems.append(f"rules: group names {names} are missing or repeat")
    for group in groups["groups"]:
        if not group.get("rules"):
            problems.append(f"rules: group {group.get('name')} has no rules")
        for rule in group.get("rules") or []:
            alert = rule.get("alert")
            where = f"alert {alert}"
            extra = set(rule) - {"alert", "expr", "for", "labels", "annotations"}
            if not alert or not re.fullmatch(r"[A-Z][A-Za-z0-9]+", str(alert)) or extra:
                problems.append(f"{where}: needs a CamelCase name and only alert fields {extra}")
            if not _DURATION.match(str(rule.get("for", ""))):
                problems.append(f"{where}: `for` {rule.get('for')!r} is no duration")
            if (rule.get("labels") or {}).get("severity") not in SEVERITIES:
                problems.append(f"{where}: severity is not one of {sorted(SEVERITIES)}")
            annotations = rule.get("annotations") or {}
            if not annotations.get("summary") or not annotations.get("description"):
                problems.append(f"{where}: needs a summary and a description")
            problems += unknown_metric_problems(where, str(rule.get("expr", "")), known)
    return problems


def required_alert_problems(groups: dict[str, Any]) -> list[str]:
    """An alert for each thing worth waking someone for; the pool-down alert covers every pool
    by the job name Prometheus scrapes it as."""
    by_name = {r.get("alert"): str(r.get("expr", "")) for r in rules(groups)}
    problems = [
        f"no alert {alert} reading {metric}"
        for alert, metric in REQUIRED_ALERTS.items()
        if metric not in metrics_in(by_name.get(alert, ""))
    ]
    down = by_name.get("GuardstreamPoolDown", "")
    problems += [
        f"GuardstreamPoolDown: does not notice a missing guardstream-{pool}"
        for pool in POOLS
        if f'absent(up{{job="guardstream-{pool}"}})' not in down
    ]
    return problems


def jobs_in(exprs: Iterable[str]) -> set[str]:
    """The job names that expressions match exactly (job="...")."""
    return {m for e in exprs for m in re.findall(r'\bjob\s*=\s*"([^"]+)"', e)}
