"""A real Apache Kafka 4.x broker on this machine, without Docker.

:class:`~workers.local.jars.KafkaJars` fetches the broker's jars with Maven into a cache outside
the repository. :class:`LocalBroker` formats a single-node KRaft store (broker and controller in one
process), starts it on free loopback ports, waits until it serves, and stops it. The broker runs
detached, so ``guardstream kafka start`` returns while it keeps running; its address is kept in
``broker.json`` in its state folder, where later commands find it. The ports it first chose are
kept in ``ports.json`` there and reused by every later start, so pools and proxies started
against the old address reconnect when it comes back.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

from topics.errors import BrokerUnavailable, ConfigError
from topics.specs import min_insync_replicas, replication_for
from workers.local.jars import KAFKA_VERSION, KafkaJars, find_java

__all__ = [
    "KAFKA_VERSION",
    "BrokerInfo",
    "BrokerSecurity",
    "KafkaJars",
    "LocalBroker",
    "find_java",
    "free_port",
    "new_cluster_id",
]

_READY_LINE = "Kafka Server started"

_LOG4J2 = """Configuration:
  Appenders:
    Console:
      name: STDOUT
      PatternLayout:
        pattern: "[%d] %p %m (%c)%n"
  Loggers:
    Logger:
      - name: kafka
        level: INFO
      - name: org.apache.kafka
        level: WARN
    Root:
      level: INFO
      AppenderRef:
        - ref: STDOUT
"""


@dataclass(frozen=True, slots=True)
class BrokerInfo:
    """A running local broker, as written to ``broker.json``."""

    pid: int
    bootstrap_servers: str
    controller_port: int
    state_dir: str
    log_file: str
    started_at: float


@dataclass(frozen=True)
class BrokerSecurity:
    """TLS, and SCRAM or client certificates, on the local broker's client listener.

    The controller listener stays plaintext on loopback (only the broker itself talks to it).

    Attributes:
        mode: ``sasl_ssl`` (TLS plus SCRAM-SHA-512 logins) or ``ssl_mtls`` (TLS where every
            client must present a certificate signed by ``ca_file``).
        ca_file: PEM CA certificate(s) the broker trusts for client certificates, and that
            signed ``cert_file``.
        cert_file: the broker's PEM certificate chain; its SAN must name the listen host.
        key_file: the broker's unencrypted PKCS#8 PEM private key (``BEGIN PRIVATE KEY``).
        scram_users: ``{name: password}`` for ``sasl_ssl``, written at format time (KRaft keeps
            SCRAM credentials in its metadata log). Names and passwords may not contain
            ``,``, ``=``, ``[``, ``]``, quotes, backslashes or spaces.
    """

    mode: Literal["sasl_ssl", "ssl_mtls"]
    ca_file: Path
    cert_file: Path
    key_file: Path
    scram_users: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.mode not in ("sasl_ssl", "ssl_mtls"):
            raise ConfigError(f"unknown broker security mode {self.mode!r}")
        if self.mode == "sasl_ssl" and not self.scram_users:
            raise ConfigError("sasl_ssl needs at least one SCRAM user")
        for value in (*self.scram_users, *self.scram_users.values()):
            if not value or any(c in value for c in _SCRAM_FORBIDDEN):
                raise ConfigError(f"SCRAM names and passwords may not contain {_SCRAM_FORBIDDEN}")

    @property
    def listener(self) -> str:
        """The client listener's name and security protocol."""
        return "SASL_SSL" if self.mode == "sasl_ssl" else "SSL"


_SCRAM_FORBIDDEN = ",=[]\"'\\ "
_INTER_BROKER_USER = "guardstream-broker"


class LocalBroker:
    """One single-node KRaft Kafka broker whose files live in ``state_dir``.

    Several can run at once, each with its own state folder and ports.

    Args:
        state_dir: holds the config, the data, the log and ``broker.json``.
        jars: where the broker's jars come from.
        java_home: the JDK to use; empty means ``java`` on PATH.
        host: the loopback address to listen on.
        heap: the JVM's maximum heap.
        extra_properties: more ``server.properties`` lines.
        security: TLS with SCRAM or client certificates on the client listener; None (the
            default) serves plaintext.
        node_id: this node's id in its cluster.
        voters: every controller of the cluster, ``{node id: controller port}``, for a node of
            a :class:`~workers.local.cluster.LocalCluster`; None (the default) makes a
            one-node cluster of this broker alone.
        cluster_id: the id its store is formatted with (the same on every node of a cluster);
            empty draws one.
    """

    def __init__(
        self,
        state_dir: Path,
        jars: KafkaJars,
        *,
        java_home: str = "",
        host: str = "127.0.0.1",
        heap: str = "1g",
        extra_properties: dict[str, str] | None = None,
        security: BrokerSecurity | None = None,
        node_id: int = 1,
        voters: dict[int, int] | None = None,
        cluster_id: str = "",
    ) -> None:
        self.state_dir = state_dir
        self.jars = jars
        self.java_home = java_home
        self.host = host
        self.heap = heap
        self.extra_properties = dict(extra_properties or {})
        self.security = security
        self.node_id = node_id
        self.voters = dict(voters or {})
        self.cluster_id = cluster_id
        self._process: subprocess.Popen | None = None  # set when this object started it

    @property
    def info_file(self) -> Path:
        return self.state_dir / "broker.json"

    @property
    def ports_file(self) -> Path:
        return self.state_dir / "ports.json"

    def status(self) -> BrokerInfo | None:
        """The running broker, or None when none runs from this state folder."""
        try:
            info = BrokerInfo(**json.loads(self.info_file.read_text()))
        except (OSError, ValueError, TypeError):
            return None
        if not _alive(info.pid):
            return None
        return info

    def start(self, *, timeout: float = 90.0, port: int = 0) -> BrokerInfo:
        """Start the broker (or return the one already running) once it accepts clients."""
        running = self.status()
        if running:
            return running
        java = find_java(self.java_home)
        libs = self.jars.ensure()
        self.state_dir.mkdir(parents=True, exist_ok=True)
        broker_port, controller_port = self._ports(port)
        config = self._write_config(broker_port, controller_port)
        log_file = self.state_dir / "broker.log"
        base = [java, f"-Xmx{self.heap}", "-Xms256m", "-cp", f"{libs}/*"]
        if not (self.state_dir / "data" / "meta.properties").exists():
            self._format(base, config)
        log4j = self.state_dir / "log4j2.yaml"
        log4j.write_text(_LOG4J2)
        offset = log_file.stat().st_size if log_file.exists() else 0
        with log_file.open("ab") as out:
            process = subprocess.Popen(
                [*base, f"-Dlog4j2.configurationFile={log4j}", "kafka.Kafka", str(config)],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # outlives the command that started it
            )
        info = BrokerInfo(
            pid=process.pid,
            bootstrap_servers=f"{self.host}:{broker_port}",
            controller_port=controller_port,
            state_dir=str(self.state_dir),
            log_file=str(log_file),
            started_at=time.time(),
        )
        try:
            self._wait_ready(process, info, log_file, offset, timeout)
        except BaseException:
            _terminate(process.pid, 10.0)
            process.wait()
            raise
        self.info_file.write_text(json.dumps(asdict(info), indent=2))
        self._process = process
        return info

    def _ports(self, port: int) -> tuple[int, int]:
        """The client and controller ports of this start: ``port`` (or the cluster's controller
        port) when given, else the ones this state folder used before, else free ones, kept in
        ``ports.json`` for the next start. A restart on a new port would strand every client
        configured with the old address, so a kept port that something else now holds is an
        error, not a reason to move."""
        kept: dict[str, int] = {}
        with contextlib.suppress(OSError, ValueError):
            kept = {k: int(v) for k, v in json.loads(self.ports_file.read_text()).items()}
        broker_port = port or kept.get("broker_port") or free_port(self.host)
        controller_port = (
            self.voters.get(self.node_id)
            or kept.get("controller_port")
            or free_port(self.host, avoid={broker_port})
        )
        for what, taken in (("client", broker_port), ("controller", controller_port)):
            if not _can_listen(self.host, taken):
                raise BrokerUnavailable(
                    f"the local broker in {self.state_dir} listens on {self.host}:{taken} "
                    f"({what} port), but something else holds that port now: stop it, or "
                    f"start with --port (clients must then be given the new address)"
                )
        ports = {"broker_port": broker_port, "controller_port": controller_port}
        self.ports_file.write_text(json.dumps(ports, indent=2))
        return broker_port, controller_port

    def stop(self, *, timeout: float = 30.0) -> bool:
        """Stop the broker cleanly (SIGTERM, then SIGKILL after ``timeout``); False if none ran."""
        info = self.status()
        self.info_file.unlink(missing_ok=True)
        if not info:
            return False
        _terminate(info.pid, timeout)
        if self._process is not None:
            self._process.wait()  # reap it, so no zombie or ResourceWarning is left behind
            self._process = None
        return True

    def _write_config(self, broker_port: int, controller_port: int) -> Path:
        voters = self.voters or {self.node_id: controller_port}
        # the cluster's own topics (consumer offsets, transactions) are kept like guardstream's
        replicas = replication_for(len(voters))
        properties = {
            "process.roles": "broker,controller",
            "node.id": str(self.node_id),
            "controller.quorum.voters": ",".join(
                f"{node}@{self.host}:{port}" for node, port in sorted(voters.items())
            ),
            "listeners": f"PLAINTEXT://{self.host}:{broker_port},CONTROLLER://{self.host}:{controller_port}",
            "advertised.listeners": f"PLAINTEXT://{self.host}:{broker_port}",
            "controller.listener.names": "CONTROLLER",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "inter.broker.listener.name": "PLAINTEXT",
            "log.dirs": str(self.state_dir / "data"),
            "offsets.topic.replication.factor": str(replicas),
            "offsets.topic.num.partitions": "12",
            "transaction.state.log.replication.factor": str(replicas),
            "transaction.state.log.min.isr": str(min_insync_replicas(replicas)),
            "share.coordinator.state.topic.replication.factor": str(replicas),
            "share.coordinator.state.topic.min.isr": str(min_insync_replicas(replicas)),
            "default.replication.factor": str(replicas),
            "min.insync.replicas": str(min_insync_replicas(replicas)),
            "group.initial.rebalance.delay.ms": "0",
            "num.partitions": "1",
            "message.max.bytes": str(9 * 1024 * 1024),
            "replica.fetch.max.bytes": str(9 * 1024 * 1024),
        }
        if self.security is not None:
            properties.update(self._security_properties(broker_port, controller_port))
        properties.update(self.extra_properties)
        config = self.state_dir / "server.properties"
        config.write_text("".join(f"{k}={v}\n" for k, v in properties.items()))
        return config

    def _security_properties(self, broker_port: int, controller_port: int) -> dict[str, str]:
        """The client listener with TLS (and SCRAM), replacing the plaintext one; it is also
        the inter-broker listener, so nothing on this broker's client port is plaintext."""
        security = self.security
        assert security is not None
        name = security.listener
        keystore = self.state_dir / "broker-keystore.pem"
        # Kafka's PEM key store is one file: the private key, then the certificate chain.
        keystore.write_text(
            security.key_file.read_text().strip() + "\n" + security.cert_file.read_text()
        )
        keystore.chmod(0o600)
        prefix = f"listener.name.{name.lower()}"
        properties = {
            "listeners": f"{name}://{self.host}:{broker_port},"
            f"CONTROLLER://{self.host}:{controller_port}",
            "advertised.listeners": f"{name}://{self.host}:{broker_port}",
            "listener.security.protocol.map": f"{name}:{name},CONTROLLER:PLAINTEXT",
            "inter.broker.listener.name": name,
            "ssl.keystore.type": "PEM",
            "ssl.keystore.location": str(keystore),
            "ssl.truststore.type": "PEM",
            "ssl.truststore.location": str(security.ca_file),
        }
        if security.mode == "ssl_mtls":
            properties["ssl.client.auth"] = "required"
        else:
            password = self._inter_broker_password()
            properties.update(
                {
                    "sasl.enabled.mechanisms": "SCRAM-SHA-512",
                    "sasl.mechanism.inter.broker.protocol": "SCRAM-SHA-512",
                    f"{prefix}.sasl.enabled.mechanisms": "SCRAM-SHA-512",
                    f"{prefix}.scram-sha-512.sasl.jaas.config": (
                        "org.apache.kafka.common.security.scram.ScramLoginModule required "
                        f'username="{_INTER_BROKER_USER}" password="{password}";'
                    ),
                }
            )
        return properties

    def _inter_broker_password(self) -> str:
        """The broker's own SCRAM password, made once per state folder."""
        path = self.state_dir / "inter-broker.secret"
        if not path.exists():
            path.write_text(uuid.uuid4().hex)
            path.chmod(0o600)
        return path.read_text().strip()

    def _scram_arguments(self) -> list[str]:
        security = self.security
        if security is None or security.mode != "sasl_ssl":
            return []
        users = {**security.scram_users, _INTER_BROKER_USER: self._inter_broker_password()}
        arguments = []
        for name, password in users.items():
            arguments += ["--add-scram", f"SCRAM-SHA-512=[name={name},password={password}]"]
        return arguments

    def _format(self, base: list[str], config: Path) -> None:
        cluster_id = self.cluster_id or new_cluster_id()
        command = [*base, "kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(config)]
        command += self._scram_arguments()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise BrokerUnavailable(
                f"formatting the KRaft store failed:\n{done.stdout}{done.stderr}"
            )

    def _wait_ready(
        self,
        process: subprocess.Popen,
        info: BrokerInfo,
        log_file: Path,
        offset: int,
        timeout: float,
    ) -> None:
        host, port = info.bootstrap_servers.rsplit(":", 1)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise BrokerUnavailable(
                    f"the Kafka broker exited with code {process.returncode}:\n"
                    f"{_tail(log_file, offset)}"
                )
            if _READY_LINE in _read_from(log_file, offset) and _accepts(host, int(port)):
                return
            time.sleep(0.1)
        raise BrokerUnavailable(
            f"the Kafka broker did not become ready in {timeout:.0f}s:\n{_tail(log_file, offset)}"
        )


def new_cluster_id() -> str:
    """A fresh KRaft cluster id."""
    # Kafka's cluster ids are 16 random bytes in URL-safe base64 without padding. One in 64
    # starts with "-", which kafka-storage's argument parser takes for a flag; Kafka's own
    # Uuid.randomUuid() redraws those too.
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


def free_port(host: str, avoid: set[int] | None = None) -> int:
    """A port nothing listens on now on ``host``, other than those in ``avoid``."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind((host, 0))
            port = s.getsockname()[1]
        if port not in (avoid or set()):
            return port


def _can_listen(host: str, port: int) -> bool:
    """Whether a server could listen on ``port`` now (SO_REUSEADDR, as the JVM binds: a port
    left in TIME_WAIT by the broker's previous run is free)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def _accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError):  # a zombie child of ours is not alive
        if Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z"):
            os.waitpid(pid, os.WNOHANG)
            return False
    return True


def _terminate(pid: int, timeout: float) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    while _alive(pid):
        time.sleep(0.05)


def _read_from(path: Path, offset: int) -> str:
    try:
        with path.open("rb") as f:
            f.seek(offset)
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _tail(path: Path, offset: int, lines: int = 30) -> str:
    return "\n".join(_read_from(path, offset).splitlines()[-lines:])
