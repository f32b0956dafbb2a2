"""The shim's own overhead per mode, and the verdict round trip, against the test responder.

Runs the guardrail's hooks in-process (no HTTP) against a real broker: ``KAFKA_BOOTSTRAP_SERVERS``
or a local broker started for the run. Prints figures; asserts nothing.

    .venv/bin/python bench/shim_overhead.py [requests per mode]
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from litellm.proxy._types import UserAPIKeyAuth
from litellm.types.utils import Choices, Message, ModelResponse

from shim import KafkaScanGuardrail
from tests.kafka_source import kafka_bootstrap
from tests.shim.responder import TestResponder
from topics import KafkaConnection, Topics
from topics.admin import create_topics

PROMPT = "Please summarise the attached quarterly report for the board. " * 8


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run(bootstrap: str, n: int) -> None:
    connection = KafkaConnection(bootstrap)
    topics = Topics(f"bench-{uuid.uuid4().hex[:8]}", 3)
    await create_topics(connection, topics.all())
    responder = TestResponder(connection, topics)
    await responder.start()
    guard = KafkaScanGuardrail(
        guardrail_name="guardstream",
        event_hook=["pre_call", "during_call", "post_call", "logging_only"],
        default_on=True,
        bootstrap_servers=bootstrap,
        topic_prefix=topics.prefix,
        partitions=3,
        budget_ms=2000,
        actions={"EMAIL_ADDRESS": "mask"},
    )
    waits: list[float] = []
    ask = guard.replies.ask

    async def timed_ask(request, timeout_s):  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        try:
            return await ask(request, timeout_s)
        finally:
            waits.append(time.perf_counter() - t)

    guard.replies.ask = timed_ask  # type: ignore[method-assign]
    records: list[float] = []
    record = guard._record

    def timed_record(*args):  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        try:
            return record(*args)
        finally:
            records.append(time.perf_counter() - t)

    guard._record = timed_record  # type: ignore[method-assign]
    while not guard.replies.ready:
        await asyncio.sleep(0.05)
    auth = UserAPIKeyAuth(key_alias="bench", team_id="t", user_id="u")

    def data() -> dict:
        return {
            "model": "fake",
            "litellm_call_id": uuid.uuid4().hex,
            "metadata": {},
            "messages": [
                {"role": "system", "content": "be helpful"},
                {"role": "user", "content": PROMPT},
            ],
        }

    def answer() -> ModelResponse:
        return ModelResponse(choices=[Choices(message=Message(content=PROMPT))])

    modes = {
        "pre_call": lambda: guard.async_pre_call_hook(auth, None, data(), "acompletion"),
        "during_call": lambda: guard.async_moderation_hook(data(), auth, "acompletion"),
        "post_call": lambda: guard.async_post_call_success_hook(data(), auth, answer()),
        "logging_only": lambda: guard.async_log_success_event(
            {
                "messages": data()["messages"],
                "litellm_call_id": uuid.uuid4().hex,
                "litellm_params": {"metadata": {}},
            },
            answer(),
            None,
            None,
        ),
    }
    print(f"{n} requests per mode, 2 texts of {len(PROMPT)} chars, 4 scanners, broker {bootstrap}")
    print("overhead = time in the hook minus the wait; 'own' also minus LiteLLM's recording")
    print(
        f"{'mode (ms)':<14}{'overhead p50':>13}{'p99':>8}{'own p50':>9}{'own p99':>9}"
        f"{'round trip p50':>16}{'p99':>8}"
    )
    for mode, call in modes.items():
        for _ in range(20):  # warm up
            await call()
        waits.clear()
        overheads, own = [], []
        for _ in range(n):
            before, before_rec = len(waits), len(records)
            t = time.perf_counter()
            await call()
            total = time.perf_counter() - t
            overheads.append(total - sum(waits[before:]))
            own.append(overheads[-1] - sum(records[before_rec:]))
        trips = [w * 1000 for w in waits]
        rt = f"{pct(trips, 0.5):>16.2f}{pct(trips, 0.99):>8.2f}" if trips else f"{'-':>16}{'-':>8}"
        ms = [o * 1000 for o in overheads]
        own_ms = [o * 1000 for o in own]
        print(
            f"{mode:<14}{statistics.median(ms):>13.3f}{pct(ms, 0.99):>8.3f}"
            f"{statistics.median(own_ms):>9.3f}{pct(own_ms, 0.99):>9.3f}{rt}"
        )
    await guard.close()
    await responder.stop()


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    with tempfile.TemporaryDirectory() as tmp, kafka_bootstrap(Path(tmp)) as (bootstrap, _):
        asyncio.run(run(bootstrap, n))


if __name__ == "__main__":
    main()
