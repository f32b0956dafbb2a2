"""``guardstream topics create|describe``: the contract's topics on a cluster."""

from __future__ import annotations

import argparse
import asyncio

from topics.admin import TopicState, create_topics, describe_topics
from topics.specs import DEFAULT_PREFIX, Topics
from workers.cli.environment import Environment


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("topics", help="create or check guardstream's topics")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="create missing topics (safe to repeat)")
    create.set_defaults(func=_create)
    describe = actions.add_parser("describe", help="compare the cluster's topics with the spec")
    describe.set_defaults(func=_describe)
    for sub in (create, describe):
        sub.add_argument(
            "--bootstrap-servers", help="default: KAFKA_BOOTSTRAP_SERVERS or the local broker"
        )
        sub.add_argument("--prefix", default=DEFAULT_PREFIX, help="topic name prefix")
        sub.add_argument("--partitions", type=int, default=12, help="partitions per topic")
    create.add_argument(
        "--replication-factor", type=int, default=0,
        help="copies of each partition (default: 3, or as many as the cluster has brokers)",
    )  # fmt: skip
    for sub in (create, describe):
        sub.add_argument(
            "--retention-days", type=float, default=30.0,
            help="how long the audit topic keeps records (default 30); give the pools the same "
            "in their config's topics.audit_retention_days, or they set it back when they start",
        )  # fmt: skip


def _create(args: argparse.Namespace, env: Environment) -> int:
    specs = Topics(args.prefix, args.partitions, args.retention_days).all()
    connection = env.connection(args.bootstrap_servers)
    states = asyncio.run(
        create_topics(connection, specs, replication_factor=args.replication_factor)
    )
    _print(states)
    return 1 if any(s.problems for s in states) else 0


def _describe(args: argparse.Namespace, env: Environment) -> int:
    specs = Topics(args.prefix, args.partitions, args.retention_days).all()
    states = asyncio.run(describe_topics(env.connection(args.bootstrap_servers), specs))
    _print(states)
    return 1 if any(s.problems for s in states) else 0


def _print(states: list[TopicState]) -> None:
    width = max(len(s.spec.name) for s in states)
    print(f"{'topic':<{width}}  parts  copies  retention  cleanup  key / status")
    for s in states:
        days = s.spec.retention_ms / 86_400_000
        status = "; ".join(s.problems) or ("created" if s.created else "ok")
        print(
            f"{s.spec.name:<{width}}  {s.partitions:>5}  {s.replicas:>6}  {days:>7.0f}d"
            f"  {s.spec.cleanup_policy:<7}  {s.spec.key} / {status}"
        )
