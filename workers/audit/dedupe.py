"""Showing each audit record once, by (request id, phase).

The audit pool writes one record per request and phase, and remembers that in its table; the one
gap left is a process killed between the record's acknowledgement and its marker's, whose
successor writes the record again. Everything that reads the audit topic (``guardstream audit
query/tail``, the sinks) therefore passes records through :class:`SeenKeys`, so no reader ever
shows that second copy.
"""

from __future__ import annotations

from collections import OrderedDict

from topics.messages import AuditRecord

__all__ = ["SeenKeys"]


class SeenKeys:
    """The (request id, phase) of the last ``capacity`` distinct records.

    Bounded, so a reader that follows the topic for days does not grow without end; a duplicate
    is written moments after its original (a restart's re-delivery), far inside the window.
    """

    def __init__(self, capacity: int = 1_000_000) -> None:
        self.capacity = capacity
        self._keys: OrderedDict[tuple[str, str], None] = OrderedDict()
        self.duplicates = 0
        """Records :meth:`first` turned away."""

    def first(self, record: AuditRecord) -> bool:
        """True the first time a record's (request id, phase) is seen; False for a repeat."""
        key = (record.request_id, record.phase)
        if key in self._keys:
            self._keys.move_to_end(key)
            self.duplicates += 1
            return False
        self._keys[key] = None
        if len(self._keys) > self.capacity:
            self._keys.popitem(last=False)
        return True

    def __len__(self) -> int:
        return len(self._keys)
