"""``guardstream kafka start|stop|status``: the local Kafka broker, or a local cluster of
several (``--brokers 3``: replicated topics, for trying failures of a node)."""

from __future__ import annotations

import argparse
import time

from workers.cli.environment import Environment


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("kafka", help="run a local Kafka 4.x broker (no Docker needed)")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    start = actions.add_parser("start", help="fetch (once), format and start the broker(s)")
    start.add_argument("--port", type=int, default=0, help="client port (default: a free one)")
    start.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for it")
    start.add_argument(
        "--brokers", type=int, default=1,
        help="nodes: 1 (default) or more, each broker and controller, on free loopback ports; "
        "3 keeps three copies of every partition and survives the loss of one node",
    )  # fmt: skip
    start.set_defaults(func=_start)
    stop = actions.add_parser("stop", help="stop the broker, or every node of the cluster")
    stop.set_defaults(func=_stop)
    status = actions.add_parser("status", help="say whether it runs, and where")
    status.set_defaults(func=_status)
    for sub in (start, stop, status):
        sub.add_argument("--name", default="default", help="which local broker (default: default)")


def _start(args: argparse.Namespace, env: Environment) -> int:
    if args.brokers > 1:
        return _start_cluster(args, env)
    broker = env.local_broker(args.name)
    jars = broker.jars
    if not jars.is_cached():
        print(f"fetching Kafka {jars.version} with Maven into {jars.root} (once)...", flush=True)
    began = time.monotonic()
    info = broker.start(timeout=args.timeout, port=args.port)
    took = time.monotonic() - began
    print(f"Kafka is ready at {info.bootstrap_servers} (pid {info.pid}, {took:.1f}s)")
    print(f"log: {info.log_file}")
    return 0


def _start_cluster(args: argparse.Namespace, env: Environment) -> int:
    cluster = env.local_cluster(args.name, size=args.brokers)
    if not cluster.jars.is_cached():
        print(f"fetching Kafka {cluster.jars.version} into {cluster.jars.root} (once)...")
    began = time.monotonic()
    info = cluster.start(timeout=args.timeout)
    took = time.monotonic() - began
    print(f"Kafka cluster of {len(info.nodes)} is ready at {info.bootstrap_servers} ({took:.1f}s)")
    for node, broker in sorted(info.nodes.items()):
        print(f"  node {node}: {broker.bootstrap_servers} (pid {broker.pid}) log {broker.log_file}")
    return 0


def _stop(args: argparse.Namespace, env: Environment) -> int:
    stopped = False
    if env.local_broker(args.name).stop():
        print("Kafka stopped")
        stopped = True
    if env.local_cluster(args.name).stop():
        print("Kafka cluster stopped (every node)")
        stopped = True
    if not stopped:
        print("no local Kafka broker was running")
    return 0


def _status(args: argparse.Namespace, env: Environment) -> int:
    info = env.local_broker(args.name).status()
    cluster = env.local_cluster(args.name).status()
    if info:
        print(f"running at {info.bootstrap_servers} (pid {info.pid}), data in {info.state_dir}")
    if cluster:
        print(f"cluster of {len(cluster.nodes)} running at {cluster.bootstrap_servers}")
    if not info and not cluster:
        print("not running")
        return 1
    return 0
