"""Which Kafka the integration tests run against, chosen once per session.

In order: the broker ``KAFKA_BOOTSTRAP_SERVERS`` names; a Kafka 4.x container when a Docker
engine answers (testcontainers); else the project's own local broker, started in a temporary
folder. The same tests run on all three.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Iterator
from pathlib import Path

from workers.cli.environment import Environment
from workers.local.broker import LocalBroker

KAFKA_IMAGE = "apache/kafka:4.1.1"


def docker_available() -> bool:
    """True when a Docker engine answers a ping on its socket."""
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    try:
        if host.startswith("unix://"):
            probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            address: object = host.removeprefix("unix://")
        elif host.startswith("tcp://"):
            probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            name, _, port = host.removeprefix("tcp://").partition(":")
            address = (name, int(port or 2375))
        else:
            return False
        with probe:
            probe.settimeout(3)
            probe.connect(address)
            probe.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
            return b" 200 " in probe.recv(256)
    except (OSError, ValueError):
        return False


@contextlib.contextmanager
def kafka_bootstrap(tmp: Path) -> Iterator[tuple[str, str]]:
    """Yield ``(bootstrap servers, where it came from)`` for the session's broker."""
    env = Environment.from_environ(os.environ)
    if env.bootstrap_servers:
        yield env.bootstrap_servers, "KAFKA_BOOTSTRAP_SERVERS"
    elif docker_available():
        from testcontainers.kafka import KafkaContainer

        with KafkaContainer(KAFKA_IMAGE).with_kraft() as container:
            yield container.get_bootstrap_server(), f"testcontainers {KAFKA_IMAGE}"
    else:
        broker = LocalBroker(tmp / "broker", env.jars(), java_home=env.java_home)
        info = broker.start()
        try:
            yield info.bootstrap_servers, f"local broker (pid {info.pid})"
        finally:
            broker.stop()
