"""Measuring a scanner on labelled JSONL, through the same batch code the pools run.

Each line has ``text`` and ``label``; for PII also ``spans`` (``start``, ``end``, ``entity``).
Positive labels are ``attack``, ``pii`` and ``flagged``; a text counts as predicted positive when
the scanner's verdict is anything but ``allow``. For PII, spans are also scored: a gold span is
found when a predicted span of the same entity overlaps it, and a predicted span is correct when
it overlaps a gold span of the same entity; only entities the data labels are scored.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from topics.codec import encode
from topics.errors import ConfigError
from topics.messages import Policy, ScanRequest, ScanResult, Text
from workers.batch import BatchProcessor, Record
from workers.scan_cache import ScanCache
from workers.scanners.base import Scanner

__all__ = ["POSITIVE_LABELS", "Example", "Report", "evaluate", "read_examples"]

POSITIVE_LABELS = frozenset({"attack", "pii", "flagged"})
NEGATIVE_LABELS = frozenset({"benign", "no_pii"})


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled text."""

    id: str
    text: str
    positive: bool
    spans: list[dict[str, Any]] = field(default_factory=list)
    hard_negative: bool = False


def read_examples(path: Path) -> list[Example]:
    """Read labelled JSONL; a bad line is a :class:`ConfigError` naming its number."""
    examples = []
    for number, line in enumerate(path.read_bytes().splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = orjson.loads(line)
            label = row["label"]
            if label not in POSITIVE_LABELS | NEGATIVE_LABELS:
                raise ValueError(f"unknown label {label!r}")
            examples.append(
                Example(
                    id=str(row.get("id", f"{path.name}:{number}")),
                    text=row["text"],
                    positive=label in POSITIVE_LABELS,
                    spans=list(row.get("spans") or []),
                    hard_negative=bool(row.get("hard_negative")),
                )
            )
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as e:
            raise ConfigError(f"{path}:{number}: not a labelled example ({e})") from e
    return examples


@dataclass(slots=True)
class Report:
    """What :func:`evaluate` measured."""

    scanner: str
    examples: int
    tp: int = 0
    fp: int = 0
    tn: int = 0
    fn: int = 0
    hard_negatives: int = 0
    hard_negative_fp: int = 0
    errors: int = 0
    seconds: float = 0.0
    span_found: int = 0
    span_gold: int = 0
    span_correct: int = 0
    span_predicted: int = 0
    per_entity: dict[str, dict[str, int]] = field(default_factory=dict)
    misses: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Figures as one JSON-ready mapping (binary, and span-level when spans were scored)."""
        out: dict[str, Any] = {
            "scanner": self.scanner,
            "examples": self.examples,
            "precision": _ratio(self.tp, self.tp + self.fp),
            "recall": _ratio(self.tp, self.tp + self.fn),
            "fpr": _ratio(self.fp, self.fp + self.tn),
            "tp": self.tp, "fp": self.fp, "tn": self.tn, "fn": self.fn,
            "errors": self.errors,
            "texts_per_s": round(self.examples / self.seconds, 1) if self.seconds else None,
        }  # fmt: skip
        out["f1"] = _f1(out["precision"], out["recall"])
        if self.hard_negatives:
            out["fpr_hard_negatives"] = _ratio(self.hard_negative_fp, self.hard_negatives)
        if self.span_gold:
            out["binary"] = {k: out[k] for k in ("precision", "recall", "f1", "fpr")}
            out["precision"] = _ratio(self.span_correct, self.span_predicted)
            out["recall"] = _ratio(self.span_found, self.span_gold)
            out["f1"] = _f1(out["precision"], out["recall"])
            out["span_level"] = True
            out["per_entity"] = {
                entity: {
                    "recall": _ratio(c["found"], c["gold"]),
                    "precision": _ratio(c["correct"], c["predicted"]),
                    **c,
                }
                for entity, c in sorted(self.per_entity.items())
            }
        out["worst_misses"] = self.misses[:10]
        out["worst_false_alarms"] = self.false_alarms[:10]
        return out


def evaluate(
    scanner: Scanner,
    examples: list[Example],
    *,
    policy: Policy | None = None,
    batch_size: int = 32,
    progress: Callable[[int], None] | None = None,
) -> Report:
    """Run ``scanner`` over ``examples`` in batches of ``batch_size`` and score its verdicts."""
    processor = BatchProcessor(scanner, "eval", ScanCache(0))
    report = Report(scanner=scanner.name, examples=len(examples))
    labelled_entities = {s["entity"] for e in examples for s in e.spans}
    began = time.perf_counter()
    for chunk in _chunks(examples, batch_size):
        requests = [_request(scanner.name, e, policy or Policy()) for e in chunk]
        records = [Record("eval", 0, i, None, encode(r)) for i, r in enumerate(requests)]
        outcome = processor.process(records)
        results = {req.correlation_id: res for req, res in outcome.results}
        for request, example in zip(requests, chunk, strict=True):
            result = results[request.correlation_id]
            _score(report, example, result, labelled_entities)
        if progress:
            progress(len(chunk))
    report.seconds = time.perf_counter() - began
    return report


def _score(report: Report, example: Example, result: ScanResult, entities: set[str]) -> None:
    if result.verdict == "error":
        report.errors += 1
    predicted = result.verdict not in ("allow", "error")
    if example.positive:
        report.tp += predicted
        report.fn += not predicted
        if not predicted:
            report.misses.append(example.id)
    else:
        report.fp += predicted
        report.tn += not predicted
        if predicted:
            report.false_alarms.append(example.id)
        if example.hard_negative:
            report.hard_negatives += 1
            report.hard_negative_fp += predicted
    if not entities:
        return
    found = [f for f in result.findings if f.label in entities]
    for span in example.spans:
        counts = report.per_entity.setdefault(span["entity"], Counter())
        counts["gold"] += 1
        report.span_gold += 1
        if any(f.label == span["entity"] and _overlaps(f.start, f.end, span) for f in found):
            counts["found"] += 1
            report.span_found += 1
    for f in found:
        counts = report.per_entity.setdefault(f.label, Counter())
        counts["predicted"] += 1
        report.span_predicted += 1
        if any(f.label == s["entity"] and _overlaps(f.start, f.end, s) for s in example.spans):
            counts["correct"] += 1
            report.span_correct += 1


def _overlaps(start: int, end: int, span: dict[str, Any]) -> bool:
    return start < span["end"] and span["start"] < end


def _request(scanner: str, example: Example, policy: Policy) -> ScanRequest:
    return ScanRequest(
        request_id=example.id,
        correlation_id=uuid.uuid4().hex,
        mode="logging_only",
        phase="request",
        texts=[Text("user", example.text)],
        scanners=[scanner],
        created_ms=0,
        deadline_ms=0,
        policy=policy,
    )


def _chunks(items: list[Example], size: int) -> Iterable[list[Example]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _f1(precision: float, recall: float) -> float:
    return round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0
