"""One batch of consumed records in, results and dead letters out. No Kafka here.

The pool calls :meth:`BatchProcessor.process` in its scan thread. Texts already answered are
taken from the cache; the rest of the batch is scanned in one call. When that call raises, each
request is scanned alone so that one poisonous text fails only its own request: that request gets
an ``error`` result (the proxy must not wait in silence) and its original bytes go to the
dead-letter topic with the reason.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass, field

from topics.codec import decode
from topics.errors import DecodeError
from topics.messages import DeadLetter, ScanRequest, ScanResult
from workers.policy import judge
from workers.scan_cache import ScanCache
from workers.scanners.base import ScanItem, Scanner, TextFindings

__all__ = ["BatchOutcome", "BatchProcessor", "Record"]

_DEAD_LETTER_PAYLOAD_LIMIT = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Record:
    """A consumed Kafka record: where it came from and its raw bytes."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes


@dataclass(slots=True)
class BatchOutcome:
    """What a batch produced."""

    results: list[tuple[ScanRequest, ScanResult]] = field(default_factory=list)
    dead_letters: list[tuple[Record, DeadLetter]] = field(default_factory=list)
    skipped: int = 0
    """Requests that did not ask for this pool's scanner."""
    scanned_texts: int = 0
    cached_texts: int = 0


class BatchProcessor:
    """Scans batches of records with one scanner."""

    def __init__(self, scanner: Scanner, worker_id: str, cache: ScanCache) -> None:
        self.scanner = scanner
        self.worker_id = worker_id
        self.cache = cache

    def process(self, records: list[Record]) -> BatchOutcome:
        """Decode, scan and judge a batch of records."""
        outcome = BatchOutcome()
        requests: list[tuple[Record, ScanRequest]] = []
        for record in records:
            try:
                request = decode(ScanRequest, record.value)
            except DecodeError as e:
                outcome.dead_letters.append((record, self._dead_letter(record, e.reason, str(e))))
                continue
            if self.scanner.name in request.scanners:
                requests.append((record, request))
            else:
                outcome.skipped += 1
        if not requests:
            return outcome
        began = time.perf_counter()
        answers, failures = self._answers([r for _, r in requests], outcome)
        scan_ms = (time.perf_counter() - began) * 1000
        for record, request in requests:
            if request.correlation_id in failures:
                reason = failures[request.correlation_id]
                outcome.results.append((request, self._error(request, reason, scan_ms)))
                outcome.dead_letters.append(
                    (record, self._dead_letter(record, "scan_failed", reason))
                )
                continue
            texts = [t.content for t in request.texts]
            found = [answers[ScanCache.key(t.role, t.content)] for t in request.texts]
            verdict = judge(self.scanner, request.policy, texts, found)
            outcome.results.append((request, self._result(request, verdict, scan_ms)))
        return outcome

    def fail(self, records: list[Record], reason: str, code: str) -> BatchOutcome:
        """An ``error`` result and a dead letter for every request of ours in ``records``, when
        the batch could not be scanned at all (it timed out)."""
        outcome = BatchOutcome()
        for record in records:
            try:
                request = decode(ScanRequest, record.value)
            except DecodeError as e:
                outcome.dead_letters.append((record, self._dead_letter(record, e.reason, str(e))))
                continue
            if self.scanner.name not in request.scanners:
                outcome.skipped += 1
                continue
            outcome.results.append((request, self._error(request, reason, 0.0)))
            outcome.dead_letters.append((record, self._dead_letter(record, code, reason)))
        return outcome

    def _answers(
        self, requests: list[ScanRequest], outcome: BatchOutcome
    ) -> tuple[dict[bytes, TextFindings], dict[str, str]]:
        """Answers for every text of ``requests`` by cache key, and the requests that failed."""
        answers: dict[bytes, TextFindings] = {}
        pending: dict[bytes, ScanItem] = {}
        for request in requests:
            for text in request.texts:
                key = ScanCache.key(text.role, text.content)
                if key in answers or key in pending:
                    continue
                cached = self.cache.get(key)
                if cached is None:
                    pending[key] = ScanItem(text.content, text.role)
                else:
                    answers[key] = cached
                    outcome.cached_texts += 1
        failures: dict[str, str] = {}
        try:
            self._scan_into(pending, answers)
        except Exception:  # a scanner may fail in any way; isolate the culprit below
            for request in requests:
                mine = {
                    k: pending[k]
                    for k in (ScanCache.key(t.role, t.content) for t in request.texts)
                    if k in pending and k not in answers
                }
                try:
                    self._scan_into(mine, answers)
                except Exception as e:  # the request's own texts fail: answer error
                    failures[request.correlation_id] = f"{type(e).__name__}: {e}"[:500]
        outcome.scanned_texts += len(pending)
        return answers, failures

    def _scan_into(self, items: dict[bytes, ScanItem], answers: dict[bytes, TextFindings]) -> None:
        if not items:
            return
        found = self.scanner.scan(list(items.values()))
        if len(found) != len(items):
            raise RuntimeError(f"{self.scanner.name} answered {len(found)} of {len(items)} texts")
        for key, answer in zip(items, found, strict=True):
            answers[key] = answer
            self.cache.put(key, answer)

    def _result(self, request: ScanRequest, verdict, scan_ms: float) -> ScanResult:
        return ScanResult(
            request_id=request.request_id,
            correlation_id=request.correlation_id,
            phase=request.phase,
            scanner=self.scanner.name,
            verdict=verdict.verdict,
            score=verdict.score,
            worker_id=self.worker_id,
            scan_ms=round(scan_ms, 3),
            finished_ms=int(time.time() * 1000),
            findings=verdict.findings,
            scores=verdict.scores,
            redacted=verdict.redacted,
        )

    def _error(self, request: ScanRequest, reason: str, scan_ms: float) -> ScanResult:
        return ScanResult(
            request_id=request.request_id,
            correlation_id=request.correlation_id,
            phase=request.phase,
            scanner=self.scanner.name,
            verdict="error",
            score=0.0,
            worker_id=self.worker_id,
            scan_ms=round(scan_ms, 3),
            finished_ms=int(time.time() * 1000),
            error=reason,
        )

    def _dead_letter(self, record: Record, reason: str, detail: str) -> DeadLetter:
        payload = record.value[:_DEAD_LETTER_PAYLOAD_LIMIT]
        return DeadLetter(
            source_topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            reason=reason,
            detail=detail[:1000],
            worker_id=self.worker_id,
            at_ms=int(time.time() * 1000),
            payload_b64=base64.b64encode(payload).decode("ascii"),
            payload_size=len(record.value),
            key_b64=base64.b64encode(record.key or b"").decode("ascii"),
        )
