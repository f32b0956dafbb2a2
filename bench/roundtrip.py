"""Part 2: the verdict round trip (publish -> all results back at the shim) against offered load.

Uses the shim's own :class:`shim.replies.ReplyClient` against the running pools. For one scanner
and for all four, offers rising request rates (open loop, one ~200-character prompt per
request), each step bounded in time, and stops a series at the first step that saturates: fewer
than 95% of the requests answered within the budget (every result in, or a block that ended
the wait), or p99 above ``saturated_p99_ms``.
The saturation point is the highest offered rate that did not saturate. Requests beyond
``max_in_flight_s`` seconds' worth of the rate are not sent (shed), so an overloaded step leaves
a bounded backlog behind.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from typing import Any

from bench.common import SCANNERS, Progress, make_texts, summary
from shim.replies import ReplyClient
from topics import GuardstreamError, KafkaConnection, ReplyAddress, ScanRequest, Text, Topics

__all__ = ["RoundTripSettings", "asker", "run_roundtrip", "scan_request"]


@dataclass(frozen=True)
class RoundTripSettings:
    """How part 2 offers load.

    Attributes:
        rates: offered requests per second, in rising order.
        step_s: how long each rate is offered.
        budget_s: how long one request waits for its results.
        saturated_p99_ms: a step whose p99 is above this saturates.
        max_in_flight_s: most requests waiting at once, in seconds of the rate.
        single: the scanner of the one-scanner series.
        text_chars: length of each prompt.
        drain_s: longest wait for the pools to work off a saturated step.
    """

    rates: tuple[float, ...] = (10, 25, 50, 100, 200, 400)
    step_s: float = 6.0
    budget_s: float = 2.0
    saturated_p99_ms: float = 1000.0
    max_in_flight_s: float = 2.0
    single: str = "prompt_injection"
    text_chars: int = 200
    drain_s: float = 60.0


def scan_request(
    text: str, scanners: list[str], client: ReplyClient, budget_s: float
) -> ScanRequest:
    """A pre_call request for ``text`` whose results come back to ``client``."""
    now = int(time.time() * 1000)
    return ScanRequest(
        request_id=f"bench-{uuid.uuid4().hex[:12]}",
        correlation_id=uuid.uuid4().hex,
        mode="pre_call",
        phase="request",
        texts=[Text(role="user", content=text)],
        scanners=scanners,
        created_ms=now,
        deadline_ms=now + int(budget_s * 1000),
        reply=ReplyAddress(
            topic=client.topics.results.name,
            partition=client.partition,
            instance_id=client.instance_id,
        ),
    )


async def asker(kafka: KafkaConnection, topics: Topics) -> ReplyClient:
    """A started, connected :class:`ReplyClient` of a fresh instance id."""
    client = ReplyClient(kafka, topics, f"bench-{uuid.uuid4().hex[:6]}", max_pending=1_000_000)
    client.start()
    deadline = time.monotonic() + 30
    while not client.ready:
        if time.monotonic() > deadline:
            raise TimeoutError("the reply client did not connect to Kafka in 30 s")
        await asyncio.sleep(0.05)
    return client


async def _timed(
    client: ReplyClient, text: str, scanners: list[str], budget_s: float
) -> tuple[bool, float]:
    began = time.perf_counter()
    try:
        results = await client.ask(scan_request(text, scanners, client, budget_s), budget_s)
    except GuardstreamError:  # Kafka unreachable: counts as not answered
        results = {}
    # answered: every result is in, or a block ended the wait (the others' no longer matter)
    answered = len(results) == len(scanners) or any(r.verdict == "block" for r in results.values())
    return answered, (time.perf_counter() - began) * 1000


async def _step(
    client: ReplyClient, rate: float, scanners: list[str], texts: list[str],
    settings: RoundTripSettings,
) -> dict[str, Any]:  # fmt: skip
    count = max(1, round(rate * settings.step_s))
    cap = max(1, int(rate * settings.max_in_flight_s))
    loop = asyncio.get_running_loop()
    tasks: set[asyncio.Task[tuple[bool, float]]] = set()
    answers: list[tuple[bool, float]] = []
    shed = 0
    start = loop.time()
    for i in range(count):
        await asyncio.sleep(max(0.0, start + i / rate - loop.time()))
        if len(tasks) >= cap:
            shed += 1
            continue
        task = loop.create_task(_timed(client, texts[i % len(texts)], scanners, settings.budget_s))
        tasks.add(task)
        task.add_done_callback(lambda t: (tasks.discard(t), answers.append(t.result())))
    if tasks:
        await asyncio.wait(list(tasks))
    elapsed = loop.time() - start
    done = [ms for full, ms in answers if full]
    lat = summary([round(ms, 2) for ms in done])
    answered = len(done) / count
    saturated = answered < 0.95 or (lat["p99"] or 0) > settings.saturated_p99_ms
    return {
        "offered_rps": rate,
        "sent": count - shed,
        "shed": shed,
        "answered": len(done),
        "timeouts": len(answers) - len(done),
        "achieved_rps": round(len(done) / elapsed, 1),
        "latency_ms": lat,
        "saturated": saturated,
    }


async def _drain(client: ReplyClient, scanners: list[str], settings: RoundTripSettings) -> bool:
    """True once a single request is answered in full within 200 ms (the pools caught up)."""
    deadline = time.monotonic() + settings.drain_s
    while time.monotonic() < deadline:
        full, ms = await _timed(client, f"drain probe {uuid.uuid4().hex}", scanners, 2.0)
        if full and ms < 200:
            return True
        await asyncio.sleep(0.5)
    return False


async def run_roundtrip(
    kafka: KafkaConnection, topics: Topics, settings: RoundTripSettings, progress: Progress
) -> dict[str, Any]:
    """Run both series; return part 2's section of the results."""
    client = await asker(kafka, topics)
    texts = make_texts(2000, settings.text_chars, seed=11)
    series: dict[str, Any] = {}
    try:
        for name, scanners in (
            (f"one scanner ({settings.single})", [settings.single]),
            ("all four scanners", list(SCANNERS)),
        ):
            for _ in range(20):  # warm up: connections, metadata, the pools' first batches
                await _timed(client, texts[-1] + uuid.uuid4().hex, scanners, 5.0)
            steps: list[dict[str, Any]] = []
            for rate in settings.rates:
                progress(f"round trip, {name}: {rate:g} requests/s for {settings.step_s:g}s")
                step = await _step(client, rate, scanners, texts, settings)
                steps.append(step)
                lat = step["latency_ms"]
                progress(
                    f"  answered {step['answered']}/{step['sent'] + step['shed']}, "
                    f"p50 {lat['p50']} ms, p99 {lat['p99']} ms, {step['achieved_rps']}/s"
                )
                if step["saturated"]:
                    break
            ok = [s["offered_rps"] for s in steps if not s["saturated"]]
            first = next((s["offered_rps"] for s in steps if s["saturated"]), None)
            series[name] = {
                "scanners": scanners,
                "steps": steps,
                "saturation_rps": max(ok) if ok else None,
                "first_saturated_rps": first,
                "peak_achieved_rps": max(s["achieved_rps"] for s in steps),
            }
            if first is not None and not await _drain(client, scanners, settings):
                progress(f"round trip: pools still behind after {settings.drain_s:g}s")
    finally:
        await client.stop()
    return {
        "settings": {
            "rates": list(settings.rates),
            "step_s": settings.step_s,
            "budget_s": settings.budget_s,
            "saturated_p99_ms": settings.saturated_p99_ms,
            "text_chars": settings.text_chars,
        },
        "series": series,
    }
