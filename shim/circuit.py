"""A fast-fail circuit for the reply client: when nothing answers, stop waiting for nothing.

Kafka can be reachable enough for a publish to be accepted and still answer nothing (a broker
that died under an open connection, every pool down). Each request would then wait its whole
budget before the fail policy applies. After ``trip_after`` requests in a row got no result at
all, the circuit opens: requests get the fail policy at once. After a cool-down one request
goes through as a probe; any result closes the circuit, silence opens it again for twice as
long (up to ``max_cooldown_s``).
"""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["Circuit"]


class Circuit:
    """Counts silent requests and says whether the next one should be sent."""

    def __init__(
        self,
        trip_after: int = 5,
        cooldown_s: float = 2.0,
        max_cooldown_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.trip_after = trip_after
        self.cooldown_s = cooldown_s
        self.max_cooldown_s = max_cooldown_s
        self._clock = clock
        self._silent = 0
        self._open_until = 0.0
        self._next_cooldown = cooldown_s
        self._probing = False

    @property
    def open(self) -> bool:
        """True while requests should not be sent (the cool-down runs, or a probe is out)."""
        return self._probing or self._clock() < self._open_until

    def admit(self) -> bool:
        """Whether to send this request; after a cool-down, the one admitted is the probe."""
        if self.open:
            return False
        if self._open_until:
            self._probing = True
        return True

    def record(self, answered: bool) -> str:
        """The outcome of an admitted request: did any scanner answer it? Returns
        ``"opened"`` or ``"closed"`` when that changed the circuit (for a log line), else
        ``""``."""
        probe, self._probing = self._probing, False
        if answered:
            was_tripped = bool(self._open_until)
            self._silent, self._open_until, self._next_cooldown = 0, 0.0, self.cooldown_s
            return "closed" if was_tripped else ""
        self._silent += 1
        if probe or self._silent >= self.trip_after:
            was_tripped = bool(self._open_until)
            self._open_until = self._clock() + self._next_cooldown
            self._next_cooldown = min(self._next_cooldown * 2, self.max_cooldown_s)
            return "" if was_tripped else "opened"
        return ""
