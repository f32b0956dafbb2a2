"""Where the shim's CPU time goes at a given request rate: cProfile over its hooks at open-loop
arrivals, grouped into what the issue asks about (the hook itself, encoding, producing, the
reply consumer, LiteLLM's logging record, asyncio's own loop).

Runs the guardrail in this process against a real broker (a local one started for the run, or
``KAFKA_BOOTSTRAP_SERVERS``) and the test responder in a child process (it answers for all four
scanners by fixed rules, so the pools' own time is left out). The profile counts CPU time of
this process (``time.process_time``), so neither idle waits nor the time other processes take
the cores away (the machine is shared) show up as the shim's. Prints figures; asserts nothing.

    .venv/bin/python -m bench.shim_profile [--rates 20,50] [--seconds 10] [--mode during_call]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import multiprocessing
import os
import pstats
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from bench.common import summary
from tests.kafka_source import kafka_bootstrap
from tests.shim.responder import TestResponder
from topics import SCANNER_KINDS, KafkaConnection, Topics
from topics.admin import create_topics

__all__ = ["GROUPS", "grouped", "profile_rate"]

PROMPT = ("Please summarise the attached quarterly report for the board. " * 16)[:1000]
"""About 1 KB, as the round-trip target assumes."""

GROUPS: dict[str, tuple[str, ...]] = {
    "encode (orjson, headers)": ("topics/codec.py:", "topics/headers.py:"),
    "produce (aiokafka producer)": ("aiokafka/producer/",),
    "reply consumer (fetch, decode, match)": ("aiokafka/consumer/", "shim/replies.py:_resolve",
                                              "shim/replies.py:_consume"),
    "LiteLLM logging record": ("custom_guardrail.py:add_standard_logging",),
    "LiteLLM otherwise (should_run_guardrail, copies)": ("litellm/", "copy.py:", "pydantic"),
    "hook (plan, texts, decide, metrics)": ("shim/",),
    "aiokafka connection (socket I/O)": ("aiokafka/conn.py", "aiokafka/protocol/"),
    "asyncio event loop": ("asyncio/",),
}  # fmt: skip
"""Label -> path fragments of the functions it counts (first match wins, by own time)."""


def grouped(stats: pstats.Stats) -> dict[str, float]:
    """Own (not cumulative) seconds per group of :data:`GROUPS`, plus ``other``."""
    totals = dict.fromkeys([*GROUPS, "other"], 0.0)
    for (filename, _, name), (_, _, tottime, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        where = f"{filename}:{name}"
        label = next((g for g, parts in GROUPS.items() if any(p in where for p in parts)), "other")
        totals[label] += tottime
    return totals


async def _guard(bootstrap: str, topics: Topics, mode: str) -> Any:
    from shim import KafkaScanGuardrail

    guard = KafkaScanGuardrail(
        guardrail_name="guardstream", event_hook=mode, default_on=True,
        bootstrap_servers=bootstrap, topic_prefix=topics.prefix,
        partitions=topics.partitions, budget_ms=2000, scanners=list(SCANNER_KINDS),
    )  # fmt: skip
    while not guard.replies.ready:
        await asyncio.sleep(0.05)
    return guard


def _call(guard: Any, mode: str, auth: Any) -> Any:
    data = {
        "model": "fake",
        "litellm_call_id": uuid.uuid4().hex,
        "metadata": {},
        "messages": [{"role": "user", "content": PROMPT}],
    }
    if mode == "pre_call":
        return guard.async_pre_call_hook(auth, None, data, "acompletion")
    if mode == "during_call":
        return guard.async_moderation_hook(data, auth, "acompletion")
    from litellm.types.utils import Choices, Message, ModelResponse

    kwargs = {
        "messages": data["messages"],
        "litellm_call_id": data["litellm_call_id"],
        "litellm_params": {"metadata": {}},
    }
    answer = ModelResponse(choices=[Choices(message=Message(content="fine"))])
    return guard.async_log_success_event(kwargs, answer, None, None)


async def profile_rate(
    guard: Any, mode: str, rate: float, seconds: float
) -> tuple[dict[str, Any], pstats.Stats, float]:
    """Offer ``rate`` hook calls per second for ``seconds`` under cProfile: latency of the
    hook, the profile, and the process CPU seconds per request."""
    from litellm.proxy._types import UserAPIKeyAuth

    auth = UserAPIKeyAuth(key_alias="bench", team_id="t", user_id="u")
    for _ in range(60):  # until the responder answers (it starts in a child process)
        t0 = time.perf_counter()
        await _call(guard, mode, auth)
        if time.perf_counter() - t0 < 0.5:
            break
    for _ in range(20):
        await _call(guard, mode, auth)
    loop = asyncio.get_running_loop()
    count = max(1, round(rate * seconds))
    waits: list[float] = []

    async def one() -> None:
        t0 = time.perf_counter()
        await _call(guard, mode, auth)
        waits.append((time.perf_counter() - t0) * 1000)

    profile = cProfile.Profile(time.process_time)
    cpu0 = time.process_time()
    profile.enable()
    start = loop.time()
    tasks = []
    for i in range(count):
        await asyncio.sleep(max(0.0, start + i / rate - loop.time()))
        tasks.append(loop.create_task(one()))
    await asyncio.gather(*tasks)
    await asyncio.sleep(0.5)  # what the hook left to the background (verdicts, publishes)
    profile.disable()
    cpu = time.process_time() - cpu0
    return summary([round(w, 3) for w in waits]), pstats.Stats(profile), cpu / count


async def run(bootstrap: str, rates: list[float], seconds: float, modes: list[str]) -> str:
    """Profile every mode at every rate; return the report as Markdown."""
    connection = KafkaConnection(bootstrap)
    topics = Topics(f"prof-{uuid.uuid4().hex[:8]}", 4)
    await create_topics(connection, topics.all())
    context = multiprocessing.get_context("spawn")
    responder = context.Process(target=_respond, args=(bootstrap, topics.prefix), daemon=True)
    responder.start()
    lines = []
    try:
        for mode in modes:
            guard = await _guard(bootstrap, topics, mode)
            try:
                for rate in rates:
                    lat, stats, cpu = await profile_rate(guard, mode, rate, seconds)
                    groups = grouped(stats)
                    total = sum(groups.values()) or 1.0
                    lines.append(
                        f"### {mode} at {rate:g} requests/s: hook p50 {lat['p50']} ms, "
                        f"p99 {lat['p99']} ms; {cpu * 1000:.2f} ms CPU per request "
                        "(under cProfile)"
                    )
                    lines += ["", "| where | share of profiled time |", "|---|---|"]
                    for label, secs in sorted(groups.items(), key=lambda kv: -kv[1]):
                        lines.append(f"| {label} | {100 * secs / total:.1f}% |")
                    out = io.StringIO()
                    stats.stream = out  # type: ignore[attr-defined]
                    stats.sort_stats("tottime").print_stats(12)
                    top = [ln for ln in out.getvalue().splitlines() if ln.strip()][-13:]
                    lines += ["", "```", *top, "```", ""]
            finally:
                await guard.close()
    finally:
        responder.terminate()
        responder.join(10)
    return "\n".join(lines)


def _respond(bootstrap: str, prefix: str) -> None:
    """The test responder, until terminated (in a child process)."""

    async def serve() -> None:
        responder = TestResponder(KafkaConnection(bootstrap), Topics(prefix, 4))
        await responder.start()
        await asyncio.Event().wait()

    asyncio.run(serve())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", default="20,50")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--modes", default="during_call,logging_only")
    parser.add_argument("--out", type=Path, help="also write the Markdown here")
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",")]
    modes = args.modes.split(",")
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if bootstrap:
        report = asyncio.run(run(bootstrap, rates, args.seconds, modes))
    else:
        with tempfile.TemporaryDirectory() as tmp, kafka_bootstrap(Path(tmp)) as (found, _):
            report = asyncio.run(run(found, rates, args.seconds, modes))
    print(report)
    if args.out:
        args.out.write_text(report + "\n")


if __name__ == "__main__":
    main()
