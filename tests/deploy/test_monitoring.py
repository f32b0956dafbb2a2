"""The Grafana dashboard and the Prometheus alert rules in deploy/monitoring, and how docker
compose and kustomize ship them.

The dashboard's queries and the rules' expressions may read only metrics guardstream's code
exports; the rules pass ``promtool check rules`` and promtool's unit tests of them
(alert_rules_test.yaml) where promtool is on PATH, and a schema check everywhere. No Docker
engine is needed; kustomize renders through kubectl, as in test_k8s.py.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.common import POOLS, REPO
from tests.deploy.k8s_checks import Manifests, proxy_shims, render
from tests.deploy.monitoring_checks import (
    DASHBOARD,
    PROMETHEUS_RULE,
    RULES,
    dashboard_problems,
    jobs_in,
    known_metrics,
    load_dashboard,
    load_rules,
    required_alert_problems,
    required_panel_problems,
    rule_problems,
    rules,
)
from tests.deploy.test_compose import environment, load_compose, mounts, shim_settings

COMPONENT = REPO / "deploy/k8s/components/prometheus-operator"
PROXY_JOB = "guardstream-proxy"
GRAFANA_PROVISIONING = "/etc/grafana/provisioning"


@pytest.fixture(scope="module")
def known() -> set[str]:
    return known_metrics()


def promtool(*args: object) -> subprocess.CompletedProcess[str]:
    tool = shutil.which("promtool")
    if tool is None:
        pytest.skip("promtool is not installed (the schema checks still run)")
    return subprocess.run(
        [tool, *map(str, args)], capture_output=True, text=True, timeout=60, check=False
    )


def scrape_targets(job: dict[str, Any]) -> set[tuple[str, int]]:
    """The (host, port) a scrape job reaches, by DNS or statically."""
    found = {
        (name, int(sd["port"]))
        for sd in job.get("dns_sd_configs") or []
        for name in sd.get("names") or []
    }
    for static in job.get("static_configs") or []:
        for target in static.get("targets") or []:
            host, _, port = str(target).rpartition(":")
            found.add((host, int(port)))
    return found


# ---- compose: the checks return problems ----


def prometheus_problems(compose: dict[str, Any]) -> list[str]:
    """Prometheus loads the one rules file, scrapes the shim where the proxy serves it, and
    names its jobs as the rules do."""
    services = compose["services"]
    mounted = mounts(services["prometheus"])
    config = yaml.safe_load(mounted["/etc/prometheus/prometheus.yml"].read_text())
    problems = []
    rule_files = config.get("rule_files") or []
    if not rule_files:
        problems.append("prometheus: no rule_files")
    problems += [
        f"prometheus: rule file {f} is not {RULES.relative_to(REPO)} mounted"
        for f in rule_files
        if mounted.get(f) != RULES.resolve()
    ]
    jobs = {job["job_name"]: scrape_targets(job) for job in config.get("scrape_configs") or []}
    for pool in POOLS:
        if not any(host == pool for host, _ in jobs.get(f"guardstream-{pool}", ())):
            problems.append(f"prometheus: no job guardstream-{pool} scrapes the {pool} pool")
    proxy = services["proxy"]
    shim = shim_settings(mounts(proxy)["/app/config.yaml"], environment(proxy))
    if not shim.metrics_port:
        problems.append("proxy: the shim serves no metrics (metrics_port)")
    elif ("proxy", shim.metrics_port) not in jobs.get(PROXY_JOB, ()):
        problems.append(f"prometheus: job {PROXY_JOB} does not scrape proxy:{shim.metrics_port}")
    exprs = [str(r.get("expr")) for r in rules(load_rules())]
    problems += [f"rules: job {job} is not scraped" for job in sorted(jobs_in(exprs) - set(jobs))]
    return problems


def grafana_problems(compose: dict[str, Any]) -> list[str]:
    """Grafana on a host port, provisioned from the repository: a Prometheus datasource that
    reaches the prometheus service, and a file provider whose folder holds the dashboard."""
    services = compose["services"]
    grafana = services.get("grafana")
    if grafana is None:
        return ["no grafana service"]
    problems = []
    if not re.fullmatch(r"grafana/grafana(-oss)?:\d+\.\d+\.\d+", str(grafana.get("image"))):
        problems.append(f"grafana: image {grafana.get('image')} is not a pinned version")
    if "3000:3000" not in [str(p) for p in grafana.get("ports") or []]:
        problems.append("grafana: host port 3000 not published")
    env = environment(grafana)
    if (env.get("GF_AUTH_ANONYMOUS_ENABLED"), env.get("GF_AUTH_ANONYMOUS_ORG_ROLE")) != (
        "true",
        "Viewer",
    ):
        problems.append("grafana: anonymous viewers are not on")
    mounted = mounts(grafana)
    sources = [
        h for c, h in mounted.items() if c.startswith(f"{GRAFANA_PROVISIONING}/datasources/")
    ]
    providers = [
        h for c, h in mounted.items() if c.startswith(f"{GRAFANA_PROVISIONING}/dashboards/")
    ]
    urls = {
        (s.get("type"), s.get("url"))
        for path in sources
        for s in yaml.safe_load(path.read_text()).get("datasources") or []
    }
    if ("prometheus", "http://prometheus:9090") not in urls or "prometheus" not in services:
        problems.append(f"grafana: no Prometheus datasource at http://prometheus:9090: {urls}")
    folders = [
        p["options"]["path"].rstrip("/")
        for path in providers
        for p in yaml.safe_load(path.read_text()).get("providers") or []
        if p.get("type", "file") == "file"
    ]
    dashboards = {
        host
        for container, host in mounted.items()
        if any(container.startswith(f"{folder}/") for folder in folders)
    }
    if DASHBOARD.resolve() not in dashboards:
        problems.append(f"grafana: {DASHBOARD.relative_to(REPO)} is in no provisioned folder")
    if "prometheus" not in (grafana.get("depends_on") or {}):
        problems.append("grafana: does not start after prometheus")
    return problems


# ---- kustomize: the checks return problems ----


def configmap_problems(m: Manifests) -> list[str]:
    """The base carries the dashboard (for Grafana's sidecar) and the rules, byte for byte, and
    nothing that needs the Prometheus Operator's CRDs."""
    problems = []
    for name, path, labels in (
        ("guardstream-grafana-dashboard", DASHBOARD, {"grafana_dashboard": "1"}),
        ("guardstream-prometheus-rules", RULES, {}),
    ):
        config_map = m.get("ConfigMap", name)
        if config_map is None:
            problems.append(f"no ConfigMap {name}")
            continue
        if (config_map.get("data") or {}).get(path.name) != path.read_text():
            problems.append(f"ConfigMap {name}: {path.name} is not {path.relative_to(REPO)}")
        have = config_map["metadata"].get("labels") or {}
        if any(have.get(k) != v for k, v in labels.items()):
            problems.append(f"ConfigMap {name}: labels {have} lack {labels}")
    problems += [
        f"{d['kind']} {d['metadata']['name']} needs the Prometheus Operator"
        for d in m.docs
        if d["apiVersion"].startswith("monitoring.coreos.com/")
    ]
    return problems


def operator_problems(m: Manifests) -> list[str]:
    """The component's PrometheusRule holds the rules file's groups, and its PodMonitors reach
    the pools and the proxy on named ports, under the job names the rules expect."""
    problems = []
    rule = m.get("PrometheusRule", "guardstream")
    if rule is None or rule["spec"] != load_rules():
        problems.append(
            f"PrometheusRule guardstream: spec is not {RULES.relative_to(REPO)}; paste its "
            f"groups into {PROMETHEUS_RULE.relative_to(REPO)}"
        )
    jobs: set[str] = set()
    for monitor in m.of("PodMonitor"):
        name = monitor["metadata"]["name"]
        wanted = monitor["spec"]["selector"]["matchLabels"]
        pods = [
            d["spec"]["template"]
            for d in m.of("Deployment")
            if all(
                d["spec"]["template"]["metadata"]["labels"].get(k) == v for k, v in wanted.items()
            )
        ]
        if not pods:
            problems.append(f"PodMonitor {name}: selects no pods")
        for endpoint in monitor["spec"]["podMetricsEndpoints"]:
            for pod in pods:
                ports = {
                    p.get("name") for c in pod["spec"]["containers"] for p in c.get("ports", [])
                }
                if endpoint["port"] not in ports:
                    problems.append(f"PodMonitor {name}: no port {endpoint['port']} in {ports}")
            jobs.update(
                relabelled_job(endpoint.get("relabelings") or [], pod["metadata"]["labels"])
                for pod in pods
            )
    expected = {f"guardstream-{pool}" for pool in POOLS} | {PROXY_JOB}
    if jobs != expected:
        problems.append(f"PodMonitors name jobs {sorted(jobs)}, the rules need {sorted(expected)}")
    return problems


def relabelled_job(relabelings: list[dict[str, Any]], pod_labels: dict[str, str]) -> str:
    """The job a pod's target ends up with after ``relabelings`` (their replace actions on
    `job`), its labels presented as Prometheus's Kubernetes discovery presents them."""
    meta = {
        "__meta_kubernetes_pod_label_" + re.sub(r"[^a-zA-Z0-9_]", "_", k): v
        for k, v in pod_labels.items()
    }
    job = "(the operator's default)"
    for relabel in relabelings:
        if relabel.get("targetLabel") != "job" or relabel.get("action", "replace") != "replace":
            continue
        value = ";".join(meta.get(label, "") for label in relabel.get("sourceLabels") or [])
        match = re.fullmatch(relabel.get("regex", "(.*)"), value)
        if match:
            replacement = relabel.get("replacement", "$1")
            job = match.expand(re.sub(r"\$\{?(\d+)\}?", r"\\g<\1>", replacement))
    return job


def render_with_component(tmp_path: Path) -> list[dict[str, Any]]:
    """The base with the prometheus-operator component, as an overlay would add it."""
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    k8s = Path(os.path.relpath(REPO / "deploy/k8s", overlay))
    (overlay / "kustomization.yaml").write_text(
        yaml.safe_dump(
            {
                "apiVersion": "kustomize.config.k8s.io/v1beta1",
                "kind": "Kustomization",
                "resources": [str(k8s / "base")],
                "components": [str(k8s / "components/prometheus-operator")],
            }
        )
    )
    return render(str(Path(os.path.relpath(overlay, REPO / "deploy/k8s"))))


# ---- the tests ----


def test_the_dashboard_reads_only_metrics_guardstream_exports(known: set[str]) -> None:
    assert dashboard_problems(load_dashboard(), known) == []


def test_the_dashboard_has_every_panel_it_is_for() -> None:
    assert required_panel_problems(load_dashboard()) == []


def test_the_rules_are_well_formed_and_read_only_metrics_guardstream_exports(
    known: set[str],
) -> None:
    assert rule_problems(load_rules(), known) == []


def test_the_rules_have_every_alert_they_are_for() -> None:
    assert required_alert_problems(load_rules()) == []


def test_promtool_accepts_the_rules() -> None:
    done = promtool("check", "rules", RULES)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_alerts_fire_when_promtool_says_they_should() -> None:
    done = promtool("test", "rules", Path(__file__).with_name("alert_rules_test.yaml"))
    assert done.returncode == 0, done.stdout + done.stderr


def test_promtool_accepts_the_compose_prometheus_config(tmp_path: Path) -> None:
    """prometheus.yml as the container sees it: its rule files at their host paths."""
    mounted = mounts(load_compose()["services"]["prometheus"])
    config = yaml.safe_load(mounted["/etc/prometheus/prometheus.yml"].read_text())
    config["rule_files"] = [str(mounted[f]) for f in config.get("rule_files") or []]
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    done = promtool("check", "config", tmp_path / "prometheus.yml")
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("check", [prometheus_problems, grafana_problems])
def test_compose_wires_prometheus_and_grafana(check: Any) -> None:
    assert check(load_compose()) == []


def test_the_base_ships_the_dashboard_and_rules_as_configmaps(tmp_path: Path) -> None:
    assert configmap_problems(Manifests(render("base"), tmp_path)) == []


@pytest.fixture(scope="module")
def with_component(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    return render_with_component(tmp_path_factory.mktemp("component"))


def test_the_prometheus_operator_component(
    with_component: list[dict[str, Any]], tmp_path: Path
) -> None:
    m = Manifests(with_component, tmp_path)
    assert operator_problems(m) == []
    ((shim, name),) = proxy_shims(m)
    (deployment,) = [d for d in m.of("Deployment") if d["metadata"]["name"] == name]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports.get("metrics") == shim.metrics_port != 0


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("spec/podMetricsEndpoints/0/relabelings/0/replacement", "$1", "PodMonitors name jobs"),
        ("spec/podMetricsEndpoints/0/port", "web", "no port web"),
        ("spec/selector/matchLabels/app.kubernetes.io~1component", "pools", "selects no pods"),
    ],
)
def test_the_operator_check_catches_a_broken_pod_monitor(
    with_component: list[dict[str, Any]], tmp_path: Path, path: str, value: str, expected: str
) -> None:
    m = Manifests(json.loads(json.dumps(with_component)), tmp_path)
    node: Any = m.get("PodMonitor", "guardstream-pools")
    *keys, last = [k.replace("~1", "/") for k in path.split("/")]
    for key in keys:
        node = node[int(key)] if key.isdigit() else node[key]
    node[last] = value
    assert any(expected in p for p in operator_problems(m)), operator_problems(m)


def test_the_prometheus_rule_holds_the_rules_file_without_rendering() -> None:
    """Also where kubectl is missing: the component's copy of the rules is the rules file's."""
    assert yaml.safe_load(PROMETHEUS_RULE.read_text())["spec"] == load_rules()


# ---- the checks can fail ----


def _dashboard_with(expr: str) -> dict[str, Any]:
    dashboard = json.loads(json.dumps(load_dashboard()))
    for target in next(p for p in dashboard["panels"] if p.get("targets"))["targets"]:
        target["expr"] = expr
    return dashboard


def _rules_without(alert: str) -> dict[str, Any]:
    groups = json.loads(json.dumps(load_rules()))
    for group in groups["groups"]:
        group["rules"] = [r for r in group["rules"] if r["alert"] != alert]
    return groups


def _rules_with(field: str, value: Any) -> dict[str, Any]:
    groups = json.loads(json.dumps(load_rules()))
    groups["groups"][0]["rules"][0][field] = value
    return groups


def _compose_with(service: str, key: str, value: Any) -> dict[str, Any]:
    compose = json.loads(json.dumps(load_compose()))
    compose["services"][service][key] = value
    return compose


@pytest.mark.parametrize(
    ("found", "expected"),
    [
        (
            lambda k: dashboard_problems(
                _dashboard_with("rate(guardstream_scan_second_count[5m])"), k
            ),
            "reads guardstream_scan_second_count",
        ),
        (
            lambda k: dashboard_problems(
                _dashboard_with("sum by (scanner) (guardstream_results)"), k
            ),
            "reads guardstream_results,",
        ),
        (
            lambda k: required_panel_problems(_dashboard_with("sum(guardstream_results_total)")),
            "verdict wait",
        ),
        (
            lambda k: required_alert_problems(_rules_without("GuardstreamDeadLetters")),
            "no alert GuardstreamDeadLetters",
        ),
        (
            lambda k: rule_problems(_rules_with("expr", "guardstream_lag > 5"), k),
            "reads guardstream_lag",
        ),
        (lambda k: rule_problems(_rules_with("for", "five minutes"), k), "is no duration"),
        (lambda k: rule_problems(_rules_with("labels", {}), k), "severity"),
        (
            lambda k: grafana_problems(_compose_with("grafana", "volumes", [])),
            "in no provisioned folder",
        ),
        (
            lambda k: grafana_problems(_compose_with("grafana", "image", "grafana/grafana:latest")),
            "pinned",
        ),
        (
            lambda k: prometheus_problems(
                _compose_with(
                    "prometheus",
                    "volumes",
                    ["./deploy/compose/prometheus.yml:/etc/prometheus/prometheus.yml:ro"],
                )
            ),
            "is not deploy/monitoring/guardstream-rules.yaml mounted",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_the_checks_catch_mistakes(known: set[str], found: Any, expected: str) -> None:
    problems = found(known)
    assert any(expected in p for p in problems), problems
