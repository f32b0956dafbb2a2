"""The shim's settings, parsed once from the guardrail's ``litellm_params``.

Every key below goes under ``guardrails[].litellm_params`` in LiteLLM's ``config.yaml``; LiteLLM
hands each one to :class:`~shim.KafkaScanGuardrail` as a keyword argument. A string value
``os.environ/NAME`` is read from the environment (LiteLLM resolves most of them already).

LiteLLM's own keys:
    guardrail: ``shim.KafkaScanGuardrail``.
    mode: ``pre_call`` | ``during_call`` | ``post_call`` | ``logging_only``, or a list of them.
        ``pre_call`` scans the prompt before the LLM call and can block it or mask it;
        ``during_call`` scans the prompt while the LLM call runs and can block (not mask: the
        model already has the prompt); ``post_call`` scans the answer and can block or mask it;
        ``logging_only`` publishes prompt and answer after the call and never waits.
    default_on: run on every request (true), or only on requests that name the guardrail.

guardstream's keys:
    bootstrap_servers: ``host:port[,host:port]`` of Kafka. Required.
    scanners: scanner kinds to ask for; default ``[pii, prompt_injection, secrets,
        moderation]``. A pool must run for each, or its verdict times out.
    budget_ms: how long a request waits for all verdicts of one phase; default 1500.
    on_timeout: ``allow`` (fail open, the default) or ``block`` (fail closed). Applies when a
        scanner has not answered within the budget, answered ``error``, Kafka is unreachable,
        or more than ``max_pending`` requests already wait.
    topic_prefix: prefix of every topic name; default ``guardstream``.
    partitions: partition count of the topics, used to pick this instance's reply partition;
        must match the topics as created; default 12.
    instance_id: this proxy process's name on the bus; default ``<hostname>-<pid>``. It picks
        the reply partition, so keep it stable across restarts of one instance.
    actions: ``{LABEL or scanner: block | mask | log}``, e.g. ``{EMAIL_ADDRESS: mask,
        prompt_injection: block}``; the more specific name wins. Unnamed labels take the
        pool's defaults: PII and secrets mask, injection and moderation block.
    thresholds: ``{LABEL or scanner: minimum score}`` for a finding to count.
    pii_entities_config: ``{ENTITY: MASK | BLOCK | LOG}``, as in LiteLLM's Presidio guardrail:
        only these entities are acted on (others are logged), each with its action.
    entities: PII entity names to act on (masked unless ``pii_entities_config`` or
        ``actions`` say otherwise); others are logged.
    preset: ``gdpr`` | ``hipaa`` | ``pci``, or a list of them: the entities of
        :mod:`shim.presets`, masked; the three keys above override it name by name.
    callback_args: the users' guide's form, ``{presidio: {entities, threshold},
        lakera_prompt_injection: {category_thresholds: {...}}}``, read into ``entities`` and
        ``thresholds``.

Wherever a scanner is named (``scanners``, ``actions``, ``thresholds``, ``callback_args``,
toggles), the users' guide's and LiteLLM's names work too (:mod:`shim.names`: ``presidio``,
``hide_secrets``, ``detect_prompt_injection``, ``lakera_prompt_injection``,
``llmguard_moderations``...); an unknown scanner name is an error.
    output_parse_pii: with ``pre_call`` and ``post_call``, the model sees numbered
        placeholders (``<PERSON_1>``) and the answer gets the original values back, as
        LiteLLM's Presidio guardrail does; default false.
    during_call_mask: what a ``mask`` verdict does in ``during_call``, where the prompt
        cannot be rewritten (the model already has it): ``block`` (default) or ``allow``.
    logging_only: true makes every mode publish and never wait, block or mask (the users'
        guide's rollout switch), whatever ``mode`` says; default false.
    stream_mode: for ``post_call`` on streamed answers. ``buffered`` (default) holds the
        whole stream until the verdict, so nothing unscanned reaches the client, at the cost
        of time-to-first-token equal to the full answer plus the scan. ``incremental`` scans
        the answer window by window as it streams (:mod:`shim.stream`) and releases each
        window once its verdict is in: nothing unscanned reaches the client either, and the
        first token comes one scan after the first word. ``pass_through`` streams at full
        speed and publishes the answer for the audit trail only: it can neither block nor
        mask.
    stream_window_chars: ``incremental``: a window ends at a sentence or line boundary, or
        once it is this long; default 400.
    stream_context_chars: ``incremental``: text before a window scanned along with it;
        default 64.
    stream_max_hold_chars: ``incremental``: most characters held back at the end of the
        stream for a value still being written (an unfinished word, a card number's digit
        groups, a name); a longer unbroken value is cut; default 256.
    max_pending: bound on requests waiting for verdicts in this process; default 10000.
        Past it, new requests get ``on_timeout`` at once instead of queueing.
    allow_request_toggles: let a request turn scanners off (below); default false. A request
        may always turn scanners on.
    max_request_bytes: the largest scan request the shim publishes (its texts, encoded);
        default: what the pools scan within ``budget_ms`` (24 KB a second of budget, at least
        16 KB; 36 KB for the default 1500 ms), at most 8 MiB (the topics' message limit).
        Raise it with ``budget_ms`` (and pool processes) for long prompts.
    on_oversize: ``block`` (default) or ``allow`` a request whose texts are over
        ``max_request_bytes``: it cannot be scanned. Blocked, the client gets HTTP 400 with
        code ``guardstream_payload_too_large``.
    metrics_port: serve the shim's Prometheus metrics on this port (default 0: off; with
        LiteLLM's ``callbacks: ["prometheus"]`` they appear on the proxy's ``/metrics`` anyway).
    security_protocol, sasl_mechanism, sasl_username, sasl_password, ssl_cafile,
        ssl_certfile, ssl_keyfile: Kafka security, as :class:`topics.KafkaConnection`.
    payload_key: end-to-end encryption of the texts on the bus, e.g.
        ``os.environ/GUARDSTREAM_PAYLOAD_KEY``; the same key(s) the pools have
        (``kid:base64[,kid:base64...]``, see :mod:`topics.crypto`). Empty: plaintext.

Per key and per team: an admin sets ``metadata.guardstream`` on a virtual key or team to
``{scanners, actions, thresholds, on_timeout, budget_ms, allow_request_toggles}``; a team's
values override the config's and a key's override the team's (``actions`` and ``thresholds``
merge name by name, the others replace).

Per request: ``"metadata": {"guardrails": {"prompt_injection": false, "secrets": true}}``.
LiteLLM reads that dict as "run the guardrails with these names" and leaves a ``default_on``
guardrail running whatever the keys are, so the shim reads it too: a key that names a scanner
turns it on (true) for this request, or off (false), and the guardrail's own name set to
false turns every scanner off. Turning scanners off needs ``allow_request_toggles: true`` in
the config, key or team (as LiteLLM's own guardrail controls do); without it, ``false`` is
ignored. Other keys are left to LiteLLM. A guardrail that is not ``default_on`` runs only
when the request names it (``{"guardstream": true}`` or a list).

Any other key in ``litellm_params`` is an error at start-up that names the nearest known key
(LiteLLM's own defaults for other providers' keys are ignored).

Requests with ``"no-log": true``: LiteLLM skips every logging callback for them, and the
shim's ``logging_only`` path honours that on purpose (nothing is published: the caller opted
out of observation). The enforcing modes (pre, during, post call) scan them like any other
request, because a request flag must not switch enforcement off.
"""

from __future__ import annotations

import difflib
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from shim.names import ALIASES, SCANNERS, scanner_name
from shim.presets import preset_entities
from shim.windows import WindowSettings
from topics import (
    MAX_MESSAGE_BYTES,
    ConfigError,
    KafkaConnection,
    PayloadCipher,
    Policy,
    Topics,
    resolve_env,
)

__all__ = ["KNOWN_KEYS", "LITELLM_KEYS", "SCANNERS", "RequestPlan", "ShimSettings", "check_keys"]


OnTimeout = Literal["allow", "block"]
MAX_REQUEST_BYTES = MAX_MESSAGE_BYTES - (64 << 10)
"""The topics' message limit less room for the record's key, headers and batch framing."""
StreamMode = Literal["buffered", "incremental", "pass_through"]
SCAN_BYTES_PER_S = 24_000
"""A conservative rate at which the slowest pool (PII: spaCy and Presidio) scans prose on one
busy core (measured 20-30 KB/s with other pools on the same two cores). The default
``max_request_bytes`` is what that rate scans within ``budget_ms``, so a request the pools
cannot finish in time gets ``on_oversize`` instead of a fail-open timeout."""

_CONNECTION_KEYS = (
    "security_protocol",
    "sasl_mechanism",
    "sasl_username",
    "sasl_password",
    "ssl_cafile",
    "ssl_certfile",
    "ssl_keyfile",
)


KNOWN_KEYS: frozenset[str] = frozenset(
    {
        "bootstrap_servers",
        "scanners",
        "budget_ms",
        "on_timeout",
        "topic_prefix",
        "partitions",
        "instance_id",
        "actions",
        "thresholds",
        "pii_entities_config",
        "entities",
        "preset",
        "callback_args",
        "output_parse_pii",
        "during_call_mask",
        "logging_only",
        "stream_mode",
        "stream_window_chars",
        "stream_context_chars",
        "stream_max_hold_chars",
        "max_pending",
        "allow_request_toggles",
        "max_request_bytes",
        "on_oversize",
        "metrics_port",
        "payload_key",
        *_CONNECTION_KEYS,
    }
)
"""guardstream's keys in ``litellm_params``."""

LITELLM_KEYS: frozenset[str] = frozenset(
    {"guardrail", "guardrail_name", "mode", "event_hook", "default_on", "supported_event_hooks"}
)
"""LiteLLM's own keys, which it hands to every guardrail."""

_REFUSED = {
    "presidio_language": (
        "the prompts' language is a setting of the PII pool, which runs one spaCy pipeline: "
        "set presidio_language (and spacy_model) under pools.pii.scanner in the pools' config"
    ),
}


def check_keys(params: Mapping[str, Any]) -> None:
    """Raise :class:`ConfigError` for a key guardstream does not know, naming the nearest."""
    for key in params:
        if key in KNOWN_KEYS or key in LITELLM_KEYS:
            continue
        if key in _REFUSED:
            raise ConfigError(f"litellm_params.{key}: {_REFUSED[key]}")
        near = difflib.get_close_matches(key, sorted(KNOWN_KEYS), n=1, cutoff=0.6)
        hint = f"; did you mean {near[0]!r}?" if near else f"; known keys: {sorted(KNOWN_KEYS)}"
        raise ConfigError(f"unknown key {key!r} in the guardrail's litellm_params{hint}")


@dataclass(frozen=True, slots=True)
class RequestPlan:
    """What to ask for one request, after key, team and request overrides."""

    scanners: tuple[str, ...]
    policy: Policy
    budget_ms: int
    on_timeout: OnTimeout


@dataclass(frozen=True, slots=True)
class ShimSettings:
    """The shim's settings; see the module docstring for each key."""

    connection: KafkaConnection
    topics: Topics = field(default_factory=Topics)
    instance_id: str = ""
    scanners: tuple[str, ...] = SCANNERS
    budget_ms: int = 1500
    on_timeout: OnTimeout = "allow"
    policy: Policy = field(default_factory=Policy)
    stream_mode: StreamMode = "buffered"
    stream_windows: WindowSettings = field(default_factory=WindowSettings)
    max_pending: int = 10_000
    allow_request_toggles: bool = False
    max_request_bytes: int = 36_000
    on_oversize: OnTimeout = "block"
    metrics_port: int = 0
    output_parse_pii: bool = False
    during_call_mask: OnTimeout = "block"
    logging_only: bool = False
    cipher: PayloadCipher | None = None
    """Seals request texts and opens redacted texts when ``payload_key`` is set."""

    @classmethod
    def from_params(
        cls, params: Mapping[str, Any], environ: Mapping[str, str] = os.environ
    ) -> ShimSettings:
        """Build the settings from ``litellm_params``; raise :class:`ConfigError` if one is bad."""
        check_keys(params)
        p = {k: resolve_env(v, environ) for k, v in params.items() if v is not None}
        if "callback_args" in p:
            p = _with_callback_args(p)
        entity_actions = _entity_actions(
            p.get("pii_entities_config"),
            p.get("entities"),
            preset_entities(p["preset"]) if "preset" in p else [],
        )
        if entity_actions:
            p["actions"] = {**entity_actions, **_actions(p.get("actions", {}), "litellm_params")}
        security: dict[str, Any] = {k: str(p[k]) for k in _CONNECTION_KEYS if k in p}
        connection = KafkaConnection(str(p.get("bootstrap_servers", "")), **security)
        plan = _merge(RequestPlan(SCANNERS, Policy(), 1500, "allow"), p, where="litellm_params")
        scannable = max(16_000, plan.budget_ms * SCAN_BYTES_PER_S // 1000)
        max_request_bytes = _positive_int(
            p.get("max_request_bytes", scannable), "max_request_bytes"
        )
        if max_request_bytes > MAX_REQUEST_BYTES:
            raise ConfigError(f"max_request_bytes is at most {MAX_REQUEST_BYTES}")
        on_oversize = p.get("on_oversize", "block")
        if on_oversize not in ("allow", "block"):
            raise ConfigError(f"on_oversize must be allow or block, not {on_oversize!r}")
        stream_mode = p.get("stream_mode", "buffered")
        if stream_mode not in ("buffered", "incremental", "pass_through"):
            raise ConfigError(
                f"stream_mode must be buffered, incremental or pass_through, not {stream_mode!r}"
            )
        windows = WindowSettings()  # its defaults are the keys' defaults
        stream_windows = WindowSettings(
            window_chars=_positive_int(
                p.get("stream_window_chars", windows.window_chars), "stream_window_chars"
            ),
            context_chars=_positive_int(
                p.get("stream_context_chars", windows.context_chars), "stream_context_chars"
            ),
            max_hold=_positive_int(
                p.get("stream_max_hold_chars", windows.max_hold), "stream_max_hold_chars"
            ),
        )
        during_call_mask = p.get("during_call_mask", "block")
        if during_call_mask not in ("allow", "block"):
            raise ConfigError(f"during_call_mask must be allow or block, not {during_call_mask!r}")
        return cls(
            connection=connection,
            topics=Topics(
                str(p.get("topic_prefix", "guardstream")),
                _positive_int(p.get("partitions", 12), "partitions"),
            ),
            instance_id=str(p.get("instance_id") or f"{socket.gethostname()}-{os.getpid()}"),
            scanners=plan.scanners,
            budget_ms=plan.budget_ms,
            on_timeout=plan.on_timeout,
            policy=plan.policy,
            stream_mode=stream_mode,
            stream_windows=stream_windows,
            max_pending=_positive_int(p.get("max_pending", 10_000), "max_pending"),
            allow_request_toggles=_bool(p.get("allow_request_toggles", False), "toggles"),
            max_request_bytes=max_request_bytes,
            on_oversize=on_oversize,
            metrics_port=int(p.get("metrics_port", 0) or 0),
            output_parse_pii=_bool(p.get("output_parse_pii", False), "output_parse_pii"),
            during_call_mask=during_call_mask,
            logging_only=_bool(p.get("logging_only", False), "logging_only"),
            cipher=PayloadCipher.from_setting(str(p["payload_key"]))
            if p.get("payload_key")
            else None,
        )

    def plan(
        self,
        team: Mapping[str, Any] | None,
        key: Mapping[str, Any] | None,
        toggles: Mapping[str, Any] | None,
        guardrail_name: str,
    ) -> RequestPlan:
        """The plan for one request: config, then team, then key metadata, then toggles.

        ``team`` and ``key`` are the ``guardstream`` entries of the team's and key's metadata;
        ``toggles`` is the request's ``metadata.guardrails`` when it is a dict. Bad values in
        key or team metadata raise :class:`ConfigError`.
        """
        plan = RequestPlan(self.scanners, self.policy, self.budget_ms, self.on_timeout)
        allow_toggles = self.allow_request_toggles
        for where, overrides in (("team metadata", team), ("key metadata", key)):
            if overrides:
                plan = _merge(plan, overrides, where=where)
                allow_toggles = _bool(
                    overrides.get("allow_request_toggles", allow_toggles), "toggles"
                )
        if not toggles:
            return plan
        if allow_toggles and toggles.get(guardrail_name) is False:
            return replace(plan, scanners=())
        by_scanner: dict[str, object] = {}
        for name, value in toggles.items():  # the guide's names too: {"hide_secrets": true}
            scanner = scanner_name(str(name))
            if scanner is not None and value in (True, False):
                by_scanner[scanner] = value if name == scanner else by_scanner.get(scanner, value)
        off = {s for s, on in by_scanner.items() if on is False and allow_toggles}
        wanted = [s for s in plan.scanners if s not in off]
        wanted += [s for s in SCANNERS if by_scanner.get(s) is True and s not in wanted]
        return replace(plan, scanners=tuple(wanted))


def _merge(plan: RequestPlan, p: Mapping[str, Any], *, where: str) -> RequestPlan:
    scanners = plan.scanners
    if "scanners" in p:
        raw = p["scanners"]
        if not isinstance(raw, (list, tuple)) or not all(isinstance(s, str) for s in raw):
            raise ConfigError(f"{where}: scanners must be a list of names")
        unknown = sorted(s for s in raw if scanner_name(s) is None)
        if unknown:
            raise ConfigError(
                f"{where}: unknown scanners {unknown}; known: {list(SCANNERS)}, or the guide's "
                f"names {sorted(ALIASES)}"
            )
        scanners = tuple(dict.fromkeys(scanner_name(s) or s for s in raw))
    actions = {**plan.policy.actions, **_actions(p.get("actions", {}), where)}
    thresholds = {**plan.policy.thresholds, **_thresholds(p.get("thresholds", {}), where)}
    on_timeout = p.get("on_timeout", plan.on_timeout)
    if on_timeout not in ("allow", "block"):
        raise ConfigError(f"{where}: on_timeout must be allow or block, not {on_timeout!r}")
    # Always ask for redacted text: the pools' own defaults mask PII and secrets even when
    # the config names no action, and the audit trail records what was masked.
    policy = Policy(actions=actions, thresholds=thresholds, redact=True)
    budget = _positive_int(p.get("budget_ms", plan.budget_ms), f"{where}: budget_ms")
    return RequestPlan(scanners, policy, budget, on_timeout)


def _actions(raw: object, where: str) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: actions must be a mapping of name to block|mask|log")
    bad = {k: v for k, v in raw.items() if v not in ("block", "mask", "log")}
    if bad:
        raise ConfigError(f"{where}: actions must be block, mask or log; got {bad}")
    return {_label(k): v for k, v in raw.items()}


def _label(key: object) -> str:
    """A key of ``actions`` or ``thresholds``: a scanner (by any of its names) or a label."""
    return scanner_name(str(key)) or str(key)


def _with_callback_args(p: dict[str, Any]) -> dict[str, Any]:
    """The users' guide's ``callback_args: {presidio: {entities, threshold}, ...}`` read into
    guardstream's keys: ``entities``, ``threshold`` (the scanner's) and ``category_thresholds``
    (per label). Backend settings (``api_base``...) belong to the pools and are refused."""
    raw = p.pop("callback_args")
    if not isinstance(raw, Mapping):
        raise ConfigError("callback_args must be a mapping of guardrail name to its settings")
    out = dict(p)
    thresholds = dict(out.get("thresholds") or {})
    for name, args in raw.items():
        scanner = scanner_name(str(name))
        if scanner is None or not isinstance(args, Mapping):
            raise ConfigError(f"callback_args.{name}: not a scanner; known: {list(SCANNERS)}")
        for key, value in args.items():
            if key == "entities" and scanner == "pii":
                out["entities"] = value
            elif key == "threshold":
                thresholds.setdefault(scanner, value)
            elif key == "category_thresholds" and isinstance(value, Mapping):
                for label, score in value.items():
                    thresholds.setdefault(_label(label), score)
            else:
                raise ConfigError(
                    f"callback_args.{name}.{key}: guardstream's {scanner} pool holds its backend "
                    f"settings; set them under pools.{scanner}.scanner in the pools' config"
                )
    if thresholds:
        out["thresholds"] = thresholds
    return out


def _entity_actions(config: object, entities: object, preset: list[str]) -> dict[str, Any]:
    """Actions that restrict the PII scanner to the named entities: LiteLLM's
    ``pii_entities_config`` (``{ENTITY: MASK|BLOCK|LOG}``), a plain ``entities`` list and a
    compliance ``preset``'s entities (masked unless the other two say otherwise)."""
    if config is None and entities is None and not preset:
        return {}
    if config is not None and not isinstance(config, Mapping):
        raise ConfigError("pii_entities_config must be a mapping of ENTITY to MASK|BLOCK|LOG")
    if entities is not None and (
        not isinstance(entities, (list, tuple)) or not all(isinstance(e, str) for e in entities)
    ):
        raise ConfigError("entities must be a list of entity names")
    configured: dict[str, Any] = {}
    for entity, raw in (config or {}).items():
        action = str(getattr(raw, "value", raw)).lower()  # LiteLLM's PiiAction enum or a string
        if action not in ("mask", "block", "log"):
            raise ConfigError(f"pii_entities_config[{entity}] must be MASK, BLOCK or LOG")
        configured[str(entity).upper()] = action
    named = [*preset, *(str(e).upper() for e in entities or ()), *configured]
    return {"pii": "log", **{e: configured.get(e, "mask") for e in named}}


def _thresholds(raw: object, where: str) -> dict[str, float]:
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: thresholds must be a mapping of name to a score")
    try:
        return {_label(k): float(v) for k, v in raw.items()}
    except (TypeError, ValueError) as e:
        raise ConfigError(f"{where}: thresholds must be numbers: {e}") from e


def _positive_int(raw: object, name: str) -> int:
    try:
        value = int(raw)  # type: ignore[call-overload]
    except (TypeError, ValueError) as e:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from e
    if value < 1:
        raise ConfigError(f"{name} must be at least 1, not {value}")
    return value


def _bool(raw: object, name: str) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    key = "allow_request_toggles" if name == "toggles" else name
    raise ConfigError(f"{key} must be true or false, not {raw!r}")
