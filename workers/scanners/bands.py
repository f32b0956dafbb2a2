"""Score bands: ``block`` where a scanner is near-certain, ``log`` in the band below.

A trainer saves, beside a model's weights, its **operating points**: for each target mean
per-source benign false-positive rate ``f`` in :data:`TARGET_FPRS`, the lowest classifier
threshold at which the scanner, scored on training sources it never saw (leave one source
out), flags on average at most ``f`` of each source's benign texts, with the recall and benign
FPR it had there (:class:`OperatingPoint`). The weights file holds them under the key
``operating_points``, a JSON list of objects with exactly the fields of
:class:`OperatingPoint`.

A scanner's ``sensitivity`` (:data:`SENSITIVITIES`) names two of those points: the one a finding
must reach to ``block`` and the one from which it is logged (a ``flag`` verdict: the request
is served, the audit record says what would have been blocked). The scanner turns each point's
classifier threshold into its own score scale and hands the pair to :mod:`workers.policy` as a
:class:`Band`. A policy (the shim's or the pool's ``actions``/``thresholds``) that names the
finding's label or scanner still wins: the band is the default, not an override.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

import numpy as np

from topics.errors import ConfigError
from topics.messages import Action

__all__ = [
    "SENSITIVITIES",
    "TARGET_FPRS",
    "Band",
    "OperatingPoint",
    "Sensitivity",
    "band_for",
    "check_sensitivity",
    "parse_operating_points",
    "read_operating_points",
]

TARGET_FPRS: Final = (0.003, 0.01, 0.03, 0.06, 0.10)
"""The target mean per-source benign FPRs every trainer saves an operating point for."""

Sensitivity = Literal["strict", "balanced", "permissive"]

SENSITIVITIES: Final[dict[str, tuple[float, float]]] = {
    "strict": (0.03, 0.10),
    "balanced": (0.01, 0.06),
    "permissive": (0.003, 0.03),
}
"""Per sensitivity, the target FPR of the point that blocks and of the point from which findings
are logged. ``balanced`` (the default) blocks where about one benign prompt in a hundred of an
unseen source would be stopped: a guard that stops one in 25 gets switched to logging by the
first team that meets it. Its log band reaches down to one in 17, a review queue a security
team can read. ``strict`` is for a deployment that prefers a wrong block to a miss (children's
products, a public chatbot); ``permissive`` blocks only the near-certain (one in 300) and logs
down to one in 33, for internal tools whose users must not be slowed."""


@dataclass(frozen=True, slots=True, kw_only=True)
class OperatingPoint:
    """One entry of a trainer's ``operating_points``."""

    max_mean_benign_fpr: float
    """The target ``f``: the mean, over held-out sources, of each one's benign FPR."""
    classifier_threshold: float
    """The lowest classifier probability that meets the target (the highest tried when none
    does: then ``loso_benign_fpr`` is above the target)."""
    loso_recall: float
    """The mean, over held-out sources of harmful texts, of each one's recall there."""
    loso_benign_fpr: float
    """The mean per-source benign FPR reached there."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Band:
    """Two scores on a scanner's scale: from ``log_at`` a finding is logged, from ``block_at``
    it blocks (``log_at <= block_at``; equal: no log band)."""

    log_at: float
    block_at: float

    def action(self, score: float) -> Action | None:
        """What a finding of ``score`` does; ``None`` below the band (it does not count)."""
        if score >= self.block_at:
            return "block"
        if score >= self.log_at:
            return "log"
        return None


def check_sensitivity(value: str) -> Sensitivity:
    """``value`` if it names a sensitivity, else :class:`ConfigError`."""
    if value not in SENSITIVITIES:
        raise ConfigError(f"sensitivity must be one of {sorted(SENSITIVITIES)}, not {value!r}")
    return value  # type: ignore[return-value]


def band_for(sensitivity: Sensitivity, scores: Mapping[float, float]) -> Band | None:
    """The band of ``sensitivity`` from ``scores`` (target FPR to the scanner's score at that
    operating point); ``None`` when either point is missing (weights saved without them)."""
    block_fpr, log_fpr = SENSITIVITIES[sensitivity]
    if block_fpr not in scores or log_fpr not in scores:
        return None
    block_at = scores[block_fpr]
    return Band(log_at=min(scores[log_fpr], block_at), block_at=block_at)


def read_operating_points(path: str | Path) -> tuple[OperatingPoint, ...]:
    """The ``operating_points`` saved in a weights ``.npz`` (JSON text); none when the file has
    no such key. Unreadable or malformed points are a :class:`ConfigError`."""
    try:
        with np.load(path, allow_pickle=False) as data:
            if "operating_points" not in data.files:
                return ()
            raw = str(data["operating_points"])
    except (OSError, ValueError) as e:
        raise ConfigError(f"cannot read operating points from {path}: {e}") from e
    return parse_operating_points(raw, str(path))


def parse_operating_points(raw: str, where: str) -> tuple[OperatingPoint, ...]:
    """Operating points from their JSON text; :class:`ConfigError` naming ``where`` if bad."""
    try:
        entries: Sequence[dict[str, float]] = json.loads(raw)
        points = tuple(
            OperatingPoint(**{k: float(v) for k, v in entry.items()}) for entry in entries
        )
    except (ValueError, TypeError, AttributeError) as e:
        raise ConfigError(f"{where}: bad operating_points: {e}") from e
    if any(not 0.0 < p.classifier_threshold < 1.0 for p in points):
        raise ConfigError(f"{where}: an operating point's classifier_threshold is not in (0, 1)")
    return points
