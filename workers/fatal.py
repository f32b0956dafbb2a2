"""Ending a pool process that can no longer work, so that it is restarted.

faust keeps a worker running when one of its agents crashes: the process still answers its
probes and holds its partitions, and scans nothing. A guardstream pool instead marks itself not
ready (``/health/ready`` answers 503 at once), says why in one CRITICAL log line, and stops
with exit code :data:`EXIT_FAILED`, so its supervisor (``guardstream worker``, Kubernetes)
starts a fresh process and the group gives its partitions to the others meanwhile. The batch it
was on was never acknowledged, so it is scanned again.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import signal
import threading
from collections.abc import Awaitable, Callable
from typing import Any

__all__ = ["EXIT_FAILED", "Fatal"]

log = logging.getLogger("guardstream.pool")

EXIT_FAILED = 70
"""The exit code of a process that stopped because it could not work (``EX_SOFTWARE``)."""

Agent = Callable[[Any], Awaitable[None]]


class Fatal:
    """Whether this process has failed, and the way out when it has.

    Args:
        grace_s: how long a clean stop may take before the process is ended regardless (a
            stop can hang on the very thing that broke).
    """

    def __init__(self, grace_s: float = 10.0) -> None:
        self.grace_s = grace_s
        self.reason = ""
        """Why the process is stopping; empty while it works."""

    def fail(self, reason: str) -> None:
        """Mark the process failed and stop it: SIGTERM to itself (faust stops cleanly, leaving
        its group), then ``os._exit`` after :attr:`grace_s` if it has not stopped by then."""
        if self.reason:
            return
        self.reason = reason
        log.critical(
            "guardstream: %s; stopping with exit code %d so the process is restarted",
            reason,
            EXIT_FAILED,
        )
        timer = threading.Timer(self.grace_s, _exit_now)
        timer.daemon = True
        timer.start()
        os.kill(os.getpid(), signal.SIGTERM)

    def guard(self, name: str) -> Callable[[Agent], Agent]:
        """Wrap a faust agent so that anything escaping it fails the process. A cancellation
        is a stop (or a rebalance), not a failure."""

        def wrap(agent: Agent) -> Agent:
            @functools.wraps(agent)
            async def guarded(stream: Any) -> None:
                try:
                    await agent(stream)
                except asyncio.CancelledError:
                    raise
                except BaseException as e:  # an engine's SystemExit in the scan thread too
                    self.fail(f"agent {name} crashed: {type(e).__name__}: {e}")
                    raise

            return guarded

        return wrap


def _exit_now() -> None:
    logging.shutdown()  # the CRITICAL line must reach the log before the process ends
    os._exit(EXIT_FAILED)
