"""A vector index of known attack texts: which known attack is a text most like, and how much.

The index holds one unit vector per token window of every corpus entry (the project's seed corpus
``workers/data/attacks.jsonl`` plus operator corpora), so a cosine top-1 is one matrix product.
Building it embeds every entry, which takes seconds; :meth:`AttackIndex.build` therefore keeps
the vectors in a cache file keyed by a hash of the model files, the encoder's precision, the
window settings and the corpus texts, and rebuilds only when one of those changes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from topics.errors import ConfigError
from workers.scanners.text.embeddings import Embedder

__all__ = ["SEED_CORPUS", "AttackEntry", "AttackIndex", "load_corpus"]

log = logging.getLogger(__name__)

SEED_CORPUS = Path(__file__).resolve().parent / "data" / "attacks.jsonl"
"""guardstream's own attack phrasings, one JSON object a line (``text``, ``family``)."""


@dataclass(frozen=True, slots=True)
class AttackEntry:
    """One known attack text."""

    text: str
    family: str
    """Its family (``override``, ``role_play``...), or ``unknown`` when the corpus gives none."""


def load_corpus(paths: list[Path]) -> list[AttackEntry]:
    """Read JSONL corpora (a ``text`` field per line, optional ``family``); blank lines skip."""
    entries: list[AttackEntry] = []
    for path in paths:
        try:
            lines = Path(path).read_text(encoding="utf-8").splitlines()
        except OSError as e:
            raise ConfigError(f"cannot read attack corpus {path}: {e}") from e
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                text = row["text"]
            except (ValueError, KeyError, TypeError) as e:
                raise ConfigError(
                    f"{path}:{number}: each line must be a JSON object with a 'text' field"
                ) from e
            if not isinstance(text, str) or not text.strip():
                raise ConfigError(f"{path}:{number}: 'text' must be a non-empty string")
            entries.append(AttackEntry(text, str(row.get("family") or "unknown")))
    return entries


class AttackIndex:
    """Unit vectors of attack windows; ``rows[i]`` is the entry index of vector ``i``."""

    def __init__(self, vectors: np.ndarray, rows: np.ndarray, entries: list[AttackEntry]):
        self.vectors = vectors
        self.rows = rows
        self.entries = entries

    @classmethod
    def build(
        cls,
        embedder: Embedder,
        entries: list[AttackEntry],
        cache_path: Path | None = None,
        batch_size: int = 32,
    ) -> AttackIndex:
        """Embed ``entries``, or load their vectors from ``cache_path`` when its key matches."""
        if not entries:
            raise ConfigError("the attack index needs at least one corpus entry")
        key = cls.cache_key(embedder, entries)
        if cache_path is not None:
            cached = cls._read_cache(Path(cache_path), key)
            if cached is not None:
                log.info("attack index loaded from %s (%d vectors)", cache_path, len(cached[0]))
                return cls(cached[0], cached[1], entries)
        windows = embedder.windows([e.text for e in entries])
        vectors = embedder.embed_windows(windows, batch_size)
        rows = np.array([w.text_index for w in windows], dtype=np.int64)
        if cache_path is not None:
            cls._write_cache(Path(cache_path), key, vectors, rows)
        return cls(vectors, rows, entries)

    @staticmethod
    def cache_key(embedder: Embedder, entries: list[AttackEntry]) -> str:
        """Hash of what the vectors depend on: model files, precision, window settings,
        corpus texts."""
        digest = hashlib.sha256()
        digest.update(embedder.fingerprint().encode())
        digest.update(embedder.precision.encode())
        digest.update(f"{embedder.max_tokens}/{embedder.overlap}".encode())
        for entry in entries:
            digest.update(entry.text.encode("utf-8", "surrogatepass"))
            digest.update(b"\x00")
        return digest.hexdigest()

    @staticmethod
    def _read_cache(path: Path, key: str) -> tuple[np.ndarray, np.ndarray] | None:
        if not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as data:
                if str(data["key"]) != key:
                    log.info("attack index cache %s is stale; rebuilding", path)
                    return None
                return data["vectors"], data["rows"]
        except (OSError, ValueError, KeyError) as e:
            log.warning("attack index cache %s is unreadable (%s); rebuilding", path, e)
            return None

    @staticmethod
    def _write_cache(path: Path, key: str, vectors: np.ndarray, rows: np.ndarray) -> None:
        # Write beside and rename, so a reader never sees half a file.
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as f:
                np.savez(f, key=np.array(key), vectors=vectors, rows=rows)
            os.replace(tmp, path)
        except OSError as e:
            log.warning("cannot write attack index cache %s: %s", path, e)
            tmp.unlink(missing_ok=True)

    def top1(self, vectors: np.ndarray) -> tuple[np.ndarray, list[AttackEntry]]:
        """For each row of ``vectors`` (unit norm), the best cosine and its corpus entry."""
        sims = vectors @ self.vectors.T
        best = sims.argmax(axis=1)
        return sims[np.arange(len(best)), best], [self.entries[self.rows[b]] for b in best]
