"""Figures of one evaluation run, all derived from its per-text :class:`Prediction` list.

Per text: a text is a true positive when it is labelled positive and the verdict is not
``allow``. Span level (when the data labels spans): a gold span is found when a kept finding of
the same entity overlaps it, and a finding is correct when it overlaps a gold span of the same
entity; only entities the data labels are scored. Because every figure comes from the
predictions, :meth:`Report.subset` gives the same figures on part of the data (a baseline's sample).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from workers.cli.evaluation.curves import curves_summary
from workers.cli.evaluation.examples import Example

__all__ = ["Prediction", "Report"]

_SPAN_KEYS = ("gold", "found", "predicted", "correct")


@dataclass(frozen=True, slots=True)
class Prediction:
    """What the scanner said about one example."""

    example: Example
    predicted: bool
    """The verdict at the configured thresholds is not ``allow``."""
    score: float
    """The highest finding score at any threshold (0 on error)."""
    error: bool = False
    entities: dict[str, Counter[str]] = field(default_factory=dict)
    """Span counts per entity: ``gold``, ``found``, ``predicted``, ``correct``."""


@dataclass(slots=True)
class Report:
    """What :func:`workers.cli.evaluation.evaluate.evaluate` measured."""

    scanner: str
    predictions: list[Prediction] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def examples(self) -> int:
        """How many texts were scored."""
        return len(self.predictions)

    @property
    def misses(self) -> list[str]:
        """Ids of positives not flagged, lowest score (most confidently missed) first."""
        missed = [o for o in self.predictions if o.example.positive and not o.predicted]
        return [o.example.id for o in sorted(missed, key=lambda o: o.score)]

    @property
    def false_alarms(self) -> list[str]:
        """Ids of negatives flagged, highest score first."""
        wrong = [o for o in self.predictions if not o.example.positive and o.predicted]
        return [o.example.id for o in sorted(wrong, key=lambda o: -o.score)]

    def subset(self, ids: Collection[str]) -> Report:
        """The same run restricted to the examples with these ids."""
        kept = [o for o in self.predictions if o.example.id in ids]
        share = len(kept) / len(self.predictions) if self.predictions else 0.0
        return Report(self.scanner, kept, self.seconds * share)

    def summary(self) -> dict[str, Any]:
        """Figures as one JSON-ready mapping (binary, and span-level when spans were scored)."""
        c = Counter[str]()
        for o in self.predictions:
            kind = (
                ("tp" if o.predicted else "fn")
                if o.example.positive
                else ("fp" if o.predicted else "tn")
            )
            c[kind] += 1
            c["errors"] += o.error
            if o.example.hard_negative and not o.example.positive:
                c["hard_negatives"] += 1
                c["hard_negative_fp"] += o.predicted
        out: dict[str, Any] = {
            "scanner": self.scanner,
            "examples": self.examples,
            "precision": _ratio(c["tp"], c["tp"] + c["fp"]),
            "recall": _ratio(c["tp"], c["tp"] + c["fn"]),
            "fpr": _ratio(c["fp"], c["fp"] + c["tn"]),
            "tp": c["tp"], "fp": c["fp"], "tn": c["tn"], "fn": c["fn"],
            "errors": c["errors"],
            "texts_per_s": round(self.examples / self.seconds, 1) if self.seconds else None,
        }  # fmt: skip
        out["f1"] = _f1(out["precision"], out["recall"])
        if c["hard_negatives"]:
            out["fpr_hard_negatives"] = _ratio(c["hard_negative_fp"], c["hard_negatives"])
        entities = self.per_entity()
        if entities:
            span = {k: sum(e[k] for e in entities.values()) for k in _SPAN_KEYS}
            out["binary"] = {k: out[k] for k in ("precision", "recall", "f1", "fpr")}
            out["precision"] = _ratio(span["correct"], span["predicted"])
            out["recall"] = _ratio(span["found"], span["gold"])
            out["f1"] = _f1(out["precision"], out["recall"])
            out["span_level"] = True
            out["per_entity"] = entities
        out["worst_misses"] = self.misses[:10]
        out["worst_false_alarms"] = self.false_alarms[:10]
        return out

    def per_entity(self) -> dict[str, dict[str, Any]]:
        """Span recall and precision per entity (empty when the data labels no spans)."""
        totals: dict[str, Counter[str]] = {}
        for o in self.predictions:
            for entity, counts in o.entities.items():
                totals.setdefault(entity, Counter()).update(counts)
        if not any(c["gold"] for c in totals.values()):
            return {}
        return {
            entity: {
                "recall": _ratio(c["found"], c["gold"]),
                "precision": _ratio(c["correct"], c["predicted"]),
                **{k: c[k] for k in _SPAN_KEYS},
            }
            for entity, c in sorted(totals.items())
        }

    def curves(self, *, steps: int = 20) -> dict[str, Any]:
        """ROC AUC, PR AUC and the threshold sweep of the per-text scores
        (:func:`workers.cli.evaluation.curves.curves_summary`)."""
        return curves_summary(
            [o.score for o in self.predictions], [o.example.positive for o in self.predictions],
            steps=steps,
        )  # fmt: skip

    def groups(self, key: Callable[[Example], str]) -> dict[str, dict[str, Any]]:
        """Per-text figures of each group of examples (by ``key``): counts, recall on its
        positives and FPR on its negatives (``None`` where it has none)."""
        tables: dict[str, Counter[str]] = {}
        for o in self.predictions:
            c = tables.setdefault(key(o.example) or "(none)", Counter())
            c["positives" if o.example.positive else "negatives"] += 1
            if o.predicted:
                c["tp" if o.example.positive else "fp"] += 1
        return {
            name: {
                "n": c["positives"] + c["negatives"],
                "positives": c["positives"],
                "negatives": c["negatives"],
                "recall": _ratio(c["tp"], c["positives"]) if c["positives"] else None,
                "fpr": _ratio(c["fp"], c["negatives"]) if c["negatives"] else None,
            }
            for name, c in sorted(tables.items())
        }


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _f1(precision: float, recall: float) -> float:
    return round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0
