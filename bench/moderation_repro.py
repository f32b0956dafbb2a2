"""Compare two moderation weight files: did a training run reproduce the shipped model?

    .venv/bin/python -m bench.moderation_repro NEW.npz [--shipped PATH] [--data ...] [--borrow ...]

Prints, for every array, the largest absolute difference; whether the threshold and the
operating points are equal; and, on the training run's validation split (read and split as
:mod:`bench.train_moderation` does, embedded through its cache), the largest difference of the
``flagged`` probability and how many validation texts the two files flag differently, each at
its own threshold. Exit status 1 when any text is flagged differently or a threshold differs.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from bench.moderation_data import generated, generated_hard_negatives, read_borrowed, read_folder
from bench.moderation_data import split as split_examples
from bench.train_moderation import (
    DEFAULT_BORROW,
    DEFAULT_DATA,
    HARD_NEGATIVES,
    cached_embedder,
    featurize,
)
from workers.scanners.moderation.backends.local_model import DEFAULT_WEIGHTS, ModelWeights

ARRAYS = ("embedding", "ngram", "rules", "intercept")


def flagged_proba(weights: ModelWeights, embedding, ngram, rules) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The ``flagged`` head's probability (before counter-speech, which both files share)."""
    z = embedding @ weights.embedding[0] + ngram @ weights.ngram[0] + rules @ weights.rules[0]
    z = np.asarray(z, dtype=np.float64) + float(weights.intercept[0])
    return 1.0 / (1.0 + np.exp(-z))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("new", type=Path)
    parser.add_argument("--shipped", type=Path, default=DEFAULT_WEIGHTS)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--borrow", type=Path, default=DEFAULT_BORROW)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--cap", type=int, default=3000)
    parser.add_argument("--per-class", type=int, default=400)
    args = parser.parse_args()
    a, b = ModelWeights.load(args.shipped), ModelWeights.load(args.new)
    for name in ARRAYS:
        x, y = getattr(a, name), getattr(b, name)
        print(f"{name:10s} {x.shape}: max abs diff {float(np.abs(x - y).max()):.3g}, "
              f"largest weight {float(np.abs(x).max()):.3g}")  # fmt: skip
    print(f"threshold: shipped {a.threshold!r}, new {b.threshold!r}")
    same_points = json.dumps(a.operating_points) == json.dumps(b.operating_points)
    print(f"operating points equal: {same_points}")
    if not same_points:
        for p, q in zip(a.operating_points, b.operating_points, strict=False):
            print(f"  shipped {p}\n  new     {q}")
    print(f"fingerprint equal: {a.fingerprint == b.fingerprint}")

    examples = [
        *read_folder(args.data, args.cap, args.seed),
        *read_borrowed(args.borrow, args.seed),
        *generated(args.per_class, args.seed),
        *generated_hard_negatives(HARD_NEGATIVES, args.seed),
    ]
    _, valid = split_examples(examples, 0.2, args.seed)
    embed, _ = cached_embedder()
    f = featurize(valid, embed)
    pa = flagged_proba(a, f.embedding, f.ngram, f.rules)
    pb = flagged_proba(b, f.embedding, f.ngram, f.rules)
    differ = int(((pa >= a.threshold) != (pb >= b.threshold)).sum())
    print(f"validation ({len(valid)} texts): max |p_shipped - p_new| "
          f"{float(np.abs(pa - pb).max()):.3g}; flagged differently: {differ}")  # fmt: skip
    return 1 if differ or a.threshold != b.threshold else 0


if __name__ == "__main__":
    raise SystemExit(main())
