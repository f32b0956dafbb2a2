"""Train the injection scanner's small classifier and write its weights
(``workers/scanners/injection/data/injection_lr.npz``).

Logistic regression over MiniLM sentence embeddings (the scanner's own model and windows), fit
ONLY on guardstream's generated texts: attacks from :mod:`bench.injection_texts.attacks` and benign
prompts from :mod:`bench.injection_texts.benign`. No evaluation data is read here. Run from the
repository root::

    .venv/bin/python bench/train_injection.py [--count 4000] [--seed 7] [--C 0.5]

Embedding is the cost: about 12 ms of CPU per generated text on this 2-core machine when it is
quiet, so the default (4,000 texts per class, 1,000 held out) takes about two minutes. It prints
the cross-validated accuracy on the generated data and, on a held-out generated set drawn with
another seed, the share of attacks and benign texts flagged at several classifier thresholds:
the scanner's default ``classifier_threshold`` is the lowest of them that keeps the held-out
benign share (look-alikes included) under 2%. The scanner reads the weights at ``load()``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score

from bench.injection_texts.attacks import attack_texts
from bench.injection_texts.benign import benign_texts
from workers.scanners.injection.classifier import CLASSIFIER_PATH, InjectionClassifier
from workers.scanners.text.embeddings import Embedder
from workers.scanners.text.normalize import normalize

MAX_TOKENS = 128
"""The scanner's default window: train on what it will score."""


def embed(embedder: Embedder, texts: list[str]) -> np.ndarray:
    """One vector per text: its first window of the folded text, as the scanner sees it."""
    return embedder.embed([normalize(t).text for t in texts], batch_size=64)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=4000, help="texts per class")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--C", type=float, default=0.5, help="inverse L2 strength")
    parser.add_argument("--out", type=Path, default=CLASSIFIER_PATH)
    args = parser.parse_args()

    started = time.monotonic()
    attacks = [text for text, _ in attack_texts(args.count, seed=args.seed)]
    benign = benign_texts(args.count, seed=args.seed)
    embedder = Embedder(max_tokens=MAX_TOKENS, overlap=31)
    x = np.vstack([embed(embedder, attacks), embed(embedder, benign)])
    y = np.concatenate([np.ones(len(attacks)), np.zeros(len(benign))])
    print(f"{len(attacks)} attacks, {len(benign)} benign, embedded in "
          f"{time.monotonic() - started:.0f}s")  # fmt: skip

    model = LogisticRegression(C=args.C, max_iter=2000, class_weight="balanced")
    scores = cross_val_score(model, x, y, cv=5)
    print(f"5-fold accuracy on generated data: {scores.mean():.3f} +- {scores.std():.3f}")
    model.fit(x, y)

    # A fresh draw (other seed) of both generators: how the weights do on unseen wordings.
    held_a = embed(embedder, [t for t, _ in attack_texts(500, seed=args.seed + 1000)])
    held_b = embed(embedder, benign_texts(500, seed=args.seed + 1000))
    clf = InjectionClassifier(model.coef_[0].astype(np.float32), float(model.intercept_[0]))
    pa, pb = clf.proba(held_a), clf.proba(held_b)
    print("held-out generated (another seed), share flagged at each classifier_threshold:")
    for cut in (0.5, 0.7, 0.8, 0.85, 0.9, 0.95):
        print(f"  {cut:.2f}: attacks {np.mean(pa >= cut):.3f}, benign {np.mean(pb >= cut):.3f}")
    clf.save(args.out, embedder.fingerprint())
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
