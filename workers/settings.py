"""Settings of one pool process, built once from a YAML file and command-line flags.

The YAML file (``--config``) looks like::

    kafka:                      # topics.KafkaConnection's fields
      bootstrap_servers: 127.0.0.1:9092
      security_protocol: SASL_SSL           # any value may be os.environ/NAME
      sasl_username: os.environ/KAFKA_USERNAME
    topics:
      prefix: guardstream
      partitions: 12
    pools:
      pii:                      # one section per scanner kind, all keys optional
        payload_key: k1:BASE64...   # end-to-end text encryption (else GUARDSTREAM_PAYLOAD_KEY)
        batch_size: 32
        batch_wait_ms: 0
        cache_size: 10000
        scan_timeout_s: 30
        large_request_bytes: 65536  # bigger requests: after the rest, one at a time,
        large_scan_timeout_s: 5     #   each cut at this many seconds
        processes: 2
        web_port: 6100
        scanner:                # keyword arguments of the scanner class
          spacy_model: en_core_web_sm
      audit:
        audit:                  # how requests and results are joined
          logging_only_deadline_s: 30
        sinks:
          security_log: {log_file: /var/log/guardstream/security.log, log_level: WARNING}
          mlflow: {experiment_name: guardstream-security}
"""

from __future__ import annotations

import difflib
import socket
from collections.abc import Mapping
from dataclasses import MISSING, Field, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import yaml

from topics.connection import KafkaConnection
from topics.crypto import PayloadCipher
from topics.errors import ConfigError
from topics.scanners import SCANNER_KINDS
from topics.specs import Topics

__all__ = [
    "DEFAULT_WEB_PORTS",
    "POOLS",
    "POOL_KEYS",
    "PoolSettings",
    "kafka_section",
    "load_config",
    "markdown_table",
    "pool_section",
    "topics_section",
]

POOLS: tuple[str, ...] = (*SCANNER_KINDS, "audit")
"""Every pool: one per scanner kind, and the audit pool."""

DEFAULT_WEB_PORTS = {pool: 6100 + 10 * i for i, pool in enumerate(POOLS)}
"""Each pool's first health/metrics port, 6100, 6110, ... in :data:`POOLS` order; process ``i``
of a pool serves on ``port + i``."""


def _doc(doc: str, *, shown: str = "") -> dict[str, str]:
    """A ``pools.<kind>`` key's one line of doc (and its default as the docs show it, when that
    is not the field's), as field metadata: the configuration reference's table is generated
    from it (``python -m bench.docs``)."""
    return {"doc": doc, "shown": shown}


@dataclass(frozen=True, slots=True)
class PoolSettings:
    """Everything one pool process needs.

    The first fields are the process's own (the pool's kind, how to reach Kafka, the topics,
    faust's state folder); every field after them with a ``doc`` is a key of the config file's
    ``pools.<kind>`` section, documented there once (see :data:`POOL_KEYS`).
    """

    kind: str
    """The scanner kind (``pii``, ``prompt_injection``, ``secrets``, ``moderation``) or audit."""
    connection: KafkaConnection
    topics: Topics
    data_dir: Path
    """faust's state folder for this process."""
    batch_size: int = field(default=32, metadata=_doc("the most requests scanned in one batch"))
    batch_wait_ms: float = field(
        default=0.0,
        metadata=_doc(
            "how long a batch that is not full waits for more requests after its first; 0 "
            "scans what has arrived at once (requests that come during a scan make the next "
            "batch)"
        ),
    )
    cache_size: int = field(
        default=10_000, metadata=_doc("answers kept for repeated texts (0 turns the cache off)")
    )
    heap_trim_s: float = field(
        default=30.0,
        metadata=_doc(
            "how often, at most, the scan thread hands freed memory back to the system after "
            "a batch (glibc's malloc_trim; 0 never): resident size then follows what the pool "
            "holds, not its largest batch so far"
        ),
    )
    scan_timeout_s: float = field(
        default=30.0,
        metadata=_doc(
            "a batch taking longer answers `error` (timeout); the scan stops at its next chunk "
            "and frees the scan thread for the next batch"
        ),
    )
    large_request_bytes: int = field(
        default=64 << 10,
        metadata=_doc(
            "requests larger than this (encoded) are scanned after their batch's other "
            "requests, one at a time, each within `large_scan_timeout_s`: one big prompt delays "
            "others' scans by at most that"
        ),
    )
    large_scan_timeout_s: float = field(
        default=5.0, metadata=_doc("how long one large request may be scanned")
    )
    session_timeout_s: float = field(
        default=10.0,
        metadata=_doc(
            "how long the consumer group waits for a silent process before its partitions move "
            "to the others (a crash is noticed this late)"
        ),
    )
    processes: int = field(
        default=1, metadata=_doc("how many processes `guardstream worker` starts for this pool")
    )
    web_host: str = field(
        default="127.0.0.1",
        metadata=_doc(
            "where health (`/health/live`, `/health/ready`, `/health`) and `/metrics` are served"
        ),
    )
    web_port: int = field(
        default=0,
        metadata=_doc(
            "the first process's health and metrics port; process `i` serves on `web_port + i`",
            shown=", ".join(f"{port} {pool}" for pool, port in DEFAULT_WEB_PORTS.items()),
        ),
    )
    worker_index: int = 0
    """Which of the pool's processes this is (set by ``guardstream worker``, not the file)."""
    scanner: dict[str, Any] = field(
        default_factory=dict,
        metadata=_doc("keyword arguments of the scanner class (see docs/detectors.md)"),
    )
    scanner_class: str = field(
        default="",
        metadata=_doc(
            "`module:Class` of an operator's own scanner plug-in; empty: the built-in class of "
            "the kind"
        ),
    )
    audit: dict[str, Any] = field(
        default_factory=dict,
        metadata=_doc(
            "the audit pool's join settings (`logging_only_deadline_s`, `verdict_grace_s`, "
            "`raw_capture`...: `workers.audit.join.AuditSettings`)"
        ),
    )
    sinks: dict[str, Any] = field(
        default_factory=dict,
        metadata=_doc(
            "the audit pool's sinks by name, each with its settings (`security_log: {log_file, "
            "log_level, include_request_data, max_bytes}`, `mlflow: {experiment_name, "
            "tracking_uri, window_s}`)"
        ),
    )
    payload_key: str = field(
        default="",
        repr=False,
        metadata=_doc(
            "the key(s) the texts on the bus are encrypted with, shared with the shim "
            "(`kid:base64[,kid:base64...]`); else `GUARDSTREAM_PAYLOAD_KEY`; empty: plaintext"
        ),
    )

    def __post_init__(self) -> None:
        if self.payload_key:
            self.cipher()  # a bad key fails at start-up, not on the first request
        if self.batch_size < 1:
            raise ConfigError("batch_size must be at least 1")
        if self.batch_wait_ms < 0:
            raise ConfigError("batch_wait_ms cannot be negative")
        if self.processes < 1:
            raise ConfigError("processes must be at least 1")

    def cipher(self) -> PayloadCipher | None:
        """The payload cipher for :attr:`payload_key`, or None when texts are not encrypted."""
        return PayloadCipher.from_setting(self.payload_key) if self.payload_key else None

    @property
    def group_id(self) -> str:
        """The pool's consumer group: one per scanner kind and deployment."""
        return f"{self.topics.prefix}-pool-{self.kind}"

    @property
    def worker_id(self) -> str:
        """Names this process in results and dead letters."""
        return f"{self.kind}-{socket.gethostname()}-{self.worker_index}"

    @property
    def port(self) -> int:
        """This process's health and metrics port."""
        base = self.web_port or DEFAULT_WEB_PORTS.get(self.kind, 6150)
        return base + self.worker_index

    def for_process(self, index: int) -> PoolSettings:
        """The settings of process ``index`` of this pool."""
        return replace(
            self, worker_index=index, data_dir=self.data_dir.parent / f"{self.kind}-{index}"
        )


def load_config(path: Path | None) -> dict[str, Any]:
    """Read a guardstream YAML config file (see the module docstring); {} without one."""
    if path is None:
        return {}
    try:
        loaded = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as e:
        raise ConfigError(f"cannot read config {path}: {e}") from e
    if not isinstance(loaded, dict):
        raise ConfigError(f"{path} must hold a mapping at the top level")
    return loaded


POOL_KEYS: tuple[Field[Any], ...] = tuple(f for f in fields(PoolSettings) if f.metadata.get("doc"))
"""The keys of a ``pools.<kind>`` section: the fields of :class:`PoolSettings` that have a doc."""


def pool_section(config: dict[str, Any], kind: str) -> dict[str, Any]:
    """The ``pools.<kind>`` section, checked against :data:`POOL_KEYS`."""
    section = dict((config.get("pools") or {}).get(kind) or {})
    allowed = sorted(f.name for f in POOL_KEYS)
    unknown = sorted(set(section) - set(allowed))
    if unknown:
        near = difflib.get_close_matches(unknown[0], allowed, n=1, cutoff=0.6)
        hint = f"; did you mean {near[0]!r}?" if near else f"; known: {', '.join(allowed)}"
        raise ConfigError(f"unknown setting(s) for pool {kind}: {', '.join(unknown)}{hint}")
    return section


def markdown_table() -> str:
    """The configuration reference's table of :data:`POOL_KEYS`."""
    rows = ["| key | type | default | meaning |", "| --- | --- | --- | --- |"]
    for f in POOL_KEYS:
        kind = "mapping" if str(f.type).startswith("dict") else str(f.type)
        default = f.metadata["shown"] or _shown(f.default)
        rows.append(f"| `{f.name}` | {kind} | {default} | {f.metadata['doc']} |")
    return "\n".join(rows) + "\n"


def _shown(default: object) -> str:
    if default is MISSING or default == "":
        return ""
    return f"`{default}`" if isinstance(default, str) else str(default)


def kafka_section(
    config: dict[str, Any], bootstrap: str, environ: Mapping[str, str]
) -> KafkaConnection:
    """The ``kafka`` section as a connection (``os.environ/NAME`` values read from
    ``environ``); ``bootstrap`` wins when given."""
    section = dict(config.get("kafka") or {})
    if bootstrap:
        section["bootstrap_servers"] = bootstrap
    return KafkaConnection.from_settings(section, environ)


def topics_section(config: dict[str, Any], prefix: str | None, partitions: int | None) -> Topics:
    """The ``topics`` section; flags win when given."""
    section = dict(config.get("topics") or {})
    if prefix:
        section["prefix"] = prefix
    if partitions:
        section["partitions"] = partitions
    try:
        return Topics(**section)
    except TypeError as e:
        raise ConfigError(f"bad topics settings: {e}") from e
