"""workers.cli.evaluation.curves: areas and sweeps on cases whose answer is known by
construction."""

from __future__ import annotations

import random

import pytest

from workers.cli.evaluation.curves import average_precision, curve, curves_summary, roc_auc, sweep


@pytest.mark.parametrize(
    ("scores", "positive", "auc", "ap"),
    [
        # Every positive above every negative.
        ([0.9, 0.8, 0.2, 0.1], [True, True, False, False], 1.0, 1.0),
        # Every positive below every negative: the ranking is exactly wrong.
        ([0.1, 0.2, 0.8, 0.9], [True, True, False, False], 0.0, (1 / 3 + 2 / 4) / 2),
        # One score for everything: no ranking at all (ties count half).
        ([0.5, 0.5, 0.5, 0.5], [True, False, True, False], 0.5, 0.5),
        # Positives 0.9 and 0.7, negatives 0.8 and 0.6: 3 of 4 pairs in order; the
        # positives are reached at precision 1/1 and 2/3.
        ([0.9, 0.8, 0.7, 0.6], [True, False, True, False], 0.75, (1 + 2 / 3) / 2),
    ],
)
def test_areas_on_constructed_rankings(
    scores: list[float], positive: list[bool], auc: float, ap: float
) -> None:
    assert roc_auc(scores, positive) == pytest.approx(auc)
    assert average_precision(scores, positive) == pytest.approx(ap)


def test_areas_are_undefined_without_both_classes() -> None:
    assert roc_auc([0.1, 0.9], [True, True]) is None
    assert average_precision([0.1, 0.9], [False, False]) is None


def test_curve_takes_tied_scores_together() -> None:
    c = curve([0.5, 0.9, 0.5, 0.1], [True, True, False, False])
    assert c.thresholds.tolist() == [0.9, 0.5, 0.1]
    assert c.tp.tolist() == [1, 2, 2]
    assert c.fp.tolist() == [0, 1, 2]


def test_sweep_counts_texts_at_or_above_each_threshold() -> None:
    rows = sweep([0.9, 0.8, 0.7, 0.6], [True, False, True, False], [0.75, 0.95])
    assert rows[0] == {
        "threshold": 0.75, "precision": 0.5, "recall": 0.5, "fpr": 0.5, "f1": 0.5,
        "tp": 1, "fp": 1,
    }  # fmt: skip
    assert rows[1]["tp"] == rows[1]["fp"] == 0
    assert rows[1]["precision"] == 0.0


def test_summary_finds_best_f1_and_recall_under_fpr_caps() -> None:
    summary = curves_summary([0.9, 0.8, 0.7, 0.6], [True, False, True, False], steps=4)
    assert [r["threshold"] for r in summary["sweep"]] == [0.25, 0.5, 0.75, 1.0]
    # At 0.7: both positives and one of two negatives, F1 0.8, beats 0.9 (F1 2/3).
    assert summary["best_f1"]["threshold"] == 0.7
    assert summary["best_f1"]["f1"] == 0.8
    # No false positive allowed under 3 %: only the top text can be flagged.
    assert summary["recall_at_fpr"]["0.03"]["threshold"] == 0.9
    assert summary["recall_at_fpr"]["0.03"]["recall"] == 0.5
    assert summary["roc_auc"] == 0.75


def test_areas_agree_with_scikit_learn_on_random_data_with_ties() -> None:
    metrics = pytest.importorskip("sklearn.metrics")
    rng = random.Random(3)
    for _ in range(50):
        n = rng.randint(4, 60)
        positive = [rng.random() < 0.4 for _ in range(n)]
        positive[0], positive[1] = True, False
        scores = [round(rng.random(), 1) for _ in range(n)]
        assert roc_auc(scores, positive) == pytest.approx(metrics.roc_auc_score(positive, scores))
        assert average_precision(scores, positive) == pytest.approx(
            metrics.average_precision_score(positive, scores)
        )
