"""The scan thread's heap trim: freed memory goes back to the system."""

from __future__ import annotations

import os
import time

import pytest

from workers.heap import HeapTrimmer


def _rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.mark.skipif(not HeapTrimmer(1).available, reason="no glibc malloc_trim here")
def test_a_trim_returns_the_freed_middle_of_the_heap() -> None:
    # 2 KB blocks come from malloc (not Python's small-object arenas); keeping one in a hundred
    # leaves the heap's freed middle in place, which free() alone never gives back
    blocks = [os.urandom(2048) for _ in range(100_000)]
    kept = blocks[::100]
    del blocks
    before = _rss_mib()
    trimmer = HeapTrimmer(0.001)
    time.sleep(0.002)
    assert trimmer.maybe()
    after = _rss_mib()
    assert before - after > 100, (before, after)
    assert len(kept) == 1000


@pytest.mark.skipif(not HeapTrimmer(1).available, reason="no glibc malloc_trim here")
def test_trims_no_more_often_than_its_interval() -> None:
    trimmer = HeapTrimmer(0.2)
    assert not trimmer.maybe()  # the interval counts from the start
    time.sleep(0.25)
    assert trimmer.maybe()
    assert not trimmer.maybe()  # again at once: too soon
    time.sleep(0.25)
    assert trimmer.maybe()
    assert trimmer.trims == 2


def test_an_interval_of_zero_never_trims() -> None:
    trimmer = HeapTrimmer(0)
    assert not trimmer.available
    assert not trimmer.maybe()
