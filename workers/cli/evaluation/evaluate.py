"""Measuring a scanner on labelled examples (:mod:`.examples`), through the same batch code the
pools run.

A text counts as predicted positive when the scanner's verdict at its configured thresholds is
anything but ``allow``. For PII, spans are also scored: a gold span is found when a predicted
span of the same entity overlaps it, and a predicted span is correct when it overlaps a gold span
of the same entity; only entities the data labels are scored.

Each text also gets a continuous score, the highest score of any finding (1 or 0 from the verdict
when a scanner reports none), for the threshold-free figures of :mod:`.curves`. So
that findings under the configured thresholds still come back with their scores, the requests ask
with a policy whose threshold for this scanner is 0, and the verdict at the configured thresholds
is then taken with :func:`workers.policy.threshold_for` (the rule :func:`workers.policy.judge`
applies). A scanner that drops weak findings itself (PII under its ``score_threshold``) leaves
those texts at 0.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from topics.codec import encode
from topics.messages import Policy, ScanRequest, ScanResult, Text
from workers.batch import BatchProcessor, Record
from workers.cli.evaluation.examples import Example
from workers.cli.evaluation.metrics import Prediction, Report
from workers.policy import threshold_for
from workers.scan_cache import ScanCache
from workers.scanners.base import Scanner

__all__ = ["evaluate"]


def evaluate(
    scanner: Scanner,
    examples: list[Example],
    *,
    policy: Policy | None = None,
    batch_size: int = 32,
    progress: Callable[[int], None] | None = None,
) -> Report:
    """Run ``scanner`` over ``examples`` in batches of ``batch_size`` and score its verdicts."""
    policy = policy or Policy()
    # Keep every finding, with its score, whatever the thresholds: judged again in _score.
    asking = Policy(actions=policy.actions, thresholds={scanner.name: 0.0})
    processor = BatchProcessor(scanner, "eval", ScanCache(0))
    report = Report(scanner.name)
    labelled_entities = {s["entity"] for e in examples for s in e.spans}
    began = time.perf_counter()
    for chunk in _chunks(examples, batch_size):
        requests = [_request(scanner.name, e, asking) for e in chunk]
        records = [Record("eval", 0, i, None, encode(r)) for i, r in enumerate(requests)]
        outcome = processor.process(records)
        results = {req.correlation_id: res for req, res in outcome.results}
        for request, example in zip(requests, chunk, strict=True):
            result = results[request.correlation_id]
            report.predictions.append(_score(example, result, scanner, policy, labelled_entities))
        if progress:
            progress(len(chunk))
    report.seconds = time.perf_counter() - began
    return report


def _score(
    example: Example, result: ScanResult, scanner: Scanner, policy: Policy, entities: set[str]
) -> Prediction:
    error = result.verdict == "error"
    kept = [f for f in result.findings if f.score >= threshold_for(scanner, policy, f.label)]
    predicted = bool(kept) and not error
    score = 0.0 if error else max(result.scores.values(), default=float(predicted))
    counts: dict[str, Counter[str]] = {}
    if entities:
        found = [f for f in kept if f.label in entities]
        for span in example.spans:
            c = counts.setdefault(span["entity"], Counter())
            c["gold"] += 1
            c["found"] += any(
                f.label == span["entity"] and _overlaps(f.start, f.end, span) for f in found
            )
        for f in found:
            c = counts.setdefault(f.label, Counter())
            c["predicted"] += 1
            c["correct"] += any(
                f.label == s["entity"] and _overlaps(f.start, f.end, s) for s in example.spans
            )
    return Prediction(example, predicted, score, error, counts)


def _overlaps(start: int, end: int, span: dict[str, Any]) -> bool:
    return start < span["end"] and span["start"] < end


def _request(scanner: str, example: Example, policy: Policy) -> ScanRequest:
    return ScanRequest(
        request_id=example.id,
        correlation_id=uuid.uuid4().hex,
        mode="logging_only",
        phase="request",
        texts=[Text(role="user", content=example.text)],
        scanners=[scanner],
        created_ms=0,
        deadline_ms=0,
        policy=policy,
    )


def _chunks(items: list[Example], size: int) -> Iterable[list[Example]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
