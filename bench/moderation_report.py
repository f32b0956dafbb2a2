"""The moderation trainer's tables beyond validation: operating points, leave-one-source-out per
source at those points, and recall per category (``bench/train_moderation.py`` prints them)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bench.moderation_data import CATEGORY_OF, Example

__all__ = ["category_of", "print_loso_per_source", "print_operating_points", "print_per_category"]


def category_of(example: Example) -> str:
    """What a flagged example's source calls its harm, in the taxonomy's words where there is
    one (``cse`` is ``sexual``), else the source's own (``child_abuse``, ``privacy``)."""
    kind = example.group.split(":", 1)[-1]  # generated texts: the group is the category
    return CATEGORY_OF.get(kind) or kind or "unlabelled"


def print_operating_points(points: Sequence[dict[str, float]]) -> None:
    """The saved operating points as a markdown table."""
    print("\n| target mean benign FPR | flagged threshold | LOSO recall | LOSO benign FPR |")
    print("| --- | --- | --- | --- |")
    for p in points:
        print(
            f"| {p['max_mean_benign_fpr']:g} | {p['classifier_threshold']:.4f} "
            f"| {p['loso_recall']:.3f} | {p['loso_benign_fpr']:.3f} |"
        )


def print_loso_per_source(
    y: np.ndarray, sources: np.ndarray, columns: dict[str, np.ndarray]
) -> None:
    """Per source: its benign texts' FPR, or its flagged texts' recall, under each of
    ``columns`` (a name and the flags it gives every example)."""
    names = " | ".join(columns)
    print(f"\n| source | side | n | {names} |\n| --- | --- | --- | {'--- | ' * len(columns)}")
    for source in sorted(set(sources.tolist())):
        for side, label in (("benign: FPR", 0), ("flagged: recall", 1)):
            rows = (sources == source) & (y == label)
            if rows.any():
                cells = " | ".join(f"{np.mean(f[rows]):.3f}" for f in columns.values())
                print(f"| {source} | {side} | {rows.sum()} | {cells} |")


def print_per_category(
    examples: Sequence[Example], columns: dict[str, np.ndarray], title: str
) -> None:
    """Recall of the flagged examples per category (:func:`category_of`) under each of
    ``columns`` (flags in the order of ``examples``)."""
    cats = np.array([category_of(e) if e.flagged == 1 else "" for e in examples])
    names = " | ".join(columns)
    print(f"\n{title}\n| category | n | {names} |\n| --- | --- | {'--- | ' * len(columns)}")
    for category in sorted(set(cats.tolist()) - {""}):
        rows = cats == category
        cells = " | ".join(f"{np.mean(f[rows]):.3f}" for f in columns.values())
        print(f"| {category} | {rows.sum()} | {cells} |")
