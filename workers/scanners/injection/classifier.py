"""A small learned layer of the injection scanner: logistic regression over MiniLM embeddings.

Its weights (``workers/data/injection_lr.npz``, 384 floats and a bias) are trained by
``bench/train_injection.py`` only on guardstream's generated texts (attacks from
:mod:`bench.injection_texts.attacks`, benign prompts from :mod:`bench.injection_texts.benign`),
never on
evaluation data. The file records the fingerprint of the embedding model it was trained with;
loading it with another model is a :class:`~topics.errors.ConfigError`, because the weights
would then read meaningless coordinates.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from topics.errors import ConfigError

__all__ = ["CLASSIFIER_PATH", "InjectionClassifier"]

CLASSIFIER_PATH = Path(__file__).resolve().parent / "data" / "injection_lr.npz"


class InjectionClassifier:
    """``proba(vectors)``: the probability that each unit embedding is an attack."""

    def __init__(self, coef: np.ndarray, intercept: float) -> None:
        self.coef = np.asarray(coef, dtype=np.float32)
        self.intercept = float(intercept)

    @classmethod
    def load(
        cls, path: Path = CLASSIFIER_PATH, fingerprint: str | None = None
    ) -> InjectionClassifier:
        """Read weights saved by :meth:`save`; ``fingerprint`` (the embedder's) must match."""
        try:
            with np.load(path, allow_pickle=False) as data:
                coef, intercept, trained_on = data["coef"], data["intercept"], str(data["model"])
        except (OSError, ValueError, KeyError) as e:
            raise ConfigError(f"cannot read injection classifier {path}: {e}") from e
        if fingerprint is not None and trained_on != fingerprint:
            raise ConfigError(
                f"injection classifier {path} was trained with another embedding model; "
                "retrain it with bench/train_injection.py or set classifier: false"
            )
        return cls(coef, float(intercept))

    def save(self, path: Path, fingerprint: str) -> None:
        """Write the weights and the embedding model's fingerprint."""
        with open(path, "wb") as f:
            np.savez(
                f, coef=self.coef, intercept=np.float32(self.intercept), model=np.array(fingerprint)
            )

    def proba(self, vectors: np.ndarray) -> np.ndarray:
        """Attack probability per row of ``vectors``."""
        z = vectors @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-z))
