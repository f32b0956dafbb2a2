"""``guardstream worker KIND``: run a scanner pool."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import yaml

from topics.connection import resolve_env
from topics.errors import ConfigError
from topics.scanners import REGISTRY
from workers.cli.environment import Environment
from workers.scanners import ALIASES, SCANNERS
from workers.settings import (
    PoolSettings,
    kafka_section,
    load_config,
    pool_section,
    topics_section,
)

AUDIT = "audit"
_KINDS = [*SCANNERS, *ALIASES, AUDIT]
_POOLS = {
    **{s.kind: s.summary for s in REGISTRY},
    AUDIT: "joins requests and results into one audit record each, and feeds the sinks",
}


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "worker",
        help="run a scanner pool",
        description="Run one scanner pool. Pools: "
        + "; ".join(f"{k}: {v}" for k, v in _POOLS.items())
        + ". Each pool is its own consumer group on the requests topic; run more processes "
        "(--processes, or more containers) to use more cores.",
    )
    parser.add_argument("kind", metavar="POOL", help="one of: " + ", ".join(_KINDS))
    parser.add_argument(
        "--scanner-class", help="module:Class of your own scanner plug-in, for a pool of its name"
    )
    parser.add_argument(
        "--config", type=Path, help="guardstream YAML config (kafka, topics, pools)"
    )
    parser.add_argument(
        "--bootstrap-servers", help="default: KAFKA_BOOTSTRAP_SERVERS or the local broker"
    )
    parser.add_argument("--prefix", help="topic prefix (default: guardstream)")
    parser.add_argument("--partitions", type=int, help="partitions per topic (default: 12)")
    parser.add_argument("--processes", type=int, help="processes to run (default: 1)")
    parser.add_argument("--batch-size", type=int, help="most requests per batch (default: 32)")
    parser.add_argument(
        "--batch-wait-ms", type=float, help="longest wait to fill a batch (default: 5)"
    )
    parser.add_argument(
        "--cache-size", type=int, help="answers kept for repeated texts (default: 10000)"
    )
    parser.add_argument(
        "--scan-timeout-s", type=float, help="a slower batch answers error (default: 30)"
    )
    parser.add_argument("--web-port", type=int, help="health/metrics port of process 0")
    parser.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a scanner setting (VALUE is read as YAML), e.g. spacy_model=en_core_web_sm",
    )
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument("--process-index", type=int, default=None, help=argparse.SUPPRESS)
    parser.set_defaults(func=_worker)


def build_settings(args: argparse.Namespace, env: Environment) -> PoolSettings:
    """The pool's settings: the config file, then flags."""
    kind = ALIASES.get(args.kind, args.kind)
    if kind not in SCANNERS and kind != AUDIT and not args.scanner_class:
        raise ConfigError(f"unknown pool {args.kind!r}; pools: {', '.join(_KINDS)}")
    config = load_config(args.config)
    section = pool_section(config, kind)
    for flag in (
        "processes",
        "batch_size",
        "batch_wait_ms",
        "cache_size",
        "scan_timeout_s",
        "web_port",
    ):
        value = getattr(args, flag)
        if value is not None:
            section[flag] = value
    scanner = dict(section.pop("scanner", None) or {})
    for option in args.option:
        key, sep, value = option.partition("=")
        if not sep or not key:
            raise ConfigError(f"--option takes KEY=VALUE, got {option!r}")
        scanner[key] = yaml.safe_load(value)
    bootstrap = args.bootstrap_servers or (
        "" if (config.get("kafka") or {}).get("bootstrap_servers") else env.bootstrap()
    )
    topics = topics_section(config, args.prefix, args.partitions)
    # GUARDSTREAM_PAYLOAD_KEY is the deployment-wide key; a pool's own setting wins
    section["payload_key"] = resolve_env(
        str(section.get("payload_key") or env.payload_key), env.variables
    )
    return PoolSettings(
        kind=kind,
        connection=kafka_section(config, bootstrap, env.variables),
        topics=topics,
        data_dir=env.home / "pools" / topics.prefix / f"{kind}-0",
        scanner=scanner,
        scanner_class=args.scanner_class or section.pop("scanner_class", ""),
        **section,
    )


def _worker(args: argparse.Namespace, env: Environment) -> int:
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(name)s %(levelname)s %(message)s"
    )
    settings = build_settings(args, env)
    if args.process_index is None and settings.processes > 1:
        from workers.supervisor import Supervisor

        child_args = [a for a in _argv_without_processes(args)]
        return Supervisor(child_args, settings.processes).run()
    mine = settings.for_process(args.process_index or 0)
    if settings.kind == AUDIT:
        from workers.audit.pool import AuditPool  # imports faust only for a pool process

        return AuditPool(mine).run()
    from workers.scan_pool import ScanPool

    return ScanPool(mine).run()


_FORWARDED = (
    "config", "bootstrap_servers", "prefix", "partitions", "batch_size", "batch_wait_ms",
    "cache_size", "scan_timeout_s", "web_port", "scanner_class",
)  # fmt: skip


def _argv_without_processes(args: argparse.Namespace) -> list[str]:
    """The child's arguments: the parent's, with one process each."""
    argv = ["worker", args.kind, "--processes", "1", "--log-level", args.log_level]
    for flag in _FORWARDED:
        value = getattr(args, flag)
        if value is not None:
            argv += [f"--{flag.replace('_', '-')}", str(value)]
    for option in args.option:
        argv += ["--option", option]
    return argv
