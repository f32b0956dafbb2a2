"""The one registry of scanner kinds: each kind's other names, its block, and its pool's class.

The shim, the pools, the command line and the docs all read the scanner kinds from here; no
other module spells an alias or a block code. A new scanner kind is one more :class:`ScannerKind`
in :data:`REGISTRY` (and its class under ``workers/scanners/``).

The table of kinds, other names and block codes in ``docs/configuration.md`` is
:func:`markdown_table`'s output (``python -m bench.docs``; ``tests/test_docs.py`` fails while it
is stale).

The class path is a string (``module:Class``) because ``topics`` must not import ``workers``:
the pool imports the class only when a pool of that kind starts.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ALIASES",
    "REGISTRY",
    "SCANNER_KINDS",
    "TOO_LARGE_CODE",
    "TOO_LARGE_MESSAGE",
    "UNAVAILABLE_CODE",
    "UNAVAILABLE_MESSAGE",
    "ScannerKind",
    "block_of",
    "markdown_table",
    "scanner_kind",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class ScannerKind:
    """One scanner kind: one pool (and consumer group) of the workers."""

    kind: str
    """What :attr:`~topics.messages.ScanRequest.scanners` names and
    :attr:`~topics.messages.ScanResult.scanner` says."""
    aliases: tuple[str, ...]
    """Other names a config, a request or the command line may use for it."""
    block_message: str
    """The ``message`` of the HTTP 400 body when this scanner blocks."""
    class_path: str
    """``module:Class`` of the pool's scanner class."""
    summary: str
    """One line for ``guardstream worker --help``: what the pool does."""
    redacts: bool = False
    """Its results carry the masked texts the audit record stores."""

    @property
    def block_code(self) -> str:
        """The ``code`` of the HTTP 400 body when this scanner blocks."""
        return _code(self.kind)


REGISTRY: tuple[ScannerKind, ...] = (
    ScannerKind(
        kind="pii",
        aliases=("presidio", "pii_masking"),
        block_message="Personal data detected",
        class_path="workers.scanners.pii.scanner:PiiScanner",
        summary="Presidio PII detection and masking",
        redacts=True,
    ),
    ScannerKind(
        kind="prompt_injection",
        aliases=("detect_prompt_injection", "lakera_prompt_injection", "injection"),
        block_message="Potential prompt injection detected",
        class_path="workers.scanners.injection.scanner:InjectionScanner",
        summary="heuristics and similarity to known attacks",
    ),
    ScannerKind(
        kind="secrets",
        aliases=("hide_secrets", "secret_detection"),
        block_message="Secret detected",
        class_path="workers.scanners.secrets:SecretsScanner",
        summary="detect-secrets' plugins, with redaction",
        redacts=True,
    ),
    ScannerKind(
        kind="moderation",
        aliases=("llmguard_moderations", "openai_moderation"),
        block_message="Content policy violation detected",
        class_path="workers.scanners.moderation.scanner:ModerationScanner",
        summary="a local classifier or an HTTP moderation API",
    ),
)
"""Every scanner kind, in the order pools, ports and docs list them."""

SCANNER_KINDS: tuple[str, ...] = tuple(s.kind for s in REGISTRY)
"""The scanner kinds the pools provide, one pool (and consumer group) each."""

ALIASES: dict[str, str] = {alias: s.kind for s in REGISTRY for alias in s.aliases}
"""Other name -> kind."""

_BY_KIND = {s.kind: s for s in REGISTRY}

UNAVAILABLE_CODE = "guardstream_unavailable"
"""The block code when no verdict came and the fail-closed policy blocked."""
UNAVAILABLE_MESSAGE = "Guardrail verdict unavailable; blocked by the fail-closed policy"
TOO_LARGE_CODE = "guardstream_payload_too_large"
"""The block code when a request is too large to scan and ``on_oversize`` is ``block``."""
TOO_LARGE_MESSAGE = "Request too large to scan"


def scanner_kind(name: str) -> str | None:
    """The kind ``name`` means (itself or through an alias), or None when it names none."""
    if name in _BY_KIND:
        return name
    return ALIASES.get(name)


def block_of(kind: str) -> tuple[str, str]:
    """``(message, code)`` of the HTTP 400 body when scanner ``kind`` blocks; a kind not in the
    registry (an operator's own plug-in) gets a generic message and its own ``<kind>_blocked``."""
    found = _BY_KIND.get(kind)
    if found is None:
        return "Blocked by guardrail", _code(kind)
    return found.block_message, found.block_code


def _code(kind: str) -> str:
    return f"{kind}_blocked"


def markdown_table() -> str:
    """The docs' table of scanner kinds: other names, and the code of a block."""
    rows = [
        "| the guide's or LiteLLM's name | guardstream scanner | code of its block |",
        "| --- | --- | --- |",
    ]
    for s in REGISTRY:
        names = ", ".join(f"`{a}`" for a in s.aliases)
        rows.append(f"| {names} | `{s.kind}` | `{s.block_code}` |")
    return "\n".join(rows) + "\n"
