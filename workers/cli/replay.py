"""``guardstream replay``: re-scan recorded traffic under a new policy and compare with the audit
trail, before turning that policy on."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import yaml
from rich.console import Console
from rich.table import Table

from topics.crypto import PayloadCipher
from topics.errors import ConfigError
from topics.specs import DEFAULT_PREFIX
from workers.audit.reader import parse_since
from workers.audit.replay import PolicyChange, ReplayWindow, replay
from workers.cli.environment import Environment
from workers.scanners import ALIASES, SCANNERS, Scanner, scanner_class
from workers.settings import kafka_section, load_config, pool_section, topics_section

_ACTIONS = ("block", "mask", "log")


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "replay",
        help="re-scan recorded requests under a new policy and compare with the audit trail",
        description="Read scan requests back from the requests topic (no consumer group, no "
        "commits: no pool is disturbed), scan them in-process under a new policy, and compare "
        "the decisions with the audit trail's. Scanners not replayed keep their recorded verdict.",
    )
    parser.add_argument(
        "--scanner", action="append", default=[], metavar="KIND",
        help=f"a scanner to replay: {', '.join(SCANNERS)}, or a pool of --config with its own "
        "scanner_class (repeatable; default: every scanner pool in --config)",
    )  # fmt: skip
    parser.add_argument("--config", type=Path, help="pool config: scanner settings, kafka, topics")
    parser.add_argument(
        "--option", action="append", default=[], metavar="[SCANNER.]KEY=VALUE",
        help="a scanner setting (VALUE read as YAML), e.g. pii.score_threshold=0.3",
    )  # fmt: skip
    parser.add_argument("--policy", type=Path, help="YAML with actions/thresholds, or a LiteLLM "
                        "config whose guardstream guardrail has them")  # fmt: skip
    parser.add_argument(
        "--action", action="append", default=[], metavar="NAME=block|mask|log",
        help="what a LABEL or scanner's findings do now (repeatable; wins over --policy)",
    )  # fmt: skip
    parser.add_argument(
        "--threshold", action="append", default=[], metavar="NAME=SCORE",
        help="the score a LABEL or scanner's findings need now (repeatable)",
    )  # fmt: skip
    parser.add_argument("--since", help="ISO time, 30m/2h/7d ago, or epoch ms (default: 24h)")
    parser.add_argument("--until", help="ISO time, 30m/2h/7d ago, or epoch ms (default: now)")
    parser.add_argument(
        "--from-offset", action="append", default=[], metavar="[PARTITION:]OFFSET",
        help="start at this offset (every partition, or one); overrides --since",
    )  # fmt: skip
    parser.add_argument("--bootstrap-servers")
    parser.add_argument("--prefix", default=None, help=f"topic prefix (default: {DEFAULT_PREFIX})")
    parser.add_argument("--partitions", type=int, default=None, help="as created (default: 12)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--max-rows", type=int, default=50, help="changed requests to list")
    parser.add_argument("--json", action="store_true", help="end with one JSON line of figures")
    parser.set_defaults(func=_replay)


def parse_time(text: str) -> int:
    """ms since the epoch from an ISO time (UTC unless it says otherwise), ``2h``, or epoch ms."""
    if text.strip().isdigit():  # epoch ms, not a compact ISO date
        return parse_since(text)
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        return parse_since(text)
    return int((at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp() * 1000)


def _pairs(items: list[str], flag: str) -> list[tuple[str, str]]:
    pairs = []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"{flag} takes NAME=VALUE, got {item!r}")
        pairs.append((key.strip(), value.strip()))
    return pairs


def policy_change(path: Path | None, actions: list[str], thresholds: list[str]) -> PolicyChange:
    """The change from ``--policy`` and the ``--action``/``--threshold`` flags (flags win)."""
    section: dict[str, Any] = {}
    if path is not None:
        loaded = load_config(path)
        section = loaded
        for guardrail in loaded.get("guardrails") or []:
            params = (guardrail or {}).get("litellm_params") or {}
            if str(params.get("guardrail", "")).endswith("KafkaScanGuardrail"):
                section = params
                break
    if not all(isinstance(section.get(k) or {}, dict) for k in ("actions", "thresholds")):
        raise ConfigError(f"{path}: actions and thresholds must be mappings of name to value")
    raw_actions = {**(section.get("actions") or {}), **dict(_pairs(actions, "--action"))}
    bad = {k: v for k, v in raw_actions.items() if v not in _ACTIONS}
    if bad:
        raise ConfigError(f"actions must be block, mask or log; got {bad}")
    raw = {**(section.get("thresholds") or {}), **dict(_pairs(thresholds, "--threshold"))}
    try:
        return PolicyChange(raw_actions, {k: float(v) for k, v in raw.items()})
    except (TypeError, ValueError) as e:
        raise ConfigError(f"thresholds must be numbers: {e}") from e


def build_scanners(config: dict[str, Any], kinds: list[str], options: list[str]) -> list[Scanner]:
    """The scanners to replay, built (not loaded) from the config's pool sections and options."""
    pools = config.get("pools") or {}
    wanted = [ALIASES.get(k, k) for k in kinds] or [
        k for k, section in pools.items() if k in SCANNERS or (section or {}).get("scanner_class")
    ]
    if not wanted:
        raise ConfigError("nothing to replay: name scanners with --scanner or pools in --config")
    settings = {k: dict(pool_section(config, k).get("scanner") or {}) for k in wanted}
    for key, value in _pairs(options, "--option"):
        target, dot, name = key.partition(".")
        target = ALIASES.get(target, target) if dot else "scanner"
        if target == "scanner" and len(wanted) == 1:
            target, name = wanted[0], name if dot else key
        if target not in settings:
            raise ConfigError(f"--option {key}: name one of the replayed scanners {wanted}")
        settings[target][name] = yaml.safe_load(value)
    built = []
    for kind in dict.fromkeys(wanted):
        cls = scanner_class(kind, pool_section(config, kind).get("scanner_class", ""))
        built.append(cls.from_settings(settings[kind]))
    return built


def _window(args: argparse.Namespace) -> ReplayWindow:
    offsets: dict[int, int] = {}
    for item in args.from_offset:
        partition, sep, offset = item.rpartition(":")
        try:
            offsets[int(partition) if sep else -1] = int(offset)
        except ValueError as e:
            raise ConfigError(f"--from-offset takes OFFSET or PARTITION:OFFSET, got {item}") from e
    since = None if offsets else parse_time(args.since or "24h")
    until = parse_time(args.until) if args.until else None
    return ReplayWindow(since, until, offsets)


def _replay(args: argparse.Namespace, env: Environment) -> int:
    config = load_config(args.config)
    change = policy_change(args.policy, args.action, args.threshold)
    scanners = build_scanners(config, args.scanner, args.option)
    window = _window(args)
    bootstrap = args.bootstrap_servers or (
        "" if (config.get("kafka") or {}).get("bootstrap_servers") else env.bootstrap()
    )
    connection = kafka_section(config, bootstrap, env.variables)
    topics = topics_section(config, args.prefix, args.partitions)
    status = Console(stderr=True)
    with status.status("loading " + ", ".join(s.name for s in scanners) + "..."):
        for scanner in scanners:
            scanner.load()
    try:
        with status.status("replaying..."):
            report = asyncio.run(
                replay(
                    connection,
                    topics,
                    scanners,
                    change,
                    window,
                    batch_size=args.batch_size,
                    cipher=_cipher(env),
                )
            )
    finally:
        for scanner in scanners:
            scanner.close()
    summary = report.summary()
    _print(Console(), summary, args.max_rows)
    if args.json:
        sys.stdout.write(orjson.dumps(summary).decode() + "\n")
    return 0


def _print(console: Console, summary: dict[str, Any], max_rows: int) -> None:
    totals = Table(title=f"replay: {summary['requests']} request(s)")
    names = ("audited", "unaudited", "unchanged", "newly_blocked", "newly_allowed", "changed",
             "error", "undecodable")  # fmt: skip
    for name in names:
        totals.add_column(name.replace("_", " "), justify="right")
    totals.add_row(*(str(summary[n]) for n in names))
    console.print(totals)
    for title, groups in (("by scanner", summary["by_scanner"]), ("by label", summary["by_label"])):
        if not groups:
            continue
        table = Table(title=title)
        for column in ("name", "change", "count", "request ids"):
            table.add_column(column)
        for name, changes in sorted(groups.items()):
            for step, ids in sorted(changes.items()):
                table.add_row(name, step.replace("_", " "), str(len(ids)), _ids(ids))
        console.print(table)
    rows = summary["rows"][:max_rows]
    if rows:
        table = Table(title="changed or unaudited requests")
        for column in ("request", "phase", "mode", "recorded", "replayed", "change", "labels"):
            table.add_column(column)
        for r in rows:
            style = {"block": "red", "mask": "yellow"}.get(r["new"], "")
            new = f"[{style}]{r['new']}[/]" if style else r["new"]
            change = r["change"].replace("_", " ") if r["old"] is not None else "no audit record"
            table.add_row(r["request_id"], r["phase"], r["mode"], r["old"] or "-", new, change,
                          ", ".join(r["labels"]))  # fmt: skip
        console.print(table)
    if len(summary["rows"]) > max_rows:
        console.print(f"... and {len(summary['rows']) - max_rows} more (see --json)")


def _ids(ids: list[str], shown: int = 5) -> str:
    more = f" (+{len(ids) - shown})" if len(ids) > shown else ""
    return ", ".join(ids[:shown]) + more


def _cipher(env: Environment) -> PayloadCipher | None:
    """The pools' payload key (``GUARDSTREAM_PAYLOAD_KEY``) when texts on the bus are sealed."""
    return PayloadCipher.from_setting(env.payload_key) if env.payload_key else None
