"""A replicated Kafka cluster on this machine: three (or more) KRaft nodes on loopback.

Each node is a :class:`~workers.local.broker.LocalBroker` in a folder of its own, with its own
client and controller ports, combining the broker and controller roles; every node lists all
of them in ``controller.quorum.voters``, and all are formatted with the same cluster id. The
ports and the id are kept in ``cluster.json``, so a stopped node (or the whole cluster) comes
back where it was. With three nodes, guardstream's topics keep three copies and acknowledge a
write once two have it (:func:`topics.specs.replication_for`), so one node can die at any
moment without losing an acknowledged message.
"""

from __future__ import annotations

import asyncio
import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from topics.admin import count_brokers
from topics.connection import KafkaConnection
from topics.errors import BrokerUnavailable, ConfigError
from workers.local.broker import BrokerInfo, KafkaJars, LocalBroker, free_port, new_cluster_id

__all__ = ["FAILOVER_PROPERTIES", "ClusterInfo", "LocalCluster"]

FAILOVER_PROPERTIES = {
    # The controller moves a dead node's partition leaderships only once it has missed its
    # heartbeats for this long; Kafka's 9 s default is most of a pool's stall after a kill -9.
    "broker.session.timeout.ms": "3000",
    "broker.heartbeat.interval.ms": "500",
}
"""How quickly a killed node's leaderships move to its followers (set on every node)."""


@dataclass(frozen=True, slots=True)
class ClusterInfo:
    """The running nodes of a local cluster."""

    nodes: dict[int, BrokerInfo]
    """Each running node by its node id (the id Kafka names partition leaders by)."""

    @property
    def bootstrap_servers(self) -> str:
        """Every running node's client address, comma-separated."""
        return ",".join(info.bootstrap_servers for _, info in sorted(self.nodes.items()))


class LocalCluster:
    """A KRaft cluster of ``size`` nodes whose files live in ``state_dir``.

    Args:
        state_dir: holds ``cluster.json`` and one folder per node (``node-1``...).
        jars: where the brokers' jars come from.
        size: how many nodes (1 or more; 3 for replication that survives a lost node).
        java_home, host, heap: as for :class:`~workers.local.broker.LocalBroker`, per node.
    """

    def __init__(
        self,
        state_dir: Path,
        jars: KafkaJars,
        *,
        size: int = 3,
        java_home: str = "",
        host: str = "127.0.0.1",
        heap: str = "512m",
    ) -> None:
        if size < 1:
            raise ConfigError("a cluster needs at least one node")
        self.state_dir = state_dir
        self.jars = jars
        self.size = size
        self.java_home = java_home
        self.host = host
        self.heap = heap
        self._nodes: dict[int, LocalBroker] = {}  # kept, so each reaps the process it started

    @property
    def layout_file(self) -> Path:
        return self.state_dir / "cluster.json"

    def exists(self) -> bool:
        """True once this folder holds a cluster (running or not)."""
        return self.layout_file.exists()

    def node(self, node_id: int) -> LocalBroker:
        """One node, to stop or start on its own."""
        layout = self._layout()
        return self._broker(node_id, layout)

    def broker_port(self, node_id: int) -> int:
        """The client port node ``node_id`` always listens on."""
        return int(self._layout()["nodes"][str(node_id)]["broker_port"])

    def start(self, *, timeout: float = 120.0) -> ClusterInfo:
        """Start every node that is not running, all at once (a quorum needs a majority before
        any node serves), and return once all accept clients."""
        layout = self._layout()
        ids = sorted(int(n) for n in layout["nodes"])
        with ThreadPoolExecutor(len(ids)) as pool:
            started = pool.map(
                lambda n: self._broker(n, layout).start(
                    timeout=timeout, port=int(layout["nodes"][str(n)]["broker_port"])
                ),
                ids,
            )
            info = ClusterInfo(dict(zip(ids, started, strict=True)))
        _wait_for_members(info, len(ids), timeout)
        return info

    def status(self) -> ClusterInfo | None:
        """The running nodes, or None when none runs."""
        if not self.exists():
            return None
        layout = self._layout()
        running = {}
        for n in sorted(int(n) for n in layout["nodes"]):
            info = self._broker(n, layout).status()
            if info is not None:
                running[n] = info
        return ClusterInfo(running) if running else None

    def stop(self, *, timeout: float = 30.0) -> bool:
        """Stop every node; False if none ran."""
        if not self.exists():
            return False
        layout = self._layout()
        ids = sorted(int(n) for n in layout["nodes"])
        with ThreadPoolExecutor(len(ids)) as pool:
            stopped = list(pool.map(lambda n: self._broker(n, layout).stop(timeout=timeout), ids))
        return any(stopped)

    def _layout(self) -> dict:
        """The cluster id and every node's ports, chosen once and kept in ``cluster.json``."""
        if self.layout_file.exists():
            return json.loads(self.layout_file.read_text())
        taken: set[int] = set()
        nodes = {}
        for n in range(1, self.size + 1):
            broker_port = free_port(self.host, avoid=taken)
            taken.add(broker_port)
            controller_port = free_port(self.host, avoid=taken)
            taken.add(controller_port)
            nodes[str(n)] = {"broker_port": broker_port, "controller_port": controller_port}
        layout = {"cluster_id": new_cluster_id(), "nodes": nodes}
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.layout_file.write_text(json.dumps(layout, indent=2))
        return layout

    def _broker(self, node_id: int, layout: dict) -> LocalBroker:
        if node_id in self._nodes:
            return self._nodes[node_id]
        voters = {int(n): int(p["controller_port"]) for n, p in layout["nodes"].items()}
        self._nodes[node_id] = LocalBroker(
            self.state_dir / f"node-{node_id}",
            self.jars,
            java_home=self.java_home,
            host=self.host,
            heap=self.heap,
            node_id=node_id,
            voters=voters,
            cluster_id=layout["cluster_id"],
            extra_properties=FAILOVER_PROPERTIES,
        )
        return self._nodes[node_id]


def _wait_for_members(info: ClusterInfo, size: int, timeout: float) -> None:
    """Wait until every node's metadata lists all ``size`` brokers: a node serves clients before
    it has heard of the others, and topics created through it then would get too few copies."""
    deadline = time.monotonic() + timeout
    while True:
        counts = [
            asyncio.run(count_brokers(KafkaConnection(node.bootstrap_servers)))
            for node in info.nodes.values()
        ]
        if min(counts) >= size:
            return
        if time.monotonic() > deadline:
            raise BrokerUnavailable(f"the cluster's nodes see {counts} brokers, not {size}")
        time.sleep(0.2)
