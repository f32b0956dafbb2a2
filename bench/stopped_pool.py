"""What one stopped pool costs the other requests: the verdict round trip before and after a
pool stops, through the local pools and the shim's own :class:`shim.replies.ReplyClient`.

Starts a broker and the four real pools (:func:`bench.common.start_stack`), offers a steady
rate of ~200-character prompts asking every scanner, and prints p50/p99 of each request's
wait (publish until the client returns its results) in these phases:

    baseline      every pool up
    stopped       one pool stopped (SIGTERM); requests skip it once it is known down
                  (the figures count only requests sent ``--settle-s`` after the stop)
    stopped, old  the same, with the old behaviour: every asked scanner is waited for
                  (``ask(skip=())``), so each request waits its whole budget
    restarted     the pool started again: how long until requests wait for it again

and how long after the stop the pool was marked down. Figures only, one run; nice it:

    nice -n 10 .venv/bin/python bench/stopped_pool.py [--stop secrets] [--rate 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no network: shim imports litellm
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PLANTS, SCANNERS, Progress, make_texts, start_stack, summary
from bench.roundtrip import asker, scan_request
from shim.replies import ReplyClient
from topics import GuardstreamError


async def _phase(
    client: ReplyClient,
    texts: list[str],
    *,
    rate: float,
    seconds: float,
    budget_s: float,
    old: bool = False,
) -> list[tuple[float, float, int]]:
    """Offer ``rate`` requests/s for ``seconds``; (sent at, wait ms, results) of each."""
    loop = asyncio.get_running_loop()
    rows: list[tuple[float, float, int]] = []

    async def one(text: str) -> None:
        sent = time.monotonic()
        request = scan_request(text, list(SCANNERS), client, budget_s)
        try:
            results = await client.ask(request, budget_s, skip=() if old else None)
        except GuardstreamError:  # the circuit is open, or Kafka is away: on_timeout at once
            results = {}
        rows.append((sent, (time.monotonic() - sent) * 1000, len(results)))

    tasks = []
    start = loop.time()
    for i in range(max(1, round(rate * seconds))):
        await asyncio.sleep(max(0.0, start + i / rate - loop.time()))
        tasks.append(loop.create_task(one(texts[i % len(texts)])))
    await asyncio.gather(*tasks)
    return rows


def _since(rows: list[tuple[float, float, int]], after: float) -> dict[str, Any]:
    kept = [(ms, n) for sent, ms, n in rows if sent >= after]
    return summary([round(ms, 2) for ms, _ in kept]) | {
        "answered_by_3": sum(1 for _, n in kept if n >= len(SCANNERS) - 1)
    }


async def main(args: argparse.Namespace) -> None:
    progress = Progress()
    # no planted findings: a block would end a wait early in both behaviours alike and hide
    # what the stopped pool costs
    texts = [t for t in make_texts(800, 200, seed=26) if not any(p in t for p in PLANTS)]
    with tempfile.TemporaryDirectory() as home:
        async with start_stack(Path(home), progress, Path(args.cache_dir)) as stack:
            progress("waiting for the four pools to load")
            await stack.ready()
            new, old = (
                await asker(stack.kafka, stack.topics),
                await asker(stack.kafka, stack.topics),
            )
            try:
                opts = {"rate": args.rate, "seconds": args.seconds, "budget_s": args.budget_s}
                # warm up until requests wait for every pool (cold pools on a busy machine
                # miss the first budgets, and are skipped until they answer in time)
                for _ in range(20):
                    await _phase(new, texts, **opts | {"seconds": 3.0})
                    if not new.pools.skipped(SCANNERS):
                        break
                progress(f"skipped after the warm-up: {sorted(new.pools.skipped(SCANNERS))}")
                progress("baseline: every pool up")
                baseline = await _phase(new, texts, **opts)
                progress(f"stopping the {args.stop} pool")
                stopped_at = time.monotonic()
                await asyncio.to_thread(stack.pools[args.stop].stop)
                watch = asyncio.create_task(_until(new, args.stop, stopped_at, down=True))
                stopped = await _phase(
                    new, texts, **opts | {"seconds": args.seconds + args.settle_s}
                )
                down_after_s = await watch
                progress("the same, waiting for every asked scanner (the old behaviour)")
                old_start = time.monotonic()
                stopped_old = await _phase(old, texts, **opts, old=True)
                progress(f"restarting the {args.stop} pool")
                restarted_at = time.monotonic()
                stack.start_pool(args.stop)
                await stack.ready()
                ready_s = time.monotonic() - restarted_at
                watch = asyncio.create_task(_until(new, args.stop, restarted_at, down=False))
                back = await _phase(new, texts, **opts)
                up_s = await watch
            finally:
                await new.stop()
                await old.stop()
    base = _since(baseline, 0.0)
    report = {
        "rate_rps": args.rate,
        "budget_s": args.budget_s,
        "stopped_pool": args.stop,
        "baseline": base,
        "marked_down_after_s": down_after_s,
        "stopped_after_settle": _since(stopped, stopped_at + args.settle_s),
        "stopped_first_settle_s": summary(
            [ms for sent, ms, _ in stopped if sent < stopped_at + args.settle_s]
        ),
        "stopped_old_behaviour": _since(stopped_old, old_start),
        "restarted_pool_ready_after_s": round(ready_s, 1),
        "waited_for_again_after_s": up_s,
        "restarted_full_answers": sum(1 for *_, n in back if n == len(SCANNERS)),
        "restarted_requests": len(back),
    }
    for name in ("stopped_after_settle", "stopped_old_behaviour"):
        phase = report[name]
        report[f"{name}_added_ms"] = {
            q: round(phase[q] - base[q], 1) for q in ("p50", "p99") if phase[q] is not None
        }
    print(json.dumps(report, indent=2))


async def _until(client: ReplyClient, kind: str, since: float, *, down: bool) -> float | None:
    """Seconds from ``since`` until ``kind`` is marked down (or up again); None after 60 s."""
    for _ in range(1200):
        if (client.pools.state(kind) is not None) == down:
            return round(time.monotonic() - since, 2)
        await asyncio.sleep(0.05)
    return None


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stop", default="secrets", choices=SCANNERS)
    parser.add_argument("--rate", type=float, default=5.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--settle-s", type=float, default=5.0)
    parser.add_argument("--budget-s", type=float, default=1.5)
    parser.add_argument(
        "--cache-dir", default=str(Path.home() / ".cache" / "guardstream" / "bench")
    )
    asyncio.run(main(parser.parse_args()))
