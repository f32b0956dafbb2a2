"""How guardstream's clients reach Kafka, security settings included.

The shim builds one from LiteLLM's ``litellm_params``, the workers from their settings; both hand
``client_kwargs()`` to aiokafka's producers, consumers and admin client.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from topics.errors import ConfigError

__all__ = ["METADATA_MAX_AGE_MS", "RELIABLE_PRODUCER", "KafkaConnection", "resolve_env"]

_ENV_PREFIX = "os.environ/"


def resolve_env(value: Any, environ: Mapping[str, str]) -> Any:
    """``os.environ/NAME`` (LiteLLM's notation, used in every guardstream config) read from
    ``environ``; any other value as it is."""
    if isinstance(value, str) and value.startswith(_ENV_PREFIX):
        name = value.removeprefix(_ENV_PREFIX)
        if name not in environ:
            raise ConfigError(f"{value} is not set in the environment")
        return environ[name]
    return value


METADATA_MAX_AGE_MS = 3000
"""How old a client's view of the partition leaders may get. aiokafka's consumers keep
fetching from a dead leader (retrying every ``retry_backoff_ms``) until their metadata is
refreshed, which by default is every 5 minutes: with this, a consumer finds a new leader within
3 s of the cluster electing it. One small metadata request per client every 3 s is the cost."""

RELIABLE_PRODUCER: dict[str, Any] = {
    # acks from every in-sync replica: a write the leader took but no follower copied is not
    # acknowledged, so a leader that dies never takes an acknowledged message with it
    "acks": "all",
    # a retried batch (its ack lost to a broker crash) is written once, not twice: the broker
    # drops a batch whose producer id and sequence it already has
    "enable_idempotence": True,
    # retries come quickly after a leader moves (the default waits 100 ms between tries and
    # reconnects after 50 ms: kept, spelled here so the one place shows the whole policy)
    "retry_backoff_ms": 100,
    "metadata_max_age_ms": METADATA_MAX_AGE_MS,
}
"""What every guardstream producer adds to :meth:`KafkaConnection.client_kwargs` (the shim's,
the pools', the audit pool's): the one place the delivery guarantee is set."""

SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]


@dataclass(frozen=True, slots=True)
class KafkaConnection:
    """Bootstrap address and security settings for a Kafka cluster.

    Attributes:
        bootstrap_servers: ``host:port[,host:port...]``.
        security_protocol: ``PLAINTEXT``, ``SSL`` (TLS, mTLS with a client certificate),
            ``SASL_PLAINTEXT`` or ``SASL_SSL``.
        sasl_mechanism: ``PLAIN``, ``SCRAM-SHA-256`` or ``SCRAM-SHA-512``.
        sasl_username, sasl_password: SASL credentials.
        ssl_cafile: CA bundle that signed the brokers' certificates.
        ssl_certfile, ssl_keyfile: the client certificate and key, for mTLS.
        ssl_check_hostname: verify that a broker's certificate names its host.
    """

    bootstrap_servers: str
    security_protocol: SecurityProtocol = "PLAINTEXT"
    sasl_mechanism: str = "SCRAM-SHA-512"
    sasl_username: str = ""
    sasl_password: str = field(default="", repr=False)  # settings get logged; secrets must not
    ssl_cafile: str = ""
    ssl_certfile: str = ""
    ssl_keyfile: str = ""
    ssl_check_hostname: bool = True

    def __post_init__(self) -> None:
        if not self.bootstrap_servers.strip():
            raise ConfigError("bootstrap_servers is empty: set it to host:port of a Kafka broker")
        if self.security_protocol not in ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"):
            raise ConfigError(f"unknown security_protocol {self.security_protocol!r}")
        if self.security_protocol.startswith("SASL") and not self.sasl_username:
            raise ConfigError(f"{self.security_protocol} needs sasl_username and sasl_password")

    @classmethod
    def from_settings(
        cls, settings: Mapping[str, Any], environ: Mapping[str, str]
    ) -> KafkaConnection:
        """From a config's ``kafka`` section, with ``os.environ/NAME`` values resolved."""
        known = {f.name for f in fields(cls)}
        unknown = set(settings) - known
        if unknown:
            raise ConfigError(f"unknown kafka setting(s): {', '.join(sorted(unknown))}")
        return cls(**{k: resolve_env(v, environ) for k, v in settings.items()})

    def client_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for any aiokafka client."""
        kwargs: dict[str, Any] = {
            "bootstrap_servers": self.bootstrap_servers,
            "security_protocol": self.security_protocol,
        }
        if self.security_protocol in ("SSL", "SASL_SSL"):
            kwargs["ssl_context"] = self.ssl_context()
        if self.security_protocol.startswith("SASL"):
            kwargs["sasl_mechanism"] = self.sasl_mechanism
            kwargs["sasl_plain_username"] = self.sasl_username
            kwargs["sasl_plain_password"] = self.sasl_password
        return kwargs

    def consumer_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for an aiokafka consumer: :meth:`client_kwargs`, and leaders
        looked up again every :data:`METADATA_MAX_AGE_MS` so a moved one is found promptly."""
        return {**self.client_kwargs(), "metadata_max_age_ms": METADATA_MAX_AGE_MS}

    def producer_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for an aiokafka producer: :meth:`client_kwargs` plus
        :data:`RELIABLE_PRODUCER` (acks from all in-sync replicas, idempotent retries)."""
        return {**self.client_kwargs(), **RELIABLE_PRODUCER}

    def ssl_context(self) -> ssl.SSLContext:
        """A client TLS context from the CA and, for mTLS, the client certificate."""
        try:
            context = ssl.create_default_context(cafile=self.ssl_cafile or None)
            context.check_hostname = self.ssl_check_hostname
            if self.ssl_certfile:
                context.load_cert_chain(self.ssl_certfile, self.ssl_keyfile or None)
        except (OSError, ssl.SSLError) as e:
            raise ConfigError(f"cannot load the TLS files for Kafka: {e}") from e
        return context
