"""docker-compose.yml and its configs, checked against the real command line (the images:
test_images.py).

No Docker engine is needed: every check reads the files and hands what a container would run to
guardstream's own parser and settings. Each check returns the problems it found, so the tests
that break a copy of the file on purpose prove the checks can fail.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from shim.settings import ShimSettings
from tests.deploy.common import (
    POOLS,
    REPO,
    CommandError,
    health_urls,
    parse_command,
    pool_kind,
    pool_settings,
)
from topics.codec import MAX_MESSAGE_BYTES
from workers.settings import DEFAULT_WEB_PORTS

COMPOSE = REPO / "docker-compose.yml"
WORKERS_DOCKERFILE = "docker/workers.Dockerfile"
PROXY_DOCKERFILE = "docker/proxy.Dockerfile"
CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}


def load_compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


def environment(service: dict[str, Any]) -> dict[str, str]:
    """A service's environment, in either of compose's two spellings."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.partition("=")[::2] for item in env)
    return {str(k): str(v) for k, v in env.items()}


def mounts(service: dict[str, Any]) -> dict[str, Path]:
    """Container path -> host path of a service's bind mounts (short syntax)."""
    found = {}
    for volume in service.get("volumes") or []:
        host, _, rest = str(volume).partition(":")
        if host.startswith((".", "/")):
            found[rest.split(":")[0]] = (REPO / host).resolve()
    return found


def runs_guardstream(service: dict[str, Any]) -> bool:
    build = service.get("build") or {}
    return build.get("dockerfile") == WORKERS_DOCKERFILE or str(
        service.get("image", "")
    ).startswith("guardstream-workers")


def healthcheck_command(service: dict[str, Any]) -> str:
    test = (service.get("healthcheck") or {}).get("test") or []
    if isinstance(test, str):
        return test
    return "" if test in (["NONE"], []) else " ".join(str(t) for t in test)


def shim_settings(config: Path, environ: dict[str, str]) -> ShimSettings:
    guardrails = yaml.safe_load(config.read_text())["guardrails"]
    mine = [g for g in guardrails if g["litellm_params"]["guardrail"] == "shim.KafkaScanGuardrail"]
    assert len(mine) == 1, "one guardstream guardrail in the LiteLLM config"
    return ShimSettings.from_params(mine[0]["litellm_params"], environ=environ)


# ---- the checks: each returns a list of problems ----


def command_problems(compose: dict[str, Any], home: Path) -> list[str]:
    """Every guardstream command parses; pools run a known pool named like their service, with
    the port, address and topics the rest of the file assumes."""
    problems = []
    services = compose["services"]
    topics_args = None
    for name, service in services.items():
        if not runs_guardstream(service):
            continue
        try:
            args = parse_command(service.get("command") or [])
        except CommandError as e:
            problems.append(f"{name}: {e}")
            continue
        if args.command == "topics":
            topics_args = args
        if args.command != "worker":
            continue
        kind = pool_kind(args)
        if kind not in POOLS:
            problems.append(f"{name}: runs unknown pool {args.kind!r}")
            continue
        if kind != name:
            problems.append(f"{name}: runs pool {kind}; name the service after its pool")
        config = mounts(service).get(str(args.config)) if args.config else None
        if args.config and config is None:
            problems.append(f"{name}: --config {args.config} is not mounted from the repository")
            continue
        settings = pool_settings(args, config, environment(service), home)
        port = DEFAULT_WEB_PORTS[kind]
        if settings.port != port:
            problems.append(f"{name}: serves on {settings.port}, not its default {port}")
        if settings.web_host not in ("0.0.0.0", "::"):
            problems.append(f"{name}: web_host {settings.web_host} is unreachable from outside")
        if settings.group_id != f"{settings.topics.prefix}-pool-{kind}":
            problems.append(f"{name}: consumer group {settings.group_id}")
        if str(settings.port) not in [str(p) for p in service.get("expose") or []]:
            problems.append(f"{name}: does not expose its port {settings.port}")
        urls = health_urls(healthcheck_command(service))
        if (settings.port, "/health/ready") not in urls:
            problems.append(f"{name}: healthcheck {urls} is not /health/ready on {settings.port}")
        if topics_args is None:
            topics_args = parse_command(services["topics"]["command"])
        if (settings.topics.prefix, settings.topics.partitions) != (
            topics_args.prefix,
            topics_args.partitions,
        ):
            problems.append(f"{name}: topics {settings.topics} differ from the topics service's")
        if settings.connection.bootstrap_servers != topics_args.bootstrap_servers:
            problems.append(f"{name}: Kafka at {settings.connection.bootstrap_servers}")
    return problems


def scaling_problems(compose: dict[str, Any]) -> list[str]:
    """Pools can run as several replicas: no host ports, no fixed container names."""
    problems = []
    for name in POOLS:
        service = compose["services"].get(name)
        if service is None:
            problems.append(f"no service for pool {name}")
            continue
        if service.get("ports"):
            problems.append(f"{name}: publishes host ports {service['ports']}; --scale would clash")
        if service.get("container_name"):
            problems.append(f"{name}: container_name stops --scale")
    return problems


def health_problems(compose: dict[str, Any]) -> list[str]:
    services = compose["services"]
    return [
        f"{name}: no healthcheck"
        for name in ("kafka", "proxy", *POOLS)
        if name not in services
        or not healthcheck_command(services[name])
        or (services[name].get("healthcheck") or {}).get("disable")
    ]


def dependency_problems(compose: dict[str, Any]) -> list[str]:
    """depends_on names existing services, with conditions they can meet."""
    problems = []
    services = compose["services"]
    for name, service in services.items():
        depends = service.get("depends_on") or {}
        if isinstance(depends, list):
            problems.append(f"{name}: depends_on without conditions starts too early")
            continue
        for target, spec in depends.items():
            condition = (spec or {}).get("condition", "service_started")
            if target not in services:
                problems.append(f"{name}: depends on missing service {target}")
            elif condition not in CONDITIONS:
                problems.append(f"{name}: unknown condition {condition}")
            elif condition == "service_healthy" and not healthcheck_command(services[target]):
                problems.append(f"{name}: waits for {target} to be healthy; it has no healthcheck")
            elif condition == "service_completed_successfully" and services[target].get(
                "restart", "no"
            ) not in ("no", False):
                problems.append(f"{name}: waits for {target} to complete; it restarts")
    for name in POOLS:
        depends = (services.get(name) or {}).get("depends_on") or {}
        if (depends.get("kafka") or {}).get("condition") != "service_healthy":
            problems.append(f"{name}: does not wait for a healthy kafka")
        if (depends.get("topics") or {}).get("condition") != "service_completed_successfully":
            problems.append(f"{name}: does not wait for the topics")
    return problems


def prometheus_problems(compose: dict[str, Any]) -> list[str]:
    """Prometheus finds every replica of every pool by DNS, on the pool's port."""
    config = mounts(compose["services"]["prometheus"]).get("/etc/prometheus/prometheus.yml")
    if config is None:
        return ["prometheus: prometheus.yml is not mounted"]
    scraped = set()
    for job in yaml.safe_load(config.read_text()).get("scrape_configs") or []:
        for sd in job.get("dns_sd_configs") or []:
            if sd.get("type") == "A" and job.get("metrics_path", "/metrics") == "/metrics":
                scraped.update((n, sd.get("port")) for n in sd.get("names") or [])
    return [
        f"prometheus: does not scrape {name}:{DEFAULT_WEB_PORTS[name]} by DNS"
        for name in POOLS
        if (name, DEFAULT_WEB_PORTS[name]) not in scraped
    ]


def proxy_problems(compose: dict[str, Any], home: Path) -> list[str]:
    """The proxy runs the shim with the example config, on the same bus as the pools."""
    problems = []
    services = compose["services"]
    proxy = services["proxy"]
    if (proxy.get("build") or {}).get("dockerfile") != PROXY_DOCKERFILE:
        problems.append("proxy: not built from docker/proxy.Dockerfile")
    if "4000:4000" not in [str(p) for p in proxy.get("ports") or []]:
        problems.append("proxy: host port 4000 not published")
    command = [str(c) for c in proxy.get("command") or []]
    if command[command.index("--config") + 1 :][:1] != ["/app/config.yaml"]:
        problems.append(f"proxy: command {command} does not use /app/config.yaml")
    config = mounts(proxy).get("/app/config.yaml")
    if config is None:
        return [*problems, "proxy: /app/config.yaml is not mounted from the repository"]
    env = environment(proxy)
    if env.get("LITELLM_LOCAL_MODEL_COST_MAP") != "True":
        problems.append("proxy: LITELLM_LOCAL_MODEL_COST_MAP is not True (it would go online)")
    shim = shim_settings(config, env)
    topics = parse_command(services["topics"]["command"])
    if (shim.topics.prefix, shim.topics.partitions) != (topics.prefix, topics.partitions):
        problems.append(f"proxy: shim topics {shim.topics} differ from the topics service's")
    if shim.connection.bootstrap_servers != topics.bootstrap_servers:
        problems.append(f"proxy: shim reaches Kafka at {shim.connection.bootstrap_servers}")
    problems += [
        f"proxy: asks scanner {s}, no pool runs it" for s in shim.scanners if s not in POOLS
    ]
    models = yaml.safe_load(config.read_text())["model_list"]
    problems += [
        f"proxy: model {m['model_name']} needs a real API (no mock_response)"
        for m in models
        if "mock_response" not in m["litellm_params"]
    ]
    return problems


def kafka_problems(compose: dict[str, Any]) -> list[str]:
    kafka = compose["services"]["kafka"]
    env = environment(kafka)
    problems = []
    if not re.fullmatch(r"apache/kafka:4\.\d+\.\d+", str(kafka.get("image"))):
        problems.append(f"kafka: image {kafka.get('image')} is not a pinned Kafka 4.x")
    if set(env.get("KAFKA_PROCESS_ROLES", "").split(",")) != {"broker", "controller"}:
        problems.append("kafka: not a single KRaft node (broker,controller)")
    if "PLAINTEXT://kafka:9092" not in env.get("KAFKA_ADVERTISED_LISTENERS", ""):
        problems.append("kafka: does not advertise kafka:9092 to the other services")
    if int(env.get("KAFKA_MESSAGE_MAX_BYTES", 1048588)) < MAX_MESSAGE_BYTES:
        problems.append(f"kafka: message.max.bytes below guardstream's {MAX_MESSAGE_BYTES}")
    return problems


# ---- the tests ----


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_compose()


def test_compose_has_every_service(compose: dict[str, Any]) -> None:
    assert {"kafka", "topics", "proxy", "prometheus", *POOLS} <= set(compose["services"])


def test_every_guardstream_command_parses_and_agrees_with_the_file(
    compose: dict[str, Any], tmp_path: Path
) -> None:
    assert command_problems(compose, tmp_path) == []


def test_topics_service_is_a_one_shot_topics_create(compose: dict[str, Any]) -> None:
    topics = compose["services"]["topics"]
    args = parse_command(topics["command"])
    assert (args.command, args.action, args.bootstrap_servers) == ("topics", "create", "kafka:9092")
    assert topics.get("restart") == "no"


@pytest.mark.parametrize(
    "check",
    [scaling_problems, health_problems, dependency_problems, prometheus_problems, kafka_problems],
)
def test_compose_check(compose: dict[str, Any], check: Any) -> None:
    assert check(compose) == []


def test_proxy_runs_the_shim_on_the_pools_bus(compose: dict[str, Any], tmp_path: Path) -> None:
    assert proxy_problems(compose, tmp_path) == []


def test_mounted_files_exist(compose: dict[str, Any]) -> None:
    missing = [
        f"{name}: {host}"
        for name, service in compose["services"].items()
        for host in mounts(service).values()
        if not host.is_file()
    ]
    assert missing == []


def _break(compose: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``compose`` with ``path`` set to ``value`` (deleted for None). Through JSON, so
    services sharing a YAML anchor no longer share the changed part."""
    broken = json.loads(json.dumps(compose))
    keys: list[Any] = [int(k) if k.isdigit() else k for k in path.split("/")]
    node = broken
    for key in keys[:-1]:
        node = node[key]
    if value is None:
        del node[keys[-1]]
    else:
        node[keys[-1]] = value
    return broken


@pytest.mark.parametrize(
    ("path", "value", "check", "expected"),
    [
        ("services/pii/ports", ["6100:6100"], scaling_problems, "--scale would clash"),
        ("services/secrets/command", ["worker", "secrets", "--threads", "3"], None, "secrets: ["),
        ("services/audit/command", ["worker", "audits"], None, "unknown pool 'audits'"),
        ("services/moderation/expose", ["6100"], None, "does not expose its port 6130"),
        ("services/pii/healthcheck/test", ["CMD", "true"], None, "healthcheck [] is not"),
        ("services/topics/command/7", "24", None, "differ from the topics service's"),
        ("services/audit/depends_on/topics", None, dependency_problems, "audit: does not wait"),
        (
            "services/proxy/depends_on/zookeeper",
            {"condition": "service_healthy"},
            dependency_problems,
            "missing service zookeeper",
        ),
        ("services/kafka/healthcheck", None, health_problems, "kafka: no healthcheck"),
        ("services/prometheus/volumes", [], prometheus_problems, "not mounted"),
        ("services/kafka/image", "apache/kafka:latest", kafka_problems, "not a pinned Kafka 4.x"),
    ],
)
def test_the_checks_catch_a_broken_file(
    compose: dict[str, Any], tmp_path: Path, path: str, value: Any, check: Any, expected: str
) -> None:
    broken = _break(compose, path, value)
    found = check(broken) if check else command_problems(broken, tmp_path)
    assert any(expected in p for p in found), found


def test_the_prometheus_check_catches_a_missing_pool(
    compose: dict[str, Any], tmp_path: Path
) -> None:
    config = yaml.safe_load((REPO / "deploy/compose/prometheus.yml").read_text())
    config["scrape_configs"] = [
        j for j in config["scrape_configs"] if "audit" not in str(j.get("dns_sd_configs"))
    ]
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    broken = _break(
        compose,
        "services/prometheus/volumes",
        [f"{tmp_path}/prometheus.yml:/etc/prometheus/prometheus.yml:ro"],
    )
    assert prometheus_problems(broken) == ["prometheus: does not scrape audit:6140 by DNS"]


def test_docker_compose_accepts_the_file() -> None:
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("no docker CLI")
    version = subprocess.run([docker, "compose", "version"], capture_output=True, text=True)
    if version.returncode != 0:
        pytest.skip(f"docker CLI has no compose v2 plugin: {version.stderr.strip()[:80]}")
    done = subprocess.run(
        [docker, "compose", "-f", str(COMPOSE), "config", "--quiet"],
        capture_output=True, text=True, cwd=REPO, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
