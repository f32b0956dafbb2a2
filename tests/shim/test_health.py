"""``GET /health/guardrails`` inside a real LiteLLM proxy: behind the proxy's key, as LiteLLM
keeps its own detailed ``/health`` routes, while liveness stays open."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from tests.shim.proxy import HEADERS, MASTER_KEY, Proxy
from tests.shim.responder import TestResponder
from tests.shim.upstream import FakeUpstream
from topics import KafkaConnection, Topics
from topics.admin import create_topics

pytestmark = pytest.mark.timeout(1200)

SCANNERS = ["pii", "prompt_injection", "secrets", "moderation"]


@pytest.fixture(scope="module")
def upstream() -> Iterator[FakeUpstream]:
    server = FakeUpstream(latency_s=0.0).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
async def proxy(
    kafka: KafkaConnection, upstream: FakeUpstream, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Proxy]:
    topics = Topics(prefix=f"test-{uuid.uuid4().hex[:10]}", partitions=3)
    await create_topics(kafka, topics.all())
    responder = TestResponder(kafka, topics)
    await responder.start()
    config = {
        "mode": "pre_call",
        "default_on": True,
        "bootstrap_servers": kafka.bootstrap_servers,
        "topic_prefix": topics.prefix,
        "partitions": topics.partitions,
        "scanners": SCANNERS,
    }
    started = Proxy(tmp_path_factory.mktemp("health"), upstream.api_base, config).start()
    try:
        await asyncio.to_thread(started.wait_ready, 900)  # LiteLLM imports slowly on a busy box
        yield started
    finally:
        started.stop()
        await responder.stop()


async def get(proxy: Proxy, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
    async with httpx.AsyncClient(timeout=30) as client:
        return await client.get(f"{proxy.url}{path}", headers=headers or {})


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer sk-not-the-proxys-key"},
        {"Authorization": f"Bearer {MASTER_KEY}x"},
        {"x-litellm-api-key": "Bearer sk-not-the-proxys-key"},
    ],
    ids=["no key", "wrong key", "key with a suffix", "wrong key in litellm's header"],
)
async def test_pool_state_is_not_for_anyone_who_can_reach_the_port(
    proxy: Proxy, headers: dict[str, str]
) -> None:
    """Refused exactly as LiteLLM refuses its own ``/health`` (the same check answers both:
    401 where LiteLLM has its database client installed; this LiteLLM build, without it,
    answers 500 for a missing key and 400 for an unknown virtual key)."""
    guardrails = await get(proxy, "/health/guardrails", headers)
    litellms_own = await get(proxy, "/health", headers)
    assert guardrails.status_code >= 400, guardrails.text
    assert guardrails.status_code == litellms_own.status_code
    assert "scanners" not in guardrails.text and "fail_open" not in guardrails.text


async def test_the_proxys_key_gets_the_pools_state(proxy: Proxy) -> None:
    response = await get(proxy, "/health/guardrails", HEADERS)
    assert response.status_code in (200, 503), response.text  # 503: no pool runs here
    (guardrail,) = response.json()["guardrails"]
    assert set(guardrail["scanners"]) == set(SCANNERS)
    assert "fail_open_5m" in guardrail


@pytest.mark.parametrize("path", ["/health/liveliness", "/health/liveness"])
async def test_liveness_stays_open(proxy: Proxy, path: str) -> None:
    assert (await get(proxy, path)).status_code == 200
