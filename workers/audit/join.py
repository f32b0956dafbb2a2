"""Joining a request with its scanners' results and the proxy's verdict into one audit record.

The audit pool keeps one :class:`AuditState` per request and phase. Any of its parts may arrive
first; the record is written once the request and every asked-for scanner's result are in (and,
for modes that wait, the proxy's verdict), or when the deadline passes, naming the scanners that
never answered. Once written, the state remembers that, so a re-delivered message cannot write a
second record.

Audit records hold texts with PII and secrets masked (from those scanners' findings) and a
SHA-256 of each original; the raw text only when the operator turns raw capture on. When the PII
or secrets scanner did not answer, the text is withheld rather than stored unmasked. The join's
own state (a compacted changelog topic) holds no raw text either: see :class:`AuditState`.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Any

import orjson

from topics.codec import decode, encode
from topics.crypto import PayloadCipher, is_sealed
from topics.errors import DecryptError
from topics.messages import (
    AuditRecord,
    Decision,
    ScannerOutcome,
    ScanRequest,
    ScanResult,
    Verdict,
)
from topics.scanners import REGISTRY
from workers.scanners.base import LabelFinding, mask_spans

__all__ = ["REDACTING_SCANNERS", "WITHHELD", "AuditSettings", "AuditState", "RawTexts"]

REDACTING_SCANNERS = tuple(s.kind for s in REGISTRY if s.redacts)
"""Scanners whose findings are masked out of the texts kept in audit records."""

WITHHELD = "[withheld: not scanned for PII and secrets]"


@dataclass(frozen=True, slots=True)
class AuditSettings:
    """How the audit pool joins and writes.

    Attributes:
        logging_only_deadline_s: how long the scanners of a request nobody waits for
            (``logging_only``, pass-through streams) may take.
        verdict_grace_s: how long past a waited-for request's deadline to wait for the proxy's
            verdict and late results.
        raw_capture: keep the raw texts in audit records (off by default: never do this unless
            the audit topic is as protected as the prompts themselves).
        keep_emitted_s: how long a written record's marker is kept to absorb re-deliveries.
        exactly_once: write each record, its marker and its input offset in one Kafka
            transaction (:mod:`workers.audit.transactions`), read ``read_committed``: a pool
            killed between a record and its marker leaves no second committed copy. Off: at
            least once, for a broker without transactions or to measure their cost
            (``bench.audit_cost``); a pool killed between a record and its marker can then
            write it twice, and the readers' filter hides the second copy. Off by default for
            one more release: ``bench.chaos --requests 10000 --brokers 3`` gives one committed
            record per request over nineteen kills since the table recovery fix of 0.4.0
            (``bench/results/2core-2026-12-08-chaos.md``).
        transaction_timeout_s: how long the transaction of a pool process that died stays
            open (blocking ``read_committed`` readers of its partitions) when no process with
            its name comes back; one that does aborts it at once.
    """

    logging_only_deadline_s: float = 30.0
    verdict_grace_s: float = 5.0
    raw_capture: bool = False
    keep_emitted_s: float = 3600.0
    exactly_once: bool = False
    transaction_timeout_s: float = 30.0


@dataclass(slots=True)
class AuditState:
    """What has arrived for one request and phase. Stored as JSON bytes in the faust table,
    whose changelog topic keeps it: so it holds no raw text (unless the operator turned
    ``raw_capture`` on), only each text's hash and, once the redacting scanners answered, the
    masked texts. Until then the raw texts wait in this process's memory (:class:`RawTexts`);
    a process that restarts before the redactors answered gets them again from the request's
    re-delivery, or else withholds them."""

    request: bytes = b""
    """The encoded ScanRequest without its texts, once it arrived."""
    texts_sha256: list[str] = field(default_factory=list)
    """A SHA-256 of each original text (empty when the texts could not be opened)."""
    redacted: list[str] = field(default_factory=list)
    """The texts with the redacting scanners' findings masked, once both answered (or each
    :data:`WITHHELD` when one of them failed or was not asked); empty until then."""
    raw: list[str] | None = None
    """The original texts, kept only with ``raw_capture``."""
    results: dict[str, bytes] = field(default_factory=dict)
    """Encoded ScanResults by scanner (the first of each; re-deliveries are ignored), without
    their redacted texts (a PII scanner's leaves secrets in, and the other way round)."""
    verdict: bytes = b""
    first_seen_ms: int = 0
    emitted_ms: int = 0

    @classmethod
    def load(cls, raw: bytes | None) -> AuditState:
        """Read a stored state; a new one for None."""
        if not raw:
            return cls()
        data = orjson.loads(raw)
        return cls(
            request=_bytes(data["request"]),
            texts_sha256=data["texts_sha256"],
            redacted=data["redacted"],
            raw=data["raw"],
            results={k: _bytes(v) for k, v in data["results"].items()},
            verdict=_bytes(data["verdict"]),
            first_seen_ms=data["first_seen_ms"],
            emitted_ms=data["emitted_ms"],
        )

    def dump(self) -> bytes:
        """The stored form: the encoded messages are embedded as JSON, as they are."""
        return _kept(
            {
                "request": _fragment(self.request),
                "texts_sha256": self.texts_sha256,
                "redacted": self.redacted,
                "raw": self.raw,
                "results": {k: _fragment(v) for k, v in self.results.items()},
                "verdict": _fragment(self.verdict),
                "first_seen_ms": self.first_seen_ms,
                "emitted_ms": self.emitted_ms,
            }
        )

    def add(
        self,
        message: ScanRequest | ScanResult | Verdict,
        now_ms: int,
        settings: AuditSettings,
        cipher: PayloadCipher | None = None,
    ) -> tuple[bool, list[str] | None]:
        """Take one message; whether it changed anything, and for a request whose texts still
        need masking, its opened texts (to hold in memory until the redactors answer)."""
        if self.emitted_ms:
            return False, None
        self.first_seen_ms = self.first_seen_ms or now_ms
        if isinstance(message, ScanRequest):
            opened = _opened(message, cipher)
            texts = [t.content for t in opened.texts]
            readable = not any(is_sealed(t) for t in texts)
            waiting = readable and not self.redacted
            if self.request:
                return False, texts if waiting else None  # a re-delivery: texts again
            self.request = encode(replace(opened, texts=[]))
            self.texts_sha256 = [_sha256(t) for t in texts] if readable else []
            self.raw = texts if settings.raw_capture and readable else None
            if not readable:
                self.redacted = [WITHHELD for _ in texts]
            elif not all(name in opened.scanners for name in REDACTING_SCANNERS):
                self.redacted = [WITHHELD for _ in texts]  # never masked: never kept
            return True, texts if not self.redacted else None
        if isinstance(message, ScanResult):
            if message.scanner in self.results:
                return False, None
            self.results[message.scanner] = encode(replace(message, redacted=[]))
            return True, None
        if self.verdict:
            return False, None
        self.verdict = encode(message)
        return True, None

    def mask(self, texts: list[str] | None) -> bool:
        """Keep the masked texts once both redacting scanners answered (each withheld if one
        failed, or if the raw texts are gone); True when that happened now."""
        if self.redacted or not self.request:
            return False
        answered = [self.results.get(name) for name in REDACTING_SCANNERS]
        if any(raw is None for raw in answered):
            return False
        results = {name: decode(ScanResult, self.results[name]) for name in REDACTING_SCANNERS}
        if texts is None:
            self.redacted = [WITHHELD for _ in self.texts_sha256]
        else:
            self.redacted = _redacted(texts, results)
        return True

    def marker(self) -> AuditState:
        """What is kept of a written state: when it was first seen and written, nothing of
        the request, its results or its texts."""
        return AuditState(first_seen_ms=self.first_seen_ms, emitted_ms=self.emitted_ms)

    def deadline_ms(self, settings: AuditSettings) -> int | None:
        """When the record is written whatever is missing; None until the request arrived."""
        if not self.request:
            return None
        request = decode(ScanRequest, self.request)
        if request.reply is None:
            return request.created_ms + int(settings.logging_only_deadline_s * 1000)
        return max(request.deadline_ms, request.created_ms) + int(settings.verdict_grace_s * 1000)

    def ready(self, settings: AuditSettings, now_ms: int) -> bool:
        """True when the record can be written now."""
        if self.emitted_ms or not self.request:
            return False
        request = decode(ScanRequest, self.request)
        complete = all(s in self.results for s in request.scanners)
        waited_on = request.reply is not None  # only a proxy that waits publishes a verdict
        if complete and (not waited_on or self.verdict):
            return True
        deadline = self.deadline_ms(settings)
        return deadline is not None and now_ms >= deadline

    def record(self, now_ms: int) -> AuditRecord:
        """The audit record for what has arrived, and mark the state as written. Texts not
        masked by now (a redacting scanner that never answered) are withheld."""
        request = decode(ScanRequest, self.request)
        results = {name: decode(ScanResult, raw) for name, raw in self.results.items()}
        verdict = decode(Verdict, self.verdict) if self.verdict else None
        outcomes, timed_out, failed = [], [], []
        for name in request.scanners:
            result = results.get(name)
            if result is None:
                outcomes.append(ScannerOutcome(scanner=name, status="timeout"))
                timed_out.append(name)
            elif result.verdict == "error":
                outcomes.append(
                    ScannerOutcome(
                        scanner=name, status="error", verdict="error", error=result.error
                    )
                )
                failed.append(name)
            else:
                outcomes.append(
                    ScannerOutcome(
                        scanner=name,
                        status="ok",
                        verdict=result.verdict,
                        score=result.score,
                        scan_ms=result.scan_ms,
                        findings=result.findings,
                    )
                )
        if verdict is not None:
            timed_out = sorted(set(timed_out) | set(verdict.timed_out))
            failed = sorted(set(failed) | set(verdict.failed))
        self.emitted_ms = now_ms
        count = len(self.redacted) or len(self.texts_sha256)
        return AuditRecord(
            request_id=request.request_id,
            phase=request.phase,
            mode=request.mode,
            caller=request.caller,
            decision=_decision(request, verdict, results.values()),
            created_ms=request.created_ms,
            completed_ms=now_ms,
            outcomes=outcomes,
            texts_sha256=list(self.texts_sha256),
            redacted_texts=list(self.redacted) or [WITHHELD for _ in range(count)],
            raw_texts=self.raw,
            timed_out=timed_out,
            failed=failed,
        )


class RawTexts:
    """The raw texts of requests whose redacting scanners have not answered yet, by table key:
    in this process's memory only, never in the table. Bounded; past ``capacity`` the oldest
    are dropped (their texts are then withheld)."""

    def __init__(self, capacity: int = 50_000) -> None:
        self.capacity = capacity
        self._texts: OrderedDict[str, list[str]] = OrderedDict()

    def keep(self, key: str, texts: list[str]) -> None:
        self._texts[key] = texts
        if len(self._texts) > self.capacity:
            self._texts.popitem(last=False)

    def get(self, key: str) -> list[str] | None:
        return self._texts.get(key)

    def drop(self, key: str) -> None:
        self._texts.pop(key, None)

    def __len__(self) -> int:
        return len(self._texts)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _opened(request: ScanRequest, cipher: PayloadCipher | None) -> ScanRequest:
    if cipher is None:
        return request
    try:
        return cipher.open_request(request)
    except DecryptError:
        return request  # still sealed: record() withholds its texts


def _fragment(raw: bytes) -> orjson.Fragment | None:
    return orjson.Fragment(raw) if raw else None


def _bytes(value: Any) -> bytes:
    return _kept(value) if value is not None else b""


def _kept(value: Any) -> bytes:
    """``value`` as JSON bytes of their own size, to be kept: the bytes ``orjson.dumps`` returns
    hold a buffer of 4 KB however short the JSON (3.13, measured with tracemalloc), and the
    table keeps a state for an hour (a marker of ~190 bytes cost 4.1 KB)."""
    return memoryview(orjson.dumps(value)).tobytes()


def _decision(request: ScanRequest, verdict: Verdict | None, results: Any) -> Decision:
    """What happened to the request: the proxy's verdict; nothing at all when nobody waited
    (``logging_only``, pass-through streams: a would-be block was served, and the sinks say
    so from the scanners' verdicts); else, the verdict lost, what the results ask for."""
    if verdict is not None:
        return verdict.decision
    if request.reply is None:
        return "allow"
    verdicts = {r.verdict for r in results}
    if "block" in verdicts:
        return "block"
    if "mask" in verdicts:
        return "mask"
    return "allow"


def _redacted(texts: list[str], results: dict[str, ScanResult]) -> list[str]:
    answered = [results.get(name) for name in REDACTING_SCANNERS]
    if any(r is None or r.verdict == "error" for r in answered):
        return [WITHHELD for _ in texts]  # unmasked PII could slip through: keep hashes only
    spans: dict[int, list[LabelFinding]] = {}
    for result in answered:
        for f in result.findings:  # type: ignore[union-attr]
            spans.setdefault(f.text, []).append(LabelFinding(f.start, f.end, f.label, f.score))
    return [mask_spans(text, spans.get(i, [])) for i, text in enumerate(texts)]
