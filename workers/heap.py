"""Hands freed heap memory back to the operating system now and then.

A scan allocates and frees large buffers (a batch of 4 KB documents through spaCy or an encoder);
glibc keeps what was freed in its arenas, so a pool's resident size creeps up to the largest mix
of batches it ever met and stays there, which reads as a leak on a dashboard and makes a
container's memory limit a guess. ``malloc_trim`` returns the free pages; it costs a few
milliseconds on a large heap, so a pool calls it at most once per interval, from its scan thread,
after a batch.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import time
from collections.abc import Callable

__all__ = ["HeapTrimmer"]


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None where the C library has none (musl, macOS)."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim  # type: ignore[no-any-return]


class HeapTrimmer:
    """Calls ``malloc_trim(0)`` when :meth:`maybe` is called ``interval_s`` after the last trim.

    Args:
        interval_s: the least time between two trims; 0 or less never trims.
    """

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s
        self._trim = _malloc_trim() if interval_s > 0 else None
        self._last = time.monotonic()
        self.trims = 0
        """Trims done so far."""

    @property
    def available(self) -> bool:
        """Whether this process can trim at all (glibc, and an interval set)."""
        return self._trim is not None

    def maybe(self) -> bool:
        """Trim if the interval has passed; True when it did."""
        if self._trim is None:
            return False
        now = time.monotonic()
        if now - self._last < self.interval_s:
            return False
        self._trim(0)
        self._last = time.monotonic()
        self.trims += 1
        return True
