"""What the compose and Kubernetes tests share: the real command line and the real settings.

A deployment file is right when the `guardstream` it runs would accept its command line and
build the settings the rest of the file assumes (ports, consumer group, topics). So the checks
parse every command with :func:`workers.cli.build_parser` and build each pool's settings with
:func:`workers.cli.worker.build_settings`, exactly as a container would at start-up.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from workers.cli import build_parser
from workers.cli.environment import Environment
from workers.cli.worker import build_settings
from workers.scanners import ALIASES
from workers.settings import DEFAULT_WEB_PORTS, PoolSettings

__all__ = [
    "POOLS",
    "REPO",
    "CommandError",
    "health_urls",
    "parse_command",
    "pool_kind",
    "pool_settings",
]

REPO = Path(__file__).resolve().parents[2]

POOLS: tuple[str, ...] = tuple(DEFAULT_WEB_PORTS)
"""Every pool a deployment runs: the scanner pools and the audit pool."""

_URL = re.compile(r"https?://[^/\s'\"]+:(?P<port>\d+)(?P<path>/[^\s'\"]*)")


class CommandError(ValueError):
    """A command line the real ``guardstream`` parser rejects."""


def parse_command(argv: Sequence[object]) -> argparse.Namespace:
    """Parse ``argv`` (without the program name) with the real parser; raise
    :class:`CommandError` with argparse's own message when it would refuse it."""
    errors = io.StringIO()
    try:
        with contextlib.redirect_stderr(errors):
            return build_parser().parse_args([str(a) for a in argv])
    except SystemExit as e:
        message = errors.getvalue().strip().splitlines()
        raise CommandError(f"{list(argv)}: {message[-1] if message else e}") from e


def pool_kind(args: argparse.Namespace) -> str:
    """The pool a parsed ``worker`` command runs, aliases resolved."""
    return ALIASES.get(args.kind, args.kind)


def pool_settings(
    args: argparse.Namespace, config: Path | None, environ: Mapping[str, str], home: Path
) -> PoolSettings:
    """The settings a container running ``args`` builds, with its config file at ``config`` (the
    host copy of the file the container mounts) and its environment ``environ``."""
    local = argparse.Namespace(**vars(args))
    local.config = config
    env = Environment.from_environ({**environ, "GUARDSTREAM_HOME": str(home)})
    return build_settings(local, env)


def health_urls(text: str) -> list[tuple[int, str]]:
    """The ``(port, path)`` of each http URL in a health-check command."""
    return [(int(m["port"]), m["path"]) for m in _URL.finditer(text)]
