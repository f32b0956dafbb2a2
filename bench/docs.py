"""Rewrite the tables of ``docs/`` that are generated from the code.

Each generated table sits between a begin and an end marker naming its source; this script
replaces what is between them, and ``tests/test_docs.py`` fails while a committed table differs
from what the code generates::

    .venv/bin/python -m bench.docs            # rewrite the tables
    .venv/bin/python -m bench.docs --check    # exit 1, naming the stale tables
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

# LiteLLM (imported by the shim package) would otherwise fetch its cost map over the network.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from shim.params import markdown_table as shim_table
from topics.scanners import markdown_table as scanner_table
from workers.settings import markdown_table as pool_table

DOCS = Path(__file__).resolve().parent.parent / "docs"

TABLES: dict[str, tuple[str, Callable[[], str]]] = {
    "shim.params": ("configuration.md", shim_table),
    "topics.scanners": ("configuration.md", scanner_table),
    "workers.settings": ("configuration.md", pool_table),
}
"""Each generated table: its source (named in the markers), its page, its generator."""


def markers(source: str) -> tuple[str, str]:
    """The lines that open and close the table generated from ``source``."""
    return (
        f"<!-- generated from {source} by python -m bench.docs: begin -->\n",
        f"<!-- generated from {source}: end -->\n",
    )


def spliced(page: str, source: str, table: str) -> str:
    """``page`` with the table from ``source`` replaced by ``table``."""
    begin, end = markers(source)
    head, found_begin, rest = page.partition(begin)
    _, found_end, tail = rest.partition(end)
    if not found_begin or not found_end:
        raise ValueError(f"no {begin.strip()} ... {end.strip()} markers")
    return f"{head}{begin}{table}{end}{tail}"


def stale(docs: Path = DOCS) -> list[str]:
    """The sources whose committed table differs from the generated one."""
    out = []
    for source, (page, generate) in TABLES.items():
        text = (docs / page).read_text()
        if spliced(text, source, generate()) != text:
            out.append(f"{page} ({source})")
    return out


def main(argv: list[str] | None = None) -> int:
    """Rewrite every generated table, or with ``--check`` only report the stale ones."""
    parser = argparse.ArgumentParser(prog="python -m bench.docs", description=main.__doc__)
    parser.add_argument("--check", action="store_true", help="report, do not rewrite")
    args = parser.parse_args(argv)
    if args.check:
        found = stale()
        for name in found:
            print(f"stale generated table: {name}; run python -m bench.docs")
        return 1 if found else 0
    for source, (page, generate) in TABLES.items():
        path = DOCS / page
        path.write_text(spliced(path.read_text(), source, generate()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
