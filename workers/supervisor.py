"""Runs N processes of one pool and keeps them running.

Each child is ``guardstream worker KIND --process-index i`` with the parent's other arguments, so
N processes use N cores and split the partitions through their consumer group. A child that dies
on its own is restarted (with a growing pause, so a crash loop does not spin); SIGTERM or SIGINT
to the parent stops every child cleanly.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import time
from collections.abc import Sequence

__all__ = ["Supervisor"]

log = logging.getLogger("guardstream.supervisor")

_MAX_PAUSE_S = 30.0

_GUARDSTREAM = (sys.executable, "-m", "workers.cli")


class Supervisor:
    """Starts ``count`` children from ``base_args`` and supervises them.

    ``program`` is the command the arguments go to (``guardstream``, run by this Python); a
    child that exits is restarted after ``first_pause_s``, then twice as long after each further
    exit, up to ``max_pause_s``; on SIGTERM or SIGINT each child gets SIGTERM and, after
    ``stop_timeout`` seconds, SIGKILL.
    """

    def __init__(
        self,
        base_args: Sequence[str],
        count: int,
        *,
        stop_timeout: float = 30.0,
        program: Sequence[str] = _GUARDSTREAM,
        first_pause_s: float = 1.0,
        max_pause_s: float = _MAX_PAUSE_S,
    ) -> None:
        self.base_args = list(base_args)
        self.count = count
        self.stop_timeout = stop_timeout
        self.program = list(program)
        self.first_pause_s = first_pause_s
        self.max_pause_s = max_pause_s
        self._children: dict[int, subprocess.Popen] = {}
        self._stopping = False

    def _spawn(self, index: int) -> None:
        command = [
            *self.program,
            *self.base_args,
            "--process-index",
            str(index),
        ]
        self._children[index] = subprocess.Popen(command)
        log.info("started process %d (pid %d)", index, self._children[index].pid)

    def run(self) -> int:
        """Run until signalled; return 0 after a clean stop."""
        previous = {
            sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGTERM, signal.SIGINT)
        }
        pauses = dict.fromkeys(range(self.count), self.first_pause_s)
        try:
            for index in range(self.count):
                self._spawn(index)
            while not self._stopping:
                for index, child in list(self._children.items()):
                    code = child.poll()
                    if code is None or self._stopping:
                        continue
                    log.warning(
                        "process %d exited with %s; restarting in %gs", index, code, pauses[index]
                    )
                    time.sleep(pauses[index])
                    pauses[index] = min(pauses[index] * 2, self.max_pause_s)
                    if not self._stopping:
                        self._spawn(index)
                time.sleep(0.2)
        finally:
            self._stop_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return 0

    def _on_signal(self, signum: int, frame: object) -> None:
        self._stopping = True

    def _stop_all(self) -> None:
        for child in self._children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        for child in self._children.values():
            try:
                child.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
