"""Joining a request with its scanners' results and the proxy's verdict into one audit record.

The audit pool keeps one :class:`AuditState` per request and phase. Any of its parts may arrive
first; the record is written once the request and every asked-for scanner's result are in (and,
for modes that wait, the proxy's verdict), or when the deadline passes, naming the scanners that
never answered. Once written, the state remembers that, so a re-delivered message cannot write a
second record.

Audit records hold texts with PII and secrets masked (from those scanners' findings) and a
SHA-256 of each original; the raw text only when the operator turns raw capture on. When the PII
or secrets scanner did not answer, the text is withheld rather than stored unmasked.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import orjson

from topics.codec import decode
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
from workers.scanners.base import LabelFinding, mask_spans

__all__ = ["REDACTING_SCANNERS", "WITHHELD", "AuditSettings", "AuditState"]

REDACTING_SCANNERS = ("pii", "secrets")
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
    """

    logging_only_deadline_s: float = 30.0
    verdict_grace_s: float = 5.0
    raw_capture: bool = False
    keep_emitted_s: float = 3600.0


@dataclass(slots=True)
class AuditState:
    """What has arrived for one request and phase. Stored as JSON bytes in the faust table."""

    request: bytes = b""
    """The encoded ScanRequest, once it arrived."""
    results: dict[str, bytes] = field(default_factory=dict)
    """Encoded ScanResults by scanner (the first of each; re-deliveries are ignored)."""
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
            results={k: _bytes(v) for k, v in data["results"].items()},
            verdict=_bytes(data["verdict"]),
            first_seen_ms=data["first_seen_ms"],
            emitted_ms=data["emitted_ms"],
        )

    def dump(self) -> bytes:
        """The stored form: the encoded messages are embedded as JSON, as they are."""
        return orjson.dumps(
            {
                "request": _fragment(self.request),
                "results": {k: _fragment(v) for k, v in self.results.items()},
                "verdict": _fragment(self.verdict),
                "first_seen_ms": self.first_seen_ms,
                "emitted_ms": self.emitted_ms,
            }
        )

    def add(self, schema: str, raw: bytes, now_ms: int) -> bool:
        """Take one message (request, result or verdict); False when it changes nothing."""
        if self.emitted_ms:
            return False
        self.first_seen_ms = self.first_seen_ms or now_ms
        if schema == ScanRequest.SCHEMA:
            if self.request:
                return False
            self.request = raw
        elif schema == ScanResult.SCHEMA:
            result = decode(ScanResult, raw)
            if result.scanner in self.results:
                return False
            self.results[result.scanner] = raw
        elif schema == Verdict.SCHEMA:
            if self.verdict:
                return False
            self.verdict = raw
        else:
            raise ValueError(f"the audit join does not take {schema!r}")
        return True

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

    def record(
        self, settings: AuditSettings, now_ms: int, cipher: PayloadCipher | None = None
    ) -> AuditRecord:
        """The audit record for what has arrived, and mark the state as written.

        With end-to-end encryption the request's texts arrive sealed: ``cipher`` opens them so
        they can be masked and hashed; a text that cannot be opened is withheld, never stored
        as ciphertext or hashed as such.
        """
        request = _opened(decode(ScanRequest, self.request), cipher)
        results = {name: decode(ScanResult, raw) for name, raw in self.results.items()}
        verdict = decode(Verdict, self.verdict) if self.verdict else None
        outcomes, timed_out, failed = [], [], []
        for name in request.scanners:
            result = results.get(name)
            if result is None:
                outcomes.append(ScannerOutcome(name, "timeout"))
                timed_out.append(name)
            elif result.verdict == "error":
                outcomes.append(ScannerOutcome(name, "error", "error", error=result.error))
                failed.append(name)
            else:
                outcomes.append(
                    ScannerOutcome(
                        name, "ok", result.verdict, result.score, result.scan_ms, result.findings
                    )
                )
        if verdict is not None:
            timed_out = sorted(set(timed_out) | set(verdict.timed_out))
            failed = sorted(set(failed) | set(verdict.failed))
        texts = [t.content for t in request.texts]
        readable = not any(is_sealed(t) for t in texts)
        self.emitted_ms = now_ms
        return AuditRecord(
            request_id=request.request_id,
            phase=request.phase,
            mode=request.mode,
            caller=request.caller,
            decision=_decision(request, verdict, results.values()),
            created_ms=request.created_ms,
            completed_ms=now_ms,
            outcomes=outcomes,
            texts_sha256=[
                hashlib.sha256(t.encode("utf-8", "surrogatepass")).hexdigest() for t in texts
            ]
            if readable
            else [],
            redacted_texts=_redacted(texts, results) if readable else [WITHHELD for _ in texts],
            raw_texts=texts if settings.raw_capture and readable else None,
            timed_out=timed_out,
            failed=failed,
        )


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
    return orjson.dumps(value) if value is not None else b""


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
