"""Part 3: pool throughput, and the per-text costs guardstream is compared with.

- Each pool's texts/s per process, short (~200 characters) and long (~5,000) texts: a flood of
  one-text requests through Kafka to the running pool, timed until the last result is back.
- PII: the batched pool against LiteLLM's way, one ``POST /analyze`` per text to a Presidio
  server process with the same spaCy model (:mod:`bench.presidio_http`).
- Prompt injection: guardstream's scanner against LiteLLM's difflib heuristics on the same
  prompts, per prompt; LiteLLM's run in a child process that is stopped at its time limit.
- Scaling: the PII pool alone (the other pools stopped), with 1 and then 2 processes.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import queue
import statistics
import time
import urllib.request
from dataclasses import dataclass
from typing import Any

from bench.common import Progress, Stack, make_texts, summary
from bench.roundtrip import asker, scan_request
from shim.replies import ReplyClient
from topics import SCANNER_KINDS, GuardstreamError

__all__ = [
    "ThroughputSettings",
    "flood",
    "http_analyze",
    "injection_costs",
    "pool_floods",
    "scaling",
]

SIZES = {"short": 200, "long": 5000}


@dataclass(frozen=True)
class ThroughputSettings:
    """How much part 3 measures.

    Attributes:
        counts: texts per flood, by size.
        flood_timeout_s: longest a flood waits for its results.
        http_seconds: longest the one-call-per-text Presidio path runs, per size.
        injection_prompts: prompts per size for guardstream's injection scanner.
        litellm_seconds: longest LiteLLM's heuristics run, per size.
        kinds: pools whose throughput is measured.
    """

    counts: tuple[tuple[str, int], ...] = (("short", 300), ("long", 30))
    flood_timeout_s: float = 90.0
    http_seconds: float = 10.0
    injection_prompts: int = 40
    litellm_seconds: float = 20.0
    kinds: tuple[str, ...] = SCANNER_KINDS


def texts_for(size: str, count: int) -> list[str]:
    """``count`` texts of the named size (each flood its own seed, so nothing repeats)."""
    return make_texts(count, SIZES[size], seed=hash((size, count, time.time_ns())) % 10_000)


async def flood(
    client: ReplyClient, kind: str, texts: list[str], timeout_s: float
) -> dict[str, Any]:
    """Publish one request per text at once for pool ``kind``; texts/s until the last answer."""

    async def one(text: str) -> float | None:
        try:
            found = await client.ask(scan_request(text, [kind], client, timeout_s), timeout_s)
        except GuardstreamError:
            return None
        return time.perf_counter() if found else None

    await one(f"warm up {time.time_ns()}")
    began = time.perf_counter()
    finished = [t for t in await asyncio.gather(*(one(t) for t in texts)) if t is not None]
    elapsed = (max(finished) if finished else time.perf_counter()) - began
    return {
        "texts": len(texts),
        "answered": len(finished),
        "seconds": round(elapsed, 3),
        "texts_per_s": round(len(finished) / elapsed, 2) if finished else 0.0,
    }


async def pool_floods(
    stack: Stack, settings: ThroughputSettings, progress: Progress
) -> dict[str, Any]:
    """Every pool's texts/s per process, by size."""
    client = await asker(stack.kafka, stack.topics)
    found: dict[str, Any] = {}
    try:
        for kind in settings.kinds:
            for size, count in settings.counts:
                progress(f"throughput: {kind} pool, {count} {size} texts")
                found.setdefault(kind, {})[size] = result = await flood(
                    client, kind, texts_for(size, count), settings.flood_timeout_s
                )
                progress(f"  {result['texts_per_s']} texts/s")
    finally:
        await client.stop()
    return found


def http_analyze(url: str, texts: list[str], seconds: float) -> dict[str, Any]:
    """One ``POST /analyze`` per text, one after another, for up to ``seconds``."""
    waits: list[float] = []
    began = time.perf_counter()
    for text in texts:
        if waits and time.perf_counter() - began > seconds:
            break
        body = json.dumps({"text": text, "language": "en"}).encode()
        t0 = time.perf_counter()
        request = urllib.request.Request(
            f"{url}/analyze", body, {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
        waits.append((time.perf_counter() - t0) * 1000)
    elapsed = time.perf_counter() - began
    return {
        "texts": len(waits),
        "seconds": round(elapsed, 3),
        "texts_per_s": round(len(waits) / elapsed, 2),
        "per_call_ms": summary([round(w, 2) for w in waits]),
    }


async def scaling(
    stack: Stack, kind: str, size: str, count: int, timeout_s: float, progress: Progress
) -> dict[str, Any]:
    """Pool ``kind`` with 1 and then 2 processes, the other pools stopped (so that it has the
    cores to itself, bar the broker and this process), each flooded with ``count`` texts."""
    for other, pool in stack.pools.items():
        if other != kind:
            pool.stop()
    progress(f"throughput: the other pools stopped; {kind} pool alone, 1 process")
    one = await _flood_warm(stack, kind, size, count, timeout_s, progress)
    progress(f"throughput: restarting the {kind} pool with 2 processes")
    stack.pools[kind].stop()
    pool = stack.start_pool(kind, "--processes", "2")
    await asyncio.gather(
        asyncio.to_thread(pool.wait_ready, 600.0, 0), asyncio.to_thread(pool.wait_ready, 600.0, 1)
    )
    two = await _flood_warm(stack, kind, size, count, timeout_s, progress)
    speedup = round(two["texts_per_s"] / one["texts_per_s"], 2) if one["texts_per_s"] else None
    return {"kind": kind, "size": size, "one": one["texts_per_s"], "two": two["texts_per_s"],
            "speedup": speedup, "flood_one": one, "flood": two, "others_stopped": True}  # fmt: skip


async def _flood_warm(
    stack: Stack, kind: str, size: str, count: int, timeout_s: float, progress: Progress
) -> dict[str, Any]:
    client = await asker(stack.kafka, stack.topics)
    try:
        for _ in range(10):  # every process has its partitions and a first batch behind it
            await flood(client, kind, [f"warm {time.time_ns()}"], timeout_s)
        progress(f"throughput: {kind} pool, {count} {size} texts")
        result = await flood(client, kind, texts_for(size, count), timeout_s)
    finally:
        await client.stop()
    progress(f"  {result['texts_per_s']} texts/s")
    return result


def _litellm_child(texts: list[str], out: Any) -> None:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    from litellm.proxy.hooks.prompt_injection_detection import (
        _OPTIONAL_PromptInjectionDetection,
    )

    detector = _OPTIONAL_PromptInjectionDetection()
    out.put(("ready", 0.0, False))
    for i, text in enumerate(texts):
        t0 = time.perf_counter()
        flagged = detector.check_user_input_similarity(text)
        out.put((i, (time.perf_counter() - t0) * 1000, flagged))


def _litellm_costs(texts: list[str], seconds: float) -> tuple[list[float], float]:
    """LiteLLM's per-prompt ms for the prompts it finished within ``seconds``, and how long it
    ran (its child process is stopped then: one long prompt takes minutes)."""
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    child = context.Process(target=_litellm_child, args=(texts, out), daemon=True)
    child.start()
    costs: list[float] = []
    try:
        out.get(timeout=120)  # imported litellm
        began = time.monotonic()
        while len(costs) < len(texts) and time.monotonic() - began < seconds:
            try:
                _, ms, _ = out.get(timeout=max(0.05, seconds - (time.monotonic() - began)))
            except queue.Empty:
                break
            costs.append(ms)
        ran_ms = (time.monotonic() - began) * 1000
    finally:
        child.terminate()
        child.join(10)
    return costs, ran_ms


def injection_costs(
    settings: ThroughputSettings, scanner_settings: dict[str, Any], progress: Progress
) -> dict[str, Any]:
    """Per-prompt ms of guardstream's injection scanner and LiteLLM's heuristics, and their
    ratio on the prompts LiteLLM finished (a lower bound when it finished none)."""
    from workers.scanners import scanner_class
    from workers.scanners.base import ScanItem

    scanner = scanner_class("prompt_injection").from_settings(scanner_settings)
    scanner.load()
    scanner.scan([ScanItem("warm up the scanner")])
    found: dict[str, Any] = {}
    for size in SIZES:
        texts = make_texts(settings.injection_prompts, SIZES[size], seed=21)
        ours = []
        for text in texts:
            t0 = time.perf_counter()
            scanner.scan([ScanItem(text)])
            ours.append((time.perf_counter() - t0) * 1000)
        progress(f"throughput: LiteLLM's injection heuristics, {size} prompts, <= "
                 f"{settings.litellm_seconds:g}s")  # fmt: skip
        theirs, ran_ms = _litellm_costs(texts, settings.litellm_seconds)
        same = ours[: max(1, len(theirs))]
        ours_mean = statistics.mean(same)
        entry: dict[str, Any] = {
            "prompts": len(texts),
            "guardstream_ms": summary([round(x, 3) for x in ours]),
            "litellm_prompts_done": len(theirs),
            "litellm_ms": summary([round(x, 1) for x in theirs]),
            "guardstream_ms_mean_same_prompts": round(ours_mean, 3),
        }
        if theirs:
            entry["ratio"] = round(statistics.mean(theirs) / ours_mean, 1)
            entry["ratio_is_lower_bound"] = False
        else:  # not one prompt done: the time it ran is a lower bound on the first prompt's
            entry["ratio"] = round(ran_ms / ours_mean, 1)
            entry["ratio_is_lower_bound"] = True
        found[size] = entry
        progress(
            f"  guardstream {ours_mean:.2f} ms/prompt, LiteLLM "
            f"{statistics.mean(theirs) if theirs else ran_ms:.0f} ms/prompt"
            f"{'' if theirs else ' or more'} ({len(theirs)} done): {entry['ratio']}x"
        )
    scanner.close()
    return found
