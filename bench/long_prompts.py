"""Long prompts: scan latency of a chunked prompt, and what it does to small requests meanwhile.

Starts a broker and the PII, prompt-injection and secrets pools (cache off) with 1, then 2
processes each, and asks through the shim's own chunked path (:func:`shim.chunks.split` and
:func:`shim.fanout.ask_chunks`, the guardrail's default ``chunk_chars`` and
``chunks_in_flight``; no LiteLLM hop). Prints, per process count:

- the scan latency (until every scanner answered every chunk) of one prompt of each size:
  mixed prose, code and tables with the planted personal data and keys of
  :data:`bench.common.PLANTS` (not the injection phrase: a block would end the scan early);
- p50/p99 latency of small requests sent at ``--rate`` per second, alone and while big
  prompts are scanned back to back.

Figures only, no assertions; timings on a shared machine are noisy: compare within one run.

    .venv/bin/python -m bench.long_prompts [--sizes 64,256,512] [--processes 1,2]
        [--rate 10] [--seconds 15]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PLANTS, Progress, make_texts, start_stack, summary
from bench.roundtrip import asker, scan_request
from shim.chunks import split
from shim.fanout import ask_chunks
from shim.params import DEFAULTS
from topics import GuardstreamError, Policy

SCANNERS = ["pii", "prompt_injection", "secrets"]
_PLANTS = [p for p in PLANTS if "instructions" not in p and "damn" not in p]
_CODE = '''def {name}(orders, limit={n}):
    """Return the open orders over the limit."""
    total = 0
    for order in orders:
        if order.status == "open" and order.amount > limit:
            total += order.amount
    return total

'''


def mixed_prompt(size: int, seed: int) -> str:
    """About ``size`` characters: paragraphs of prose, code and markdown tables in turn, with
    a planted value now and then."""
    rng = random.Random(seed)
    parts: list[str] = []
    length = 0
    while length < size:
        kind = rng.randrange(3)
        if kind == 0:
            part = make_texts(1, rng.randint(400, 1500), rng.randrange(10**6))[0] + "\n\n"
            for plant in set(PLANTS) - set(_PLANTS):  # a block would end the scan early
                part = part.replace(plant, "the weekly review went well")
            if rng.random() < 0.5:
                part = part.replace(" the ", f" {rng.choice(_PLANTS)} the ", 1)
        elif kind == 1:
            part = _CODE.format(name=f"open_total_{rng.randrange(1000)}", n=rng.randrange(999))
        else:
            rows = [
                f"| {rng.randrange(10**5)} | {rng.choice(['open', 'shipped', 'late'])} | "
                f"{rng.choice(_PLANTS) if rng.random() < 0.1 else 'n/a'} |"
                for _ in range(rng.randint(5, 20))
            ]
            part = "| id | status | contact |\n| --- | --- | --- |\n" + "\n".join(rows) + "\n\n"
        parts.append(part)
        length += len(part)
    return "".join(parts)[:size]


async def scan_big(client, text: str) -> tuple[float, int, int]:
    """One big prompt through the chunked path: ms until every scanner answered every chunk,
    the chunks, and how many scanners answered for the whole prompt."""
    request = scan_request(text, SCANNERS, client, budget_s=600)
    request = replace(request, policy=Policy(redact=True))  # as the shim always asks
    chunks = split(request.texts, DEFAULTS["chunk_chars"])
    began = time.perf_counter()
    results = await ask_chunks(
        client, request, chunks, 600.0, skip=(), in_flight=DEFAULTS["chunks_in_flight"]
    )
    return (time.perf_counter() - began) * 1000, len(chunks), len(results)


async def small_latencies(client, rate: float, seconds: float) -> list[float]:
    """ms until every scanner answered, for small requests sent at ``rate`` per second."""
    texts = make_texts(int(rate * seconds) + 1, 200, seed=11)
    out: list[float] = []

    async def one(text: str) -> None:
        began = time.perf_counter()
        with contextlib.suppress(GuardstreamError):
            results = await client.ask(scan_request(text, SCANNERS, client, 60), 60)
            if len(results) == len(SCANNERS):
                out.append((time.perf_counter() - began) * 1000)

    tasks = []
    began = time.perf_counter()
    for k, text in enumerate(texts):
        tasks.append(asyncio.ensure_future(one(text)))
        await asyncio.sleep(max(0.0, (k + 1) / rate - (time.perf_counter() - began)))
    await asyncio.gather(*tasks)
    return out


async def big_loop(client, stop: asyncio.Event) -> int:
    """256 KB prompts scanned back to back until ``stop``; how many."""
    done = 0
    while not stop.is_set():
        await scan_big(client, mixed_prompt(256 * 1024, 100 + done))
        done += 1
    return done


async def measure(client, processes: int, args: argparse.Namespace, progress: Progress) -> None:
    """Print the figures of one process count."""
    await scan_big(client, mixed_prompt(8_000, 0))  # warm up every process
    print(f"\n## {processes} process(es) per pool (load {os.getloadavg()[0]:.1f})")
    print("| prompt | chunks | scan latency | scanners answered |")
    print("| --- | --- | --- | --- |")
    for kb in args.sizes:
        ms, count, answered = await scan_big(client, mixed_prompt(kb * 1024, kb))
        print(f"| {kb} KB | {count} | {ms / 1000:.1f} s | {answered}/3 |", flush=True)
        progress(f"{kb} KB scanned in {ms / 1000:.1f} s")
    alone = await small_latencies(client, args.rate, args.seconds)
    stop = asyncio.Event()
    bigs = asyncio.ensure_future(big_loop(client, stop))
    await asyncio.sleep(1.0)
    beside = await small_latencies(client, args.rate, args.seconds)
    stop.set()
    count = await bigs
    a, b = summary(alone), summary(beside)
    print(
        f"\nsmall requests at {args.rate:g}/s for {args.seconds:g} s (ms, every scanner answered):"
    )
    print("| | n | p50 | p99 | max |")
    print("| --- | --- | --- | --- | --- |")
    print(f"| alone | {a['n']} | {a['p50']} | {a['p99']} | {a['max']} |")
    print(f"| beside 256 KB prompts ({count}) | {b['n']} | {b['p50']} | {b['p99']} | {b['max']} |")


async def run(args: argparse.Namespace) -> None:
    progress = Progress()
    print(f"load average at start: {os.getloadavg()}")
    print(f"chunk_chars {DEFAULTS['chunk_chars']}, chunks_in_flight {DEFAULTS['chunks_in_flight']}")
    for processes in args.processes:
        with tempfile.TemporaryDirectory(prefix="guardstream-long-") as home:
            async with start_stack(
                Path(home), progress, args.cache_dir, (), partitions=12
            ) as stack:
                for kind in SCANNERS:
                    stack.start_pool(kind, "--processes", str(processes))
                waits = [
                    asyncio.to_thread(pool.wait_ready, 900.0, index)
                    for pool in stack.pools.values()
                    for index in range(processes)
                ]
                await asyncio.gather(*waits)
                progress(f"{processes} process(es) per pool ready")
                client = await asker(stack.kafka, stack.topics)
                try:
                    await measure(client, processes, args, progress)
                finally:
                    await client.stop()
    print(f"\nload average at end: {os.getloadavg()}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="64,256,512", help="prompt sizes in KB")
    parser.add_argument("--processes", default="1,2", help="processes per pool, in turn")
    parser.add_argument("--rate", type=float, default=10.0, help="small requests per second")
    parser.add_argument("--seconds", type=float, default=15.0, help="how long to send them")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=Path.home() / ".cache" / "guardstream" / "bench",
        help="kept between runs: the injection scanner's attack index",
    )
    args = parser.parse_args()
    args.sizes = [int(s) for s in args.sizes.split(",")]
    args.processes = [int(p) for p in args.processes.split(",")]
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
