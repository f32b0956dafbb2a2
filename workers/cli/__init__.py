"""The ``guardstream`` command: :mod:`workers.cli.main` builds the parser from one module per
command group in :mod:`workers.cli.commands`; the other modules here are what those commands
use (the environment, the pools' health probe, the audit reader, replay and evaluation)."""

from workers.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
