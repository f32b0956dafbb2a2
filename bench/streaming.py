"""Streamed answers through a real LiteLLM proxy: time to first token and total time per
``stream_mode``, and how much unscanned text reached the client.

A fake upstream streams a 500-token answer at 50 tokens a second (one word a token); four
proxies run side by side: unguarded (the guardrail configured but not on by default),
``buffered``, ``incremental`` and ``pass_through``, each ``post_call`` only. Verdicts come
from the rule-playing test responder (tests/shim/responder.py) over a real broker
(``KAFKA_BOOTSTRAP_SERVERS`` or a local broker started for the run): the figures are the
shim's streaming machinery and the Kafka round trip, not the pools' scan time. Prints
figures; asserts nothing.

    nice -n 10 .venv/bin/python bench/streaming.py [rounds at 1 stream]

"Unscanned characters" are characters the client received that no scan request the proxy
waited for contained (a pass-through stream is published after the fact, for audit only).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from bench.common import percentile
from tests.kafka_source import kafka_bootstrap
from tests.shim.proxy import HEADERS, Proxy
from tests.shim.responder import TestResponder
from tests.shim.upstream import FakeUpstream
from topics import KafkaConnection, Topics
from topics.admin import create_topics

TOKENS = 500
TOKENS_PER_S = 50
CONCURRENCY = (1, 5, 20)
MODES = ("unguarded", "buffered", "incremental", "pass_through")
WORDS = (
    "the report covers revenue costs and the outlook for next year while the team "
    "expects steady growth in every region"
).split()


def answer_text(tokens: int) -> str:
    """Plain prose of ``tokens`` words in sentences of twelve."""
    words = [WORDS[i % len(WORDS)] for i in range(tokens)]
    for i in range(11, tokens, 12):
        words[i] += "."
    return " ".join(words).capitalize()


def by_word(text: str) -> list[str]:
    """One piece a word, with its leading space (as model tokens come)."""
    return re.findall(r"\s*\S+", text)


async def one_stream(client: httpx.AsyncClient, proxy: Proxy, text: str) -> dict[str, Any]:
    body = {
        "model": "fake",
        "stream": True,
        "messages": [{"role": "user", "content": f"REPLY: {text}"}],
    }
    started = time.perf_counter()
    first, got = None, []
    async with client.stream(
        "POST", f"{proxy.url}/v1/chat/completions", json=body, headers=HEADERS
    ) as response:
        call_id = response.headers.get("x-litellm-call-id", "")
        async for line in response.aiter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            for choice in json.loads(line[6:]).get("choices", []):
                piece = (choice.get("delta") or {}).get("content") or ""
                if piece:
                    first = first or time.perf_counter()
                    got.append(piece)
    ended = time.perf_counter()
    return {
        "call_id": call_id,
        "ttft_ms": ((first or ended) - started) * 1000,
        "total_ms": (ended - started) * 1000,
        "text": "".join(got),
    }


def unscanned_chars(received: str, scanned: list[str]) -> int:
    """Characters of ``received`` outside every scanned text (found where they occur)."""
    covered = [False] * len(received)
    for text in scanned:
        at = received.find(text)
        while text and at >= 0:
            covered[at : at + len(text)] = [True] * len(text)
            at = received.find(text, at + 1)
    return covered.count(False)


async def run(bootstrap: str, rounds: int) -> None:
    connection = KafkaConnection(bootstrap)
    topics = Topics(f"bench-{uuid.uuid4().hex[:8]}", 3)
    await create_topics(connection, topics.all())
    responder = TestResponder(connection, topics)
    await responder.start()
    upstream = FakeUpstream(piece_delay_s=1 / TOKENS_PER_S, split=by_word).start()
    common = {
        "bootstrap_servers": bootstrap,
        "topic_prefix": topics.prefix,
        "partitions": topics.partitions,
        "mode": "post_call",
        "budget_ms": 2000,
        "max_request_bytes": 64_000,
    }
    configs = {
        "unguarded": {**common, "default_on": False},
        **{mode: {**common, "default_on": True, "stream_mode": mode} for mode in MODES[1:]},
    }
    with tempfile.TemporaryDirectory() as tmp:
        proxies = {
            mode: Proxy(Path(tmp) / mode, upstream.api_base, config).start()
            for mode, config in configs.items()
        }
        try:
            # a busy machine can take minutes to import LiteLLM four times
            await asyncio.gather(*(asyncio.to_thread(p.wait_ready, 1200) for p in proxies.values()))
            await measure(proxies, responder, rounds)
        finally:
            for proxy in proxies.values():
                proxy.stop()
            upstream.stop()
            await responder.stop()


async def measure(proxies: dict[str, Proxy], responder: TestResponder, rounds: int) -> None:
    text = answer_text(TOKENS)
    print(
        f"{TOKENS} tokens ({len(text)} characters) at {TOKENS_PER_S} tokens/s; "
        f"{os.cpu_count()} cores shared with other work: compare rows of one run only"
    )
    print(
        f"{'mode':<13}{'streams':>8}{'n':>4}{'ttft p50':>10}{'p99':>8}"
        f"{'total p50':>11}{'p99':>8}{'unscanned chars':>17}{'windows/stream':>16}"
    )
    async with httpx.AsyncClient(timeout=120, limits=httpx.Limits(max_connections=100)) as client:
        for proxy in proxies.values():  # warm each proxy (first-call imports, Kafka)
            await one_stream(client, proxy, "Warm up. " * 3)
        for streams in CONCURRENCY:
            repeat = max(1, rounds * CONCURRENCY[0] // streams)
            for mode, proxy in proxies.items():
                results = []
                for _ in range(repeat):
                    results += await asyncio.gather(
                        *(one_stream(client, proxy, text) for _ in range(streams))
                    )
                await asyncio.sleep(0.5)  # late requests (pass_through publishes after)
                unscanned, windows = 0, 0
                for r in results:
                    asked = [
                        q
                        for q in responder.seen
                        if q.request_id.split("#")[0] == r["call_id"] and q.reply is not None
                    ]
                    windows += len(asked)
                    unscanned += unscanned_chars(r["text"], [q.texts[0].content for q in asked])
                ttft = [r["ttft_ms"] for r in results]
                total = [r["total_ms"] for r in results]
                complete = all(r["text"] == text for r in results)
                print(
                    f"{mode:<13}{streams:>8}{len(results):>4}"
                    f"{percentile(ttft, 0.5):>10.0f}{percentile(ttft, 0.99):>8.0f}"
                    f"{percentile(total, 0.5):>11.0f}{percentile(total, 0.99):>8.0f}"
                    f"{unscanned:>17}{windows / len(results):>16.1f}"
                    + ("" if complete else "  (some answers incomplete!)"),
                    flush=True,
                )


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    with tempfile.TemporaryDirectory() as tmp, kafka_bootstrap(Path(tmp)) as (bootstrap, where):
        print(f"Kafka: {where}")
        asyncio.run(run(bootstrap, rounds))


if __name__ == "__main__":
    main()
