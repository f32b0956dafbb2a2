"""Train the injection scanner's small classifier and write ``workers/data/injection_lr.npz``.

Logistic regression over MiniLM sentence embeddings (the scanner's own model and windows), fit
ONLY on guardstream's generated texts: attacks from :mod:`workers.injection_corpus` and benign
prompts from :mod:`workers.injection_benign`. No evaluation data is read here. Run from the
repository root::

    .venv/bin/python bench/train_injection.py [--count 1500] [--seed 7] [--C 0.5]

Embedding is the cost: 0.1 to 0.4 s of CPU per generated text on this 2-core machine (measured
under heavy load), so the default (1,500 texts per class, 1,000 held out) needs 10-30 CPU minutes.
It prints the cross-validated accuracy on the generated data and the share of a held-out
generated set above 0.5; the scanner reads the weights at ``load()``.
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

from workers.embeddings import Embedder
from workers.injection_benign import benign_texts
from workers.injection_classifier import CLASSIFIER_PATH, InjectionClassifier
from workers.injection_corpus import attack_texts
from workers.text_normalize import normalize

MAX_TOKENS = 128
"""The scanner's default window: train on what it will score."""


def embed(embedder: Embedder, texts: list[str]) -> np.ndarray:
    """One vector per text: its first window of the folded text, as the scanner sees it."""
    return embedder.embed([normalize(t).text for t in texts], batch_size=64)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1500, help="texts per class")
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
    print(f"held-out generated: attacks flagged {np.mean(clf.proba(held_a) >= 0.5):.3f}, "
          f"benign flagged {np.mean(clf.proba(held_b) >= 0.5):.3f}")  # fmt: skip
    clf.save(args.out, embedder.fingerprint())
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
