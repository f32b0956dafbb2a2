"""The whole report of ``guardstream eval``: one JSON-ready mapping, its file, and its plots.

Layout of the mapping (``--report``)::

    data, scanner
    summary        figures at the scanner's configured thresholds (.metrics), with
                   roc_auc and pr_auc of the per-text scores
    curves         roc_auc, pr_auc, sweep (20 thresholds), best_f1, recall_at_fpr (0.03...)
    per_category   recall / FPR per ``category`` (or ``attack_type``, or ``subtype`` family)
    per_source     the same per source repository (or generator locale)
    per_entity     span recall / precision per entity (PII)
    worst_misses, worst_false_alarms   example ids, most confident mistakes first
    baselines      {name: {summary, curves, per_category, ours}}: ``ours`` is our scanner on
                   the same examples (the baseline may run on a sample)

The curves are per text (does the text hold an attack, PII, flagged content?), also for PII where
the summary's precision and recall are span-level (its per-text figures are under ``binary``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from workers.cli.evaluation.curves import curve
from workers.cli.evaluation.metrics import Report

__all__ = ["build_report", "json_line", "write_plots", "write_report"]


def build_report(
    ours: Report, *, data: str = "", baselines: dict[str, Report] | None = None
) -> dict[str, Any]:
    """The full report of ``ours`` and of each baseline beside it (see the module docstring)."""
    out = _section(ours)
    out = {"data": data, "scanner": ours.scanner, **out}
    out["per_source"] = ours.groups(lambda e: e.source)
    out["per_entity"] = out["summary"].get("per_entity", {})
    out["worst_misses"] = ours.misses[:20]
    out["worst_false_alarms"] = ours.false_alarms[:20]
    out["baselines"] = {}
    for name, theirs in (baselines or {}).items():
        section = _section(theirs)
        ids = {o.example.id for o in theirs.predictions}
        same = ours if len(ids) == ours.examples else ours.subset(ids)
        section["ours"] = {"summary": _summary(same), "curves": same.curves()}
        section["sampled"] = same is not ours
        out["baselines"][name] = section
    return out


def json_line(report: dict[str, Any]) -> str:
    """The one-line summary ``--json`` prints last: the summary's figures plus the AUCs, the
    best-F1 threshold, and each baseline's headline figures (with ours on its examples)."""
    line = dict(report["summary"])
    best = report["curves"]["best_f1"]
    line["best_f1_threshold"] = best["threshold"] if best else None
    line["baselines"] = {
        name: {
            **_headline(section["summary"]),
            "ours": _headline(section["ours"]["summary"]),
        }
        for name, section in report["baselines"].items()
    }
    return orjson.dumps(line).decode()


def write_report(report: dict[str, Any], path: Path) -> None:
    """Write the report as indented JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2) + b"\n")


def write_plots(reports: dict[str, Report], directory: Path, stem: str) -> list[Path]:
    """Precision-recall and ROC curves of each named report, one PNG each, into ``directory``
    as ``<stem>-pr.png`` and ``<stem>-roc.png``; a dot marks each configured threshold."""
    import matplotlib

    matplotlib.use("Agg")  # no display here: render to files only
    import matplotlib.pyplot as plt

    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in ("pr", "roc"):
        figure, axes = plt.subplots(figsize=(6, 5), dpi=100)
        try:
            for name, report in reports.items():
                _plot(axes, kind, name, report)
            if kind == "roc":
                axes.plot([0, 1], [0, 1], linestyle=":", color="grey", linewidth=1)
            axes.set_xlim(-0.02, 1.02)
            axes.set_ylim(-0.02, 1.02)
            axes.set_xlabel("recall" if kind == "pr" else "false-positive rate")
            axes.set_ylabel("precision" if kind == "pr" else "recall (true-positive rate)")
            title = "precision-recall" if kind == "pr" else "ROC"
            axes.set_title(f"{stem}: {title} (per text)")
            axes.grid(alpha=0.3)
            axes.legend(loc="lower left" if kind == "pr" else "lower right", fontsize=8)
            path = directory / f"{stem}-{kind}.png"
            figure.savefig(path)
            written.append(path)
        finally:
            plt.close(figure)
    return written


def _plot(axes: Any, kind: str, name: str, report: Report) -> None:
    scores = [o.score for o in report.predictions]
    positive = [o.example.positive for o in report.predictions]
    c = curve(scores, positive)
    summary = report.summary()
    figures = summary.get("binary", summary)
    if kind == "pr":
        auc = report.curves()["pr_auc"]
        x, y = [0.0, *c.recall], [1.0, *c.precision]
        line = axes.step(x, y, where="post", label=f"{name} (AP {_fmt(auc)}, n={len(scores)})")
        point = (figures["recall"], figures["precision"])
    else:
        auc = report.curves()["roc_auc"]
        x, y = [0.0, *c.fpr], [0.0, *c.recall]
        line = axes.plot(x, y, label=f"{name} (AUC {_fmt(auc)}, n={len(scores)})")
        point = (figures["fpr"], figures["recall"])
    axes.plot(*point, marker="o", color=line[0].get_color())


def _section(report: Report) -> dict[str, Any]:
    return {
        "summary": _summary(report),
        "curves": report.curves(),
        "per_category": report.groups(lambda e: e.category),
    }


def _summary(report: Report) -> dict[str, Any]:
    summary = report.summary()
    curves = report.curves()
    summary["roc_auc"] = curves["roc_auc"]
    summary["pr_auc"] = curves["pr_auc"]
    return summary


def _headline(summary: dict[str, Any]) -> dict[str, Any]:
    keys = ("examples", "precision", "recall", "f1", "fpr", "fpr_hard_negatives")
    return {k: summary[k] for k in (*keys, "roc_auc", "pr_auc") if k in summary}


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"
