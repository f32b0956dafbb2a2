"""Score saved injection weights (today's shipped file, say) on the training run's data, with the
settings saved in them, per source: the other side of the trainer's tables.

    .venv/bin/python -m bench.injection_compare --weights old.npz [--cap 800] [--generated 600]

Prints, per source, recall and FPR on the validation split and on every text of the source,
at the weights' own ``classifier_threshold``, ``classifier_min_words`` and
``similarity_threshold``, the mean per-source benign FPR, and the recall at the trainer's
operating points (the threshold that keeps the mean per-source benign FPR under each
target). A source the weights were not trained on is unseen by them, so its row is a held-out
figure; a source they were trained on is not (its in-sample figure flatters them). Reads the
trainer's embedding cache: run it after ``bench.train_injection`` with the same ``--cap``,
``--generated`` and ``--seed``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from rich.console import Console

from bench.injection_data import split
from bench.train_injection import (
    DEFAULT_DATA,
    MAX_TOKENS,
    OPERATING_FPRS,
    PRECISION,
    compute_signals,
    figures,
    learned_proba,
    mean_source_fpr,
    pick_threshold,
    progress_bar,
    table_by_source,
    training_examples,
)
from workers.scanners.injection.classifier import InjectionClassifier, trained_settings
from workers.scanners.text.embeddings import Embedder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=Path, required=True)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--cap", type=int, default=800)
    parser.add_argument("--generated", type=int, default=600)
    parser.add_argument("--valid-share", type=float, default=0.2)
    args = parser.parse_args()
    console = Console(width=120)

    examples = training_examples(args.data, args.cap, args.generated, args.seed)
    train, valid = split(examples, args.valid_share, args.seed)
    embedder = Embedder(
        max_tokens=MAX_TOKENS, overlap=min(64, (MAX_TOKENS - 2) // 4), precision=PRECISION
    )
    with progress_bar() as progress:
        signals = compute_signals(train + valid, embedder, progress)
    sources = np.array([e.source for e in train + valid])
    settings = trained_settings(args.weights)
    threshold = settings["classifier_threshold"]
    min_words = int(settings["classifier_min_words"])
    signals.similarity_threshold = settings["similarity_threshold"]
    classifier = InjectionClassifier.load(args.weights, embedder.fingerprint())
    proba = learned_proba(classifier, signals)
    n = len(train)
    va = signals.take(np.arange(n, len(examples)))
    console.print(f"{args.weights}: {settings}")
    console.print(
        table_by_source("validation split", va, proba[n:], sources[n:], threshold, min_words)
    )
    console.print(table_by_source("every text", signals, proba, sources, threshold, min_words))
    fpr = mean_source_fpr(signals, proba, threshold, min_words, sources)
    console.print(f"mean per-source benign FPR, every text: {fpr:.4f}")
    # The same operating rule as the trainer's, on these scores: recall at the same mean
    # per-source benign FPR, so that two weights files compare at one false-alarm rate.
    for target in OPERATING_FPRS:
        t = pick_threshold(signals, proba, min_words, target, sources)
        f = figures(signals, proba, t, min_words)
        fpr = mean_source_fpr(signals, proba, t, min_words, sources)
        console.print(
            f"  at mean per-source benign FPR <= {target}: classifier_threshold {t}, "
            f"recall {f['recall']:.4f} (mean per-source benign FPR {fpr:.4f})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
