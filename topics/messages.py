"""The message types both sides of the bus share.

Every type is a frozen dataclass with a ``SCHEMA`` name and a ``VERSION``; :mod:`topics.codec`
encodes them with orjson and decodes them strictly. A change that old readers cannot read bumps
``VERSION``. One request id ties a request to its results, its verdict and its audit record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Literal

from topics.scanners import SCANNER_KINDS

__all__ = [
    "SCANNER_KINDS",
    "Action",
    "AuditRecord",
    "AuditTick",
    "Caller",
    "DeadLetter",
    "Decision",
    "Finding",
    "Mode",
    "Phase",
    "Policy",
    "RedactedText",
    "ReplyAddress",
    "ScanRate",
    "ScanRequest",
    "ScanResult",
    "ScannerOutcome",
    "Text",
    "Verdict",
    "VerdictKind",
]

Mode = Literal["pre_call", "during_call", "post_call", "logging_only"]
"""The LiteLLM guardrail mode the request was published in."""

Phase = Literal["request", "response"]
"""Whether the texts are the prompt (request) or the model's answer (response)."""

VerdictKind = Literal["allow", "flag", "mask", "block", "error"]
"""One scanner's verdict: ``flag`` is log-only, ``mask`` asks for the redacted text."""

Decision = Literal["allow", "mask", "block"]
"""What the proxy did with the request in the end."""

Action = Literal["block", "mask", "log"]
"""What a policy does with a finding of one entity or category."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Text:
    """One piece of text to scan."""

    role: str
    """Chat role it came from: ``system``, ``user``, ``assistant``, ``tool``..."""
    content: str
    """The text itself."""
    message: int = 0
    """Index of the chat message it came from, so masked text can be put back."""
    part: int = -1
    """Index of the content part within that message; -1 when the content is a plain string."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplyAddress:
    """Where the instance that waits reads its results (request-reply over Kafka)."""

    topic: str
    """The results topic."""
    partition: int
    """The partition that instance reads."""
    instance_id: str
    """The waiting proxy instance, for logs and filtering."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Caller:
    """Who sent the request, as LiteLLM knows them. Aliases only, never API keys."""

    key_alias: str = ""
    team: str = ""
    user: str = ""
    model: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Policy:
    """How scanners should judge this request.

    Keys of ``actions`` and ``thresholds`` are entity or category names (``EMAIL_ADDRESS``,
    ``violence``) or scanner names (``prompt_injection``); the more specific name wins.
    """

    actions: dict[str, Action] = field(default_factory=dict)
    """What to do with a finding: ``block``, ``mask`` or ``log``."""
    thresholds: dict[str, float] = field(default_factory=dict)
    """Minimum score for a finding to count."""
    redact: bool = False
    """Return the redacted text (needed to mask a request or response)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanRequest:
    """A prompt or response for the pools to scan."""

    SCHEMA: ClassVar[str] = "guardstream.scan_request"
    VERSION: ClassVar[int] = 1

    request_id: str
    """LiteLLM's call id; the key of every message about this request."""
    correlation_id: str
    """Unique per publish (a request's response phase has its own); results echo it."""
    mode: Mode
    phase: Phase
    texts: list[Text]
    scanners: list[str]
    """Scanner kinds asked for; a pool ignores requests that do not name its kind."""
    created_ms: int
    """Wall-clock time of publishing, in ms since the epoch."""
    deadline_ms: int
    """After this time nobody waits for the results; pools still scan for the audit trail."""
    policy: Policy = field(default_factory=Policy)
    caller: Caller = field(default_factory=Caller)
    reply: ReplyAddress | None = None
    """None when nobody waits (``logging_only``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """Something a scanner found, with its place in the scanned text."""

    text: int
    """Index into the request's ``texts``."""
    start: int
    """Start offset in code points."""
    end: int
    """End offset (exclusive) in code points."""
    label: str
    """Entity (``EMAIL_ADDRESS``) or category (``prompt_injection``, ``violence``)."""
    score: float


@dataclass(frozen=True, slots=True, kw_only=True)
class RedactedText:
    """A text with its findings masked."""

    text: int
    """Index into the request's ``texts``."""
    content: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanRate:
    """How much the pool process that wrote a result scanned recently: what an operator sizes a
    pool by (bytes per second of scanning, per process)."""

    window_s: float
    """The span the figures cover, ending when the result was written: the last minute, or
    less since the process started."""
    scanned_bytes: int
    """UTF-8 bytes of the texts it scanned in the window (answers from its cache excluded)."""
    busy_s: float
    """Seconds it spent scanning them."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanResult:
    """One scanner's answer to one scan request."""

    SCHEMA: ClassVar[str] = "guardstream.scan_result"
    VERSION: ClassVar[int] = 1
    MINOR: ClassVar[int] = 1
    """1: ``rate``."""

    request_id: str
    correlation_id: str
    phase: Phase
    scanner: str
    verdict: VerdictKind
    score: float
    """The highest score of any finding, 0.0 when nothing was found."""
    worker_id: str
    scan_ms: float
    """Time spent scanning this request's texts (its share of the batch)."""
    finished_ms: int
    findings: list[Finding] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)
    """Highest score per label."""
    redacted: list[RedactedText] = field(default_factory=list)
    """Masked texts, when the policy asked for them and something was masked."""
    error: str = ""
    """Why the verdict is ``error``."""
    rate: ScanRate | None = None
    """The writing process's recent scanning; None from writers older than minor 1."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Verdict:
    """What the proxy decided for one phase of a request, and on what grounds."""

    SCHEMA: ClassVar[str] = "guardstream.verdict"
    VERSION: ClassVar[int] = 1

    request_id: str
    correlation_id: str
    phase: Phase
    mode: Mode
    decision: Decision
    decided_ms: int
    waited_ms: float
    blocked_by: list[str] = field(default_factory=list)
    timed_out: list[str] = field(default_factory=list)
    """Scanners with no result inside the budget."""
    failed: list[str] = field(default_factory=list)
    """Scanners that answered ``error``."""
    fail_policy_applied: Literal["", "open", "closed"] = ""
    """Set when a timeout or failure decided the outcome."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ScannerOutcome:
    """One scanner's part of an audit record."""

    scanner: str
    status: Literal["ok", "timeout", "error"]
    verdict: VerdictKind | None = None
    score: float = 0.0
    scan_ms: float = 0.0
    findings: list[Finding] = field(default_factory=list)
    error: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditRecord:
    """Exactly one per request and phase: what ran, what it found, what was decided."""

    SCHEMA: ClassVar[str] = "guardstream.audit_record"
    VERSION: ClassVar[int] = 1

    request_id: str
    phase: Phase
    mode: Mode
    caller: Caller
    decision: Decision
    created_ms: int
    completed_ms: int
    outcomes: list[ScannerOutcome]
    texts_sha256: list[str]
    """SHA-256 of each original text, so a text can be matched without being stored."""
    redacted_texts: list[str] = field(default_factory=list)
    """Texts with PII and secrets masked; raw text never, unless raw capture is on."""
    raw_texts: list[str] | None = None
    """Only when the operator turned raw capture on."""
    timed_out: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditTick:
    """The audit pool's note to itself that a request's deadline has passed (or that its
    written-record marker may be forgotten). Travels on the audit pool's own joins topic."""

    SCHEMA: ClassVar[str] = "guardstream.audit_tick"
    VERSION: ClassVar[int] = 1

    request_id: str
    phase: Phase
    forget: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class DeadLetter:
    """A message that could not be decoded or scanned, kept with its reason."""

    SCHEMA: ClassVar[str] = "guardstream.dead_letter"
    VERSION: ClassVar[int] = 1

    source_topic: str
    partition: int
    offset: int
    reason: str
    """Machine-readable code: a :class:`~topics.errors.DecodeError` reason, or ``scan_failed``."""
    detail: str
    worker_id: str
    at_ms: int
    payload_b64: str
    """The original bytes, base64-encoded (truncated past the dead-letter size limit)."""
    payload_size: int
    """Size of the original bytes."""
    key_b64: str = ""
