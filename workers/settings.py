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
        batch_wait_ms: 5
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

import socket
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
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
    "PoolSettings",
    "kafka_section",
    "load_config",
    "pool_section",
    "topics_section",
]

POOLS: tuple[str, ...] = (*SCANNER_KINDS, "audit")
"""Every pool: one per scanner kind, and the audit pool."""

DEFAULT_WEB_PORTS = {pool: 6100 + 10 * i for i, pool in enumerate(POOLS)}
"""Each pool's first health/metrics port, 6100, 6110, ... in :data:`POOLS` order; process ``i``
of a pool serves on ``port + i``."""


@dataclass(frozen=True, slots=True)
class PoolSettings:
    """Everything one pool process needs.

    Attributes:
        kind: the scanner kind (``pii``, ``prompt_injection``, ``secrets``, ``moderation``).
        connection: how to reach Kafka.
        topics: the deployment's topics.
        data_dir: faust's state folder for this process.
        batch_size: the most requests scanned in one batch.
        batch_wait_ms: the longest a batch waits to fill up.
        cache_size: answers kept for repeated texts (0 turns the cache off).
        scan_timeout_s: a batch taking longer than this answers ``error`` (timeout); the scan
            stops at its next chunk and frees the scan thread for the next batch.
        large_request_bytes: requests larger than this (encoded) are scanned after their
            batch's other requests have been answered, one at a time, each within
            ``large_scan_timeout_s``: one big prompt delays others' scans by at most that.
        session_timeout_s: how long the group waits for a silent process before its partitions
            move to the others (a crash is noticed this late).
        processes: how many processes ``guardstream worker`` starts for this pool.
        web_host, web_port: where health and metrics are served (first process's port).
        worker_index: which of the pool's processes this is.
        scanner: keyword arguments for the scanner class.
        scanner_class: ``module:Class`` of an operator's own scanner plug-in; empty means the
            built-in class registered for ``kind``.
        audit: the audit pool's join settings (:class:`workers.audit.join.AuditSettings`).
        sinks: the audit pool's sinks by name, each with its settings
            (``security_log: {log_file, log_level, include_request_data, max_bytes}``,
            ``mlflow: {experiment_name, tracking_uri, window_s}``).
        payload_key: the key(s) the texts on the bus are encrypted with, shared with the
            shim (``kid:base64[,kid:base64...]``, see :mod:`topics.crypto`); empty: texts
            travel in plaintext.
    """

    kind: str
    connection: KafkaConnection
    topics: Topics
    data_dir: Path
    batch_size: int = 32
    batch_wait_ms: float = 5.0
    cache_size: int = 10_000
    scan_timeout_s: float = 30.0
    large_request_bytes: int = 64 << 10
    large_scan_timeout_s: float = 5.0
    session_timeout_s: float = 10.0
    processes: int = 1
    web_host: str = "127.0.0.1"
    web_port: int = 0
    worker_index: int = 0
    scanner: dict[str, Any] = field(default_factory=dict)
    scanner_class: str = ""
    audit: dict[str, Any] = field(default_factory=dict)
    sinks: dict[str, Any] = field(default_factory=dict)
    payload_key: str = field(default="", repr=False)

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


def pool_section(config: dict[str, Any], kind: str) -> dict[str, Any]:
    """The ``pools.<kind>`` section, checked against :class:`PoolSettings`' fields."""
    section = dict((config.get("pools") or {}).get(kind) or {})
    allowed = {f.name for f in fields(PoolSettings)} - {"kind", "connection", "topics", "data_dir"}
    unknown = set(section) - allowed
    if unknown:
        raise ConfigError(f"unknown setting(s) for pool {kind}: {', '.join(sorted(unknown))}")
    return section


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
