"""The report of ``guardstream eval`` (:func:`.report.build_report`) as rich tables."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

__all__ = ["print_report"]


def print_report(console: Console, report: dict[str, Any]) -> None:
    """Summary, threshold-free figures, baselines, per-entity and per-category tables."""
    summary = report["summary"]
    level = "span-level, type-aware overlap" if summary.get("span_level") else "per text"
    table = Table(title=f"{summary['scanner']}: {summary['examples']} examples ({level})")
    for column in ("precision", "recall", "F1", "FPR", "ROC AUC", "PR AUC", "errors", "texts/s"):
        table.add_column(column, justify="right")
    table.add_row(
        *(_f(summary[k]) for k in ("precision", "recall", "f1", "fpr", "roc_auc", "pr_auc")),
        str(summary["errors"]), str(summary["texts_per_s"]),
    )  # fmt: skip
    console.print(table)
    if "fpr_hard_negatives" in summary:
        console.print(f"FPR on hard negatives: {summary['fpr_hard_negatives']:.3f}")
    _print_curves(console, report["curves"])
    if report["baselines"]:
        _print_baselines(console, report["baselines"])
    if report.get("per_entity"):
        entities = Table(title="per entity (spans)")
        for column in ("entity", "gold", "found", "recall", "predicted", "correct", "precision"):
            entities.add_column(column, justify="right")
        for name, c in report["per_entity"].items():
            entities.add_row(
                name, str(c["gold"]), str(c["found"]), _f(c["recall"]),
                str(c["predicted"]), str(c["correct"]), _f(c["precision"]),
            )  # fmt: skip
        console.print(entities)
    for key, title in (("per_category", "per category"), ("per_source", "per source")):
        groups = report.get(key) or {}
        if len(groups) > 1:
            console.print(_groups_table(title, groups))
    if report["worst_misses"]:
        console.print("misses: " + ", ".join(report["worst_misses"][:10]))
    if report["worst_false_alarms"]:
        console.print("false alarms: " + ", ".join(report["worst_false_alarms"][:10]))


def _print_curves(console: Console, curves: dict[str, Any]) -> None:
    table = Table(title="threshold sweep of per-text scores (flag when score >= threshold)")
    for column in ("threshold", "precision", "recall", "FPR", "F1"):
        table.add_column(column, justify="right")
    for row in curves["sweep"]:
        table.add_row(*(_f(row[k]) for k in ("threshold", "precision", "recall", "fpr", "f1")))
    console.print(table)
    best = curves["best_f1"]
    if best:
        console.print(
            f"best F1 {best['f1']:.3f} at threshold {best['threshold']} "
            f"(precision {best['precision']:.3f}, recall {best['recall']:.3f}, "
            f"FPR {best['fpr']:.3f})"
        )
    for target, row in curves["recall_at_fpr"].items():
        if row:
            console.print(
                f"FPR <= {target}: recall {row['recall']:.3f} at threshold {row['threshold']} "
                f"(FPR {row['fpr']:.3f}, precision {row['precision']:.3f})"
            )


def _print_baselines(console: Console, baselines: dict[str, Any]) -> None:
    # One column per detector, so that long names fit an 80-column terminal.
    for name, section in baselines.items():
        ours, theirs = section["ours"]["summary"], section["summary"]
        table = Table(title=f"{name} beside ours on the same {theirs['examples']} examples")
        for column in ("", name, "guardstream"):
            table.add_column(column, justify="right")
        for key, label in (
            ("precision", "precision"), ("recall", "recall"), ("f1", "F1"), ("fpr", "FPR"),
            ("fpr_hard_negatives", "FPR hard negatives"), ("roc_auc", "ROC AUC"),
            ("pr_auc", "PR AUC"), ("texts_per_s", "texts/s"),
        ):  # fmt: skip
            if key in theirs or key in ours:
                show = str if key == "texts_per_s" else _f
                table.add_row(label, show(theirs.get(key)), show(ours.get(key)))
        console.print(table)


def _groups_table(title: str, groups: dict[str, Any]) -> Table:
    table = Table(title=f"{title} (per text)")
    for column in ("group", "n", "positives", "recall", "negatives", "FPR"):
        table.add_column(column, justify="right")
    for name, g in groups.items():
        table.add_row(
            name, str(g["n"]), str(g["positives"]), _f(g["recall"]),
            str(g["negatives"]), _f(g["fpr"]),
        )  # fmt: skip
    return table


def _f(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if isinstance(value, float) else str(value)
