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
        prompt_injection: block}``; the more specific name wins. Any ``mask`` makes the pools
        return redacted text.
    thresholds: ``{LABEL or scanner: minimum score}`` for a finding to count.
    stream_mode: for ``post_call`` on streamed answers. ``buffered`` (default) holds the
        whole stream until the verdict, so nothing unscanned reaches the client, at the cost
        of time-to-first-token equal to the full answer plus the scan. ``pass_through``
        streams at full speed and publishes the answer for the audit trail only: it can
        neither block nor mask.
    max_pending: bound on requests waiting for verdicts in this process; default 10000.
        Past it, new requests get ``on_timeout`` at once instead of queueing.
    allow_request_toggles: honour per-request scanner toggles (below); default true.
    max_request_bytes: the largest scan request the shim publishes (its texts, encoded);
        default 1 MiB, at most 8 MiB (the topics' message limit).
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
turns it off (false) or on (true) for this request, and the guardrail's own name set to
false turns every scanner off. Other keys are left to LiteLLM. A guardrail that is not
``default_on`` runs only when the request names it (``{"guardstream": true}`` or a list).
Toggles are ignored when ``allow_request_toggles`` is false in the config, key or team.

Requests with ``"no-log": true``: LiteLLM skips every logging callback for them, and the
shim's ``logging_only`` path honours that on purpose (nothing is published: the caller opted
out of observation). The enforcing modes (pre, during, post call) scan them like any other
request, because a request flag must not switch enforcement off.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from topics import (
    MAX_MESSAGE_BYTES,
    ConfigError,
    KafkaConnection,
    PayloadCipher,
    Policy,
    Topics,
    resolve_env,
)
from topics import SCANNER_KINDS as SCANNERS

__all__ = ["SCANNERS", "RequestPlan", "ShimSettings"]

OnTimeout = Literal["allow", "block"]
MAX_REQUEST_BYTES = MAX_MESSAGE_BYTES - (64 << 10)
"""The topics' message limit less room for the record's key, headers and batch framing."""
StreamMode = Literal["buffered", "pass_through"]

_CONNECTION_KEYS = (
    "security_protocol",
    "sasl_mechanism",
    "sasl_username",
    "sasl_password",
    "ssl_cafile",
    "ssl_certfile",
    "ssl_keyfile",
)


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
    max_pending: int = 10_000
    allow_request_toggles: bool = True
    max_request_bytes: int = 1 << 20
    on_oversize: OnTimeout = "block"
    metrics_port: int = 0
    cipher: PayloadCipher | None = None
    """Seals request texts and opens redacted texts when ``payload_key`` is set."""

    @classmethod
    def from_params(
        cls, params: Mapping[str, Any], environ: Mapping[str, str] = os.environ
    ) -> ShimSettings:
        """Build the settings from ``litellm_params``; raise :class:`ConfigError` if one is bad."""
        p = {k: resolve_env(v, environ) for k, v in params.items() if v is not None}
        connection = KafkaConnection(
            str(p.get("bootstrap_servers", "")),
            **{k: str(p[k]) for k in _CONNECTION_KEYS if k in p},
        )
        plan = _merge(RequestPlan(SCANNERS, Policy(), 1500, "allow"), p, where="litellm_params")
        max_request_bytes = _positive_int(p.get("max_request_bytes", 1 << 20), "max_request_bytes")
        if max_request_bytes > MAX_REQUEST_BYTES:
            raise ConfigError(f"max_request_bytes is at most {MAX_REQUEST_BYTES}")
        on_oversize = p.get("on_oversize", "block")
        if on_oversize not in ("allow", "block"):
            raise ConfigError(f"on_oversize must be allow or block, not {on_oversize!r}")
        stream_mode = p.get("stream_mode", "buffered")
        if stream_mode not in ("buffered", "pass_through"):
            raise ConfigError(f"stream_mode must be buffered or pass_through, not {stream_mode!r}")
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
            max_pending=_positive_int(p.get("max_pending", 10_000), "max_pending"),
            allow_request_toggles=_bool(p.get("allow_request_toggles", True), "toggles"),
            max_request_bytes=max_request_bytes,
            on_oversize=on_oversize,
            metrics_port=int(p.get("metrics_port", 0) or 0),
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
        if not toggles or not allow_toggles:
            return plan
        if toggles.get(guardrail_name) is False:
            return replace(plan, scanners=())
        wanted = [s for s in plan.scanners if toggles.get(s) is not False]
        wanted += [s for s in SCANNERS if toggles.get(s) is True and s not in wanted]
        return replace(plan, scanners=tuple(wanted))


def _merge(plan: RequestPlan, p: Mapping[str, Any], *, where: str) -> RequestPlan:
    scanners = plan.scanners
    if "scanners" in p:
        raw = p["scanners"]
        if not isinstance(raw, (list, tuple)) or not all(isinstance(s, str) for s in raw):
            raise ConfigError(f"{where}: scanners must be a list of names")
        unknown = sorted(set(raw) - set(SCANNERS))
        if unknown:
            raise ConfigError(f"{where}: unknown scanners {unknown}; known: {list(SCANNERS)}")
        scanners = tuple(dict.fromkeys(raw))
    actions = {**plan.policy.actions, **_actions(p.get("actions", {}), where)}
    thresholds = {**plan.policy.thresholds, **_thresholds(p.get("thresholds", {}), where)}
    on_timeout = p.get("on_timeout", plan.on_timeout)
    if on_timeout not in ("allow", "block"):
        raise ConfigError(f"{where}: on_timeout must be allow or block, not {on_timeout!r}")
    policy = Policy(actions, thresholds, redact="mask" in actions.values())
    budget = _positive_int(p.get("budget_ms", plan.budget_ms), f"{where}: budget_ms")
    return RequestPlan(scanners, policy, budget, on_timeout)


def _actions(raw: object, where: str) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: actions must be a mapping of name to block|mask|log")
    bad = {k: v for k, v in raw.items() if v not in ("block", "mask", "log")}
    if bad:
        raise ConfigError(f"{where}: actions must be block, mask or log; got {bad}")
    return {str(k): v for k, v in raw.items()}


def _thresholds(raw: object, where: str) -> dict[str, float]:
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: thresholds must be a mapping of name to a score")
    try:
        return {str(k): float(v) for k, v in raw.items()}
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
    raise ConfigError(f"allow_request_{name} must be true or false, not {raw!r}")
