"""Sentence embeddings kept on disk between training runs, keyed by a hash of each text.

Embedding the moderation training data takes minutes on one core; the vectors depend only on
the text, the model's files and the window size, so a rerun reads them back. The file is
``~/.cache/guardstream/embeddings-<model fingerprint>-<max tokens>.npz`` (``keys``: SHA-256 of
each text, ``vectors``: float32). A vector read back is the one written, byte for byte, which
is what makes a rerun reproduce the same weights.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

__all__ = ["EmbeddingCache", "text_key"]

DEFAULT_FOLDER = Path.home() / ".cache" / "guardstream"


def text_key(text: str) -> str:
    """The cache key of ``text``."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Vectors by text for one embedding model (``fingerprint``) and window (``max_tokens``)."""

    def __init__(self, fingerprint: str, max_tokens: int, folder: Path = DEFAULT_FOLDER):
        self.path = folder / f"embeddings-{fingerprint[:16]}-{max_tokens}.npz"
        self._vectors: dict[str, np.ndarray] = {}
        if self.path.exists():
            with np.load(self.path) as data:
                self._vectors = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))

    def embed(
        self,
        texts: list[str],
        embed: Callable[[list[str]], np.ndarray],
        chunk: int = 512,
        progress: Callable[[int], None] | None = None,
    ) -> np.ndarray:
        """Vectors for ``texts`` (rows in order): cached ones read back, the rest computed by
        ``embed`` in chunks of ``chunk`` texts and saved after each chunk, so an interrupted
        run loses at most one chunk."""
        keys = [text_key(t) for t in texts]
        todo = list({k: t for k, t in zip(keys, texts, strict=True) if k not in self._vectors})
        by_key = dict(zip(keys, texts, strict=True))
        for start in range(0, len(todo), chunk):
            part = todo[start : start + chunk]
            vectors = embed([by_key[k] for k in part])
            self._vectors.update(zip(part, vectors.astype(np.float32), strict=True))
            self._save()
            if progress:
                progress(len(part))
        return np.stack([self._vectors[k] for k in keys]) if keys else np.zeros((0, 0))

    def missing(self, texts: list[str]) -> int:
        """How many distinct ``texts`` are not cached yet."""
        return len({k for k in map(text_key, texts) if k not in self._vectors})

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = sorted(self._vectors)
        partial = self.path.with_suffix(".tmp.npz")
        np.savez(partial, keys=np.array(keys), vectors=np.stack([self._vectors[k] for k in keys]))
        partial.replace(self.path)
