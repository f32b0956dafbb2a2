"""The ``guardstream`` command: one sub-command group per module in :mod:`workers.cli`."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from topics.errors import GuardstreamError
from workers.cli import audit, health, kafka, replay, topics, up, worker
from workers.cli import eval as eval_command
from workers.cli.environment import Environment

__all__ = ["build_parser", "main"]

_GROUPS = (kafka, topics, worker, audit, replay, health, eval_command, up)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser; each command sets ``func(args, env) -> exit code``."""
    parser = argparse.ArgumentParser(
        prog="guardstream",
        description="Run LLM guardrails off the LiteLLM proxy's hot path, over Kafka.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in _GROUPS:
        group.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``guardstream`` console script."""
    args = build_parser().parse_args(argv)
    env = Environment.from_environ(os.environ)
    try:
        return int(args.func(args, env) or 0)
    except GuardstreamError as e:
        print(f"guardstream: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
