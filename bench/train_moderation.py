"""Train the local moderation backend's embedding layer from texts this script generates.

    .venv/bin/python bench/train_moderation.py
        [--out workers/scanners/moderation/data/moderation_head.npz] [--per-class 500]
        [--seed 7] [--check]

Nothing here reads outside data: every training text comes from the templates below (harmful
texts per category, and benign texts that use the same words: news, history, medicine, fiction,
education, counter-speech, negation, swearing that targets nobody). Each text is embedded with
all-MiniLM-L6-v2 (:class:`~workers.scanners.text.embeddings.Embedder`, onnxruntime, offline)
and a multinomial
logistic regression (scikit-learn) is fitted over the embeddings; its weights, a few KB, are
saved as float32 with the class names. ``--check`` also prints accuracy on a held-out split of
generated texts (a sanity check, not a measure of real-world quality).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.moderation_texts import generate
from workers.scanners.moderation.backends.local_model import (
    CLASSES,
    DEFAULT_HEAD,
    MAX_TOKENS,
)


def main() -> None:
    """Generate, embed, fit and save."""
    from sklearn.linear_model import LogisticRegression

    from workers.scanners.text.embeddings import Embedder

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_HEAD)
    parser.add_argument("--per-class", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--c", type=float, default=0.3, help="inverse regularisation strength")
    parser.add_argument("--check", action="store_true", help="report held-out accuracy too")
    parser.add_argument("--cache", type=Path, help="an .npz to keep embeddings in between runs")
    args = parser.parse_args()

    texts, labels = generate(args.per_class, args.seed)
    counts = {c: labels.count(c) for c in CLASSES}
    print(f"generated {len(texts)} texts: {counts}")
    embedder = Embedder(max_tokens=MAX_TOKENS, overlap=16)
    known: dict[str, np.ndarray] = {}
    if args.cache and args.cache.exists():
        with np.load(args.cache) as cached:
            known = dict(zip(cached["texts"].tolist(), cached["vectors"], strict=True))
    todo = [t for t in dict.fromkeys(texts) if t not in known]
    start = time.perf_counter()
    if todo:
        known.update(zip(todo, embedder.embed(todo, batch_size=64), strict=True))
    print(f"embedded {len(todo)} new texts in {time.perf_counter() - start:.0f}s")
    if args.cache:
        np.savez(args.cache, texts=np.array(list(known)), vectors=np.stack(list(known.values())))
    x = np.stack([known[t] for t in texts])
    y = np.array([CLASSES.index(label) for label in labels])
    if args.check:
        rng = np.random.default_rng(args.seed)
        held = rng.random(len(y)) < 0.2
        probe = LogisticRegression(C=args.c, max_iter=2000, class_weight="balanced")
        probe.fit(x[~held], y[~held])
        print(f"held-out accuracy on generated texts: {probe.score(x[held], y[held]):.3f}")
    model = LogisticRegression(C=args.c, max_iter=2000, class_weight="balanced")
    model.fit(x, y)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        args.out,
        coef=model.coef_.astype(np.float32),
        intercept=model.intercept_.astype(np.float32),
        classes=np.array(CLASSES),
        fingerprint=np.array(embedder.fingerprint()),
    )
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
