"""The table of topics: names, partitions, retention, cleanup policy and keys.

Every topic name is derived here from one prefix, so a deployment (or a test) can run beside
another on the same cluster. No other module spells a topic name.
"""

from __future__ import annotations

from dataclasses import dataclass

from topics.codec import MAX_MESSAGE_BYTES
from topics.errors import ConfigError

__all__ = ["DEFAULT_PREFIX", "TopicSpec", "Topics", "min_insync_replicas", "replication_for"]

DEFAULT_PREFIX = "guardstream"
_HOUR_MS = 3_600_000
_DAY_MS = 24 * _HOUR_MS


def replication_for(brokers: int) -> int:
    """How many copies of each partition a cluster of ``brokers`` keeps: three where it can
    (one broker may fail, and another be restarted, without losing a write), else as many as
    there are brokers (a one-node development broker keeps one)."""
    return max(1, min(3, brokers))


def min_insync_replicas(replication_factor: int) -> int:
    """How many copies must have a write before it is acknowledged (producers ask for
    ``acks=all``): two of three, so an acknowledged write survives the loss of its leader; one
    where there are fewer copies, which could not take a write during any outage otherwise."""
    return 2 if replication_factor >= 3 else 1


@dataclass(frozen=True, slots=True)
class TopicSpec:
    """How one topic is laid out."""

    name: str
    partitions: int
    retention_ms: int
    cleanup_policy: str
    key: str
    """What the message key is, for people reading ``guardstream topics describe``."""
    max_message_bytes: int = MAX_MESSAGE_BYTES

    def configs(self, replication_factor: int = 1) -> dict[str, str]:
        """The topic-level configs Kafka is given for this spec, on a topic kept in
        ``replication_factor`` copies."""
        return {
            "retention.ms": str(self.retention_ms),
            "cleanup.policy": self.cleanup_policy,
            "max.message.bytes": str(self.max_message_bytes),
            "min.insync.replicas": str(min_insync_replicas(replication_factor)),
        }


@dataclass(frozen=True, slots=True)
class Topics:
    """The topics of one guardstream deployment.

    ``partitions`` bounds each pool's parallelism (one consumer per partition per group), so it
    is also the ceiling for autoscaling a pool.
    """

    prefix: str = DEFAULT_PREFIX
    partitions: int = 12
    audit_retention_days: float = 30.0
    """How long the audit trail is kept. Every process that creates topics applies it (pools
    do at start), so set it where they all read it: the config file's ``topics`` section."""

    def __post_init__(self) -> None:
        if self.audit_retention_days <= 0:
            raise ConfigError("audit_retention_days must be more than 0")

    @property
    def requests(self) -> TopicSpec:
        """Scan requests from the shim; every pool's consumer group reads all of them."""
        return TopicSpec(
            f"{self.prefix}.scan.requests", self.partitions, _DAY_MS, "delete", "request id"
        )

    @property
    def results(self) -> TopicSpec:
        """Per-scanner results. Written to the partition the request's reply address names, so
        each proxy instance reads one partition; without a reply address, by request id."""
        return TopicSpec(
            f"{self.prefix}.scan.results",
            self.partitions,
            _DAY_MS,
            "delete",
            "request id (partition: the reply address)",
        )

    @property
    def verdicts(self) -> TopicSpec:
        """The proxy's final decision per request and phase, for the audit pool."""
        return TopicSpec(
            f"{self.prefix}.scan.verdicts", self.partitions, _DAY_MS, "delete", "request id"
        )

    @property
    def audit(self) -> TopicSpec:
        """One audit record per request and phase: the trail security teams read."""
        return TopicSpec(
            f"{self.prefix}.audit",
            self.partitions,
            int(self.audit_retention_days * _DAY_MS),
            "delete",
            "request id",
        )

    @property
    def audit_joins(self) -> TopicSpec:
        """The audit pool's own input: results re-keyed by request id (so they meet their request
        on one partition), its deadline ticks, and a chunked request whole with its merged
        results, from the shim (its chunks are not recorded one by one)."""
        return TopicSpec(
            f"{self.prefix}.audit.joins", self.partitions, _DAY_MS, "delete", "request id"
        )

    @property
    def audit_state(self) -> TopicSpec:
        """The audit pool's join state per request and phase (its faust table's changelog):
        hashes and masked texts, never a raw text unless the operator turned raw capture on.
        Compacted to the latest state of each; deleted past a day too, as a state lives at
        most ``keep_emitted_s`` (an hour) after its record was written."""
        return TopicSpec(
            f"{self.prefix}.audit.state",
            self.partitions,
            _DAY_MS,
            "compact,delete",
            "request id|phase",
        )

    @property
    def dead_letters(self) -> TopicSpec:
        """Messages that could not be decoded or scanned, with the reason and original bytes."""
        return TopicSpec(f"{self.prefix}.dead-letters", 3, 14 * _DAY_MS, "delete", "original key")

    def all(self) -> list[TopicSpec]:
        """Every topic, in the order ``guardstream topics create`` makes them."""
        return [
            self.requests,
            self.results,
            self.verdicts,
            self.audit,
            self.audit_joins,
            self.audit_state,
            self.dead_letters,
        ]
