"""``guardstream health``: are the pools running and keeping up?"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from typing import TypedDict

import orjson
from aiohttp import web
from rich.console import Console
from rich.table import Table

from topics.specs import DEFAULT_PREFIX, Topics
from workers.cli.environment import Environment
from workers.health import POOLS, PoolHealth, check_pools, recent_fail_policy


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "health", help="each pool's members, partitions, lag and last result; non-zero if unwell"
    )
    parser.add_argument("--bootstrap-servers")
    parser.add_argument("--prefix", default=DEFAULT_PREFIX)
    parser.add_argument("--partitions", type=int, default=12)
    parser.add_argument("--pools", default=",".join(POOLS), help="comma-separated (default: all)")
    parser.add_argument(
        "--max-lag", type=int, default=1000, help="more unscanned requests is unwell"
    )
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--serve", type=int, metavar="PORT", help="serve /health/guardrails instead"
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="with --serve: the address to listen on"
    )
    parser.set_defaults(func=_health)


def _health(args: argparse.Namespace, env: Environment) -> int:
    connection = env.connection(args.bootstrap_servers)
    topics = Topics(args.prefix, args.partitions)
    pools = tuple(p.strip() for p in args.pools.split(",") if p.strip())

    async def check() -> list[PoolHealth]:
        return await check_pools(connection, topics, pools, max_lag=args.max_lag)

    if args.serve:
        asyncio.run(_serve(check, args.host, args.serve))
        return 0
    states = asyncio.run(check())
    if args.json:
        sys.stdout.write(orjson.dumps([s.as_dict() for s in states]).decode() + "\n")
    else:
        _print(states)
        counts = asyncio.run(recent_fail_policy(connection, topics))
        print(
            f"proxies: of the last {counts['verdicts']} verdicts, the fail policy decided "
            f"{counts['open']} open and {counts['closed']} closed"
        )
    return 0 if all(s.healthy for s in states) else 1


def _print(states: list[PoolHealth]) -> None:
    table = Table(title="guardstream pools")
    columns = ("pool", "state", "members", "partitions", "lag", "last result", "scans", "problems")
    for column in columns:
        table.add_column(column)
    for s in states:
        g = s.group
        partitions = sum(len(p) for p in g.assigned.values())
        age = "never" if s.last_result_age_s is None else f"{s.last_result_age_s:.1f}s ago"
        status = "[red]" + "; ".join(s.problems) + "[/]" if s.problems else "[green]ok[/]"
        rate = _rate(s)
        row = (g.kind, g.state, str(len(g.members)), str(partitions), str(g.lag), age, rate, status)
        table.add_row(*row)
    Console().print(table)


def _rate(state: PoolHealth) -> str:
    """``"41 KB/s per process, 12 KB/s now"``: a process's bytes per second of scanning (what
    sizes the pool), and the pool's bytes per second of wall time lately."""
    busy = state.rate.bytes_per_busy_s if state.rate else None
    if state.rate is None or busy is None:
        return "-"
    return f"{busy / 1024:.0f} KB/s per process, {state.rate.wall_bytes_per_s / 1024:.1f} KB/s now"


class _Cached(TypedDict):
    at: float
    body: bytes
    status: int


async def _serve(check, host: str, port: int) -> None:
    cache: _Cached = {"at": 0.0, "body": b"", "status": 503}

    async def guardrails(request: web.Request) -> web.Response:
        if time.monotonic() - cache["at"] > 2.0:  # at most one check every 2 s, however polled
            states = await check()
            healthy = all(s.healthy for s in states)
            cache["at"] = time.monotonic()
            cache["body"] = orjson.dumps(
                {"healthy": healthy, "pools": [s.as_dict() for s in states]}
            )
            cache["status"] = 200 if healthy else 503
        return web.Response(
            body=cache["body"], status=cache["status"], content_type="application/json"
        )

    app = web.Application()
    app.router.add_get("/health/guardrails", guardrails)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    print(f"serving http://{host}:{port}/health/guardrails", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
