"""What the ``guardstream`` command reads from its environment, read once at start-up."""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from topics.connection import KafkaConnection
from topics.errors import BrokerUnavailable

if TYPE_CHECKING:
    from workers.local.broker import KafkaJars, LocalBroker
    from workers.local.cluster import LocalCluster

__all__ = ["Environment"]


@dataclass(frozen=True, slots=True)
class Environment:
    """Settings every command shares.

    Attributes:
        home: guardstream's own files: the cached Kafka jars and local brokers' state
            (``GUARDSTREAM_HOME``, else ``$XDG_CACHE_HOME/guardstream``, else
            ``~/.cache/guardstream``).
        bootstrap_servers: a Kafka cluster to use instead of the local broker
            (``KAFKA_BOOTSTRAP_SERVERS``).
        java_home: the JDK for the local broker (``JAVA_HOME``; empty: ``java`` on PATH).
        payload_key: the key(s) for end-to-end encryption of the texts on the bus
            (``GUARDSTREAM_PAYLOAD_KEY``; see :mod:`topics.crypto`); empty: plaintext.
    """

    home: Path
    bootstrap_servers: str = ""
    java_home: str = ""
    payload_key: str = field(default="", repr=False)
    variables: Mapping[str, str] = field(default_factory=dict)
    """The whole environment, for ``os.environ/NAME`` values in config files."""

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Environment:
        """Read the variables named in the class docstring."""
        home = environ.get("GUARDSTREAM_HOME")
        if not home:
            cache = environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
            home = str(Path(cache) / "guardstream")
        return cls(
            home=Path(home),
            bootstrap_servers=environ.get("KAFKA_BOOTSTRAP_SERVERS", ""),
            java_home=environ.get("JAVA_HOME", ""),
            payload_key=environ.get("GUARDSTREAM_PAYLOAD_KEY", ""),
            variables=dict(environ),
        )

    def jars(self) -> KafkaJars:
        """The cached Kafka distribution."""
        from workers.local.broker import KafkaJars  # development tooling: imported when used

        return KafkaJars(self.home / "jars")

    def local_broker(self, name: str = "default") -> LocalBroker:
        """The local broker called ``name`` (its own state folder and ports)."""
        from workers.local.broker import LocalBroker

        return LocalBroker(self.home / "brokers" / name, self.jars(), java_home=self.java_home)

    def local_cluster(self, name: str = "default", size: int = 3) -> LocalCluster:
        """The local replicated cluster called ``name`` (``size`` nodes when first started)."""
        from workers.local.cluster import LocalCluster

        return LocalCluster(
            self.home / "clusters" / name, self.jars(), size=size, java_home=self.java_home
        )

    def bootstrap(self, flag: str | None = None) -> str:
        """The broker to talk to: ``--bootstrap-servers``, else ``KAFKA_BOOTSTRAP_SERVERS``,
        else the running local broker."""
        if flag:
            return flag
        if self.bootstrap_servers:
            return self.bootstrap_servers
        # No local broker in the worker image: workers.local is not installed there.
        if importlib.util.find_spec("workers.local") is not None:
            running = self.local_broker().status() or self.local_cluster().status()
            if running:
                return running.bootstrap_servers
        raise BrokerUnavailable(
            "no Kafka broker: start the local one with `guardstream kafka start`, "
            "or pass --bootstrap-servers / set KAFKA_BOOTSTRAP_SERVERS"
        )

    def connection(self, flag: str | None = None) -> KafkaConnection:
        """A plaintext connection to :meth:`bootstrap`'s broker."""
        return KafkaConnection(self.bootstrap(flag))
