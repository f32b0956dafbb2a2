"""The README is a front page that links every page of ``docs/``; every relative link of the
README and the docs resolves (to a file, and to a heading when it names one); the tables that
``python -m bench.docs`` generates from the code are the committed ones."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench import docs

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PAGES = sorted((ROOT / "docs").glob("*.md"))
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _anchors(page: Path) -> set[str]:
    """The anchors GitHub gives the headings of ``page``."""
    found = set()
    for line in page.read_text().splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            found.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return found


def _relative_links(page: Path) -> list[str]:
    return [t for t in LINK.findall(page.read_text()) if not re.match(r"[a-z]+:", t)]


def test_the_readme_is_a_front_page() -> None:
    assert len(README.read_text().splitlines()) <= 250


def test_every_docs_page_is_linked_from_the_readme() -> None:
    linked = {(README.parent / t.partition("#")[0]).resolve() for t in _relative_links(README)}
    assert [p.name for p in PAGES if p.resolve() not in linked] == []


@pytest.mark.parametrize("page", [README, *PAGES], ids=lambda p: p.name)
def test_every_relative_link_resolves(page: Path) -> None:
    broken = []
    for target in _relative_links(page):
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        if not resolved.exists() or (
            anchor and resolved.suffix == ".md" and anchor not in _anchors(resolved)
        ):
            broken.append(target)
    assert broken == []


def test_the_anchor_rule_reads_headings_as_github_does(tmp_path: Path) -> None:
    page = tmp_path / "p.md"
    page.write_text("# Title\n\n## The pools' config file\n\n### Replay: try it, now\n")
    assert _anchors(page) == {"title", "the-pools-config-file", "replay-try-it-now"}


def test_the_generated_tables_are_the_committed_ones() -> None:
    assert docs.stale() == [], "run .venv/bin/python -m bench.docs"


def test_a_stale_table_is_found(tmp_path: Path) -> None:
    for page in {page for page, _ in docs.TABLES.values()}:
        (tmp_path / page).write_text(
            (ROOT / "docs" / page).read_text().replace("`budget_ms`", "`b`")
        )
    assert docs.stale(tmp_path) == ["configuration.md (shim.params)"]
