"""``guardstream eval``: measure a scanner on labelled JSONL, in-process."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import orjson
import yaml
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from topics.errors import ConfigError
from workers.environment import Environment
from workers.evaluate import evaluate, read_examples
from workers.scanners import ALIASES, SCANNERS, scanner_class
from workers.settings import load_config, pool_section


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "eval", help="measure a scanner on labelled JSONL (precision, recall, F1, FPR)"
    )
    parser.add_argument("--scanner", required=True, choices=[*SCANNERS, *ALIASES])
    parser.add_argument("--data", required=True, type=Path, help="JSONL with text and label")
    parser.add_argument(
        "--config", type=Path, help="take the scanner settings of this config's pool"
    )
    parser.add_argument("--option", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--json", action="store_true", help="end with one JSON line of figures")
    parser.set_defaults(func=_eval)


def _eval(args: argparse.Namespace, env: Environment) -> int:
    kind = ALIASES.get(args.scanner, args.scanner)
    settings = dict(pool_section(load_config(args.config), kind).get("scanner") or {})
    for option in args.option:
        key, sep, value = option.partition("=")
        if not sep:
            raise ConfigError(f"--option takes KEY=VALUE, got {option!r}")
        settings[key] = yaml.safe_load(value)
    examples = read_examples(args.data)
    scanner = scanner_class(kind).from_settings(settings)
    console = Console(stderr=True)
    with console.status(f"loading {kind}..."):
        scanner.load()
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(f"{kind} on {args.data.name}", total=len(examples))
        report = evaluate(
            scanner, examples, batch_size=args.batch_size,
            progress=lambda n: progress.advance(task, n),
        )  # fmt: skip
    summary = report.summary()
    _print(Console(), summary)
    if args.json:
        sys.stdout.write(orjson.dumps(summary).decode() + "\n")
    return 0


def _print(console: Console, summary: dict) -> None:
    level = "span-level, type-aware overlap" if summary.get("span_level") else "per text"
    table = Table(title=f"{summary['scanner']}: {summary['examples']} examples ({level})")
    for column in ("precision", "recall", "F1", "FPR", "errors", "texts/s"):
        table.add_column(column, justify="right")
    table.add_row(
        *(f"{summary[k]:.3f}" for k in ("precision", "recall", "f1", "fpr")),
        str(summary["errors"]), str(summary["texts_per_s"]),
    )  # fmt: skip
    console.print(table)
    if "fpr_hard_negatives" in summary:
        console.print(f"FPR on hard negatives: {summary['fpr_hard_negatives']:.3f}")
    if summary.get("per_entity"):
        entities = Table(title="per entity")
        for column in ("entity", "gold", "found", "recall", "predicted", "correct", "precision"):
            entities.add_column(column, justify="right")
        for name, c in summary["per_entity"].items():
            entities.add_row(
                name, str(c.get("gold", 0)), str(c.get("found", 0)), f"{c['recall']:.3f}",
                str(c.get("predicted", 0)), str(c.get("correct", 0)), f"{c['precision']:.3f}",
            )  # fmt: skip
        console.print(entities)
    if summary["worst_misses"]:
        console.print("misses: " + ", ".join(summary["worst_misses"]))
    if summary["worst_false_alarms"]:
        console.print("false alarms: " + ", ".join(summary["worst_false_alarms"]))
