"""A chunked request (:mod:`shim.chunks`) asked of the pools chunk by chunk, concurrently.

Each chunk is a scan request of its own (id ``<request id>#c<k>``, :func:`topics.chunk_id`),
keyed by that id, so the chunks land on different partitions and every process of a pool
scans a share at the same time. At most ``in_flight`` chunks of one request wait at once: the
next is published as soon as one is answered. That is the fairness bound: a small request that
reaches a pool while a big one is being scanned waits behind at most ``in_flight`` chunks of it
(per big request), never behind the whole of it.

The wait shares one deadline. It ends early at the first ``block`` of any chunk (the chunks
not yet published are never published); a chunk without an answer by the deadline, or that
could not be published, leaves every scanner it was waiting for without a result for the
whole request, so the fail policy applies to the request, never to a part of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace

from shim.chunks import Chunk, merge
from shim.params import chunked_wait_ms
from shim.replies import ReplyClient
from topics import (
    GuardstreamError,
    PayloadTooLarge,
    ScanRequest,
    ScanResult,
    chunk_id,
    encode,
)

__all__ = ["ask_chunks", "audit_whole", "sized"]


async def ask_chunks(
    replies: ReplyClient,
    request: ScanRequest,
    chunks: Sequence[Chunk],
    timeout_s: float,
    *,
    skip: Collection[str],
    in_flight: int,
) -> dict[str, ScanResult]:
    """The merged result of each scanner of ``request`` (whole, unchunked) that answered for
    every chunk within ``timeout_s``, or blocked in one."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    answers: list[dict[str, ScanResult] | None] = [None] * len(chunks)

    async def ask(k: int) -> None:
        part = replace(
            request,
            request_id=chunk_id(request.request_id, k),
            correlation_id=uuid.uuid4().hex,
            texts=chunks[k].texts(request.texts),
        )
        try:
            answers[k] = await replies.ask(part, max(0.0, deadline - loop.time()), skip=skip)
        except GuardstreamError:
            answers[k] = {}  # not published (Kafka down, too many pending): nobody answers

    waiting: set[asyncio.Task[None]] = set()
    upcoming = iter(range(len(chunks)))
    try:
        while True:
            while len(waiting) < in_flight and loop.time() < deadline:
                k = next(upcoming, None)
                if k is None:
                    break
                waiting.add(asyncio.ensure_future(ask(k)))
            if not waiting:
                break
            _, waiting = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            if any(r.verdict == "block" for a in answers if a is not None for r in a.values()):
                break  # one block decides the request: stop asking
    finally:
        for task in waiting:
            task.cancel()
        for task in waiting:
            with contextlib.suppress(asyncio.CancelledError):
                await task
    merged: dict[str, ScanResult] = {}
    for scanner in request.scanners:
        result = merge(
            scanner,
            chunks,
            request.texts,
            [a.get(scanner) if a is not None else None for a in answers],
            request_id=request.request_id,
            correlation_id=request.correlation_id,
        )
        if result is not None:
            merged[scanner] = result
    return merged


def sized(
    request: ScanRequest, budget_ms: int, max_request_bytes: int, scan_bytes_per_s: int
) -> ScanRequest:
    """A request to be chunked, with its deadline grown by its size (:func:`chunked_wait_ms`);
    :class:`PayloadTooLarge` past ``max_request_bytes``, :class:`EncodeError` when it cannot
    be encoded."""
    size = len(encode(request))
    if size > max_request_bytes:
        raise PayloadTooLarge(
            f"the request is {size} bytes, over the {max_request_bytes}-byte limit"
        )
    wait_ms = chunked_wait_ms(budget_ms, size, scan_bytes_per_s)
    return replace(request, deadline_ms=request.created_ms + wait_ms)


def audit_whole(
    replies: ReplyClient, joins: str, request: ScanRequest, results: Mapping[str, ScanResult]
) -> None:
    """Send a chunked request whole, with its merged results, to the audit pool's ``joins``
    topic: it records the request once (it skips the chunks). Without the results' redacted
    texts: the audit masks the texts itself, and they would cross the bus unsealed."""
    replies.publish(joins, request, request.request_id)
    for result in results.values():
        replies.publish(joins, replace(result, redacted=[]), request.request_id)
