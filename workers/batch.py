"""One batch of consumed records in, results and dead letters out. No Kafka here.

The pool calls :meth:`BatchProcessor.process` in its scan thread. Texts already answered are
taken from the cache; the rest of the batch is scanned in one call. When that call raises, each
request is scanned alone so that one poisonous text fails only its own request: that request gets
an ``error`` result (the proxy must not wait in silence) and its original bytes go to the
dead-letter topic with the reason.

With a payload cipher (end-to-end encryption, :mod:`topics.crypto`) every request's texts are
opened after decoding, and the redacted texts of results are sealed. A request of ours that
cannot be opened (wrong key, tampered, or plaintext where encryption is required) gets an
``error`` result and a ``decrypt_failed`` dead letter; without a cipher, a request whose texts
are sealed is refused the same way instead of being scanned as ciphertext.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass, field

from topics.codec import decode
from topics.crypto import PayloadCipher, is_sealed, sealed_key_id
from topics.errors import DecodeError, DecryptError, ScannerTimeout
from topics.headers import read_routing
from topics.messages import DeadLetter, ScanRequest, ScanResult
from workers.policy import judge
from workers.scan_cache import ScanCache
from workers.scan_rate import ScanMeter
from workers.scanners.base import ScanItem, Scanner, TextFindings, scan_deadline

__all__ = ["BatchProcessor", "ProcessedBatch", "Record"]

_DEAD_LETTER_PAYLOAD_LIMIT = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Record:
    """A consumed Kafka record: where it came from and its raw bytes."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None  # None for a tombstone
    headers: tuple[tuple[str, bytes], ...] = ()
    """The record's headers; a scan request's say which kinds it is for (:mod:`topics.headers`)."""

    def for_kind(self, kind: str) -> bool:
        """False when the headers say the record is for other scanner kinds: it is skipped
        without decoding. True otherwise, headers or not (the body then decides)."""
        routing = read_routing(self.headers)
        return routing is None or routing.wants(kind)


@dataclass(slots=True)
class ProcessedBatch:
    """What a batch produced."""

    results: list[tuple[ScanRequest, ScanResult]] = field(default_factory=list)
    dead_letters: list[tuple[Record, DeadLetter]] = field(default_factory=list)
    scanned_texts: int = 0
    scanned_bytes: int = 0
    """UTF-8 bytes of the scanned texts (for :class:`~workers.scan_rate.ScanMeter`)."""
    cached_texts: int = 0
    skipped: int = 0
    """Records for other kinds, skipped on their headers without being decoded."""


class BatchProcessor:
    """Scans batches of records with one scanner."""

    def __init__(
        self,
        scanner: Scanner,
        worker_id: str,
        cache: ScanCache,
        cipher: PayloadCipher | None = None,
    ) -> None:
        self.scanner = scanner
        self.worker_id = worker_id
        self.cache = cache
        self.cipher = cipher
        self.meter = ScanMeter()
        """Bytes scanned per second, written into every result."""

    def process(self, records: list[Record], timeout_s: float | None = None) -> ProcessedBatch:
        """Decode, scan and judge a batch of records; a scan that runs past ``timeout_s``
        raises :class:`~topics.errors.ScannerTimeout` (the caller answers ``error``)."""
        outcome = ProcessedBatch()
        requests: list[tuple[Record, ScanRequest]] = []
        # The key id each request was sealed with: its result is sealed with the same key,
        # which the waiting shim is sure to have while keys rotate.
        key_ids: dict[str, str] = {}
        for record in records:
            opened = self._ours(record, outcome)
            if opened is not None:
                requests.append((record, opened[0]))
                key_ids[opened[0].correlation_id] = opened[1]
        if not requests:
            return outcome
        began = time.perf_counter()
        with scan_deadline(timeout_s):
            answers, failures = self._answers([r for _, r in requests], outcome)
        scan_ms = (time.perf_counter() - began) * 1000
        self.meter.add(outcome.scanned_bytes, scan_ms / 1000)
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
            result = self._result(request, verdict, scan_ms, key_ids[request.correlation_id])
            outcome.results.append((request, result))
        return outcome

    def fail(self, records: list[Record], reason: str, code: str) -> ProcessedBatch:
        """An ``error`` result and a dead letter for every request of ours in ``records``, when
        the batch could not be scanned at all (it timed out)."""
        outcome = ProcessedBatch()
        for record in records:
            opened = self._ours(record, outcome)
            if opened is None:
                continue
            request = opened[0]
            outcome.results.append((request, self._error(request, reason, 0.0)))
            outcome.dead_letters.append((record, self._dead_letter(record, code, reason)))
        return outcome

    def _ours(self, record: Record, outcome: ProcessedBatch) -> tuple[ScanRequest, str] | None:
        """The record's request with its texts readable and the key id they were sealed with
        (``""`` in plaintext), when it asks for this scanner; None (and a dead letter, or a
        skip) otherwise."""
        if not record.for_kind(self.scanner.name):
            outcome.skipped += 1
            return None
        try:
            request = decode(ScanRequest, record.value or b"")  # a tombstone: no value
        except DecodeError as e:
            outcome.dead_letters.append((record, self._dead_letter(record, e.reason, str(e))))
            return None
        if self.scanner.name not in request.scanners:
            return None
        key_id = sealed_key_id(request.texts[0].content) if request.texts else ""
        try:
            return self._open(request), key_id
        except DecryptError as e:
            # the detail names the field and the key id, never the text
            outcome.results.append((request, self._error(request, str(e), 0.0)))
            outcome.dead_letters.append((record, self._dead_letter(record, e.reason, str(e))))
            return None

    def _open(self, request: ScanRequest) -> ScanRequest:
        if self.cipher is not None:
            return self.cipher.open_request(request)
        for i, text in enumerate(request.texts):
            if is_sealed(text.content):
                raise DecryptError(f"texts.{i}", "encrypted, and this pool has no payload key")
        return request

    def _answers(
        self, requests: list[ScanRequest], outcome: ProcessedBatch
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
        except ScannerTimeout:
            raise  # out of time: scanning each request alone would only take longer
        except Exception:  # a scanner may fail in any way; isolate the culprit below
            for request in requests:
                mine = {
                    k: pending[k]
                    for k in (ScanCache.key(t.role, t.content) for t in request.texts)
                    if k in pending and k not in answers
                }
                try:
                    self._scan_into(mine, answers)
                except ScannerTimeout:
                    raise
                except Exception as e:  # the request's own texts fail: answer error
                    failures[request.correlation_id] = f"{type(e).__name__}: {e}"[:500]
        outcome.scanned_texts += len(pending)
        outcome.scanned_bytes += sum(
            len(item.text.encode("utf-8", "surrogatepass")) for item in pending.values()
        )
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

    def _result(
        self, request: ScanRequest, verdict, scan_ms: float, key_id: str = ""
    ) -> ScanResult:
        result = ScanResult(
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
            rate=self.meter.rate(),
        )
        if self.cipher is None:
            return result
        return self.cipher.seal_result(result, key_id)

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
        value = record.value or b""  # a tombstone has no value at all
        payload = value[:_DEAD_LETTER_PAYLOAD_LIMIT]
        return DeadLetter(
            source_topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            reason=reason,
            detail=detail[:1000],
            worker_id=self.worker_id,
            at_ms=int(time.time() * 1000),
            payload_b64=base64.b64encode(payload).decode("ascii"),
            payload_size=len(value),
            key_b64=base64.b64encode(record.key or b"").decode("ascii"),
        )
