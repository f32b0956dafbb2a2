"""Hashed word and character n-grams, and a linear model over them, in plain numpy.

One function, :func:`features`, turns a text into sparse features for both training (the bench
builds a scipy matrix from it and fits scikit-learn's logistic regression) and run time (the
scanner takes a dot product with the shipped weights), so the two cannot drift apart: there is no
second implementation to keep in step, and nothing beyond numpy and the standard library runs in
a pool.

Features of a lowercased text with whitespace collapsed: its word 1- and 2-grams (``\\w+`` runs)
and its character 3- to 5-grams, each hashed with CRC-32 (:func:`zlib.crc32`, stable across
processes and Python versions, unlike :func:`hash`) into ``2**bits`` buckets with a sign from the
hash's top bit, so that collisions cancel on average rather than pile up. Counts are damped to
``1 + log(count)`` and the vector is scaled to unit length, so long and short texts score alike.
"""

from __future__ import annotations

import itertools
import math
import re
import zlib
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from topics.errors import ConfigError

__all__ = ["DEFAULT_BITS", "MAX_CHARS", "NgramModel", "features"]

DEFAULT_BITS = 18
"""2**18 buckets: 1 MB of float32 weights, few enough collisions for tens of thousands of texts."""

MAX_CHARS = 4000
"""Characters of a text that are read: bounds the work per text; the scanner also scores a long
text's runs of sentences on their own, so an attack past this point is still read."""

_WORD = re.compile(r"\w+")
_SPACE = re.compile(r"\s+")


def features(text: str, bits: int = DEFAULT_BITS) -> tuple[np.ndarray, np.ndarray]:
    """Bucket indices (sorted, unique) and their values: the unit-length, signed, damped counts of
    the text's hashed word 1-2-grams and character 3-5-grams."""
    low = _SPACE.sub(" ", text[:MAX_CHARS].lower()).strip()
    words = _WORD.findall(low)
    grams: Counter[str] = Counter("w " + w for w in words)
    grams.update(f"b {a} {b}" for a, b in itertools.pairwise(words))
    padded = f" {low} "
    for n in (3, 4, 5):
        grams.update("c" + padded[i : i + n] for i in range(len(padded) - n + 1))
    mask = (1 << bits) - 1
    acc: dict[int, float] = {}
    for gram, count in grams.items():
        h = zlib.crc32(gram.encode("utf-8"))
        value = 1.0 + math.log(count)
        index = h & mask
        acc[index] = acc.get(index, 0.0) + (value if h >> 31 else -value)
    if not acc:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    indices = np.fromiter(sorted(acc), dtype=np.int64, count=len(acc))
    values = np.array([acc[i] for i in indices.tolist()], dtype=np.float32)
    norm = float(np.linalg.norm(values))
    return indices, values / norm if norm > 0 else values


class NgramModel:
    """Logistic regression over :func:`features`: ``proba(texts)`` is the probability that each
    text is in the positive class. ``coef`` has ``2**bits`` weights."""

    def __init__(self, coef: np.ndarray, intercept: float) -> None:
        self.coef = np.asarray(coef, dtype=np.float32)
        self.intercept = float(intercept)
        bits = int(self.coef.size).bit_length() - 1
        if self.coef.ndim != 1 or self.coef.size != 1 << bits:
            raise ConfigError(f"n-gram weights must be 2**bits floats, not {self.coef.shape}")
        self.bits = bits

    @classmethod
    def load(cls, path: Path) -> NgramModel:
        """Read weights written by :meth:`save`."""
        try:
            with np.load(path, allow_pickle=False) as data:
                return cls(data["coef"], float(data["intercept"]))
        except (OSError, ValueError, KeyError) as e:
            raise ConfigError(f"cannot read n-gram model {path}: {e}") from e

    def save(self, path: Path, **meta: str | float) -> None:
        """Write the weights (compressed) and any ``meta`` values beside them."""
        extra: dict[str, Any] = {k: np.array(v) for k, v in meta.items()}
        with open(path, "wb") as f:
            np.savez_compressed(f, coef=self.coef, intercept=np.float32(self.intercept), **extra)

    def logit(self, text: str) -> float:
        """The model's log-odds for one text."""
        indices, values = features(text, self.bits)
        return float(values @ self.coef[indices]) + self.intercept

    def proba(self, texts: list[str]) -> np.ndarray:
        """Positive-class probability per text."""
        z = np.array([self.logit(t) for t in texts], dtype=np.float64)
        return 1.0 / (1.0 + np.exp(-z))
