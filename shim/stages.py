"""Where one request's wait went: the times the reply client saw, and those each pool sent back.

Off unless asked for (:meth:`shim.replies.ReplyClient.record_stages`, which the bench's
per-stage breakdown uses): each answered request then leaves one :class:`RequestStages`. All
times are wall-clock ms since the epoch, so the shim's and the pools' can be subtracted on one
machine (across machines, only within each side).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from topics.headers import PoolTiming

__all__ = ["RequestStages", "ScannerStages"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ScannerStages:
    """One scanner's answer to a request, as it reached the shim."""

    pool: PoolTiming | None
    """What the pool's ``gs-timing`` header said (None from a pool older than the header)."""
    fetched_ms: float
    """The reply consumer's fetch that brought the result returned."""
    resolved_ms: float
    """The result was decoded and matched to its request."""


@dataclass(slots=True, kw_only=True)
class RequestStages:
    """One request's wait, from :meth:`~shim.replies.ReplyClient.ask`'s point of view."""

    request_id: str
    asked_ms: float
    """``ask`` was called."""
    sent_ms: float = 0.0
    """The request was encoded and handed to the producer."""
    answered_ms: float = 0.0
    """``ask`` returned: every awaited scanner answered, one blocked, or the time was up."""
    scanners: dict[str, ScannerStages] = field(default_factory=dict)
    """The answers that came while the request was waited for, by scanner."""
