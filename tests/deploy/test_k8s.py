"""The Kubernetes manifests as ``kubectl kustomize`` renders them, checked against the real
command line, the real settings and each other.

Each pool container's arguments go through guardstream's parser, and its settings are built from
the rendered ConfigMap and the example Secret exactly as the pod would build them; the probes,
the KEDA trigger (consumer group, topic, replica ceiling) and the topics Job must agree with
them. Each check returns the problems it found; the tests that break a copy of the manifests on
purpose prove the checks can fail.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.deploy.common import (
    POOLS,
    parse_command,
)
from tests.deploy.k8s_checks import (
    CHECKS,
    CLUSTER_SCOPED,
    TARGETS,
    Manifests,
    command_problems,
    disruption_problems,
    pool_problems,
    reference_problems,
    render,
    scaling_problems,
    topics_problems,
)

# ---- the tests ----


@pytest.fixture(scope="module", params=TARGETS)
def rendered(request: pytest.FixtureRequest) -> list[dict[str, Any]]:
    return render(request.param)


@pytest.fixture
def manifests(rendered: list[dict[str, Any]], tmp_path: Path) -> Manifests:
    return Manifests(json.loads(json.dumps(rendered)), tmp_path)


@pytest.mark.parametrize("check", CHECKS, ids=[c.__name__ for c in CHECKS])
def test_manifests(manifests: Manifests, check: Any) -> None:
    assert check(manifests) == []


def test_every_pool_has_a_deployment_pdb_and_scaled_object(manifests: Manifests) -> None:
    targets = {so["spec"]["scaleTargetRef"]["name"] for so in manifests.of("ScaledObject")}
    pools = {d["metadata"]["name"]: s.kind for d, _, s in manifests.pools()}
    assert sorted(pools.values()) == sorted(POOLS)
    assert set(pools) <= targets
    assert len(manifests.of("PodDisruptionBudget")) >= len(POOLS)
    assert manifests.topics_job_args() is not None
    assert manifests.of("Secret") and manifests.of("ConfigMap")


def test_the_overlay_puts_everything_in_its_namespace_with_registry_images() -> None:
    docs = render("overlays/example")
    namespaced = [d for d in docs if d["kind"] not in CLUSTER_SCOPED]
    assert {d["metadata"].get("namespace") for d in namespaced} == {"guardstream"}
    assert any(d["kind"] == "Namespace" and d["metadata"]["name"] == "guardstream" for d in docs)
    images = {
        c["image"]
        for d in docs
        if d["kind"] in ("Deployment", "Job")
        for c in d["spec"]["template"]["spec"].get("initContainers", [])
        + d["spec"]["template"]["spec"]["containers"]
    }
    assert images and all(i.startswith("registry.example.com/guardstream/") for i in images)


def _find(m: Manifests, kind: str, name: str) -> dict[str, Any]:
    doc = m.get(kind, name)
    assert doc is not None
    return doc


def _pool_container(m: Manifests, name: str) -> dict[str, Any]:
    return _find(m, "Deployment", name)["spec"]["template"]["spec"]["containers"][0]


def _break_group(m: Manifests) -> None:
    meta = _find(m, "ScaledObject", "guardstream-pool-pii")["spec"]["triggers"][0]["metadata"]
    meta["consumerGroup"] = "guardstream-pii"


def _break_ceiling(m: Manifests) -> None:
    _find(m, "ScaledObject", "guardstream-pool-secrets")["spec"]["maxReplicaCount"] = 24


def _break_topic(m: Manifests) -> None:
    meta = _find(m, "ScaledObject", "guardstream-pool-audit")["spec"]["triggers"][0]["metadata"]
    meta["topic"] = "guardstream.scan.results"


def _break_target(m: Manifests) -> None:
    _find(m, "ScaledObject", "guardstream-pool-moderation")["spec"]["scaleTargetRef"]["name"] = (
        "guardstream-moderation"
    )


def _break_probe(m: Manifests) -> None:
    _pool_container(m, "guardstream-pool-pii")["readinessProbe"]["httpGet"]["path"] = "/health"


def _break_port(m: Manifests) -> None:
    _pool_container(m, "guardstream-pool-secrets")["ports"][0]["containerPort"] = 6100


def _break_args(m: Manifests) -> None:
    _pool_container(m, "guardstream-pool-audit")["args"].append("--replicas")


def _break_pdb(m: Manifests) -> None:
    labels = _find(m, "PodDisruptionBudget", "guardstream-pool-pii")["spec"]["selector"]
    labels["matchLabels"]["guardstream.io/pool"] = "PII"


def _break_secret(m: Manifests) -> None:
    env = _pool_container(m, "guardstream-pool-pii")["env"][0]
    env["valueFrom"]["secretKeyRef"]["key"] = "BOOTSTRAP"


def _break_partitions(m: Manifests) -> None:
    job = m.of("Job")[0]["spec"]["template"]["spec"]["containers"][0]
    job["args"][job["args"].index("--partitions") + 1] = "6"


def _break_pdb_floor(m: Manifests) -> None:
    _find(m, "ScaledObject", "guardstream-pool-secrets")["spec"]["minReplicaCount"] = 1


@pytest.mark.parametrize(
    ("breaks", "check", "expected"),
    [
        (_break_group, scaling_problems, "consumerGroup guardstream-pii"),
        (_break_ceiling, scaling_problems, "up to 24 pods x 1 processes, but only 12"),
        (_break_topic, scaling_problems, "is not the requests topic"),
        (_break_target, scaling_problems, "which is no pool Deployment"),
        (_break_probe, pool_problems, "readinessProbe hits"),
        (_break_port, pool_problems, "container port http is not 6120"),
        (_break_args, command_problems, "guardstream-pool-audit/pool"),
        (_break_pdb, disruption_problems, "selects 0 Deployments' pods"),
        (_break_pdb_floor, disruption_problems, "minAvailable 1 with 1 replicas"),
        (_break_secret, reference_problems, "needs guardstream-kafka/BOOTSTRAP"),
        (_break_partitions, topics_problems, "the Job makes Topics(prefix='guardstream', part"),
    ],
    ids=lambda v: v.__name__ if callable(v) else "",
)
def test_the_checks_catch_broken_manifests(
    rendered: list[dict[str, Any]], tmp_path: Path, breaks: Any, check: Any, expected: str
) -> None:
    broken = Manifests(json.loads(json.dumps(rendered)), tmp_path)
    breaks(broken)
    found = check(broken)
    assert any(expected in p for p in found), found


def test_every_pool_waits_for_the_topics_the_job_makes(manifests: Manifests) -> None:
    job = manifests.topics_job_args()
    for deployment, _, _ in manifests.pools():
        (init,) = deployment["spec"]["template"]["spec"]["initContainers"]
        wait = parse_command(init["args"])
        assert (wait.command, wait.action) == ("topics", "describe")
        assert (wait.prefix, wait.partitions) == (job.prefix, job.partitions)
