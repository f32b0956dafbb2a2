"""Part 1b: where a pre_call request's time goes, stage by stage.

Runs guardstream's guardrail in this process, calling its pre_call hook as the proxy does, at
open-loop rates against the running pools (all four scanners, PII masked). Its reply client
records each request's times (:mod:`shim.stages`) and every pool's result carries its own
(:class:`topics.headers.PoolTiming`), all wall-clock on this machine; the stages are the
differences:

    shim before publish   hook entered -> request built, ``ask`` called (plan, texts)
    publish               ``ask`` -> request encoded and handed to the producer
    broker                handed to the producer -> the pool's consumer has it
    batch wait            the pool has it -> its batch begins scanning
    scan                  the batch's scan (the request's share is not separable)
    result publish        scan ended -> its result handed to the pool's producer
    result to shim        handed to the producer -> the shim's reply fetch returned it
    decode                fetch returned -> decoded and matched to its request
    wake-up               the deciding result matched -> ``ask`` returned
    shim decision         ``ask`` returned -> hook returned (decide, mask, verdict, log record)

A request's wait is decided by its last pool (or its first block): the table says how often
each pool was last. Prints progress; asserts nothing.

    .venv/bin/python -m bench.stages      # its own broker and pools, then the table
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.common import SCANNERS, Progress, start_stack, summary
from bench.e2e import PROMPTS
from topics import KafkaConnection, Topics

__all__ = ["POOL_STAGES", "SHIM_STAGES", "StageSettings", "markdown", "run_stages"]

SHIM_STAGES = ("shim before publish", "publish", "wake-up", "shim decision", "whole hook")
"""The shim's own stages, in order, and the hook's whole time."""
POOL_STAGES = ("broker", "batch wait", "scan", "result publish", "result to shim", "decode")
"""Each pool's stages, in order; ``publish`` ends where ``broker`` begins."""


@dataclass(frozen=True)
class StageSettings:
    """How much load the breakdown offers.

    Attributes:
        rates: requests per second, open loop.
        seconds: longest each rate is offered.
        max_requests: most requests per rate.
        budget_ms: the guardrail's budget for verdicts.
        warmup: sequential requests before the first rate.
        drain_s: longest wait, after each rate, for the pools to work off its backlog (so the
            next rate, or the part after this one, starts from idle pools).
    """

    rates: tuple[float, ...] = (5.0, 20.0)
    seconds: float = 10.0
    max_requests: int = 200
    budget_ms: int = 1500
    warmup: int = 20
    drain_s: float = 30.0


async def _guard(kafka: KafkaConnection, topics: Topics, budget_ms: int) -> Any:
    from shim import KafkaScanGuardrail  # LiteLLM: only when this part runs

    guard = KafkaScanGuardrail(
        guardrail_name="guardstream", event_hook="pre_call", default_on=True,
        bootstrap_servers=kafka.bootstrap_servers, topic_prefix=topics.prefix,
        partitions=topics.partitions, budget_ms=budget_ms, scanners=list(SCANNERS),
        actions={"pii": "mask"},
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not guard.replies.ready:
        if time.monotonic() > deadline:
            raise TimeoutError("the guardrail did not connect to Kafka in 60 s")
        await asyncio.sleep(0.05)
    return guard


async def _call(guard: Any, auth: Any, i: int) -> tuple[str, float, float]:
    """One pre_call hook call: its call id and when it began and ended (wall ms)."""
    call_id = f"stages-{uuid.uuid4().hex[:12]}"
    data = {
        "model": "fake",
        "litellm_call_id": call_id,
        "metadata": {},
        "messages": [{"role": "user", "content": f"{PROMPTS[i % len(PROMPTS)]} (#{i})"}],
    }
    began = time.time() * 1000
    await guard.async_pre_call_hook(auth, None, data, "acompletion")
    return call_id, began, time.time() * 1000


def _breakdown(calls: list[tuple[str, float, float]], stages: list[Any]) -> dict[str, Any]:
    """Per-stage summaries of the answered requests of ``calls``."""
    by_id = {s.request_id: s for s in stages}
    shim: dict[str, list[float]] = {name: [] for name in SHIM_STAGES}
    pools: dict[str, dict[str, list[float]]] = {
        k: {name: [] for name in (*POOL_STAGES, "sent -> matched")} for k in SCANNERS
    }
    last: dict[str, int] = dict.fromkeys(SCANNERS, 0)
    full = 0
    for call_id, began, ended in calls:
        st = by_id.get(call_id)
        if st is None or not st.scanners:
            continue
        full += set(st.scanners) == set(SCANNERS)
        deciding = max(st.scanners, key=lambda k: st.scanners[k].resolved_ms)
        last[deciding] += 1
        shim["shim before publish"].append(st.asked_ms - began)
        shim["publish"].append(st.sent_ms - st.asked_ms)
        shim["wake-up"].append(st.answered_ms - st.scanners[deciding].resolved_ms)
        shim["shim decision"].append(ended - st.answered_ms)
        shim["whole hook"].append(ended - began)
        for kind, sc in st.scanners.items():
            p, out = sc.pool, pools.setdefault(kind, {})
            out.setdefault("sent -> matched", []).append(sc.resolved_ms - st.sent_ms)
            if p is None:  # a pool older than the timing header
                continue
            for name, ms in zip(
                POOL_STAGES,
                (
                    p.received_ms - st.sent_ms,
                    p.batched_ms - p.received_ms,
                    p.scanned_ms - p.batched_ms,
                    p.sent_ms - p.scanned_ms,
                    sc.fetched_ms - p.sent_ms,
                    sc.resolved_ms - sc.fetched_ms,
                ),
                strict=True,
            ):
                out.setdefault(name, []).append(ms)
    return {
        "requests": len(calls),
        "answered_by_all": full,
        "last_to_answer": last,
        "shim": {name: _summary(v) for name, v in shim.items()},
        "pools": {k: {name: _summary(v) for name, v in d.items()} for k, d in pools.items()},
    }


def _summary(values: list[float]) -> dict[str, Any]:
    return summary([round(v, 3) for v in values])


async def run_stages(
    kafka: KafkaConnection, topics: Topics, settings: StageSettings, progress: Progress
) -> dict[str, Any]:
    """Offer each rate through an in-process guardrail; return the breakdown per rate."""
    from litellm.proxy._types import UserAPIKeyAuth

    guard = await _guard(kafka, topics, settings.budget_ms)
    auth = UserAPIKeyAuth(key_alias="bench", team_id="t", user_id="u")
    log = guard.replies.record_stages(100_000)
    loop = asyncio.get_running_loop()
    out: dict[str, Any] = {"settings": {"budget_ms": settings.budget_ms}, "rates": {}}
    try:
        for i in range(settings.warmup):
            await _call(guard, auth, i)
        for rate in settings.rates:
            progress(f"stages: pre_call at {rate:g} requests/s for {settings.seconds:g}s")
            log.clear()
            count = max(1, min(settings.max_requests, round(rate * settings.seconds)))
            start = loop.time()
            tasks = []
            for i in range(count):
                await asyncio.sleep(max(0.0, start + i / rate - loop.time()))
                tasks.append(loop.create_task(_call(guard, auth, i)))
            calls = list(await asyncio.gather(*tasks))
            cell = _breakdown(calls, list(log))
            out["rates"][f"{rate:g}"] = cell
            hook = cell["shim"]["whole hook"]
            await _drain(guard, auth, log, settings.drain_s)
            progress(
                f"  hook p50 {hook['p50']} ms, p99 {hook['p99']} ms; last: {cell['last_to_answer']}"
            )
    finally:
        await guard.close()
    return out


async def _drain(guard: Any, auth: Any, log: Any, drain_s: float) -> bool:
    """True once one request is answered by all four within 500 ms (the pools caught up)."""
    deadline = time.monotonic() + drain_s
    while time.monotonic() < deadline:
        call_id, began, ended = await _call(guard, auth, 0)
        answered = next((s for s in reversed(log) if s.request_id == call_id), None)
        if answered is not None and len(answered.scanners) == len(SCANNERS) and ended - began < 500:
            return True
        await asyncio.sleep(0.5)
    return False


def _cell(s: dict[str, Any] | None) -> str:
    if not s or s.get("p50") is None:
        return "-"
    return f"{s['p50']:.1f} / {s['p99']:.1f}"


def markdown(section: dict[str, Any]) -> list[str]:
    """The breakdown as Markdown tables: the shim's stages, then each pool's, per rate."""
    lines: list[str] = []
    for rate, cell in section.get("rates", {}).items():
        kinds = [k for k in SCANNERS if k in cell["pools"]]
        lines += [
            f"At {rate} requests/s ({cell['requests']} requests, {cell['answered_by_all']} "
            "answered by all four; p50 / p99 ms):",
            "",
            "| the shim | p50 / p99 |",
            "| --- | --- |",
        ]
        lines += [f"| {name} | {_cell(cell['shim'].get(name))} |" for name in SHIM_STAGES]
        lines += [
            "",
            "| each pool | " + " | ".join(kinds) + " |",
            "| --- |" + " --- |" * len(kinds),
        ]
        for name in (*POOL_STAGES, "sent -> matched"):
            row = [_cell(cell["pools"][k].get(name)) for k in kinds]
            lines.append(f"| {name} | " + " | ".join(row) + " |")
        lines.append(
            "| last to answer (requests) | "
            + " | ".join(str(cell["last_to_answer"].get(k, 0)) for k in kinds)
            + " |"
        )
        lines.append("")
    return lines


async def _main() -> None:
    progress = Progress()
    with tempfile.TemporaryDirectory(prefix="guardstream-stages-") as tmp:
        cache = Path.home() / ".cache" / "guardstream" / "bench"
        async with start_stack(Path(tmp), progress, cache) as stack:
            await stack.ready()
            section = await run_stages(stack.kafka, stack.topics, StageSettings(), progress)
    print("\n".join(markdown(section)))


if __name__ == "__main__":
    asyncio.run(_main())
