"""Every key of the guardrail's ``litellm_params``, described once.

Each :class:`Param` holds a key's name, its type as the docs show it, its default and one line
of doc. :mod:`shim.settings` reads the defaults, the allowed values and the set of known keys
(for its "did you mean 'on_timeout'?" error) from :data:`PARAMS`, and the configuration
reference's table (``docs/configuration.md``) is :func:`markdown_table`'s output; a test fails
when the committed table differs. After adding or changing a key, rewrite the table with::

    .venv/bin/python -m bench.docs
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from shim.windows import WindowSettings
from topics import SCANNER_KINDS, KafkaConnection, Topics

__all__ = [
    "CONNECTION_KEYS",
    "DEFAULTS",
    "KNOWN_KEYS",
    "LITELLM_KEYS",
    "MAX_REQUEST_BYTES_DEFAULT",
    "PARAMS",
    "REQUIRED",
    "SCAN_BYTES_PER_S",
    "Param",
    "chunked_wait_ms",
    "markdown_table",
]

_WINDOWS = WindowSettings()
"""The windows' defaults are the ``stream_*_chars`` keys' defaults."""

REQUIRED = object()
"""The default of a key that has none: the proxy does not start without it."""

SCAN_BYTES_PER_S = 6_000
"""The default ``scan_bytes_per_s``: one process per pool, every pool on the same cores. Measured
end to end on 2 shared cores (four pools, the audit pool, the proxy and Kafka): an injection in
the middle of a 400 KB prompt was blocked after 27.5 s, about 7.4 KB/s; the default keeps some
room below that (figures: ``docs/incoming/long-prompts.md``)."""

MAX_REQUEST_BYTES_DEFAULT = 1 << 20
"""The default ``max_request_bytes``: a 512 KB prompt (about 128k tokens) with room to spare."""


def chunked_wait_ms(budget_ms: int, size: int, scan_bytes_per_s: int) -> int:
    """How long a chunked request of ``size`` bytes (encoded) waits for its verdicts: the
    budget of a small request plus the time the pools take to scan it at ``scan_bytes_per_s``."""
    return budget_ms + 1000 * size // scan_bytes_per_s


@dataclass(frozen=True, slots=True, kw_only=True)
class Param:
    """One key of ``litellm_params``.

    Attributes:
        name: the key as written in LiteLLM's ``config.yaml``.
        type: its type as the docs show it (ignored when ``choices`` is set).
        default: the value when the key is absent; :data:`REQUIRED` or None (no value).
        doc: one line (one table cell) of documentation.
        choices: the only values allowed, when it is a choice.
        shown_default: the default as the docs show it, when it is computed.
        litellm: a key of LiteLLM's own, which it hands to every guardrail.
    """

    name: str
    type: str = ""
    default: Any = None
    doc: str
    choices: tuple[str, ...] = ()
    shown_default: str = ""
    litellm: bool = False


def _field_default(cls: type, name: str) -> Any:
    """The default of a key that the contract's own record (:mod:`topics`) already sets."""
    return next(f.default for f in fields(cls) if f.name == name)


_SECURITY = (
    (
        "security_protocol",
        "str",
        "`PLAINTEXT`, `SSL` (TLS; mTLS with a client certificate), `SASL_PLAINTEXT` or `SASL_SSL`",
    ),
    ("sasl_mechanism", "str", "`PLAIN`, `SCRAM-SHA-256` or `SCRAM-SHA-512`"),
    ("sasl_username", "str", "SASL user name"),
    ("sasl_password", "str", "SASL password, e.g. `os.environ/KAFKA_PASSWORD`; never printed"),
    ("ssl_cafile", "path", "CA bundle that signed the brokers' certificates"),
    ("ssl_certfile", "path", "the client certificate, for mTLS"),
    ("ssl_keyfile", "path", "the client certificate's key, for mTLS"),
)

PARAMS: tuple[Param, ...] = (
    Param(
        name="guardrail",
        type="str",
        default=REQUIRED,
        litellm=True,
        doc="`shim.KafkaScanGuardrail`",
    ),
    Param(
        name="mode",
        type="str or list",
        default=REQUIRED,
        litellm=True,
        doc=(
            "`pre_call` scans the prompt first and can block or mask it; `during_call` scans "
            "while the LLM call runs and can block (not mask: the model already has the prompt); "
            "`post_call` scans the answer and can block or mask it; `logging_only` publishes "
            "prompt and answer after the call and never waits. A list runs several"
        ),
    ),
    Param(
        name="default_on",
        type="bool",
        default=False,
        litellm=True,
        doc=(
            "run on every request; otherwise only on requests that name the guardrail "
            '(`{"guardstream": true}` or a list)'
        ),
    ),
    Param(
        name="bootstrap_servers",
        type="str",
        default=REQUIRED,
        doc="Kafka, `host:port[,host:port]`",
    ),
    Param(
        name="scanners",
        type="list",
        default=SCANNER_KINDS,
        doc=(
            "the scanner kinds to ask for (the guide's and LiteLLM's names work too); a pool must "
            "run for each, or its verdict times out"
        ),
    ),
    Param(
        name="budget_ms",
        type="int",
        default=1500,
        doc="how long one phase of a request waits for all its verdicts",
    ),
    Param(
        name="on_timeout",
        choices=("allow", "block"),
        default="allow",
        doc=(
            "`allow` (fail open) or `block` (fail closed) when a scanner misses the budget, "
            "answers `error`, Kafka is unreachable, or more than `max_pending` requests wait"
        ),
    ),
    Param(
        name="topic_prefix",
        type="str",
        default=_field_default(Topics, "prefix"),
        doc="prefix of every topic name; must match the topics as created",
    ),
    Param(
        name="partitions",
        type="int",
        default=_field_default(Topics, "partitions"),
        doc=(
            "partition count of the topics, used to pick this instance's reply partition; must "
            "match the topics as created"
        ),
    ),
    Param(
        name="instance_id",
        type="str",
        default="",
        shown_default="`<hostname>-<pid>`",
        doc=(
            "this proxy process's name on the bus; it picks the reply partition, so keep it "
            "stable across restarts of one instance"
        ),
    ),
    Param(
        name="actions",
        type="mapping",
        doc=(
            "`{LABEL or scanner: block, mask or log}`, e.g. `{EMAIL_ADDRESS: mask, "
            "prompt_injection: block}`; the more specific name wins. Unnamed labels take the "
            "pools' defaults: PII and secrets are **masked**, injection and moderation **blocked**"
        ),
    ),
    Param(
        name="thresholds",
        type="mapping",
        doc="`{LABEL or scanner: minimum score}` for a finding to count",
    ),
    Param(
        name="pii_entities_config",
        type="mapping",
        doc=(
            "LiteLLM's Presidio key, `{ENTITY: MASK, BLOCK or LOG}`: only these entities are "
            "acted on (others are logged), each with its action"
        ),
    ),
    Param(
        name="entities",
        type="list",
        doc=(
            "PII entities to act on (masked unless `pii_entities_config` or `actions` say "
            "otherwise); others are logged"
        ),
    ),
    Param(
        name="preset",
        type="str or list",
        doc=(
            "`gdpr`, `hipaa` or `pci`, or a list of them: the preset's entities are masked, other "
            "PII logged; the three keys above override it name by name"
        ),
    ),
    Param(
        name="callback_args",
        type="mapping",
        doc=(
            "the users' guide's form, `{presidio: {entities, threshold}, lakera_prompt_injection: "
            "{category_thresholds: {...}}}`, read into `entities` and `thresholds`; backend "
            "settings are refused with a pointer to the pools' config"
        ),
    ),
    Param(
        name="output_parse_pii",
        type="bool",
        default=False,
        doc=(
            "with `pre_call` and `post_call`: the model sees numbered placeholders (`<PERSON_1>`) "
            "and the client gets the original values back in the answer, as with LiteLLM's "
            "Presidio guardrail"
        ),
    ),
    Param(
        name="during_call_mask",
        choices=("block", "allow"),
        default="block",
        doc=(
            "`during_call` cannot rewrite a prompt the model already has: a mask verdict (PII, "
            "secrets) `block`s the request, or `allow`s it unmasked; the proxy says which at "
            "start-up"
        ),
    ),
    Param(
        name="logging_only",
        type="bool",
        default=False,
        doc=(
            "the guide's rollout switch: `true` publishes and never waits, blocks or masks, "
            "whatever `mode` says"
        ),
    ),
    Param(
        name="stream_mode",
        choices=("buffered", "incremental", "pass_through"),
        default="buffered",
        doc=(
            "`post_call` on streams: `buffered` holds the stream until the verdict (nothing "
            "unscanned reaches the client; time to first token becomes the whole answer plus the "
            "scan); `incremental` scans the answer window by window as it streams and releases "
            "each window after its verdict (nothing unscanned reaches the client; first token "
            "one scan after the first word); `pass_through` streams at full speed and publishes "
            "for the audit trail only: it can neither block nor mask"
        ),
    ),
    Param(
        name="stream_window_chars",
        type="int",
        default=_WINDOWS.window_chars,
        doc="`incremental`: a window ends at a sentence or line boundary, or once this long",
    ),
    Param(
        name="stream_context_chars",
        type="int",
        default=_WINDOWS.context_chars,
        doc=(
            "`incremental`: text before a window scanned along with it, so a value begun "
            "there is judged whole"
        ),
    ),
    Param(
        name="stream_max_hold_chars",
        type="int",
        default=_WINDOWS.max_hold,
        doc=(
            "`incremental`: most characters held back for a value still being written (an "
            "unfinished word, a card number's digit groups, a name); a longer unbroken value is cut"
        ),
    ),
    Param(
        name="max_pending",
        type="int",
        default=10_000,
        doc=(
            "bound on requests waiting for verdicts in one proxy process; past it, new requests "
            "get `on_timeout` at once"
        ),
    ),
    Param(
        name="allow_request_toggles",
        type="bool",
        default=False,
        doc="let a request turn scanners **off**; turning them on is always allowed",
    ),
    Param(
        name="max_request_bytes",
        type="int",
        default=MAX_REQUEST_BYTES_DEFAULT,
        shown_default="1048576 (1 MiB)",
        doc=(
            "the largest request the shim scans (its texts encoded; at most 8 MiB less 64 KiB); "
            "a bigger one gets `on_oversize`. A request over `chunk_chars` is scanned in chunks "
            "and waits `budget_ms` plus its size over `scan_bytes_per_s`"
        ),
    ),
    Param(
        name="on_oversize",
        choices=("block", "allow"),
        default="block",
        doc=(
            "a request over `max_request_bytes` is not scanned: `block` it (HTTP 400, code "
            "`guardstream_payload_too_large`) or `allow` it unscanned"
        ),
    ),
    Param(
        name="chunk_chars",
        type="int",
        default=4096,
        doc=(
            "a request whose texts hold more characters than this is cut into chunks of about "
            "this size (overlapping by 512 characters, never inside a word), scanned "
            "concurrently by every process of each pool, and their findings merged"
        ),
    ),
    Param(
        name="chunks_in_flight",
        type="int",
        default=2,
        doc=(
            "most chunks of one request waiting at once: a small request waits behind at most "
            "this many chunks of a big one (keep their scan time under `budget_ms`); about twice "
            "the processes of a pool"
        ),
    ),
    Param(
        name="scan_bytes_per_s",
        type="int",
        default=SCAN_BYTES_PER_S,
        doc=(
            "the rate the slowest pool scans at, all its processes together (bytes per second "
            "per process x processes): a chunked request waits `budget_ms` plus its size over it"
        ),
    ),
    Param(
        name="metrics_port",
        type="int",
        default=0,
        shown_default="0 (off)",
        doc=(
            "serve the shim's Prometheus metrics (verdict wait, timeouts, fail-open/closed, "
            'decisions by scanner) on this port; with LiteLLM\'s `callbacks: ["prometheus"]` '
            "they are on the proxy's `/metrics` too"
        ),
    ),
    Param(
        name="payload_key",
        type="str",
        default="",
        doc=(
            "end-to-end encryption of the texts on the bus, e.g. "
            "`os.environ/GUARDSTREAM_PAYLOAD_KEY`: the same key(s) as the pools "
            "(`kid:base64[,kid:base64...]`); empty: plaintext"
        ),
    ),
    *(
        Param(
            name=name,
            type=kind,
            default=_field_default(KafkaConnection, name),
            doc=f"Kafka security: {doc}",
        )
        for name, kind, doc in _SECURITY
    ),
)
"""Every key, LiteLLM's first, in the order the docs list them."""

DEFAULTS: dict[str, Any] = {p.name: p.default for p in PARAMS}
"""Each key's default (:data:`REQUIRED` or None where it has none)."""

CONNECTION_KEYS: tuple[str, ...] = tuple(name for name, _, _ in _SECURITY)
"""The keys handed to :class:`topics.KafkaConnection` as they are."""

KNOWN_KEYS: frozenset[str] = frozenset(p.name for p in PARAMS if not p.litellm)
"""guardstream's keys in ``litellm_params``."""

LITELLM_KEYS: frozenset[str] = frozenset(
    {
        *(p.name for p in PARAMS if p.litellm),
        "guardrail_name",
        "event_hook",
        "supported_event_hooks",
    }
)
"""LiteLLM's own keys, which it hands to every guardrail (the last three it fills in itself)."""


def _shown(param: Param) -> str:
    if param.shown_default:
        return param.shown_default
    value = param.default
    if value is REQUIRED:
        return "required"
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, tuple):
        return f"`[{', '.join(value)}]`"
    return f"`{value}`" if isinstance(value, str) else str(value)


def markdown_table() -> str:
    """The configuration reference's table of keys, one row per :class:`Param`."""
    rows = ["| key | type | default | meaning |", "| --- | --- | --- | --- |"]
    for p in PARAMS:
        kind = " or ".join(f"`{c}`" for c in p.choices) if p.choices else p.type
        rows.append(f"| `{p.name}` | {kind} | {_shown(p)} | {p.doc} |")
    return "\n".join(rows) + "\n"
