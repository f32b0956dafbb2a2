"""Where the benchmark's processes run: every process on every core ("one box"), or the proxy
side on one core and the scanning side on the other ("pinned").

    one_box   everything shares all cores, as on a laptop or a single small VM
    pinned    core 0: the LiteLLM proxies and this process (the load generator and the fake
              upstream); core 1: the broker, the pools and, for the baselines, the Presidio
              server: the proxy only encodes and publishes, as when the pools run on their
              own nodes

Affinity is set with ``os.sched_setaffinity`` on every thread of a process and of its
descendants (a JVM or a pool with ``--processes 2`` has many); threads and children started
later inherit it. A broker this run did not start (``KAFKA_BOOTSTRAP_SERVERS``, a container)
cannot be pinned, and the report says so.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["LAYOUTS", "Placement", "broker_pid", "pin", "place"]

LAYOUTS: dict[str, str] = {
    "one_box": "one box: every process shares both cores",
    "pinned": "pinned: proxy and fake upstream on core 0; broker, pools, Presidio on core 1",
}
"""Layout name -> what it is."""


@dataclass(frozen=True)
class Placement:
    """The cores of each side in one layout."""

    proxy: frozenset[int]
    backend: frozenset[int]


def place(layout: str, allowed: frozenset[int]) -> Placement:
    """The placement of ``layout`` on the cores this run may use, ``allowed`` (the benchmark's
    affinity when it started; ``pinned`` needs two cores or more)."""
    cores = sorted(allowed)
    if layout == "one_box" or len(cores) < 2:
        return Placement(allowed, allowed)
    if layout == "pinned":
        return Placement(frozenset(cores[:1]), frozenset(cores[1:]))
    raise ValueError(f"unknown layout {layout!r}; known: {sorted(LAYOUTS)}")


def _threads(pid: int) -> list[int]:
    try:
        return [int(t.name) for t in Path(f"/proc/{pid}/task").iterdir()]
    except OSError:
        return []


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for tid in _threads(current):
            with contextlib.suppress(OSError, ValueError):
                children = Path(f"/proc/{current}/task/{tid}/children").read_text().split()
                todo += [int(c) for c in children]
    return found


def pin(pids: Iterable[int | None], cores: frozenset[int], *, children: bool = True) -> int:
    """Give every thread of ``pids`` (and of their descendants, with ``children``) ``cores``;
    the threads pinned (a process that has gone is skipped)."""
    pinned = 0
    for pid in pids:
        if pid is None:
            continue
        for process in _descendants(pid) if children else [pid]:
            for tid in _threads(process):
                with contextlib.suppress(OSError):
                    os.sched_setaffinity(tid, cores)
                    pinned += 1
    return pinned


def broker_pid(source: str) -> int | None:
    """The pid of a local broker this run started, from :func:`tests.kafka_source.kafka_bootstrap`'s
    description of it (``local broker (pid N)``); None for a broker it did not start."""
    found = re.search(r"local broker \(pid (\d+)\)", source)
    return int(found.group(1)) if found else None
