"""Score bands (:mod:`workers.scanners.bands`) and how :mod:`workers.policy` judges with them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.workers.band_scanner import BandScanner
from tests.workers.keyword_scanner import KeywordScanner
from topics import Policy
from topics.errors import ConfigError
from workers.policy import judge
from workers.scanners.bands import (
    SENSITIVITIES,
    TARGET_FPRS,
    Band,
    band_for,
    check_sensitivity,
    read_operating_points,
)
from workers.scanners.base import ScanItem


def _verdict(scanner: BandScanner | KeywordScanner, text: str, policy: Policy) -> tuple:
    result = judge(scanner, policy, [text], scanner.scan([ScanItem(text)]))
    return result.verdict, [(f.label, f.score) for f in result.findings]


@pytest.mark.parametrize(
    ("sensitivity", "text", "verdict"),
    [
        ("balanced", "RISK:0.95 near-certain", "block"),
        ("balanced", "RISK:0.9 at the block point", "block"),
        ("balanced", "RISK:0.75 in the log band", "flag"),
        ("balanced", "RISK:0.65 below the band", "allow"),
        ("strict", "RISK:0.85 blocked when strict", "block"),
        ("strict", "RISK:0.65 logged when strict", "flag"),
        ("permissive", "RISK:0.9 only logged when permissive", "flag"),
        ("permissive", "RISK:0.75 allowed when permissive", "allow"),
        ("permissive", "RISK:0.96 still blocked", "block"),
        ("balanced", "nothing risky here", "allow"),
    ],
)
def test_the_band_of_the_sensitivity_decides(sensitivity: str, text: str, verdict: str) -> None:
    got, findings = _verdict(BandScanner(sensitivity), text, Policy())
    assert got == verdict
    # a logged finding is in the result: the audit record says what would have been blocked
    assert bool(findings) == (verdict != "allow")


@pytest.mark.parametrize(
    ("policy", "verdict"),
    [
        (Policy(thresholds={"RISK": 0.5}), "block"),  # the label's threshold: plain rule
        (Policy(thresholds={"banded": 0.8}), "allow"),  # the scanner's threshold
        (Policy(actions={"RISK": "log"}), "flag"),  # at the scanner's default threshold 0.5
        (Policy(actions={"banded": "block"}), "block"),
        (Policy(actions={"OTHER": "block"}), "flag"),  # another label: the band still decides
    ],
)
def test_a_policy_that_names_the_label_or_scanner_wins(policy: Policy, verdict: str) -> None:
    assert _verdict(BandScanner(), "RISK:0.75 in the log band", policy)[0] == verdict


def test_a_scanner_without_a_band_keeps_its_threshold_and_action() -> None:
    assert _verdict(KeywordScanner(), "this is forbidden", Policy())[0] == "block"


def test_every_sensitivity_names_two_saved_points_and_blocks_above_its_log_band() -> None:
    for block_fpr, log_fpr in SENSITIVITIES.values():
        assert {block_fpr, log_fpr} <= set(TARGET_FPRS) and block_fpr < log_fpr
    assert band_for("balanced", {0.01: 0.9}) is None  # a point missing: no band
    assert band_for("balanced", {0.01: 0.6, 0.06: 0.7}) == Band(log_at=0.6, block_at=0.6)
    with pytest.raises(ConfigError, match="sensitivity"):
        check_sensitivity("paranoid")


def test_operating_points_are_read_from_a_weights_file(tmp_path: Path) -> None:
    entry = {"max_mean_benign_fpr": 0.01, "classifier_threshold": 0.93,
             "loso_recall": 0.41, "loso_benign_fpr": 0.009}  # fmt: skip
    np.savez(tmp_path / "w.npz", coef=np.zeros(2), operating_points=np.array(json.dumps([entry])))
    (point,) = read_operating_points(tmp_path / "w.npz")
    assert (point.max_mean_benign_fpr, point.classifier_threshold) == (0.01, 0.93)
    np.savez(tmp_path / "old.npz", coef=np.zeros(2))
    assert read_operating_points(tmp_path / "old.npz") == ()
    np.savez(tmp_path / "bad.npz", operating_points=np.array('[{"classifier_threshold": 2}]'))
    with pytest.raises(ConfigError, match="operating_points"):
        read_operating_points(tmp_path / "bad.npz")
