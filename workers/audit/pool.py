"""The audit pool: one audit record per request and phase, written exactly once.

A faust-streaming app (its own consumer group). Results arrive on the proxies' reply partitions,
so one agent re-keys them by request id onto the audit pool's joins topic; a second agent reads
requests, verdicts and the re-keyed results, all keyed by request id and so co-partitioned, and
joins them in a faust table (:class:`~workers.audit.join.AuditState` per request and phase). A
timer notices deadlines and sends ticks through the joins topic, so every table change happens
inside the agent, on the right partition. A written record leaves a marker in the table that
absorbs re-deliveries; markers are forgotten after ``keep_emitted_s``. The table's changelog is
the declared ``audit_state`` topic and never holds a raw text: the raw texts wait in
:class:`~workers.audit.join.RawTexts`, in memory, until they are masked. Audit records then feed
the sinks (security log, MLflow) through bounded queues that never stall the topic, once per
(request id, phase) (:class:`~workers.audit.dedupe.SeenKeys`).

With ``exactly_once`` on (an audit setting, off by default: see
:class:`~workers.audit.join.AuditSettings`) each record, its marker (the table's changelog entry)
and the offset of the input message that completed it are written in one Kafka transaction
(:mod:`workers.audit.transactions`; faust itself runs at least once), so a pool killed between
the record and its marker leaves an aborted record, which ``read_committed`` readers (this pool's
own consumer, so the sinks' agent and the table's recovery, and ``guardstream audit query/tail``)
never see; the restarted pool aborts it at once and writes the record again, committed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import faust
from aiokafka import TopicPartition
from mode import Service

from topics.codec import decode, encode, peek_schema
from topics.errors import DecodeError
from topics.keys import chunk_parent, message_key
from topics.messages import AuditRecord, AuditTick, ScanRequest, ScanResult, Verdict
from workers.audit.committed import TableManager, read_committed
from workers.audit.dedupe import SeenKeys
from workers.audit.join import AuditSettings, AuditState, RawTexts
from workers.audit.schedule import DueTimes
from workers.audit.sinks import SinkRunner, build_sinks
from workers.audit.sinks.base import would_block
from workers.audit.transactions import AuditTransactions, Write
from workers.fatal import Fatal
from workers.faust_app import (
    build_app,
    cap_payload_loggers,
    create_pool_topics,
    raw_topic,
    run_app,
    serve_pages,
)
from workers.metrics import AuditMetrics
from workers.settings import PoolSettings

__all__ = ["AuditPool"]

log = logging.getLogger("guardstream.audit")

_TICK_RETRY_MS = 5_000
"""When a state the timer sent a tick for is looked at again, should the tick not arrive."""

_RESCAN_S = 300.0
"""How often the timer reads the whole table again, whatever happened (a safety net)."""

_JOINED: tuple[type[ScanRequest] | type[ScanResult] | type[Verdict], ...] = (
    ScanRequest,
    ScanResult,
    Verdict,
)


class AuditPool:
    """One process of the audit pool."""

    def __init__(self, settings: PoolSettings) -> None:
        self.settings = settings
        try:
            self.audit = AuditSettings(**settings.audit)
        except TypeError as e:
            from topics.errors import ConfigError

            raise ConfigError(f"bad audit settings: {e}") from e
        self.sinks = [SinkRunner(sink) for sink in build_sinks(settings.sinks)]
        self.sunk = SeenKeys(100_000)
        """What the sinks were offered: a record written twice reaches them once."""
        self.metrics = AuditMetrics()
        self.written = 0
        self.joined = False
        self.last_record_at = 0.0
        self.cipher = settings.cipher()
        self.raw_texts = RawTexts()
        self.due = DueTimes()
        self._rescanned_at = 0.0
        self._recovery_read: float | None = None
        """When the recovery whose states the schedule last read ended (faust's own stamp)."""
        self.fatal = Fatal()
        self.transactions = (
            AuditTransactions(
                settings,
                self.audit.transaction_timeout_s,
                before_commit=self._flush_producer,
                fatal=self.fatal,
            )
            if self.audit.exactly_once
            else None
        )
        self.app = self._build_app()

    def run(self) -> int:
        """Make sure the topics exist, then join until stopped."""
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        create_pool_topics(self.app, self.settings, self.settings.topics.all())
        cap_payload_loggers()
        return run_app(self.app, self.fatal)

    def _build_app(self) -> faust.App:
        s = self.settings
        topics = s.topics
        extra = {"TableManager": TableManager} if self.transactions else {}
        app = build_app(
            s,
            table_cleanup_interval=3600.0,
            key_serializer="raw",
            value_serializer="raw",
            **extra,
        )
        if self.transactions:
            read_committed(app)
        results = raw_topic(app, topics.results.name)
        audit = raw_topic(app, topics.audit.name)
        joins = raw_topic(app, topics.audit_joins.name)
        joined_inputs = raw_topic(
            app, topics.requests.name, topics.verdicts.name, topics.audit_joins.name
        )
        state_spec = topics.audit_state
        table = app.Table(
            "audit-joins",
            default=None,
            partitions=topics.partitions,
            key_type=str,
            value_type=bytes,
            # declared in topics/ with its retention and copies (faust's own would be named
            # by it, kept forever and made with one copy)
            changelog_topic=app.topic(
                state_spec.name,
                key_type=str,
                value_type=bytes,
                # as the table writes its keys: read back raw (the app's default), a restarted
                # pool restored every key with its JSON quotes, and lost its join states
                key_serializer="json",
                partitions=state_spec.partitions,
                retention=state_spec.retention_ms / 1000,
                compacting=True,
                deleting=True,
                acks=False,  # as faust's own changelogs: written alongside, not per offset
                internal=False,  # created with the other topics, to its spec
                maxsize=131_072,
                allow_empty=True,
            ),
        )

        @app.agent(results, name="audit-rekey")
        @self.fatal.guard("audit-rekey")
        async def rekey(stream: faust.StreamT) -> None:
            async for event in stream.events():
                # same key, default partitioner: the result lands beside its request
                sent = await joins.send(key=event.message.key, value=event.message.value)
                await sent

        @app.agent(joined_inputs, name="audit-join")
        @self.fatal.guard("audit-join")
        async def join(stream: faust.StreamT) -> None:
            if self.transactions is None:
                async for event in stream.events():
                    await self._on_message(audit, table, event)
                return
            # acknowledged by hand: a message that completed a record only once its
            # transaction is committed (faust commits the offsets of acknowledged messages)
            # (faust's StreamT does not declare noack(); its Stream, which agents get, has it)
            async for event in stream.noack().events():  # type: ignore[attr-defined]
                if not await self._on_message(audit, table, event):
                    event.ack()

        @app.agent(audit, name="audit-sinks")
        @self.fatal.guard("audit-sinks")
        async def feed_sinks(stream: faust.StreamT) -> None:
            async for value in stream:
                try:
                    record = decode(AuditRecord, value)
                except DecodeError:
                    continue  # not ours to judge; the topic is written only by this pool
                if not self.sunk.first(record):
                    continue
                for sink in self.sinks:
                    sink.offer(record)

        @app.on_partitions_assigned.connect
        def rebalanced(sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
            self.due.mark_stale()  # recovery brings states this process has not seen

        @app.timer(interval=1.0)
        async def deadlines() -> None:
            now = _now_ms()
            self._rescan(app, table)
            for key in self.due.take(now):
                raw_state = table.get(key)
                if raw_state is None:
                    continue
                state = AuditState.load(raw_state)
                request_id, _, phase = key.rpartition("|")
                forget = self._forgettable(state, now)
                if forget or state.ready(self.audit, now):
                    tick = AuditTick(request_id=request_id, phase=phase, forget=forget)  # type: ignore[arg-type]
                    await joins.send(key=message_key(request_id), value=encode(tick))
                    # again later, should the tick be lost: the join sets the next due time
                    self.due.set(key, now + _TICK_RETRY_MS)
                else:
                    self.due.set(key, self._due_ms(state))

        app.add_dependency(_SinkService(self.sinks))
        if self.transactions:
            app.add_dependency(self.transactions)

        serve_pages(app, self)
        return app

    async def _on_message(self, audit: faust.TopicT, table: Any, event: Any) -> bool:
        """Join one input message (faust's event); True when it completed a record whose
        transaction acknowledges it once committed."""
        source = event.message
        value = source.value
        now = _now_ms()
        try:
            schema = peek_schema(value)
            if schema == AuditTick.SCHEMA:
                tick = decode(AuditTick, value)
                key = f"{tick.request_id}|{tick.phase}"
                if tick.forget:
                    table.pop(key, None)
                    self.raw_texts.drop(key)
                    self.due.drop(key)
                    return False
                state = AuditState.load(table.get(key))
                changed = False
            else:
                cls = next((c for c in _JOINED if c.SCHEMA == schema), None)
                if cls is None:
                    raise DecodeError(
                        "wrong_schema", "schema", f"the audit pool does not take {schema!r}"
                    )
                message = decode(cls, value)
                if chunk_parent(message.request_id) is not None:
                    return False  # a chunk: the shim sends its request whole, results merged
                key = f"{message.request_id}|{message.phase}"
                state = AuditState.load(table.get(key))
                changed, texts = state.add(message, now, self.audit, self.cipher)
                if texts is not None:
                    self.raw_texts.keep(key, texts)
        except DecodeError as e:
            log.warning("audit pool skipped an undecodable message: %s at %r", e.reason, e.field)
            self.metrics.skipped.inc()
            return False
        if state.mask(self.raw_texts.get(key)):
            changed = True
        if state.redacted:
            self.raw_texts.drop(key)  # masked (or withheld): the raw texts are not needed
        if state.ready(self.audit, now):
            self.raw_texts.drop(key)
            record = state.record(now)
            # the marker keeps only when it was written: re-deliveries need no more, and the
            # table holds an hour of markers (keep_emitted_s)
            marker = state.marker()
            deferred = self.transactions is not None
            if deferred:
                await self._write_once(audit, table, event, key, record, marker.dump())
            else:
                sent = await audit.send(key=message_key(record.request_id), value=encode(record))
                await sent
                table[key] = marker.dump()
            self.written += 1
            decision = "would_block" if would_block(record) else record.decision
            self.metrics.record(decision, record.timed_out, record.failed)
            self.last_record_at = time.time()
            self.due.set(key, self._due_ms(state))
            return deferred
        if changed:  # an unchanged state keeps its due time
            table[key] = state.dump()
            self.due.set(key, self._due_ms(state))
        return False

    async def _write_once(
        self,
        audit: faust.TopicT,
        table: Any,
        event: Any,
        key: str,
        record: AuditRecord,
        marker: bytes,
    ) -> None:
        """Put the record, its marker and the input's next offset into the next transaction;
        the marker goes into the table's memory at once, so re-deliveries meanwhile are
        absorbed (faust's own changelog write is skipped: the transaction holds it)."""
        assert self.transactions is not None
        source = event.message
        changelog = table.changelog_topic
        # serialised as faust's own changelog entries are (the key as JSON), so its recovery
        # reads them back
        entry_key, _ = changelog.prepare_key(key, table.key_serializer)
        entry, _ = changelog.prepare_value(marker, table.value_serializer)
        writes = [
            Write(topic=audit.get_topic_name(), key=message_key(record.request_id),
                  value=encode(record)),
            # the partition faust's table writes a key's entries to: the input's
            Write(topic=changelog.get_topic_name(), key=entry_key, value=entry,
                  partition=source.partition),
        ]  # fmt: skip
        offsets = {TopicPartition(source.topic, source.partition): source.offset + 1}
        table.data[key] = marker
        await self.transactions.add(writes, offsets, event.ack)

    async def _flush_producer(self) -> None:
        # the join states faust wrote before a record's marker must reach the changelog before
        # it, or a restart would restore one of them over it
        await self.app.producer.flush()

    def _due_ms(self, state: AuditState) -> int | None:
        """When the timer next looks at ``state``: past its marker's or orphan's keep time, or
        at its record's deadline (a complete one is written by the join itself)."""
        keep = int(self.audit.keep_emitted_s * 1000)
        if state.emitted_ms:
            return state.emitted_ms + keep + 1
        if not state.request:
            return state.first_seen_ms + keep + 1
        return state.deadline_ms(self.audit)

    def _rescan(self, app: faust.App, table: Any) -> None:
        """Read the table whole into the schedule when it may hold states the schedule has not
        seen (at start, after a rebalance once recovery is done, every ``_RESCAN_S``)."""
        recovery = _recovery(app)
        # a recovery that ended since the last read brought states in, even when the timer read
        # the table between the rebalance and the recovery's start
        ended = getattr(recovery, "_recovery_ended_at", None)
        if time.monotonic() - self._rescanned_at > _RESCAN_S or ended != self._recovery_read:
            self.due.mark_stale()
        if not self.due.stale or getattr(recovery, "in_recovery", False):
            return
        self._recovery_read = ended
        self.due.clear()
        for key, raw_state in list(table.items()):
            self.due.set(key, self._due_ms(AuditState.load(raw_state)))
        self.due.stale = False
        self._rescanned_at = time.monotonic()

    def _forgettable(self, state: AuditState, now: int) -> bool:
        keep = int(self.audit.keep_emitted_s * 1000)
        if state.emitted_ms:
            return now - state.emitted_ms > keep
        return (
            not state.request and now - state.first_seen_ms > keep
        )  # results whose request never came

    def ready(self) -> bool:
        """Ready once the consumer has joined its group; never again once the process has
        failed."""
        return self.joined and not self.fatal.reason

    def render_metrics(self) -> bytes:
        """This process's Prometheus metrics, the sinks' queues included."""
        for runner in self.sinks:
            self.metrics.sink_queued.labels(sink=runner.sink.name).set(runner.queue.qsize())
            self.metrics.sink_dropped.labels(sink=runner.sink.name).set(runner.dropped)
        self.metrics.consumer_lag.update(self.app.consumer, self.settings.topics.requests.name)
        return self.metrics.render()

    def status(self) -> dict[str, Any]:
        """What ``/health`` reports."""
        try:
            assigned = sorted(
                f"{tp.topic}[{tp.partition}]" for tp in self.app.consumer.assignment()
            )
        except Exception:  # no consumer yet, or between rebalances
            assigned = []
        return {
            "pool": "audit",
            "worker_id": self.settings.worker_id,
            "group": self.settings.group_id,
            "assigned": assigned,
            "failed": self.fatal.reason,
            "records_written": self.written,
            # True while the join table is read back from its changelog (after a start or a
            # rebalance): nothing is joined meanwhile
            "recovering": bool(getattr(_recovery(self.app), "in_recovery", False)),
            # join states waiting for their record, and written records' markers kept to absorb
            # re-deliveries (forgotten after keep_emitted_s)
            "join_states": len(self.due),
            "last_result_age_s": round(time.time() - self.last_record_at, 3)
            if self.last_record_at
            else None,
            "sinks": {
                r.sink.name: {
                    "written": r.written,
                    "queued": r.queue.qsize(),
                    "dropped": r.dropped,
                    "failures": r.failures,
                }
                for r in self.sinks
            },
        }


class _SinkService(Service):
    """Starts the sinks with the app and, when it stops, writes what they have queued."""

    def __init__(self, sinks: list[SinkRunner]) -> None:
        super().__init__()
        self.sinks = sinks

    async def on_start(self) -> None:
        for sink in self.sinks:
            sink.start()

    async def on_stop(self) -> None:
        await asyncio.gather(*(sink.stop() for sink in self.sinks))


def _recovery(app: faust.App) -> Any:
    """faust's table recovery service, or None before the app has one."""
    return getattr(app.tables, "recovery", None)


def _now_ms() -> int:
    return int(time.time() * 1000)
