"""``stream_mode: incremental`` inside a real LiteLLM proxy: an upstream that streams slowly,
the real broker and the rule-playing responder (tests/shim/responder.py)."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import openai
import pytest
from aiokafka import AIOKafkaConsumer

from tests.shim.proxy import HEADERS, MASTER_KEY, Proxy
from tests.shim.responder import TestResponder
from tests.shim.test_proxy import eventually, guardrail_info
from tests.shim.upstream import FakeUpstream
from topics import KafkaConnection, Topics, Verdict, decode
from topics.admin import create_topics

pytestmark = pytest.mark.timeout(600)

KEY = "AKIAABCDEFGHIJKLMNOP"
TOXIC = "First a calm sentence. Then a hateful one. And more text after it."
BLOCKED = {
    "message": "Content policy violation detected",
    "type": "content_policy_violation",
    "code": "moderation_blocked",
}


@pytest.fixture(scope="module")
async def bus(kafka: KafkaConnection) -> AsyncIterator[tuple[Topics, TestResponder]]:
    topics = Topics(prefix=f"test-{uuid.uuid4().hex[:10]}", partitions=3)
    await create_topics(kafka, topics.all())
    responder = TestResponder(kafka, topics)
    await responder.start()
    yield topics, responder
    await responder.stop()


@pytest.fixture(scope="module")
def upstream() -> Any:
    server = FakeUpstream(piece_delay_s=0.05).start()  # 4 characters every 50 ms
    yield server
    server.stop()


@pytest.fixture(scope="module")
async def proxies(
    bus: tuple[Topics, TestResponder],
    upstream: FakeUpstream,
    kafka: KafkaConnection,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[dict[str, Proxy]]:
    topics, _ = bus
    common = {
        "default_on": True,
        "bootstrap_servers": kafka.bootstrap_servers,
        "topic_prefix": topics.prefix,
        "partitions": topics.partitions,
        "scanners": ["pii", "prompt_injection", "secrets", "moderation"],
        "actions": {"EMAIL_ADDRESS": "mask", "AWS_KEY": "mask", "CREDIT_CARD": "mask"},
        "stream_mode": "incremental",
        "budget_ms": 5000,  # generous: the machine running the tests may be busy
    }
    configs = {
        "post": {**common, "mode": "post_call", "on_timeout": "block"},
        "parse": {**common, "mode": ["pre_call", "post_call"], "output_parse_pii": True},
    }
    root = tmp_path_factory.mktemp("stream-proxies")
    started = {
        name: Proxy(root / name, upstream.api_base, config).start()
        for name, config in configs.items()
    }
    try:
        await asyncio.gather(*(asyncio.to_thread(p.wait_ready) for p in started.values()))
        yield started
    finally:
        for proxy in started.values():
            proxy.stop()


@dataclass
class Streamed:
    """What a client read from one streamed answer, frame by frame."""

    call_id: str = ""
    pieces: list[tuple[float, str]] = field(default_factory=list)
    """Answer text as it arrived, with its perf_counter time."""
    events: list[dict[str, Any]] = field(default_factory=list)
    error: dict[str, Any] | None = None
    after_error: list[str] = field(default_factory=list)
    """Data frames after the error frame, other than ``[DONE]``."""
    raw: str = ""

    @property
    def text(self) -> str:
        return "".join(p for _, p in self.pieces)


async def stream(proxy: Proxy, path: str, body: dict[str, Any]) -> Streamed:
    """POST a streaming request and read its SSE frames as they come."""
    out = Streamed()
    async with (
        httpx.AsyncClient(timeout=60) as client,
        client.stream(
            "POST", f"{proxy.url}{path}", json={"model": "fake", "stream": True, **body},
            headers=HEADERS,
        ) as response,
    ):  # fmt: skip
        assert response.status_code == 200
        out.call_id = response.headers["x-litellm-call-id"]
        async for line in response.aiter_lines():
            out.raw += line + "\n"
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            data = json.loads(line[6:])
            if out.error is not None:
                out.after_error.append(line)
            elif "error" in data:
                out.error = data["error"]
            else:
                out.events.append(data)
                text = _text_of(data)
                if text:
                    out.pieces.append((time.perf_counter(), text))
    return out


def _text_of(data: dict[str, Any]) -> str:
    if data.get("type") == "response.output_text.delta":
        return data["delta"]
    parts = []
    for choice in data.get("choices", []):
        parts.append((choice.get("delta") or {}).get("content") or choice.get("text") or "")
    return "".join(parts)


def chat(text: str) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": "REPLY-REV: " + text[::-1]}]}


ENDPOINTS = {
    "/v1/chat/completions": chat,
    "/v1/completions": lambda text: {"prompt": "REPLY-REV: " + text[::-1]},
    "/v1/responses": lambda text: {"input": "REPLY-REV: " + text[::-1]},
}


@pytest.mark.parametrize("path", list(ENDPOINTS))
async def test_a_secret_split_across_chunks_is_masked_before_any_part_is_released(
    proxies: dict[str, Proxy], bus: tuple[Topics, TestResponder], path: str
) -> None:
    answer = f"Your key is: {KEY} and keep it safe."
    # the upstream sends 4 characters a chunk: the key starts inside the 4th one
    assert answer.index(KEY) % 4 != 0
    got = await stream(proxies["post"], path, ENDPOINTS[path](answer))
    assert got.error is None
    # every piece the client got adds up to the masked answer: no fragment of the key
    assert got.text == "Your key is: <AWS_KEY> and keep it safe."
    assert KEY[:4] not in got.raw and KEY[-4:] not in got.raw
    windows = [r for r in bus[1].seen if r.request_id.startswith(got.call_id + "#w")]
    assert any(KEY in r.texts[0].content for r in windows)  # one window held the whole key


@pytest.mark.parametrize("path", list(ENDPOINTS))
async def test_a_card_number_at_the_very_end_is_masked(
    proxies: dict[str, Proxy], path: str
) -> None:
    got = await stream(proxies["post"], path, ENDPOINTS[path]("Pay with 4111 1111 1111 1111"))
    assert got.error is None
    assert got.text == "Pay with <CREDIT_CARD>"
    assert "1111" not in got.raw


async def test_responses_done_events_carry_the_released_text(proxies: dict[str, Proxy]) -> None:
    got = await stream(proxies["post"], "/v1/responses", ENDPOINTS["/v1/responses"](f"k {KEY}"))
    done = {e["type"]: e for e in got.events}
    assert done["response.output_text.done"]["text"] == "k <AWS_KEY>"
    assert done["response.content_part.done"]["part"]["text"] == "k <AWS_KEY>"
    assert done["response.output_item.done"]["item"]["content"][0]["text"] == "k <AWS_KEY>"
    completed = done["response.completed"]["response"]["output"][0]["content"][0]["text"]
    assert completed == "k <AWS_KEY>"


@pytest.mark.parametrize("path", list(ENDPOINTS))
async def test_a_toxic_sentence_halfway_ends_the_stream_with_the_error(
    proxies: dict[str, Proxy], bus: tuple[Topics, TestResponder], kafka: KafkaConnection, path: str
) -> None:
    got = await stream(proxies["post"], path, ENDPOINTS[path](TOXIC))
    assert got.text == "First a calm sentence. "  # what came before, and nothing after
    assert got.error == BLOCKED
    assert got.after_error == []
    assert got.raw.rstrip().endswith("data: [DONE]")
    # audit: each window is a request of its own (<call id>#w<k>) with its verdict: the
    # windows before the blocking one went out, the blocking one ended the stream
    verdicts = await _verdicts(kafka, bus[0], got.call_id + "#w", lambda v: v.decision == "block")
    decisions = [verdicts[f"{got.call_id}#w{k}"].decision for k in range(len(verdicts))]
    assert decisions[-1] == "block" and set(decisions[:-1]) == {"allow"}
    assert verdicts[f"{got.call_id}#w{len(decisions) - 1}"].blocked_by == ["moderation"]
    windows = {r.request_id: r.texts[0].content for r in bus[1].seen}
    assert "hateful" in windows[f"{got.call_id}#w{len(decisions) - 1}"]
    assert all("hateful" not in windows[f"{got.call_id}#w{k}"] for k in range(len(decisions) - 1))


async def _verdicts(
    kafka: KafkaConnection, topics: Topics, prefix: str, last: Any
) -> dict[str, Verdict]:
    """The proxy's verdicts whose request id starts with ``prefix``, read until ``last``
    matches one."""
    consumer = AIOKafkaConsumer(
        topics.verdicts.name, **kafka.client_kwargs(), group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    found: dict[str, Verdict] = {}
    try:
        deadline = asyncio.get_running_loop().time() + 30
        while not any(last(v) for v in found.values()):
            assert asyncio.get_running_loop().time() < deadline, found
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for record in records:
                    verdict = decode(Verdict, record.value)
                    if verdict.request_id.startswith(prefix):
                        found[verdict.request_id] = verdict
    finally:
        await consumer.stop()
    return found


async def test_a_clean_answer_arrives_in_pieces_while_the_upstream_streams(
    proxies: dict[str, Proxy], upstream: FakeUpstream
) -> None:
    answer = "The weather is mild today. Rain may come later! Take a coat.\nSee you soon."
    got = await stream(proxies["post"], "/v1/chat/completions", chat(answer))
    assert got.error is None
    assert got.text == answer
    assert len(got.pieces) >= 4
    assert got.pieces[0][0] < upstream.finished[answer]  # released before the model finished
    # LiteLLM's logging payload holds one verdict per window, in order
    info = await eventually(lambda: guardrail_info(proxies["post"], got.call_id))
    windows = [i["guardrail_response"] for i in info if i["guardrail_provider"] == "guardstream"]
    assert [w["window"] for w in windows] == list(range(len(windows)))
    assert len(windows) >= 4 and {w["decision"] for w in windows} == {"allow"}


async def test_a_window_without_a_verdict_fails_closed(proxies: dict[str, Proxy]) -> None:
    got = await stream(
        proxies["post"], "/v1/chat/completions", chat("All fine here. Then [[silent]] part.")
    )
    assert got.text == "All fine here. "
    assert got.error is not None and got.error["code"] == "guardstream_unavailable"


async def test_output_parse_pii_placeholders_are_restored_across_windows(
    proxies: dict[str, Proxy], upstream: FakeUpstream
) -> None:
    marker = uuid.uuid4().hex
    body = {"messages": [{"role": "user", "content": f"REPLY: {marker} mail carol@example.org"}]}
    got = await stream(proxies["parse"], "/v1/chat/completions", body)
    # the model saw a numbered placeholder, split over its 4-character chunks...
    assert upstream.last_user_text(marker) == f"REPLY: {marker} mail <EMAIL_ADDRESS_1>"
    # ...and the client gets the value back
    assert got.text == f"{marker} mail carol@example.org"


@pytest.mark.parametrize("api", ["chat", "responses"])
async def test_the_openai_client_raises_the_block_as_an_api_error(
    proxies: dict[str, Proxy], api: str
) -> None:
    client = openai.AsyncOpenAI(base_url=f"{proxies['post'].url}/v1", api_key=MASTER_KEY)
    seen = []
    with pytest.raises(openai.APIError) as raised:
        if api == "chat":
            chunks = await client.chat.completions.create(model="fake", stream=True, **chat(TOXIC))
            async for chunk in chunks:
                seen += [c.delta.content or "" for c in chunk.choices]
        else:
            events = await client.responses.create(
                model="fake", stream=True, input="REPLY-REV: " + TOXIC[::-1]
            )
            async for event in events:
                seen += [event.delta] if event.type == "response.output_text.delta" else []
    assert raised.value.code == "moderation_blocked"
    assert "".join(seen) == "First a calm sentence. "
    await client.close()


async def test_the_openai_client_reads_a_masked_stream(proxies: dict[str, Proxy]) -> None:
    client = openai.AsyncOpenAI(base_url=f"{proxies['post'].url}/v1", api_key=MASTER_KEY)
    chunks = await client.chat.completions.create(
        model="fake", stream=True, **chat(f"Use {KEY} now. Or mail dave@example.net please.")
    )
    text = "".join([c.delta.content or "" async for chunk in chunks for c in chunk.choices])
    assert text == "Use <AWS_KEY> now. Or mail <EMAIL_ADDRESS> please."
    await client.close()
