"""Threshold-free figures of a detector from one score per text: ROC and precision-recall curves,
their areas, and a sweep of the decision threshold.

A text is predicted positive at threshold ``t`` when its score is ``>= t``. ROC AUC is the
probability that a random positive scores above a random negative (ties count half: the
Mann-Whitney statistic), so a detector that gives every text the same score has 0.5. PR AUC is
average precision: the mean of the precision at each positive's rank, with tied scores taken
together (scikit-learn's ``average_precision_score``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "FPR_TARGETS",
    "Curve",
    "average_precision",
    "curve",
    "curves_summary",
    "roc_auc",
    "sweep",
]

FPR_TARGETS: tuple[float, ...] = (0.03, 0.05, 0.10)
"""False-positive rates at which the highest reachable recall is reported."""


@dataclass(frozen=True, slots=True)
class Curve:
    """Counts at every distinct score, highest first: flagging the texts scoring
    ``>= thresholds[i]`` gives ``tp[i]`` true and ``fp[i]`` false positives."""

    thresholds: np.ndarray
    tp: np.ndarray
    fp: np.ndarray
    positives: int
    negatives: int

    @property
    def recall(self) -> np.ndarray:
        """Recall (true-positive rate) at each threshold."""
        return self.tp / self.positives if self.positives else np.zeros_like(self.thresholds)

    @property
    def fpr(self) -> np.ndarray:
        """False-positive rate at each threshold."""
        return self.fp / self.negatives if self.negatives else np.zeros_like(self.thresholds)

    @property
    def precision(self) -> np.ndarray:
        """Precision at each threshold (every threshold flags at least one text)."""
        return self.tp / (self.tp + self.fp)


def curve(scores: Sequence[float], positive: Sequence[bool]) -> Curve:
    """The :class:`Curve` of ``scores`` against the labels ``positive``."""
    s = np.asarray(scores, dtype=float)
    y = np.asarray(positive, dtype=bool)
    order = np.argsort(-s, kind="mergesort")
    s, y = s[order], y[order]
    # The last index of each run of equal scores: tied texts are flagged together.
    last = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1] if len(s) else np.array([], dtype=int)
    tp = np.cumsum(y)[last]
    fp = np.cumsum(~y)[last]
    return Curve(s[last], tp, fp, int(y.sum()), int((~y).sum()))


def roc_auc(scores: Sequence[float], positive: Sequence[bool]) -> float | None:
    """Area under the ROC curve; ``None`` without both positives and negatives."""
    s = np.asarray(scores, dtype=float)
    y = np.asarray(positive, dtype=bool)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if not n_pos or not n_neg:
        return None
    ranks = _average_ranks(s)
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def average_precision(scores: Sequence[float], positive: Sequence[bool]) -> float | None:
    """Area under the precision-recall curve (average precision); ``None`` without positives."""
    c = curve(scores, positive)
    if not c.positives:
        return None
    recall = c.recall
    gained = np.diff(np.r_[0.0, recall])
    return float((gained * c.precision).sum())


def sweep(
    scores: Sequence[float], positive: Sequence[bool], thresholds: Sequence[float]
) -> list[dict[str, float]]:
    """Precision, recall, FPR and F1 when flagging the texts scoring ``>= t``, for each ``t``."""
    s = np.asarray(scores, dtype=float)
    y = np.asarray(positive, dtype=bool)
    rows = []
    for t in thresholds:
        flagged = s >= t
        tp = int((flagged & y).sum())
        fp = int((flagged & ~y).sum())
        rows.append(_row(float(t), tp, fp, int(y.sum()), int((~y).sum())))
    return rows


def curves_summary(
    scores: Sequence[float], positive: Sequence[bool], *, steps: int = 20
) -> dict[str, Any]:
    """ROC AUC, PR AUC, a sweep over ``steps`` thresholds evenly spaced in (0, 1], the threshold
    of best F1 and, for each of :data:`FPR_TARGETS`, the highest recall at that FPR or below
    (``None`` when every threshold that flags anything goes above it)."""
    c = curve(scores, positive)
    grid = [round(float(t), 4) for t in np.linspace(1.0 / steps, 1.0, steps)]
    out: dict[str, Any] = {
        "roc_auc": _round(roc_auc(scores, positive)),
        "pr_auc": _round(average_precision(scores, positive)),
        "positives": c.positives,
        "negatives": c.negatives,
        "sweep": sweep(scores, positive, grid),
        "best_f1": None,
        "recall_at_fpr": {},
    }
    rows = [
        _row(float(t), int(tp), int(fp), c.positives, c.negatives)
        for t, tp, fp in zip(c.thresholds, c.tp, c.fp, strict=True)
    ]
    if rows and c.positives:
        out["best_f1"] = max(rows, key=lambda r: (r["f1"], r["threshold"]))
    for target in FPR_TARGETS:
        within = [r for r in rows if r["fpr"] <= target]
        # Highest recall, then the highest threshold reaching it (fewest false alarms).
        best = max(within, key=lambda r: (r["recall"], r["threshold"]), default=None)
        out["recall_at_fpr"][f"{target:.2f}"] = best
    return out


def _row(threshold: float, tp: int, fp: int, positives: int, negatives: int) -> dict[str, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / positives if positives else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "threshold": round(threshold, 4),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "fpr": round(fp / negatives, 4) if negatives else 0.0,
        "f1": round(f1, 4),
        "tp": tp,
        "fp": fp,
    }


def _average_ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks of ``values``, ties sharing the mean of their ranks."""
    order = np.argsort(values, kind="mergesort")
    ordered = values[order]
    starts = np.r_[0, np.flatnonzero(np.diff(ordered)) + 1]
    ends = np.r_[starts[1:], len(values)]
    ranks = np.empty(len(values), dtype=float)
    for start, end in zip(starts, ends, strict=True):
        ranks[order[start:end]] = (start + end + 1) / 2
    return ranks


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
