"""The checks behind test_k8s.py: the Kubernetes manifests as ``kubectl kustomize`` renders them,
read against the real command line, the real settings and each other. Each check takes the
rendered :class:`Manifests` and returns the problems it found (an empty list when none).
"""

from __future__ import annotations

import base64
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from shim.settings import ShimSettings
from tests.deploy.common import (
    POOLS,
    REPO,
    CommandError,
    parse_command,
    pool_settings,
)
from topics.specs import Topics
from workers.settings import DEFAULT_WEB_PORTS, PoolSettings

TARGETS = ("base", "overlays/example")
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"}


def render(target: str) -> list[dict[str, Any]]:
    """``kubectl kustomize deploy/k8s/<target>``, parsed."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed")
    done = subprocess.run(
        [kubectl, "kustomize", str(REPO / "deploy/k8s" / target)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return [d for d in yaml.safe_load_all(done.stdout) if d]


class Manifests:
    """Rendered documents, looked up by kind and name."""

    def __init__(self, docs: list[dict[str, Any]], home: Path) -> None:
        self.docs = docs
        self.home = home

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [d for d in self.docs if d["kind"] == kind]

    def get(self, kind: str, name: str) -> dict[str, Any] | None:
        return next((d for d in self.of(kind) if d["metadata"]["name"] == name), None)

    def secret_value(self, name: str, key: str) -> str | None:
        secret = self.get("Secret", name)
        if secret is None:
            return None
        if key in (secret.get("stringData") or {}):
            return str(secret["stringData"][key])
        if key in (secret.get("data") or {}):
            return base64.b64decode(secret["data"][key]).decode()
        return None

    def environ(self, container: dict[str, Any]) -> dict[str, str]:
        """A container's environment, Secret and ConfigMap references resolved."""
        env = {}
        for var in container.get("env") or []:
            ref = (var.get("valueFrom") or {}).get("secretKeyRef")
            if ref:
                value = self.secret_value(ref["name"], ref["key"])
                if value is not None:
                    env[var["name"]] = value
            elif "value" in var:
                env[var["name"]] = str(var["value"])
        return env

    def mounted_file(self, pod: dict[str, Any], container: dict[str, Any], path: str) -> str:
        """The text a ConfigMap volume puts at ``path`` in ``container``; '' if none does."""
        volumes = {v["name"]: v for v in pod.get("volumes") or []}
        for mount in container.get("volumeMounts") or []:
            config_map = (volumes.get(mount["name"]) or {}).get("configMap")
            if not config_map:
                continue
            data = (self.get("ConfigMap", config_map["name"]) or {}).get("data") or {}
            where = mount["mountPath"]
            if mount.get("subPath") and where == path:
                return data.get(mount["subPath"], "")
            if not mount.get("subPath") and str(Path(path).parent) == where.rstrip("/"):
                return data.get(Path(path).name, "")
        return ""

    def pools(self) -> Iterator[tuple[dict[str, Any], dict[str, Any], PoolSettings]]:
        """(Deployment, pool container, the settings it builds) for each pool Deployment."""
        for deployment in self.of("Deployment"):
            pod = deployment["spec"]["template"]["spec"]
            for container in pod["containers"]:
                if container.get("args", [None])[0] != "worker":
                    continue
                args = parse_command(container["args"])
                config = None
                if args.config:
                    text = self.mounted_file(pod, container, str(args.config))
                    assert text, f"{deployment['metadata']['name']}: {args.config} not mounted"
                    config = self.home / deployment["metadata"]["name"] / Path(args.config).name
                    config.parent.mkdir(parents=True, exist_ok=True)
                    config.write_text(text)
                env = self.environ(container)
                yield deployment, container, pool_settings(args, config, env, self.home)

    def topics_job_args(self) -> Any:
        for job in self.of("Job"):
            for container in job["spec"]["template"]["spec"]["containers"]:
                args = parse_command(container.get("args") or [])
                if (args.command, args.action) == ("topics", "create"):
                    return args
        return None


def _labels_match(selector: dict[str, Any], labels: dict[str, Any]) -> bool:
    wanted = selector.get("matchLabels") or {}
    return bool(wanted) and all(labels.get(k) == v for k, v in wanted.items())


def _pod_labels(deployment: dict[str, Any]) -> dict[str, Any]:
    return deployment["spec"]["template"]["metadata"].get("labels") or {}


def _port(container: dict[str, Any], port: int | str) -> int | None:
    if isinstance(port, int):
        return port
    named = {p.get("name"): p["containerPort"] for p in container.get("ports") or []}
    return named.get(port)


# ---- the checks: each returns a list of problems ----


def command_problems(m: Manifests) -> list[str]:
    """Every guardstream container's arguments parse with the real command line."""
    problems = []
    for doc in m.of("Deployment") + m.of("Job"):
        pod = doc["spec"]["template"]["spec"]
        for container in pod.get("initContainers", []) + pod["containers"]:
            if "workers" not in container["image"]:
                continue
            try:
                parse_command(container.get("args") or [])
            except CommandError as e:
                problems.append(f"{doc['metadata']['name']}/{container['name']}: {e}")
    return problems


def pool_problems(m: Manifests) -> list[str]:
    """One Deployment per pool; ports, probes, resources and waits agree with its settings."""
    problems = []
    seen = []
    for deployment, container, settings in m.pools():
        name = deployment["metadata"]["name"]
        kind = settings.kind
        seen.append(kind)
        if kind not in POOLS:
            problems.append(f"{name}: unknown pool {kind}")
            continue
        if settings.port != DEFAULT_WEB_PORTS[kind]:
            problems.append(f"{name}: serves on {settings.port}, not {DEFAULT_WEB_PORTS[kind]}")
        if settings.web_host not in ("0.0.0.0", "::"):
            problems.append(f"{name}: web_host {settings.web_host}: probes cannot reach it")
        http = [p for p in container.get("ports") or [] if p.get("name") == "http"]
        if [p["containerPort"] for p in http] != [settings.port]:
            problems.append(f"{name}: container port http is not {settings.port}")
        for probe, path in (
            ("livenessProbe", "/health/live"),
            ("readinessProbe", "/health/ready"),
            ("startupProbe", "/health/live"),
        ):
            get = (container.get(probe) or {}).get("httpGet")
            if get is None:
                if probe != "startupProbe":
                    problems.append(f"{name}: no {probe}")
                continue
            if get.get("path") != path or _port(container, get.get("port")) != settings.port:
                problems.append(f"{name}: {probe} hits {get}, not {path} on {settings.port}")
        resources = container.get("resources") or {}
        for bound in ("requests", "limits"):
            if set(resources.get(bound) or {}) < {"cpu", "memory"}:
                problems.append(f"{name}: no cpu and memory {bound}")
        for init in deployment["spec"]["template"]["spec"].get("initContainers", []):
            args = parse_command(init.get("args") or [])
            if args.command == "topics" and (args.prefix, args.partitions) != (
                settings.topics.prefix,
                settings.topics.partitions,
            ):
                problems.append(f"{name}: waits for topics {args.prefix}/{args.partitions}")
    if sorted(seen) != sorted(POOLS):
        problems.append(f"pool Deployments {sorted(seen)} are not one per pool {sorted(POOLS)}")
    return problems


def topics_problems(m: Manifests) -> list[str]:
    """The Job, the pools and the proxy use one set of topics."""
    job = m.topics_job_args()
    if job is None:
        return ["no Job runs `guardstream topics create`"]
    wanted = Topics(job.prefix, job.partitions)
    problems = [
        f"{d['metadata']['name']}: topics {s.topics}, the Job makes {wanted}"
        for d, _, s in m.pools()
        if s.topics != wanted
    ]
    for shim, where in proxy_shims(m):
        if shim.topics != wanted:
            problems.append(f"{where}: shim topics {shim.topics}, the Job makes {wanted}")
    return problems


def scaling_problems(m: Manifests) -> list[str]:
    """Each ScaledObject scales an existing pool on its own consumer group's lag on the requests
    topic, never past the partitions (times the processes each pod runs)."""
    problems = []
    pools = {d["metadata"]["name"]: (d, s) for d, _, s in m.pools()}
    scaled = set()
    for so in m.of("ScaledObject"):
        name = so["metadata"]["name"]
        target = so["spec"]["scaleTargetRef"]
        if target.get("kind", "Deployment") != "Deployment" or target["name"] not in pools:
            problems.append(f"{name}: targets {target['name']}, which is no pool Deployment")
            continue
        scaled.add(target["name"])
        _, settings = pools[target["name"]]
        low = so["spec"].get("minReplicaCount", 0)
        high = so["spec"].get("maxReplicaCount", 100)
        if not 1 <= low <= high:
            problems.append(f"{name}: replicas {low}..{high}; a pool must never scale to zero")
        if high * settings.processes > settings.topics.partitions:
            problems.append(
                f"{name}: up to {high} pods x {settings.processes} processes, but only "
                f"{settings.topics.partitions} partitions"
            )
        kafka = [t for t in so["spec"].get("triggers") or [] if t.get("type") == "kafka"]
        if len(kafka) != 1:
            problems.append(f"{name}: {len(kafka)} kafka triggers")
            continue
        meta = kafka[0]["metadata"]
        group = f"{settings.topics.prefix}-pool-{settings.kind}"
        if meta.get("consumerGroup") != group or group != settings.group_id:
            problems.append(f"{name}: consumerGroup {meta.get('consumerGroup')}, pool's is {group}")
        if meta.get("topic") != Topics(settings.topics.prefix).requests.name:
            problems.append(f"{name}: topic {meta.get('topic')} is not the requests topic")
        if not str(meta.get("lagThreshold", "")).isdigit() or int(meta["lagThreshold"]) < 1:
            problems.append(f"{name}: lagThreshold {meta.get('lagThreshold')}")
        if meta.get("bootstrapServers") != settings.connection.bootstrap_servers:
            problems.append(
                f"{name}: KEDA reads {meta.get('bootstrapServers')}, the pool "
                f"{settings.connection.bootstrap_servers}"
            )
        auth = (kafka[0].get("authenticationRef") or {}).get("name")
        if auth and m.get("TriggerAuthentication", auth) is None:
            problems.append(f"{name}: TriggerAuthentication {auth} does not exist")
    problems += [f"{p}: no ScaledObject" for p in pools if p not in scaled]
    return problems


def disruption_problems(m: Manifests) -> list[str]:
    """Every PDB selects the pods of exactly one Deployment, and a minAvailable PDB leaves room
    to evict (else a node drain never ends)."""
    problems = []
    deployments = m.of("Deployment")
    lowest = {
        so["spec"]["scaleTargetRef"]["name"]: so["spec"].get("minReplicaCount", 0)
        for so in m.of("ScaledObject")
    }
    for pdb in m.of("PodDisruptionBudget"):
        name = pdb["metadata"]["name"]
        chosen = [d for d in deployments if _labels_match(pdb["spec"]["selector"], _pod_labels(d))]
        if len(chosen) != 1:
            problems.append(f"{name}: selects {len(chosen)} Deployments' pods")
            continue
        target = chosen[0]["metadata"]["name"]
        replicas = lowest.get(target, chosen[0]["spec"].get("replicas", 1))
        floor = pdb["spec"].get("minAvailable")
        if isinstance(floor, int) and replicas <= floor:
            problems.append(f"{name}: minAvailable {floor} with {replicas} replicas blocks drains")
    for d in deployments:
        own = [x for x in deployments if _labels_match(d["spec"]["selector"], _pod_labels(x))]
        if own != [d]:
            problems.append(f"{d['metadata']['name']}: its selector matches other pods too")
    return problems


def reference_problems(m: Manifests) -> list[str]:
    """Secret keys and ConfigMaps that env vars, volumes and KEDA refer to exist."""
    problems = []
    for doc in m.of("Deployment") + m.of("Job"):
        pod = doc["spec"]["template"]["spec"]
        where = doc["metadata"]["name"]
        for container in pod.get("initContainers", []) + pod["containers"]:
            for var in container.get("env") or []:
                ref = (var.get("valueFrom") or {}).get("secretKeyRef")
                if ref and m.secret_value(ref["name"], ref["key"]) is None:
                    problems.append(f"{where}: {var['name']} needs {ref['name']}/{ref['key']}")
            for source in container.get("envFrom") or []:
                ref = source.get("secretRef")
                if ref and m.get("Secret", ref["name"]) is None:
                    problems.append(f"{where}: envFrom Secret {ref['name']} does not exist")
        for volume in pod.get("volumes") or []:
            ref = volume.get("configMap")
            if ref and m.get("ConfigMap", ref["name"]) is None:
                problems.append(f"{where}: ConfigMap {ref['name']} does not exist")
    for auth in m.of("TriggerAuthentication"):
        for ref in auth["spec"].get("secretTargetRef") or []:
            if m.secret_value(ref["name"], ref["key"]) is None:
                problems.append(f"{auth['metadata']['name']}: needs {ref['name']}/{ref['key']}")
    return problems


def proxy_shims(m: Manifests) -> Iterator[tuple[ShimSettings, str]]:
    """The shim settings each proxy container builds from its mounted LiteLLM config."""
    for deployment in m.of("Deployment"):
        pod = deployment["spec"]["template"]["spec"]
        for container in pod["containers"]:
            args = [str(a) for a in container.get("args") or []]
            if "--config" not in args:
                continue
            path = args[args.index("--config") + 1]
            text = m.mounted_file(pod, container, path)
            assert text, f"{deployment['metadata']['name']}: {path} is not mounted"
            guardrails = yaml.safe_load(text).get("guardrails") or []
            for g in guardrails:
                if g["litellm_params"].get("guardrail") == "shim.KafkaScanGuardrail":
                    settings = ShimSettings.from_params(g["litellm_params"], m.environ(container))
                    yield settings, deployment["metadata"]["name"]


def proxy_problems(m: Manifests) -> list[str]:
    """The proxy runs the shim on the pools' Kafka, asks only for pools that run, and has a
    Service in front of it."""
    problems = []
    shims = list(proxy_shims(m))
    if len(shims) != 1:
        return [f"{len(shims)} proxies run the guardstream guardrail, expected 1"]
    shim, name = shims[0]
    kinds = {s.kind for _, _, s in m.pools()}
    problems += [
        f"{name}: asks scanner {s}, no pool runs it" for s in shim.scanners if s not in kinds
    ]
    servers = {s.connection.bootstrap_servers for _, _, s in m.pools()}
    if servers != {shim.connection.bootstrap_servers}:
        problems.append(f"{name}: Kafka {shim.connection.bootstrap_servers}, pools {servers}")
    deployment = m.get("Deployment", name)
    assert deployment is not None
    services = [s for s in m.of("Service") if _labels_match(
        {"matchLabels": s["spec"].get("selector") or {}}, _pod_labels(deployment))]  # fmt: skip
    if not services:
        problems.append(f"{name}: no Service selects the proxy")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    for service in services:
        for port in service["spec"]["ports"]:
            if _port(container, port.get("targetPort", port["port"])) is None:
                problems.append(f"{service['metadata']['name']}: targetPort {port} not in pod")
    return problems


def image_problems(m: Manifests) -> list[str]:
    images = [
        c["image"]
        for d in m.of("Deployment") + m.of("Job")
        for c in d["spec"]["template"]["spec"].get("initContainers", [])
        + d["spec"]["template"]["spec"]["containers"]
    ]
    return [f"image {i} has no fixed tag" for i in images if ":" not in i or i.endswith(":latest")]


CHECKS = (
    command_problems,
    pool_problems,
    topics_problems,
    scaling_problems,
    disruption_problems,
    reference_problems,
    proxy_problems,
    image_problems,
)
