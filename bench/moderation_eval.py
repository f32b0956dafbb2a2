"""Measure the local moderation backend on labelled data: recall, FPR, precision, speed.

    .venv/bin/python bench/moderation_eval.py [../shared/eval/moderation.jsonl]

Prints figures only; the data stays where it is.
"""

from __future__ import annotations

import collections
import json
import sys
import time
from pathlib import Path

from topics.messages import Policy
from workers.policy import judge
from workers.scanners.bands import SENSITIVITIES
from workers.scanners.base import ScanItem
from workers.scanners.moderation.scanner import ModerationScanner

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "moderation.jsonl"


def main() -> None:
    """Print per-threshold figures, per-category recall and throughput."""
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DATA
    with path.open() as f:
        rows = [json.loads(line) for line in f]
    scanner = ModerationScanner()
    scanner.load()
    items = [ScanItem(r["text"]) for r in rows]
    answers = scanner.scan(items)

    def flagged(answer, threshold: float) -> bool:
        # Logged labels (profanity, by default) are not moderated: they do not count.
        return any(
            f.score >= scanner.threshold(f.label) * threshold / 0.5
            for f in answer.findings
            if scanner.action(f.label) != "log"
        )

    positives = sum(r["label"] == "flagged" for r in rows)
    negatives = len(rows) - positives
    hard = sum(bool(r.get("hard_negative")) for r in rows)
    for threshold in (0.4, 0.5, 0.6, 0.7, 0.8):
        tp = sum(
            r["label"] == "flagged" and flagged(a, threshold)
            for r, a in zip(rows, answers, strict=True)
        )
        fp = sum(
            r["label"] == "benign" and flagged(a, threshold)
            for r, a in zip(rows, answers, strict=True)
        )
        hfp = sum(
            bool(r.get("hard_negative")) and flagged(a, threshold)
            for r, a in zip(rows, answers, strict=True)
        )
        print(
            f"threshold {threshold:.1f}: recall {tp / positives:.3f}  FPR {fp / negatives:.3f}  "
            f"precision {tp / max(tp + fp, 1):.3f}  hard-negative FPR {hfp / max(hard, 1):.3f}"
        )
    by_category: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    for r, a in zip(rows, answers, strict=True):
        if r["label"] == "flagged":
            counts = by_category[str(r.get("category"))]
            counts[0] += flagged(a, 0.5)
            counts[1] += 1
    # The score bands the shipped weights give each sensitivity: what blocks, and what blocks or
    # is logged, under a policy that names nothing (the default).
    for sensitivity in SENSITIVITIES:
        banded = ModerationScanner(sensitivity=sensitivity)
        banded.backend = scanner.backend  # the same loaded model
        verdicts = [
            judge(banded, Policy(), [r["text"]], [a]).verdict
            for r, a in zip(rows, answers, strict=True)
        ]
        pairs = list(zip(rows, verdicts, strict=True))
        for name, kinds in (("block", {"block"}), ("block or log", {"block", "flag"})):
            tp = sum(r["label"] == "flagged" and v in kinds for r, v in pairs)
            fp = sum(r["label"] == "benign" and v in kinds for r, v in pairs)
            hfp = sum(bool(r.get("hard_negative")) and v in kinds for r, v in pairs)
            print(
                f"{sensitivity} {name}: recall {tp / positives:.3f}  FPR {fp / negatives:.3f}  "
                f"hard-negative FPR {hfp / max(hard, 1):.3f}"
            )
    print("recall by category at 0.5:")
    for category, (hit, total) in sorted(by_category.items(), key=lambda kv: -kv[1][1]):
        print(f"  {category:28s} {hit:3d}/{total:<3d}")

    short = [ScanItem(("The weather is nice today and I want to go for a walk. " * 4)[:200])] * 256
    start = time.perf_counter()
    for _ in range(4):
        scanner.scan(short)
    elapsed = time.perf_counter() - start
    print(f"throughput: {4 * len(short) / elapsed:.0f} texts/s (200-char texts, batches of 256)")
    start = time.perf_counter()
    for item in short[:200]:
        scanner.scan([item])
    print(f"single-text latency: {(time.perf_counter() - start) / 200 * 1000:.2f} ms")


if __name__ == "__main__":
    main()
