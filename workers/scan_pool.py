"""A scanner pool process: a faust-streaming app that scans scan requests in batches.

Each scanner kind is its own app and consumer group on the requests topic, so kinds scale and
lag independently. A batch is whatever has arrived (up to ``batch_size`` records,
:class:`workers.ready.ReadyBatches`): an idle pool scans a lone request at once, and the requests
that come while a scan runs make up the next batch. Batches are scanned in a worker thread, so
the event loop that heartbeats the consumer stays free. Results and dead letters are produced and
acknowledged by the broker before the batch's events are acked, and faust commits only acked
offsets: a crash at any point re-delivers the batch (at-least-once; the proxy and the audit pool
drop duplicates). Each result's headers say when its request was received, scanned and answered
(:class:`topics.headers.PoolTiming`), for the bench's per-stage breakdown.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import faust

from topics.codec import encode
from topics.errors import ProcessFailed, ScannerTimeout
from topics.headers import PoolTiming, timing_headers
from topics.keys import message_key
from workers.batch import BatchProcessor, ProcessedBatch, Record
from workers.fatal import Fatal
from workers.faust_app import (
    build_app,
    cap_payload_loggers,
    create_pool_topics,
    raw_topic,
    run_app,
    serve_pages,
)
from workers.heap import HeapTrimmer
from workers.metrics import PoolMetrics
from workers.ready import ReadyBatches
from workers.scan_cache import ScanCache
from workers.scanners import Scanner, scanner_class
from workers.settings import PoolSettings

__all__ = ["ScanPool", "lanes"]

log = logging.getLogger("guardstream.pool")

_CHECKPOINT_GRACE_S = 1.0
"""How long after its deadline a scan may take to reach its next checkpoint."""
_DEGRADED_FOR_S = 60.0
"""How long one timed-out scan keeps the pool reported as degraded."""


def _pairs(headers: Any) -> tuple[tuple[str, bytes], ...]:
    """faust's headers (pairs, a mapping or None) as a tuple of pairs."""
    if not headers:
        return ()
    return tuple(headers.items() if hasattr(headers, "items") else headers)


def _now_ms() -> float:
    return time.time() * 1000


@dataclass(frozen=True, slots=True, kw_only=True)
class _Arrival:
    """A consumed request of this pool's kind, waiting for its batch."""

    event: Any
    """faust's event: acked once the request is answered."""
    record: Record
    received_ms: float
    """When the consumer handed it over (wall clock)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class _Stamps:
    """When one part of a batch was received and scanned, for its results' timing headers."""

    received: dict[bytes | None, float] = field(default_factory=dict)
    """Arrival time by record key (the request id)."""
    batched_ms: float
    scanned_ms: float


def lanes(records: list[Record], settings: PoolSettings) -> list[tuple[list[Record], float]]:
    """A batch in the order it is scanned and answered, each part with its time limit: the
    usual requests together, then each large one alone, so that one big prompt never holds up
    the answers of the small ones beside it (and delays later batches by at most
    ``large_scan_timeout_s``)."""
    s = settings
    small = [r for r in records if len(r.value or b"") <= s.large_request_bytes]
    large = [r for r in records if len(r.value or b"") > s.large_request_bytes]
    parts = [(small, s.scan_timeout_s)] if small else []
    return parts + [([r], min(s.large_scan_timeout_s, s.scan_timeout_s)) for r in large]


class ScanPool:
    """One process of a scanner pool.

    ``load()`` builds the scanner before the app joins its consumer group, so a process only
    takes partitions once it can scan them.
    """

    def __init__(self, settings: PoolSettings, scanner: Scanner | None = None) -> None:
        self.settings = settings
        cls = scanner_class(settings.kind, settings.scanner_class)
        self.scanner = scanner or cls.from_settings(settings.scanner)
        self.metrics = PoolMetrics(self.scanner.name)
        self.cache = ScanCache(settings.cache_size)
        self.processor = BatchProcessor(
            self.scanner, settings.worker_id, self.cache, settings.cipher()
        )
        self.executor = ThreadPoolExecutor(1, thread_name_prefix=f"scan-{settings.kind}")
        self.heap = HeapTrimmer(settings.heap_trim_s)
        self.timeouts: deque[float] = deque(maxlen=100)
        """When scans last timed out (wall clock): the pool is degraded while any is recent."""
        self.abandoned = 0
        """Scan threads left running past their timeout (a scanner without checkpoints)."""
        self.loaded = False
        self.started = time.time()
        self.last_result_at = 0.0
        self.joined = False
        """True once the consumer has joined its group (its first rebalance completed)."""
        self.skipped = 0
        """Requests for other kinds, skipped on their headers without a decode or a scan."""
        self.fatal = Fatal()
        self.app = self._build_app()

    def run(self) -> int:
        """Load the scanner, make sure the topics exist, then consume until stopped (SIGTERM or
        SIGINT). The consumer joins the group only once the scanner is loaded and the topics
        exist: a consumer that subscribes to a missing topic would not see it appear."""
        cap_payload_loggers()
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        began = time.monotonic()
        self.scanner.load()
        self.loaded = True
        log.info("%s scanner loaded in %.1fs", self.settings.kind, time.monotonic() - began)
        create_pool_topics(self.app, self.settings, self.settings.topics.all())
        try:
            return run_app(self.app, self.fatal)
        finally:
            self.executor.shutdown(wait=False, cancel_futures=True)
            self.scanner.close()

    def _build_app(self) -> faust.App:
        s = self.settings
        app = build_app(s, web_in_thread=False, stream_buffer_maxsize=max(4 * s.batch_size, 64))
        requests = raw_topic(app, s.topics.requests.name)

        @app.agent(requests, name=f"scan-{s.kind}", concurrency=1)
        @self.fatal.guard(f"scan-{s.kind}")
        async def scan(stream: faust.Stream) -> None:
            # an event is acked once its result is published, not when the stream moves on
            stream.enable_acks = False
            ready: ReadyBatches[_Arrival] = ReadyBatches(s.batch_size, s.batch_wait_ms / 1000)
            feed = asyncio.ensure_future(self._feed(stream, ready))
            work = asyncio.ensure_future(self._work(app, stream, ready))
            try:
                done, _ = await asyncio.wait({feed, work}, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    task.result()  # what ended one of them ends the agent
            finally:
                for task in (feed, work):
                    task.cancel()
                await asyncio.gather(feed, work, return_exceptions=True)

        serve_pages(app, self)
        return app

    async def _feed(self, stream: faust.Stream, ready: ReadyBatches[_Arrival]) -> None:
        """Hand each consumed request of this kind to the batcher, stamped with its arrival;
        a request for other kinds is acked at once (faust commits acked offsets only up to the
        first one not yet acked, so an earlier request still being scanned is not lost)."""
        async for event in stream.events():
            m = event.message
            record = Record(m.topic, m.partition, m.offset, m.key, m.value, _pairs(m.headers))
            if not record.for_kind(self.scanner.name):
                self.skipped += 1
                await stream.ack(event)
                continue
            await ready.put(_Arrival(event=event, record=record, received_ms=_now_ms()))

    async def _work(
        self, app: faust.App, stream: faust.Stream, ready: ReadyBatches[_Arrival]
    ) -> None:
        """Scan and answer batches of whatever has arrived, one after the other."""
        while True:
            arrivals = await ready.take()
            received = {a.record.key: a.received_ms for a in arrivals}
            for part, timeout_s in lanes([a.record for a in arrivals], self.settings):
                batched = _now_ms()
                outcome = await self.scan(part, timeout_s)
                stamps = _Stamps(received=received, batched_ms=batched, scanned_ms=_now_ms())
                await self.publish(app, outcome, stamps)
            for arrival in arrivals:
                await stream.ack(arrival.event)

    async def scan(self, records: list[Record], timeout_s: float | None = None) -> ProcessedBatch:
        """Scan a batch in the scan thread within ``timeout_s`` (default ``scan_timeout_s``).

        The scanner stops at its next checkpoint once the time is up; a thread still busy a
        moment later (a scanner with no checkpoints) is left to finish alone and later batches
        get a fresh one, so a timed-out scan never queues the next batch behind it."""
        limit = self.settings.scan_timeout_s if timeout_s is None else timeout_s
        loop = asyncio.get_running_loop()
        began = time.perf_counter()
        work = loop.run_in_executor(self.executor, self._process, records, limit)
        try:
            outcome = await asyncio.wait_for(asyncio.shield(work), limit + _CHECKPOINT_GRACE_S)
        except (TimeoutError, ScannerTimeout):
            reason = f"{ScannerTimeout.__name__}: batch took over {limit}s"
            log.warning("%s: %s", self.settings.kind, reason)
            self.timeouts.append(time.time())
            if not work.done():
                self._abandon_scan_thread()
            outcome = self.processor.fail(records, reason, "scan_timeout")
        except (Exception, asyncio.CancelledError):
            raise
        except BaseException as e:  # SystemExit from an engine ends the thread, not a scan
            raise ProcessFailed(f"the scan thread was lost: {type(e).__name__}: {e}") from e
        self.metrics.scan_seconds.observe(time.perf_counter() - began)
        self.metrics.batch_size.observe(len(records))
        self.metrics.cache_hits.inc(outcome.cached_texts)
        self.metrics.cache_misses.inc(outcome.scanned_texts)
        return outcome

    def _process(self, records: list[Record], limit: float) -> ProcessedBatch:
        """In the scan thread: scan a batch, then trim the heap if it is time."""
        outcome = self.processor.process(records, limit)
        self.heap.maybe()
        return outcome

    def _abandon_scan_thread(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.executor = ThreadPoolExecutor(1, thread_name_prefix=f"scan-{self.settings.kind}")
        self.abandoned += 1
        log.error(
            "%s: a scan thread did not stop at its deadline (%d so far); later batches use a "
            "new one",
            self.settings.kind,
            self.abandoned,
        )

    @property
    def degraded(self) -> bool:
        """True while a scan timed out in the last minute: requests may be getting the
        proxies' fail policy instead of a verdict."""
        return bool(self.timeouts) and time.time() - self.timeouts[-1] < _DEGRADED_FOR_S

    async def publish(
        self, app: faust.App, outcome: ProcessedBatch, stamps: _Stamps | None = None
    ) -> None:
        """Produce a batch's results and dead letters and wait until the broker has them;
        with ``stamps``, each result's headers say when its request was received and scanned."""
        topics = self.settings.topics
        pending = []
        for request, result in outcome.results:
            partition = None
            if (
                request.reply is not None
                and 0 <= request.reply.partition < topics.results.partitions
            ):
                partition = request.reply.partition
            key = message_key(request.request_id)
            value = encode(result)
            headers = None
            if stamps is not None:
                timing = PoolTiming(
                    received_ms=stamps.received.get(key, stamps.batched_ms),
                    batched_ms=stamps.batched_ms,
                    scanned_ms=stamps.scanned_ms,
                    sent_ms=_now_ms(),
                )
                headers = timing_headers(timing)
            pending.append(
                await app.producer.send(
                    topic=topics.results.name,
                    key=key,
                    value=value,
                    partition=partition,
                    timestamp=None,
                    headers=headers,
                )
            )
        for record, letter in outcome.dead_letters:
            log.warning(
                "dead letter from %s[%d]@%d: %s",
                record.topic,
                record.partition,
                record.offset,
                letter.reason,
            )
            pending.append(
                await app.producer.send(
                    topic=topics.dead_letters.name,
                    key=record.key,
                    value=encode(letter),
                    partition=None,
                    timestamp=None,
                    headers=None,
                )
            )
        await asyncio.gather(*pending)
        for _, result in outcome.results:
            self.metrics.result(result.verdict)
        if outcome.results:
            self.last_result_at = time.time()
        for _, letter in outcome.dead_letters:
            self.metrics.dead_letter(letter.reason)

    def status(self) -> dict[str, Any]:
        """What ``/health`` reports."""
        assigned = sorted(f"{tp.topic}[{tp.partition}]" for tp in self._assignment())
        last = self.last_result_at
        return {
            "pool": self.settings.kind,
            "worker_id": self.settings.worker_id,
            "group": self.settings.group_id,
            "loaded": self.loaded,
            "failed": self.fatal.reason,
            "degraded": self.degraded,
            "scan_timeouts_last_minute": sum(
                1 for at in self.timeouts if time.time() - at < _DEGRADED_FOR_S
            ),
            "abandoned_scan_threads": self.abandoned,
            "skipped_for_other_kinds": self.skipped,
            "assigned": assigned,
            "last_result_age_s": round(time.time() - last, 3) if last else None,
            "cache": {
                "entries": len(self.cache),
                "hits": self.cache.hits,
                "misses": self.cache.misses,
            },
            "heap_trims": self.heap.trims,
            "uptime_s": round(time.time() - self.started, 1),
        }

    def _assignment(self) -> set:
        try:
            return set(self.app.consumer.assignment())
        except Exception:  # no consumer yet, or it is between rebalances
            return set()

    def ready(self) -> bool:
        """Ready once the scanner is loaded and the consumer has joined its group; never again
        once the process has failed."""
        return self.loaded and self.joined and not self.fatal.reason

    def render_metrics(self) -> bytes:
        """This process's Prometheus metrics."""
        self.metrics.consumer_lag.update(self.app.consumer, self.settings.topics.requests.name)
        return self.metrics.render()
