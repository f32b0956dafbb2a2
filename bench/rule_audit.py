"""How often each injection rule fires on the training data and on generated attacks: the
evidence for keeping a rule (it fires on real or generated attacks) or dropping it (it fires on
none, or mostly on benign texts). Run from the repository root::

    .venv/bin/python -m bench.rule_audit [--data ../shared/train/injection] [--generated 3000]

Prints one row per rule: firings on training attacks, on training benign texts, on generated
attacks and on generated benign texts and look-alikes, and the share of its training firings
that are attacks. No evaluation text is read.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.injection_data import GENERATED, generated, read_folder
from bench.train_injection import DEFAULT_DATA, progress_bar, tracked
from workers.scanners.injection.rules import RULES, scan_rules
from workers.scanners.text.normalize import normalize


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--generated", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    examples = read_folder(args.data, 10**9, args.seed) + generated(args.generated, args.seed)
    counts: dict[tuple[bool, int], Counter[str]] = {
        (g, y): Counter() for g in (False, True) for y in (0, 1)
    }
    with progress_bar() as progress:
        for e in tracked(progress, examples, "matching rules"):
            names = {hit.rule.name for hit in scan_rules(normalize(e.text).text, e.text, RULES)}
            counts[(e.source == GENERATED, e.label)].update(names)
    table = Table(title=f"rule firings on {args.data} and {args.generated} generated attacks")
    for column in ("rule", "family", "train attacks", "train benign", "gen attacks", "gen benign",
                   "attack share"):  # fmt: skip
        table.add_column(column)
    for rule in RULES:
        ta, tb = counts[(False, 1)][rule.name], counts[(False, 0)][rule.name]
        ga, gb = counts[(True, 1)][rule.name], counts[(True, 0)][rule.name]
        share = f"{ta / (ta + tb):.2f}" if ta + tb else "-"
        table.add_row(rule.name, rule.family, str(ta), str(tb), str(ga), str(gb), share)
    Console(width=140).print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
