"""Request-reply over Kafka: one producer and one reply consumer per proxy process.

:class:`ReplyClient` publishes scan requests and collects the :class:`topics.ScanResult` s that
come back on this instance's reply partition, matched by correlation id. It never blocks the
event loop: the Kafka clients start in a background task, and while Kafka is unreachable
:meth:`ReplyClient.ask` raises :class:`topics.BrokerUnavailable` at once, so the caller applies
its fail policy. The task retries with backoff, logs once per outage, and recovers by itself.
While requests in a row get no answer at all, a :class:`~shim.circuit.Circuit` fails them
fast too, probing now and then until answers come back.

A request's wait ends as soon as its decision is known: when every scanner it waits for has
answered, or at the first ``block`` (the others' results still reach the audit pool through
Kafka; here they arrive to a finished request and are only counted as signs of life). A
scanner whose pool stopped answering is not waited for at all (:class:`~shim.liveness.PoolWatch`):
requests still name it, and its first answer within a request's budget brings it back.

With a payload cipher, request texts are sealed just before they are encoded and the redacted
texts of results are opened just after decoding (:mod:`topics.crypto`); a result that cannot be
opened counts as that scanner's ``error``.

:meth:`ReplyClient.record_stages` turns on a record of where each request's wait went
(:mod:`shim.stages`), for the bench's per-stage breakdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError, MessageSizeTooLargeError

from shim.circuit import Circuit
from shim.liveness import PoolWatch
from shim.stages import RequestStages, ScannerStages
from topics import (
    MAX_MESSAGE_BYTES,
    BrokerUnavailable,
    DecodeError,
    DecryptError,
    EncodeError,
    GuardstreamError,
    KafkaConnection,
    PayloadCipher,
    PayloadTooLarge,
    ReplyAddress,
    ScanRequest,
    ScanResult,
    Topics,
    decode,
    encode,
    message_key,
    reply_partition,
    request_headers,
)
from topics.headers import read_timing

__all__ = ["ReplyClient", "TooManyPending"]

log = logging.getLogger("guardstream.shim")

_BACKOFF_S = (0.5, 10.0)
_CONNECT_TIMEOUT_S = 15.0
_REQUEST_TIMEOUT_MS = 5000
_OUTBOX_MIN = 1000
"""Produce timeout: how soon a dead broker is noticed after the clients started."""
_LATE_MIN = 1000
# requests decided before every scanner answered are remembered until their deadline, so a
# result that comes after the decision still shows its pool alive; bounded like the outbox


class TooManyPending(GuardstreamError):
    """More requests wait for verdicts than ``max_pending`` allows."""

    retriable = True


@dataclass(slots=True, kw_only=True)
class _Waiter:
    asked: frozenset[str]
    """Every scanner the request names (a skipped one's answer is used if it comes in time)."""
    expected: frozenset[str]
    """The scanners waited for: the asked ones less those skipped."""
    done: asyncio.Future[None]
    results: dict[str, ScanResult] = field(default_factory=dict)
    stages: RequestStages | None = None
    """Where the wait went, while :meth:`ReplyClient.record_stages` is on."""


@dataclass(frozen=True, slots=True, kw_only=True)
class _Late:
    """A request decided before all its scanners answered (a block, or a skipped scanner):
    results of it that come before ``deadline`` still show their pool is alive."""

    asked: frozenset[str]
    deadline: float


class ReplyClient:
    """Publishes scan requests and waits for their results.

    Args:
        connection: where Kafka is.
        topics: the deployment's topics.
        instance_id: this process's name; picks its reply partition.
        max_pending: most requests waiting at once.
        cipher: seals request texts and opens result texts (end-to-end encryption); None
            sends plaintext.
    """

    def __init__(
        self,
        connection: KafkaConnection,
        topics: Topics,
        instance_id: str,
        max_pending: int,
        cipher: PayloadCipher | None = None,
        max_request_bytes: int = MAX_MESSAGE_BYTES - (64 << 10),
    ) -> None:
        self.topics = topics
        self.instance_id = instance_id
        self.partition = reply_partition(instance_id, topics.partitions)
        self.address = ReplyAddress(
            topic=topics.results.name, partition=self.partition, instance_id=instance_id
        )
        """Where the pools send this client's results: the address every request carries."""
        self._connection = connection
        self._max_pending = max_pending
        self._cipher = cipher
        self._max_request_bytes = max_request_bytes
        self._pending: dict[str, _Waiter] = {}
        self.circuit = Circuit()
        self.pools = PoolWatch()
        """Which scanners' pools answer; requests do not wait for the others."""
        self._late: OrderedDict[str, _Late] = OrderedDict()
        self._max_late = max(_LATE_MIN, 4 * max_pending)
        self._producer: AIOKafkaProducer | None = None
        self._ready = False
        # set once a connection attempt has an outcome (ready, or an outage): requests that
        # come while the first connection is still being made wait on it
        self._settled = asyncio.Event()
        self._outage = False
        self._broken: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        # fire-and-forget messages (verdicts, audit-only requests) wait here for one sender
        # task, rather than each getting a task of its own on the proxy's event loop
        self._outbox: asyncio.Queue[tuple[str, object, str]] = asyncio.Queue(
            max(_OUTBOX_MIN, 4 * max_pending)
        )
        self._sender: asyncio.Task[None] | None = None
        self.dropped = 0
        """Fire-and-forget messages dropped because the outbox was full."""
        self._stages: deque[RequestStages] | None = None

    def record_stages(self, limit: int) -> deque[RequestStages]:
        """From now on, keep where the wait of each of the last ``limit`` requests went
        (:class:`~shim.stages.RequestStages`, newest last) in the deque returned."""
        self._stages = deque(maxlen=limit)
        return self._stages

    @property
    def ready(self) -> bool:
        """True while the producer and the reply consumer run."""
        return self._ready

    @property
    def pending(self) -> int:
        """Requests waiting for results now."""
        return len(self._pending)

    def start(self) -> None:
        """Start connecting in the background, on the running loop; idempotent."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._supervise())
        if self._sender is None or self._sender.done():
            self._sender = asyncio.get_running_loop().create_task(self._send_outbox())

    async def stop(self) -> None:
        """Stop the background task and the Kafka clients."""
        self._outage = True  # what fails while closing is no outage worth a warning
        for task in (self._sender, self._task):  # the sender first: it uses the producer
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._task = self._sender = None

    async def ask(
        self, request: ScanRequest, timeout_s: float, *, skip: Collection[str] | None = None
    ) -> dict[str, ScanResult]:
        """Publish ``request`` and return the results that arrive within ``timeout_s``, by
        scanner; scanners that did not answer in time are missing from the dict.

        The wait ends early at the first ``block`` result: the scanners still scanning are
        then missing too. Scanners in ``skip`` (default: those :attr:`pools` has down) are
        named in the request but not waited for; a result of one that comes while the others
        are awaited is returned all the same.

        Raises :class:`BrokerUnavailable` when Kafka is not reachable (or the publish fails),
        :class:`TooManyPending` past ``max_pending``, :class:`PayloadTooLarge` when the
        encoded request is over ``max_request_bytes`` and :class:`EncodeError` when it cannot
        be encoded (e.g. a lone surrogate).
        """
        self.start()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        if not self._ready and not self._outage:
            # still connecting (a proxy that has just started): wait for it within the budget
            # rather than fail open at once; a known outage fails fast instead
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout_at(deadline):
                    await self._settled.wait()
        if not self._ready:
            raise BrokerUnavailable("Kafka is not connected")
        if len(self._pending) >= self._max_pending:
            raise TooManyPending(f"{len(self._pending)} requests already wait for verdicts")
        if not self.circuit.admit():
            raise BrokerUnavailable("no scanner answered the last requests (circuit open)")
        asked = frozenset(request.scanners)
        skipped = self.pools.skipped(asked) if skip is None else asked & frozenset(skip)
        waiter = _Waiter(asked=asked, expected=asked - skipped, done=loop.create_future())
        if self._stages is not None:
            waiter.stages = RequestStages(request_id=request.request_id, asked_ms=_now_ms())
        self._pending[request.correlation_id] = waiter
        timed_out = False
        try:
            async with asyncio.timeout_at(deadline):
                await self._send(self.topics.requests.name, request, waiter.done)
                if waiter.stages is not None:
                    waiter.stages.sent_ms = _now_ms()
                if waiter.expected:  # else every asked pool is down: published for the record
                    await asyncio.shield(waiter.done)
        except TimeoutError:
            timed_out = True
        except KafkaError as e:
            raise BrokerUnavailable(f"publishing the scan request failed: {e}") from e
        finally:
            del self._pending[request.correlation_id]
            waiter.done.cancel()  # a late delivery error then has nobody to bother
            self._settle(request.correlation_id, waiter, deadline, timed_out)
            if waiter.stages is not None and self._stages is not None:
                waiter.stages.answered_ms = _now_ms()
                self._stages.append(waiter.stages)
        return dict(waiter.results)

    def _settle(
        self, correlation_id: str, waiter: _Waiter, deadline: float, timed_out: bool
    ) -> None:
        """Count a finished wait: for the circuit, for each pool, and keep a request decided
        early so that its later results (within the budget) still count as answers."""
        if waiter.expected:  # a request that waited for nobody says nothing about the bus
            self._note(self.circuit.record(bool(waiter.results)))
        if timed_out:
            if waiter.results:  # the bus works: the silent ones are their pools' fault
                for scanner in sorted(waiter.expected - waiter.results.keys()):
                    self._note_pool(scanner, self.pools.timed_out(scanner))
        elif not waiter.asked <= waiter.results.keys():
            now = asyncio.get_running_loop().time()
            while self._late and (
                len(self._late) >= self._max_late or next(iter(self._late.values())).deadline < now
            ):
                self._late.popitem(last=False)
            self._late[correlation_id] = _Late(asked=waiter.asked, deadline=deadline)

    def _note_pool(self, scanner: str, change: str) -> None:
        if change == "down":
            state = self.pools.state(scanner)
            log.warning(
                "guardstream: the %s pool stopped answering (%s); requests do not wait for it "
                "and apply on_timeout to it until it answers again",
                scanner,
                state.reason if state else "?",
            )
        elif change == "up":
            log.warning("guardstream: the %s pool answers again; requests wait for it", scanner)

    def _note(self, change: str) -> None:
        if change == "opened":
            log.warning(
                "guardstream: no scanner answered the last %d requests; the circuit is open: "
                "requests get on_timeout at once until a probe is answered",
                self.circuit.trip_after,
            )
        elif change == "closed":
            log.warning("guardstream: scanners answer again; the circuit is closed")

    def publish(self, topic: str, message: object, request_id: str) -> None:
        """Publish ``message`` without waiting (verdicts, audit-only requests); dropped during
        a known Kafka outage. While the first connection is still being made (a proxy that has
        just started), the message waits for it in the background instead of being lost."""
        self.start()
        if not self._ready and self._outage:
            return
        try:
            self._outbox.put_nowait((topic, message, request_id))
        except asyncio.QueueFull:
            self.dropped += 1  # Kafka is far behind: a verdict record is worth less than memory

    async def _send_outbox(self) -> None:
        while True:
            topic, message, request_id = await self._outbox.get()
            await self._send_quietly(topic, message, request_id)

    async def _send_quietly(self, topic: str, message: object, request_id: str) -> None:
        if not self._ready:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(_CONNECT_TIMEOUT_S):
                    await self._settled.wait()
            if not self._ready:
                return
        try:
            await self._send(topic, message, None, key=request_id)
        except (PayloadTooLarge, EncodeError) as e:  # the id, never the text
            log.warning("guardstream: request %s not published: %s", request_id, e)
        except GuardstreamError:
            pass  # _send already noted the outage

    async def _send(
        self,
        topic: str,
        message: object,
        waiter: asyncio.Future[None] | None,
        key: str | None = None,
    ) -> None:
        producer = self._producer
        if producer is None:
            raise BrokerUnavailable("Kafka is not connected")
        request_id = key if key is not None else message.request_id  # type: ignore[attr-defined]
        if self._cipher is not None and isinstance(message, ScanRequest):
            message = self._cipher.seal_request(message)
        value = encode(message)
        if len(value) > self._max_request_bytes:  # refused here: not a Kafka outage
            raise PayloadTooLarge(
                f"the {type(message).__name__} is {len(value)} bytes, over the "
                f"{self._max_request_bytes}-byte limit"
            )
        # scan requests carry their kinds in headers: pools of other kinds skip them unread
        headers = request_headers(message, len(value)) if isinstance(message, ScanRequest) else None
        try:
            delivery = await producer.send(
                topic=topic, value=value, key=message_key(request_id), headers=headers
            )
        except MessageSizeTooLargeError as e:
            raise PayloadTooLarge(f"Kafka refused the {len(value)}-byte message: {e}") from e
        except KafkaError as e:
            self._lost(e)
            raise BrokerUnavailable(f"cannot publish to {topic}: {e}") from e

        def delivered(future: asyncio.Future[object]) -> None:
            if future.cancelled():
                return
            error = future.exception()
            if error is not None:
                if not isinstance(error, MessageSizeTooLargeError):
                    self._lost(error)
                if waiter is not None and not waiter.done():
                    waiter.set_exception(error)

        delivery.add_done_callback(delivered)

    def _lost(self, error: BaseException) -> None:
        if self._broken is not None:
            self._broken.set()
        self._down(error)

    def _down(self, error: BaseException) -> None:
        self._ready = False
        self._settled.set()  # an outcome: whoever waits for the first connection fails now
        if not self._outage:
            self._outage = True
            log.warning(
                "guardstream: Kafka at %s is unreachable (%s: %s); requests get the "
                "on_timeout policy until it is back",
                self._connection.bootstrap_servers,
                type(error).__name__,
                error,
            )

    async def _supervise(self) -> None:
        delay = _BACKOFF_S[0]
        while True:
            self._broken = asyncio.Event()
            producer = AIOKafkaProducer(
                **self._connection.producer_kwargs(),
                linger_ms=0,
                request_timeout_ms=_REQUEST_TIMEOUT_MS,
                max_request_size=MAX_MESSAGE_BYTES,  # the topics' limit, not aiokafka's 1 MB
            )
            consumer = AIOKafkaConsumer(
                **self._connection.consumer_kwargs(), enable_auto_commit=False, group_id=None
            )
            try:
                async with asyncio.timeout(_CONNECT_TIMEOUT_S):
                    await producer.start()
                    await consumer.start()
                    where = TopicPartition(self.topics.results.name, self.partition)
                    consumer.assign([where])
                    await consumer.seek_to_end(where)
                    await consumer.position(where)  # resolve now: results start after this
                    for topic in (self.topics.requests.name, self.topics.verdicts.name):
                        await producer.partitions_for(topic)  # warm metadata before requests
                self._producer = producer
                self._ready = True
                self._settled.set()
                delay = _BACKOFF_S[0]
                if self._outage:
                    self._outage = False
                    log.warning(
                        "guardstream: Kafka at %s is reachable again",
                        self._connection.bootstrap_servers,
                    )
                await self._consume(consumer, self._broken)
            except (KafkaError, OSError, TimeoutError) as e:
                self._down(e)
            finally:
                self._ready = False
                self._settled.clear()
                self._producer = None
                await _quietly(consumer.stop())
                await _quietly(producer.stop())
            await asyncio.sleep(delay)
            delay = min(delay * 2, _BACKOFF_S[1])

    async def _consume(self, consumer: AIOKafkaConsumer, broken: asyncio.Event) -> None:
        while not broken.is_set():
            batches = await consumer.getmany(timeout_ms=200)
            fetched_ms = _now_ms() if self._stages is not None else 0.0
            for records in batches.values():
                for record in records:
                    self._resolve(record.value, record.headers, fetched_ms)

    def _resolve(
        self,
        value: bytes | None,
        headers: Sequence[tuple[str, bytes]] = (),
        fetched_ms: float = 0.0,
    ) -> None:
        if value is None:
            return
        try:
            result = decode(ScanResult, value)
        except DecodeError as e:
            log.warning("guardstream: ignoring an undecodable result (%s)", e.reason)
            return
        waiter = self._pending.get(result.correlation_id)
        if waiter is None:
            # another instance's, a duplicate, or one of a request decided early: only
            # counted as a sign of life when it came within its request's budget (the audit
            # pool reads it from Kafka, not from here)
            late = self._late.get(result.correlation_id)
            if (
                late is not None
                and result.scanner in late.asked
                and asyncio.get_running_loop().time() <= late.deadline
            ):
                self._note_pool(result.scanner, self.pools.answered(result.scanner))
            return
        if result.scanner not in waiter.asked:
            return
        self._note_pool(result.scanner, self.pools.answered(result.scanner))
        if self._cipher is not None:
            try:
                result = self._cipher.open_result(result)
            except DecryptError as e:
                log.warning("guardstream: a %s result cannot be decrypted (%s)", result.scanner, e)
                result = replace(result, verdict="error", redacted=[], error=str(e))
        waiter.results[result.scanner] = result
        if waiter.stages is not None:
            waiter.stages.scanners[result.scanner] = ScannerStages(
                pool=read_timing(headers),
                fetched_ms=fetched_ms,
                resolved_ms=_now_ms(),
            )
        # one block decides the request: the others cannot turn it into an allow
        decided = result.verdict == "block" or waiter.expected <= waiter.results.keys()
        if decided and not waiter.done.done():
            waiter.done.set_result(None)


def _now_ms() -> float:
    return time.time() * 1000


async def _quietly(closing: object) -> None:
    with contextlib.suppress(Exception):
        await closing  # type: ignore[misc]
