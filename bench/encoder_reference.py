"""Write the numpy encoder's vectors for a few of the project's own texts to a test fixture.

The numpy forward pass left the shipped code when the encoder moved to onnxruntime (issue 14);
``tests/workers/test_embeddings.py`` still checks the new encoder against it, through vectors
that this script computed once with :class:`bench.numpy_encoder.NumpyEmbedder` and that the
fixture keeps beside their texts. Pinned vectors rather than the numpy pass in the test: the
test then needs no second encoder, takes no seconds of numpy, and keeps comparing against what
shipped even if the bench's copy is changed or dropped. Run from the repository root::

    .venv/bin/python -m bench.encoder_reference

The texts are all guardstream's own: the seed attack corpus, the injection and moderation
generators (fixed seeds), and long texts made by joining them, so that full 256-token windows
are covered too; an empty text and a non-Latin one stand for the edges.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
from pathlib import Path

import numpy as np

from bench.injection_texts.attacks import attack_texts
from bench.injection_texts.benign import benign_texts
from bench.moderation_texts import generate
from bench.numpy_encoder import NumpyEmbedder
from workers.scanners.injection.attack_index import SEED_CORPUS, load_corpus

FIXTURE = (
    Path(__file__).resolve().parent.parent
    / "tests"
    / "workers"
    / "scanners"
    / "text"
    / "data"
    / "numpy_embeddings.json"
)
MAX_TOKENS = 256
"""The model's whole window: the longest sequences the encoder sees."""


def reference_texts(seed: int = 14) -> list[str]:
    """Short texts of every kind the pools embed, then long ones made of them."""
    rng = random.Random(seed)
    seed_corpus = [e.text for e in load_corpus([SEED_CORPUS])]
    attacks = [text for text, _ in attack_texts(12, seed=seed)]
    benign = benign_texts(12, seed=seed)
    moderation, labels = generate(2, seed=seed)
    harmful = [t for t, label in zip(moderation, labels, strict=True) if label != "benign"]
    moderation_benign = [
        t for t, label in zip(moderation, labels, strict=True) if label == "benign"
    ]
    short = [
        *rng.sample(seed_corpus, 10),
        *attacks,
        *benign,
        *harmful[:6],
        *moderation_benign[:6],
        "",
        "Привет! Давай встретимся завтра и обсудим отчёт.",
    ]
    pool = [t for t in short if t]
    long = [" ".join(rng.sample(pool, 14)) for _ in range(6)]
    return short + long


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=FIXTURE)
    args = parser.parse_args()
    embedder = NumpyEmbedder(max_tokens=MAX_TOKENS)
    texts = reference_texts()
    vectors = embedder.embed(texts).astype("<f4")
    tokens = [len(w.ids) for w in embedder.windows(texts) if w.start == 0]
    fixture = {
        "about": "vectors of the numpy encoder that shipped before issue 14; "
        "written by `python -m bench.encoder_reference`",
        "model_fingerprint": embedder.fingerprint(),
        "max_tokens": MAX_TOKENS,
        "dim": int(vectors.shape[1]),
        "texts": texts,
        "vectors_f32le_base64": base64.b64encode(vectors.tobytes()).decode("ascii"),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(fixture, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(
        f"wrote {args.out}: {len(texts)} texts, first windows of {min(tokens)}-{max(tokens)} tokens"
    )
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
