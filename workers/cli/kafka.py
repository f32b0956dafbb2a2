"""``guardstream kafka start|stop|status``: the local Kafka broker."""

from __future__ import annotations

import argparse
import time

from workers.cli.environment import Environment


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("kafka", help="run a local Kafka 4.x broker (no Docker needed)")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    start = actions.add_parser("start", help="fetch (once), format and start the broker")
    start.add_argument("--port", type=int, default=0, help="client port (default: a free one)")
    start.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for it")
    start.set_defaults(func=_start)
    stop = actions.add_parser("stop", help="stop the broker")
    stop.set_defaults(func=_stop)
    status = actions.add_parser("status", help="say whether it runs, and where")
    status.set_defaults(func=_status)
    for sub in (start, stop, status):
        sub.add_argument("--name", default="default", help="which local broker (default: default)")


def _start(args: argparse.Namespace, env: Environment) -> int:
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


def _stop(args: argparse.Namespace, env: Environment) -> int:
    if env.local_broker(args.name).stop():
        print("Kafka stopped")
    else:
        print("no local Kafka broker was running")
    return 0


def _status(args: argparse.Namespace, env: Environment) -> int:
    info = env.local_broker(args.name).status()
    if not info:
        print("not running")
        return 1
    print(f"running at {info.bootstrap_servers} (pid {info.pid}), data in {info.state_dir}")
    return 0
