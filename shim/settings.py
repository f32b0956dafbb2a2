"""The shim's settings, parsed once from the guardrail's ``litellm_params``.

Every key goes under ``guardrails[].litellm_params`` in LiteLLM's ``config.yaml``; LiteLLM hands
each one to :class:`~shim.KafkaScanGuardrail` as a keyword argument. A string value
``os.environ/NAME`` is read from the environment (LiteLLM resolves most of them already).
LiteLLM's keys (``guardrail``, ``mode``, ``default_on``) and guardstream's are each described
once, in :data:`shim.params.PARAMS` (name, type, default, one line of doc): this module reads
their defaults, allowed values and names from there, and ``docs/configuration.md``'s table is
generated from it (``python -m bench.docs``; a test compares the two).

Wherever a scanner is named (``scanners``, ``actions``, ``thresholds``, ``callback_args``,
toggles), the users' guide's and LiteLLM's names work too (:mod:`shim.names`: ``presidio``,
``hide_secrets``, ``detect_prompt_injection``, ``lakera_prompt_injection``,
``llmguard_moderations``...); an unknown scanner name is an error.

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
from shim.params import (
    CONNECTION_KEYS,
    DEFAULTS,
    KNOWN_KEYS,
    LITELLM_KEYS,
    PARAMS,
)
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
_CHOICES = {p.name: p.choices for p in PARAMS if p.choices}

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
    scanners: tuple[str, ...] = DEFAULTS["scanners"]
    budget_ms: int = DEFAULTS["budget_ms"]
    on_timeout: OnTimeout = DEFAULTS["on_timeout"]
    policy: Policy = field(default_factory=Policy)
    stream_mode: StreamMode = DEFAULTS["stream_mode"]
    stream_windows: WindowSettings = field(default_factory=WindowSettings)
    max_pending: int = DEFAULTS["max_pending"]
    allow_request_toggles: bool = DEFAULTS["allow_request_toggles"]
    max_request_bytes: int = DEFAULTS["max_request_bytes"]
    on_oversize: OnTimeout = DEFAULTS["on_oversize"]
    chunk_chars: int = DEFAULTS["chunk_chars"]
    chunks_in_flight: int = DEFAULTS["chunks_in_flight"]
    scan_bytes_per_s: int = DEFAULTS["scan_bytes_per_s"]
    metrics_port: int = DEFAULTS["metrics_port"]
    output_parse_pii: bool = DEFAULTS["output_parse_pii"]
    during_call_mask: OnTimeout = DEFAULTS["during_call_mask"]
    logging_only: bool = DEFAULTS["logging_only"]
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
        # typed Any: each key's own type is checked by KafkaConnection itself
        security: dict[str, Any] = {k: str(p[k]) for k in CONNECTION_KEYS if k in p}
        connection = KafkaConnection(str(p.get("bootstrap_servers", "")), **security)
        plan = _merge(_default_plan(), p, where="litellm_params")
        max_request_bytes = _positive_int(_get(p, "max_request_bytes"), "max_request_bytes")
        if max_request_bytes > MAX_REQUEST_BYTES:
            raise ConfigError(f"max_request_bytes is at most {MAX_REQUEST_BYTES}")
        stream_windows = WindowSettings(
            window_chars=_positive_int(_get(p, "stream_window_chars"), "stream_window_chars"),
            context_chars=_positive_int(_get(p, "stream_context_chars"), "stream_context_chars"),
            max_hold=_positive_int(_get(p, "stream_max_hold_chars"), "stream_max_hold_chars"),
        )
        return cls(
            connection=connection,
            topics=Topics(
                str(_get(p, "topic_prefix")),
                _positive_int(_get(p, "partitions"), "partitions"),
            ),
            instance_id=str(p.get("instance_id") or f"{socket.gethostname()}-{os.getpid()}"),
            scanners=plan.scanners,
            budget_ms=plan.budget_ms,
            on_timeout=plan.on_timeout,
            policy=plan.policy,
            stream_mode=_choice(p, "stream_mode"),
            stream_windows=stream_windows,
            max_pending=_positive_int(_get(p, "max_pending"), "max_pending"),
            allow_request_toggles=_bool(_get(p, "allow_request_toggles"), "toggles"),
            max_request_bytes=max_request_bytes,
            on_oversize=_choice(p, "on_oversize"),
            chunk_chars=_positive_int(_get(p, "chunk_chars"), "chunk_chars"),
            chunks_in_flight=_positive_int(_get(p, "chunks_in_flight"), "chunks_in_flight"),
            scan_bytes_per_s=_positive_int(_get(p, "scan_bytes_per_s"), "scan_bytes_per_s"),
            metrics_port=int(_get(p, "metrics_port") or 0),
            output_parse_pii=_bool(_get(p, "output_parse_pii"), "output_parse_pii"),
            during_call_mask=_choice(p, "during_call_mask"),
            logging_only=_bool(_get(p, "logging_only"), "logging_only"),
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


def _default_plan() -> RequestPlan:
    """The plan before the config's keys: every default from :data:`shim.params.PARAMS`."""
    return RequestPlan(
        DEFAULTS["scanners"], Policy(), DEFAULTS["budget_ms"], DEFAULTS["on_timeout"]
    )


def _get(p: Mapping[str, Any], name: str) -> Any:
    """Key ``name`` of ``p``, or its default."""
    return p.get(name, DEFAULTS[name])


def _choice(p: Mapping[str, Any], name: str, default: Any = None, *, where: str = "") -> Any:
    """Key ``name`` of ``p`` (or ``default``, else its own default), one of its choices."""
    value = p.get(name, DEFAULTS[name] if default is None else default)
    if value not in _CHOICES[name]:
        allowed = " or ".join(_CHOICES[name])
        raise ConfigError(f"{where}{name} must be {allowed}, not {value!r}")
    return value


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
    on_timeout = _choice(p, "on_timeout", plan.on_timeout, where=f"{where}: ")
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
