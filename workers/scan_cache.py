"""A bounded cache of recent scan answers, keyed by a hash of the text.

System prompts and conversation history are re-sent on every turn; their answers are reused
instead of scanned again. Answers are cached before the policy is applied, so requests with
different policies share them. Not thread-safe: the pool uses it from its one scan thread.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict

from workers.scanners.base import TextFindings

__all__ = ["ScanCache"]


class ScanCache:
    """LRU map from (role, text) to a scanner's :class:`TextFindings`.

    The role is part of the key because some backends judge a prompt and a model output
    differently.
    """

    def __init__(self, max_entries: int = 10_000) -> None:
        self.max_entries = max_entries
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[bytes, TextFindings] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    @staticmethod
    def key(role: str, text: str) -> bytes:
        """The cache key of a text; the text itself is never kept."""
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass"))
        digest.update(b"\0" + role.encode("utf-8", "surrogatepass"))
        return digest.digest()

    def get(self, key: bytes) -> TextFindings | None:
        """The cached answer, counting a hit or a miss."""
        found = self._entries.get(key)
        if found is None:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return found

    def put(self, key: bytes, answer: TextFindings) -> None:
        """Remember an answer, evicting the least recently used past ``max_entries``."""
        if self.max_entries <= 0:
            return
        self._entries[key] = answer
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
