"""What every scanner plug-in is: a small class with a name, ``load()`` and one batch method.

A scanner sees plain texts, never Kafka. The pool hands it a batch of :class:`ScanItem` (texts of
many requests at once) in a worker thread, and turns the :class:`TextFindings` it returns into
verdicts with :mod:`workers.policy`. A scanner raises :class:`~topics.errors.ScannerError` (or
:class:`~topics.errors.ScannerTimeout`) when it cannot scan; the pool then answers ``error``
for the batch's requests rather than staying silent.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from topics.errors import ConfigError, ScannerTimeout
from topics.messages import Action
from workers.scanners.bands import Band

__all__ = [
    "LabelFinding",
    "ScanItem",
    "Scanner",
    "TextFindings",
    "checkpoint",
    "mask_spans",
    "scan_deadline",
]

_deadline = threading.local()


@contextlib.contextmanager
def scan_deadline(seconds: float | None) -> Iterator[None]:
    """Scans in this thread must end within ``seconds`` (None: no limit); past it,
    :func:`checkpoint` raises :class:`~topics.errors.ScannerTimeout`."""
    _deadline.at = None if seconds is None else time.monotonic() + seconds
    try:
        yield
    finally:
        _deadline.at = None


def checkpoint() -> None:
    """Raise :class:`~topics.errors.ScannerTimeout` when this thread's scan deadline has passed.

    Scanners call it between pieces of work (chunks, texts), so a scan that runs out of time
    stops there and frees the pool's scan thread, instead of running on while later batches
    queue behind it."""
    at = getattr(_deadline, "at", None)
    if at is not None and time.monotonic() > at:
        raise ScannerTimeout("the scan ran past its deadline")


@dataclass(frozen=True, slots=True)
class ScanItem:
    """One text to scan, with the chat role it had.

    Answers are cached by text and role and shared between requests, so a scanner's answer must
    depend on nothing else; policies apply afterwards, in :mod:`workers.policy`.
    """

    text: str
    role: str = "user"


@dataclass(frozen=True, slots=True)
class LabelFinding:
    """A span of a text with a label (entity or category) and a score in [0, 1]."""

    start: int
    end: int
    label: str
    score: float


@dataclass(frozen=True, slots=True)
class TextFindings:
    """A scanner's answer for one :class:`ScanItem`."""

    findings: list[LabelFinding] = field(default_factory=list)


class Scanner:
    """Base class of scanner plug-ins.

    Subclasses set ``name``, ``default_action`` and ``default_threshold``, take their settings as
    keyword arguments in ``__init__`` (from the pool's YAML ``scanner:`` section), build their
    engine in :meth:`load` (once per process, may be slow) and implement :meth:`scan`.
    """

    name: ClassVar[str] = ""
    default_action: ClassVar[Action] = "block"
    """What a finding does when the policy names neither its label nor this scanner."""
    default_threshold: ClassVar[float] = 0.5
    """Minimum score for a finding to count when the policy sets none."""

    def action(self, label: str) -> Action:
        """This scanner's own action for ``label`` (from its settings), used when the request's
        policy names neither the label nor the scanner."""
        return self.default_action

    def threshold(self, label: str) -> float:
        """This scanner's own minimum score for ``label``, used when the policy sets none."""
        return self.default_threshold

    def band(self, label: str) -> Band | None:
        """This scanner's score band for ``label`` (:mod:`workers.scanners.bands`): block above
        it, log inside it. Used instead of :meth:`threshold` and :meth:`action` when the policy
        names neither the label nor the scanner; ``None`` (the default): no band, those apply."""
        return None

    def load(self) -> None:
        """Build the engine (models, indexes, clients). Called once before the first scan."""

    def scan(self, items: list[ScanItem]) -> list[TextFindings]:
        """Scan a batch; return one :class:`TextFindings` per item, in order. Synchronous: the
        pool calls it in a worker thread."""
        raise NotImplementedError

    def redact(self, text: str, findings: list[LabelFinding]) -> str:
        """``text`` with each finding's span replaced by ``<LABEL>``; overlapping spans merge
        and the higher-scoring label names the merged span."""
        return mask_spans(text, findings)

    def close(self) -> None:
        """Release what :meth:`load` built."""

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> Scanner:
        """Build from a settings mapping; an unknown or missing key is a
        :class:`~topics.errors.ConfigError` naming it."""
        try:
            return cls(**settings)
        except TypeError as e:
            raise ConfigError(f"bad settings for scanner {cls.name}: {e}") from e


def mask_spans(text: str, findings: list[LabelFinding]) -> str:
    """Replace each finding's span in ``text`` with ``<LABEL>``, merging overlaps."""
    merged: list[LabelFinding] = []
    for f in sorted(findings, key=lambda f: (f.start, -f.end)):
        if merged and f.start < merged[-1].end:
            last = merged[-1]
            label = f.label if f.score > last.score else last.label
            merged[-1] = LabelFinding(
                last.start, max(last.end, f.end), label, max(f.score, last.score)
            )
        else:
            merged.append(f)
    pieces, at = [], 0
    for f in merged:
        pieces.append(text[at : f.start])
        pieces.append(f"<{f.label}>")
        at = f.end
    pieces.append(text[at:])
    return "".join(pieces)
