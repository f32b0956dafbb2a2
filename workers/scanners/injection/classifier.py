"""The injection scanner's learned layer: two logistic regressions and a stack over them.

- an **embedding head**: logistic regression over the scanner's MiniLM window embeddings;
- an **n-gram model** (:class:`~workers.scanners.text.ngrams.NgramModel`): logistic regression
  over hashed word 1-2-grams and character 3-5-grams of the folded text;
- a **stack**: ``logit = a * head + b * ngrams + c``, fitted on out-of-fold scores of the two.

All three are trained by ``python -m bench.train_injection`` on labelled real prompts
(``../shared/train/injection``: S-Labs, neuralchemy with HackAPrompt, yanismiraoui, PurpleLlama,
CLINC) and guardstream's generated texts, never on evaluation data; its validation and
leave-one-source-out figures chose the stack over either model alone (see the README). The
weights (``data/injection_classifier.npz``, about 1 MB compressed) record the fingerprint of the
embedding model they were trained with; loading them with another model is a
:class:`~topics.errors.ConfigError`, because the head would then read meaningless coordinates.
Weights without an n-gram part are a head alone (``a = 1, b = c = 0``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from topics.errors import ConfigError
from workers.scanners.text.ngrams import NgramModel

__all__ = ["CLASSIFIER_PATH", "TRAINED_SETTINGS", "InjectionClassifier", "trained_settings"]

CLASSIFIER_PATH = Path(__file__).resolve().parent / "data" / "injection_classifier.npz"
TRAINED_SETTINGS = ("classifier_threshold", "classifier_min_words", "similarity_threshold")
"""Scanner settings the training run chooses and saves beside the weights."""


class InjectionClassifier:
    """``proba(vectors, ngram_logits)``: the probability that each window is an attack.

    ``coef``/``intercept`` are the embedding head's; ``ngrams`` the n-gram model (optional);
    ``stack`` the weights ``(a, b, c)`` that combine their log-odds."""

    def __init__(
        self,
        coef: np.ndarray,
        intercept: float,
        ngrams: NgramModel | None = None,
        stack: tuple[float, float, float] = (1.0, 0.0, 0.0),
    ) -> None:
        self.coef = np.asarray(coef, dtype=np.float32)
        self.intercept = float(intercept)
        self.ngrams = ngrams
        self.stack = tuple(float(w) for w in stack)
        self.trained_settings: dict[str, float] = {}
        """The scanner settings chosen when these weights were trained (:data:`TRAINED_SETTINGS`):
        the scanner's defaults travel with the weights."""

    @classmethod
    def load(
        cls, path: Path = CLASSIFIER_PATH, fingerprint: str | None = None
    ) -> InjectionClassifier:
        """Read weights saved by :meth:`save`; ``fingerprint`` (the embedder's) must match."""
        try:
            with np.load(path, allow_pickle=False) as data:
                coef, intercept, trained_on = data["coef"], data["intercept"], str(data["model"])
                ngrams = None
                stack = (1.0, 0.0, 0.0)
                if "ngram_coef" in data.files:
                    ngrams = NgramModel(data["ngram_coef"], float(data["ngram_intercept"]))
                    a, b, c = (float(w) for w in data["stack"])
                    stack = (a, b, c)
        except (OSError, ValueError, KeyError) as e:
            raise ConfigError(f"cannot read injection classifier {path}: {e}") from e
        if fingerprint is not None and trained_on != fingerprint:
            raise ConfigError(
                f"injection classifier {path} was trained with another embedding model; "
                "retrain it with python -m bench.train_injection or set classifier: false"
            )
        model = cls(coef, float(intercept), ngrams, stack)
        model.trained_settings = trained_settings(path)
        return model

    def save(self, path: Path, fingerprint: str, **meta: float | str) -> None:
        """Write the weights (compressed), the embedding model's fingerprint and ``meta``."""
        arrays: dict[str, np.ndarray] = {
            "coef": self.coef,
            "intercept": np.float32(self.intercept),  # type: ignore[dict-item]
            "model": np.array(fingerprint),
        }
        if self.ngrams is not None:
            arrays["ngram_coef"] = self.ngrams.coef
            arrays["ngram_intercept"] = np.array(self.ngrams.intercept, dtype=np.float32)
            arrays["stack"] = np.array(self.stack, dtype=np.float64)
        arrays.update({k: np.array(v) for k, v in meta.items()})
        with open(path, "wb") as f:
            np.savez_compressed(f, **arrays)  # type: ignore[arg-type]

    def head_logits(self, vectors: np.ndarray) -> np.ndarray:
        """The embedding head's log-odds per row of ``vectors``."""
        return (vectors @ self.coef + self.intercept).astype(np.float64)

    def ngram_logits(self, texts: list[str]) -> np.ndarray:
        """The n-gram model's log-odds per text (zeros when there is no n-gram model)."""
        if self.ngrams is None:
            return np.zeros(len(texts))
        return np.array([self.ngrams.logit(t) for t in texts], dtype=np.float64)

    def combine(self, head: np.ndarray, ngrams: np.ndarray) -> np.ndarray:
        """The stack: attack probability from the two models' log-odds."""
        a, b, c = self.stack
        z = a * head + b * ngrams + c
        return 1.0 / (1.0 + np.exp(-z))

    def proba(self, vectors: np.ndarray, ngram_logits: np.ndarray | None = None) -> np.ndarray:
        """Attack probability per row of ``vectors``; ``ngram_logits`` are the n-gram model's
        log-odds of the text each row was embedded from (required when there is one)."""
        if ngram_logits is None:
            if self.ngrams is not None:
                raise ValueError("this classifier needs the n-gram log-odds of each row's text")
            ngram_logits = np.zeros(len(vectors))
        return self.combine(self.head_logits(vectors), ngram_logits)


def trained_settings(path: Path = CLASSIFIER_PATH) -> dict[str, float]:
    """The :data:`TRAINED_SETTINGS` saved in a weights file (those it has; none if unreadable:
    loading the weights themselves reports that)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: float(data[k]) for k in TRAINED_SETTINGS if k in data.files}
    except (OSError, ValueError):
        return {}
