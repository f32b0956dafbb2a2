"""``guardstream audit tail|query``: read the audit trail as a table or JSON lines."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime

import orjson
from rich.console import Console
from rich.table import Table

from topics.messages import AuditRecord
from topics.specs import DEFAULT_PREFIX, Topics
from workers.audit.reader import AuditFilter, parse_since, read_audit
from workers.audit.sinks.base import would_block
from workers.cli.environment import Environment


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("audit", help="read the audit trail")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    tail = actions.add_parser("tail", help="follow new audit records as they are written")
    tail.add_argument("--since", help="start this far back (30m, 2h, 7d) instead of now")
    tail.set_defaults(func=_tail)
    query = actions.add_parser("query", help="audit records in a time range")
    query.add_argument("--since", default="24h", help="30m, 2h, 7d or epoch ms (default: 24h)")
    query.add_argument("--limit", type=int, default=0, help="at most this many records")
    query.set_defaults(func=_query)
    for sub in (tail, query):
        sub.add_argument("--bootstrap-servers")
        sub.add_argument("--prefix", default=DEFAULT_PREFIX)
        sub.add_argument("--partitions", type=int, default=12)
        sub.add_argument("--decision", choices=["allow", "mask", "block"])
        sub.add_argument("--scanner", help="records where this scanner found, failed or timed out")
        sub.add_argument("--key", help="the caller's key alias")
        sub.add_argument("--model")
        sub.add_argument("--json", action="store_true", help="JSON lines instead of a table")


def _selection(args: argparse.Namespace) -> AuditFilter:
    return AuditFilter(args.decision or "", args.scanner or "", args.key or "", args.model or "")


def _query(args: argparse.Namespace, env: Environment) -> int:
    return asyncio.run(_show(args, env, follow=False, since=parse_since(args.since)))


def _tail(args: argparse.Namespace, env: Environment) -> int:
    since = parse_since(args.since) if args.since else None
    return asyncio.run(_show(args, env, follow=True, since=since))


async def _show(
    args: argparse.Namespace, env: Environment, *, follow: bool, since: int | None
) -> int:
    records = read_audit(
        env.connection(args.bootstrap_servers), Topics(args.prefix, args.partitions),
        since_ms=since, follow=follow, selection=_selection(args),
    )  # fmt: skip
    # a table is never cut: piped or redirected it takes the width it needs, in a terminal
    # long cells fold onto more lines
    console = Console(width=None if sys.stdout.isatty() else 400)
    shown: list[AuditRecord] = []
    async for record in records:
        if args.json:
            sys.stdout.write(orjson.dumps(record).decode() + "\n")
            sys.stdout.flush()
        elif follow:
            console.print(_table([record], header=not shown))
        shown.append(record)
        if getattr(args, "limit", 0) and len(shown) >= args.limit:
            break
    if not args.json and not follow:
        console.print(_table(shown, header=True))
        console.print(f"{len(shown)} record(s)")
    return 0


def _table(records: list[AuditRecord], *, header: bool) -> Table:
    table = Table(show_header=header, box=None if not header else Table().box)
    for column in (
        "time",
        "request",
        "phase",
        "mode",
        "decision",
        "key",
        "model",
        "found",
        "missing",
    ):
        table.add_column(column, overflow="fold")
    for r in records:
        missing = [f"{s} (timeout)" for s in r.timed_out] + [f"{s} (error)" for s in r.failed]
        table.add_row(
            datetime.fromtimestamp(r.completed_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S"),
            r.request_id, r.phase, r.mode, _decision(r),
            r.caller.key_alias, r.caller.model, ", ".join(_found(r)), ", ".join(missing),
        )  # fmt: skip
    return table


def _decision(record: AuditRecord) -> str:
    """The decision, styled; a request served although a scanner said block (``logging_only``,
    a pass-through stream) says so, as the security log's ``would_block`` does."""
    if would_block(record):
        return "[magenta]allow (would block)[/]"
    style = {"block": "red", "mask": "yellow"}.get(record.decision, "")
    return f"[{style}]{record.decision}[/]" if style else record.decision


def _found(record: AuditRecord) -> list[str]:
    """``scanner:label`` of each finding, the scanner named once: injection labels carry it
    already (``prompt_injection:override``), and a label equal to its scanner stands alone."""
    found = set()
    for outcome in record.outcomes:
        for finding in outcome.findings:
            label, scanner = finding.label, outcome.scanner
            named = label == scanner or label.startswith(f"{scanner}:")
            found.add(label if named else f"{scanner}:{label}")
    return sorted(found)
