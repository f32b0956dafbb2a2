"""The ``guardstream`` command: :mod:`workers.cli.main` builds the parser from one module per
command group here (``worker``, ``topics``, ``health``, ``audit``, ``replay``, ``eval``,
``kafka``, ``up``); :mod:`~workers.cli.environment` is what every command reads from its
environment, and :mod:`workers.cli.evaluation` is the engine of ``guardstream eval``."""

from workers.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
