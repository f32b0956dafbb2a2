"""A TEST RESPONDER that plays the worker pools by simple rules, for the shim's tests.

It is not a scanner: it reads scan requests from the real broker and answers by fixed
markers in the text, so tests can tell what the shim does with each kind of answer.

    "ignore all previous instructions"   prompt_injection: block
    an e-mail address                    pii: mask (redacted to <EMAIL_ADDRESS>), or flag
    16 digits in groups of 4             pii: mask (redacted to <CREDIT_CARD>), or flag
    AKIA + 16 capitals or digits         secrets: mask (redacted to <SECRET>), or flag
    "hateful"                            moderation: block
    "[[silent]]"                         nobody answers
    "[[silent:<scanner>]]"               that scanner does not answer (its pool seems stopped)
    "[[error]]"                          every scanner answers error
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from topics import (
    Finding,
    KafkaConnection,
    RedactedText,
    ScanRequest,
    ScanResult,
    Topics,
    decode,
    encode,
    message_key,
)

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
AWS_KEY = re.compile(r"AKIA[0-9A-Z]{16}")
CARD = re.compile(r"\b\d{4}(?: \d{4}){3}\b")
_MASKS = {
    "pii": [(EMAIL, "EMAIL_ADDRESS"), (CARD, "CREDIT_CARD")],
    "secrets": [(AWS_KEY, "AWS_KEY")],
}


def answer(request: ScanRequest, scanner: str) -> ScanResult | None:
    """The rule-based result of ``scanner`` for ``request``; None to stay silent."""
    joined = " ".join(t.content for t in request.texts)
    if "[[silent]]" in joined or f"[[silent:{scanner}]]" in joined:
        return None
    verdict, findings, redacted = "allow", [], []
    if "[[error]]" in joined:
        verdict = "error"
    elif scanner == "prompt_injection" and "ignore all previous instructions" in joined.lower():
        verdict = "block"
        findings = [Finding(text=0, start=0, end=1, label="prompt_injection", score=0.99)]
    elif scanner == "moderation" and "hateful" in joined:
        verdict = "block"
        findings = [Finding(text=0, start=0, end=1, label="hate", score=0.9)]
    elif scanner in _MASKS:
        for i, text in enumerate(request.texts):
            content = text.content
            for pattern, label in _MASKS[scanner]:
                found = list(pattern.finditer(text.content))
                findings += [
                    Finding(text=i, start=m.start(), end=m.end(), label=label, score=0.95)
                    for m in found
                ]
                content = pattern.sub(f"<{label}>", content)
            if content != text.content and request.policy.redact:
                redacted.append(RedactedText(text=i, content=content))
        if findings:
            verdict = "mask" if request.policy.redact else "flag"
    return ScanResult(
        request_id=request.request_id,
        correlation_id=request.correlation_id,
        phase=request.phase,
        scanner=scanner,
        verdict=verdict,
        score=max((f.score for f in findings), default=0.0),
        worker_id="test-responder",
        scan_ms=0.1,
        finished_ms=int(time.time() * 1000),
        findings=findings,
        redacted=redacted,
        error="responder told to fail" if verdict == "error" else "",
    )


class TestResponder:
    """Consumes every scan request of ``topics`` and answers each named scanner by rule."""

    __test__ = False  # not a pytest class

    def __init__(self, connection: KafkaConnection, topics: Topics) -> None:
        self.connection = connection
        self.topics = topics
        self.seen: list[ScanRequest] = []
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._producer = AIOKafkaProducer(**self.connection.client_kwargs(), linger_ms=0)
        self._consumer = AIOKafkaConsumer(
            self.topics.requests.name,
            **self.connection.client_kwargs(),
            group_id=f"test-responder-{uuid.uuid4().hex[:8]}",
            auto_offset_reset="earliest",
        )
        await self._producer.start()
        await self._consumer.start()
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._consumer.stop()
        await self._producer.stop()

    def requests_for(self, request_id: str) -> list[ScanRequest]:
        """The scan requests seen so far for one LiteLLM call id."""
        return [r for r in self.seen if r.request_id == request_id]

    async def _run(self) -> None:
        async for record in self._consumer:
            request = decode(ScanRequest, record.value)
            self.seen.append(request)
            if request.reply is None:
                continue
            for scanner in request.scanners:
                result = answer(request, scanner)
                if result is not None:
                    await self._producer.send(
                        topic=request.reply.topic,
                        value=encode(result),
                        key=message_key(request.request_id),
                        partition=request.reply.partition,
                    )
