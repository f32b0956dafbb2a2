"""What the local moderation model reads of a text: a cleaned form, and hashed n-grams of it.

The trainer (``bench/train_moderation.py``) and the backend both call these functions, so the
model scores exactly the features it was fitted on.

:func:`clean` removes what says where a text came from rather than what it says: the training
tweets start with ``RT @someone:`` and carry ``&amp;`` and links, which a model would otherwise
learn as "offensive" (most tweets in the data are) and then miss in a chat prompt.

:func:`ngrams` hashes word 1-2-grams and character 3-5-grams (inside word boundaries) of the
folded text (:func:`workers.scanners.text.normalize.normalize`: lowercase, leetspeak undone) into
:data:`N_BUCKETS` columns with CRC-32, a hash that is the same in every process and version
(Python's ``hash`` of a string is salted per process). Values are log counts, L2-normalised.
"""

from __future__ import annotations

import html
import itertools
import re
import zlib
from typing import Final

import numpy as np

from workers.scanners.text.normalize import normalize

__all__ = ["N_BUCKETS", "clean", "ngrams"]

N_BUCKETS: Final = 2**17
"""Hashed feature columns: with tens of thousands of training texts, collisions at this size
cost nothing measurable, and the weights stay a few MB."""

_MENTION = re.compile(r"(?:^|\s)(?:rt\s+)?@\w+:?", re.IGNORECASE)
_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_RT = re.compile(r"^\W*rt\b\W*", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+(?:'\w+)?")


def clean(text: str) -> str:
    """``text`` without tweet furniture (``RT``, ``@mentions``, links, HTML entities), with
    whitespace collapsed; the words themselves are kept as written."""
    text = html.unescape(html.unescape(text))  # the tweets are escaped twice (&amp;#128514;)
    text = _URL.sub(" ", text)
    text = _MENTION.sub(" ", text)
    text = _RT.sub("", text)
    return _SPACE.sub(" ", text).strip()


def ngrams(text: str, folded: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The hashed n-grams of an already :func:`clean` text: column indices (sorted, unique,
    int32) and their values (float32, unit L2 norm); both empty for a text without words.
    ``folded`` is ``normalize(text).text`` when the caller has it already: folding twice was
    a quarter of the model's time on a short text."""
    words = _WORD.findall(normalize(text).text if folded is None else folded)
    counts: dict[int, int] = {}
    grams = [f"w {w}" for w in words]
    grams += [f"w {a} {b}" for a, b in itertools.pairwise(words)]
    for word in words:
        padded = f" {word} "
        for n in (3, 4, 5):
            grams += [f"c {padded[i : i + n]}" for i in range(len(padded) - n + 1)]
    for gram in grams:
        column = zlib.crc32(gram.encode()) & (N_BUCKETS - 1)
        counts[column] = counts.get(column, 0) + 1
    if not counts:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
    columns = np.array(sorted(counts), dtype=np.int32)
    values = np.log1p(np.array([counts[c] for c in columns.tolist()], dtype=np.float32))
    return columns, values / np.float32(np.linalg.norm(values))
