"""A tiny scanner plug-in with a score band, for testing how the pools judge bands.

A text ``RISK:<score>`` gets one finding labelled ``RISK`` with that score. Its operating points
are fixed here (target mean benign FPR to score), so each ``sensitivity`` gives a known band
(:data:`workers.scanners.bands.SENSITIVITIES`): balanced logs from 0.7 and blocks from 0.9,
strict from 0.6 and 0.8, permissive from 0.8 and 0.95.
"""

from __future__ import annotations

import re

from workers.scanners.bands import Band, band_for, check_sensitivity
from workers.scanners.base import LabelFinding, ScanItem, Scanner, TextFindings

_RISK = re.compile(r"RISK:(\d(?:\.\d+)?)")

SCORES = {0.003: 0.95, 0.01: 0.9, 0.03: 0.8, 0.06: 0.7, 0.10: 0.6}
"""The scanner's score at each target FPR, as a trainer's operating points would give it."""


class BandScanner(Scanner):
    name = "banded"

    def __init__(self, sensitivity: str = "balanced") -> None:
        self.sensitivity = check_sensitivity(sensitivity)

    def band(self, label: str) -> Band | None:
        return band_for(self.sensitivity, SCORES)

    def scan(self, items: list[ScanItem]) -> list[TextFindings]:
        answers = []
        for item in items:
            m = _RISK.search(item.text)
            found = [LabelFinding(m.start(), m.end(), "RISK", float(m.group(1)))] if m else []
            answers.append(TextFindings(found))
        return answers
