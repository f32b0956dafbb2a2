"""LiteLLM's compromised releases (1.82.7, 1.82.8, 1.107.0) can never be resolved: every
specifier in pyproject.toml excludes them, the lock pins exactly 1.106.12 with hashes, and the
proxy image is pinned to that release and checks it at build time."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PINNED = Version("1.106.12")
COMPROMISED = [Version(v) for v in ("1.82.7", "1.82.8", "1.107.0")]
LOCKS = sorted(ROOT.glob("requirements*.lock"))
DOCKERFILES = sorted((ROOT / "docker").glob("*.Dockerfile"))


def _pyproject_requirements() -> list[Requirement]:
    """Every requirement string in pyproject.toml: dependencies, extras, dependency groups and
    build requirements."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    project = data.get("project", {})
    found = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        found += extra
    for group in data.get("dependency-groups", {}).values():
        found += [r for r in group if isinstance(r, str)]
    found += data.get("build-system", {}).get("requires", [])
    return [Requirement(r) for r in found]


def _lock_entries(path: Path) -> dict[str, list[tuple[str, list[str]]]]:
    """``{package: [(pinned spec, hashes)]}`` of a pip-compile/uv lock file."""
    entries: dict[str, list[tuple[str, list[str]]]] = {}
    current: list[str] | None = None
    for line in path.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            spec = line.split(" \\")[0].split(";")[0].strip()
            current = []
            name = canonicalize_name(re.split(r"[\[=<>!~ ]", spec, maxsplit=1)[0])
            entries.setdefault(name, []).append((spec, current))
        elif current is not None:
            current += re.findall(r"--hash=sha256:([0-9a-f]{64})", line)
    return entries


def test_pyproject_pins_litellm_exactly_and_excludes_the_compromised_releases() -> None:
    litellm = [r for r in _pyproject_requirements() if canonicalize_name(r.name) == "litellm"]
    assert litellm, "pyproject.toml should name litellm (shim and dev extras)"
    for requirement in litellm:
        assert str(requirement.specifier) == f"=={PINNED}", requirement
        for bad in COMPROMISED:
            assert not requirement.specifier.contains(bad, prereleases=True), (requirement, bad)
        assert requirement.specifier.contains(PINNED)


@pytest.mark.parametrize("lock", LOCKS, ids=lambda p: p.name)
def test_every_lock_pins_litellm_only_to_the_safe_release_with_hashes(lock: Path) -> None:
    entries = _lock_entries(lock)
    for spec, hashes in entries.get("litellm", []):
        requirement = Requirement(spec)
        assert str(requirement.specifier) == f"=={PINNED}", (lock.name, spec)
        assert not any(requirement.specifier.contains(v, prereleases=True) for v in COMPROMISED)
        assert hashes, f"{lock.name}: {spec} has no --hash"
    unpinned = [spec for items in entries.values() for spec, _ in items if "==" not in spec]
    assert not unpinned, f"{lock.name}: not pinned exactly: {unpinned}"
    unhashed = [spec for items in entries.values() for spec, h in items if not h]
    assert not unhashed, f"{lock.name}: no hashes for {unhashed}"


def test_the_main_lock_has_litellm() -> None:
    (entry,) = _lock_entries(ROOT / "requirements.lock")["litellm"]
    assert Requirement(entry[0]).specifier == Requirement(f"litellm=={PINNED}").specifier
    assert len(entry[1]) >= 2  # a wheel and the sdist at least


def test_the_proxy_image_is_pinned_to_the_safe_release_and_checked_at_build() -> None:
    dockerfile = (ROOT / "docker" / "proxy.Dockerfile").read_text()
    images = re.findall(r"^ARG LITELLM_IMAGE=(\S+)$", dockerfile, re.MULTILINE)
    assert len(images) == 1, images
    tag = images[0].rsplit(":", 1)[1]
    tagged = re.match(r"v?(\d+\.\d+\.\d+)", tag)
    assert tagged and Version(tagged.group(1)) == PINNED, tag
    assert f"v == '{PINNED}'" in dockerfile, "the build must check the base image's litellm"


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_no_image_floats_and_every_install_checks_hashes(dockerfile: Path) -> None:
    text = dockerfile.read_text()
    defaults = dict(re.findall(r"^ARG (\w+)=(\S+)$", text, re.MULTILINE))
    for image in re.findall(r"^FROM\s+(\S+)", text, re.MULTILINE):
        resolved = re.sub(r"\$\{(\w+)\}", lambda m: defaults.get(m.group(1), m.group(0)), image)
        if resolved in {"wheel", "build"}:  # an earlier stage
            continue
        assert ":" in resolved, f"{dockerfile.name}: {image} has no tag"
        assert not re.search(r":(latest|main|main-latest|stable)$", resolved), resolved
    for command in re.findall(r"(?:pip|uv pip) install[^;&\n]*(?:\\\n[^;&\n]*)*", text):
        if " -r " in command or "-r /" in command:
            assert "--require-hashes" in command, f"{dockerfile.name}: {command}"
    assert not re.search(r"(?:pip|uv pip) install[^\n]*\blitellm\b", text), dockerfile.name
