"""The ``guardstream`` command: one sub-command group per module in :mod:`workers.cli`."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys
from collections.abc import Iterator, Sequence
from types import ModuleType

from topics.errors import GuardstreamError
from workers.cli.environment import Environment

__all__ = ["COMMANDS", "build_parser", "main"]

COMMANDS = ("kafka", "topics", "worker", "audit", "replay", "health", "eval", "up")
"""The command groups in ``--help`` order, each the module ``workers.cli.<name>`` with a
``register(commands)`` function. The worker image leaves out the development ones (``kafka``,
``up``, ``eval``; see ``docker/workers.Dockerfile.dockerignore``): a group whose module is not
installed is not offered."""


def _groups() -> Iterator[ModuleType]:
    for name in COMMANDS:
        module = f"workers.cli.{name}"
        if importlib.util.find_spec(module) is not None:
            yield importlib.import_module(module)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser; each command sets ``func(args, env) -> exit code``."""
    parser = argparse.ArgumentParser(
        prog="guardstream",
        description="Run LLM guardrails off the LiteLLM proxy's hot path, over Kafka.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in _groups():
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
