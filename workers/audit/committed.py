"""faust parts for an app that reads topics written in Kafka transactions (the audit pool's, see
:mod:`workers.audit.transactions`) while running faust's at-least-once guarantee.

- :func:`read_committed`: the app's consumer reads ``read_committed``, so an aborted record (a
  pool killed before its commit) reaches neither the sinks' agent nor the table's recovery (an
  aborted marker restored would lose its record for good). faust reads ``read_committed`` only
  with its own ``exactly_once``, which this app does not use.
- Recovery reads a changelog partition up to its raw end (the high watermark), not to the end
  a ``read_committed`` consumer is told (the last stable offset): a process killed inside a
  transaction leaves it open, and the last stable offset stops at its first write until it is
  aborted (by the restarted process, or after the transaction timeout). A recovery that ended
  there dropped every state and marker committed after it: records went missing, and markers
  lost let re-delivered inputs write their records twice. Reading to the raw end, recovery
  waits for the abort.
- :class:`TableManager` (faust's ``TableManager`` setting): a table recovery that finishes when
  its changelog partition ends in transaction markers. faust waits for the offset just before
  the end, and with transactions that offset is a commit or abort marker, which no consumer is
  ever given: recovery would wait for good (faust handles that only under its own
  ``exactly_once``, and after two 5-second silences). A partition counts as recovered once the
  consumer has fetched to its end *and* recovery has taken in the last record the consumer
  returned: records on their way from the consumer to recovery are in neither place (a check of
  an empty queue instead ended recoveries with most of the table still in flight).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer
from faust.tables import TableManager as _FaustTableManager
from faust.tables.recovery import Recovery
from faust.transport.drivers import aiokafka as faust_aiokafka
from mode import Service

__all__ = ["TableManager", "read_committed"]

_CHECK_S = 0.5
"""How often recovery looks for a partition read past its end."""


def read_committed(app: Any) -> None:
    """Make ``app``'s consumer read committed records only. Call right after the app is built,
    before anything uses its transport (declaring a topic does)."""
    app.transport = _Transport(app.conf.broker_consumer, app)


class _ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    _raw_ends: AIOKafkaConsumer | None = None
    """A group-less ``read_uncommitted`` client, for the raw ends of partitions: made on first
    use, in the consumer thread's loop."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.returned: dict[Any, int] = {}
        """Per partition, the offset of the last record the consumer handed to faust."""

    async def _fetch_records(self, *args: Any, **kwargs: Any) -> Any:
        records = await super()._fetch_records(*args, **kwargs)
        for tp, batch in records.items():
            if batch:
                self.returned[tp] = batch[-1].offset
        return records

    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        # aiokafka hands the level to its fetcher at start(), which comes after this; faust
        # chooses it from its own processing guarantee and has no setting for it
        consumer._isolation_level = "read_committed"
        return consumer

    async def _highwaters(self, partitions: list[Any]) -> Mapping[Any, int]:
        # what faust's recovery reads up to; the consumer's own end_offsets() would answer
        # with the last stable offset (see the module's docstring)
        if self._raw_ends is None:
            # faust's own group-less client: the app's connection and credentials, and the
            # default read_uncommitted (only the worker consumer is switched to committed)
            transport: Any = self.transport
            self._raw_ends = self._create_client_consumer(transport)
            await self._raw_ends.start()
        return await self._raw_ends.end_offsets(partitions)  # type: ignore[no-any-return]

    async def on_thread_stop(self) -> None:
        await super().on_thread_stop()
        if self._raw_ends is not None:
            await self._raw_ends.stop()


class _Consumer(faust_aiokafka.Consumer):
    def _new_consumer_thread(self) -> _ConsumerThread:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)


class _Transport(faust_aiokafka.Transport):
    Consumer = _Consumer


class _Recovery(Recovery):
    """faust's recovery, plus: once the round has moved the consumer to where it reads from, a
    partition whose consumer position is past its last offset, and whose last record the
    consumer returned has reached recovery, is recovered (what remains were transaction
    markers, or aborted records, which ``read_committed`` skips)."""

    _actives_sought = False
    """Whether this round of recovery has moved the consumer to where it reads the active
    changelog partitions from: before that, the consumer's position is wherever it joined
    (their end, for a partition it never read), which says nothing of what was read."""

    async def on_rebalance(self, *args: Any, **kwargs: Any) -> None:
        # a new round: until it has sought, positions and last round's highwaters say nothing
        # (faust marks itself in recovery before it builds the new highwaters)
        self._actives_sought = False
        await super().on_rebalance(*args, **kwargs)

    async def _seek_offsets(self, consumer: Any, tps: Any, offsets: Any, title: str) -> None:
        await super()._seek_offsets(consumer, tps, offsets, title)
        if title == "active":
            self._actives_sought = True

    @Service.task
    async def _past_transaction_markers(self) -> None:
        while not self.should_stop:
            await self.sleep(_CHECK_S)
            if not self.in_recovery or not self._actives_sought:
                continue
            thread = getattr(self.app.consumer, "_thread", None)
            returned = thread.returned if isinstance(thread, _ConsumerThread) else {}
            offsets = self.active_offsets
            for tp, highwater in list(self.active_highwaters.items()):
                if highwater is None or highwater < 0:
                    continue
                seen = offsets.get(tp)
                if seen is not None and seen >= highwater:
                    continue
                if (seen if seen is not None else -1) < returned.get(tp, -1):
                    continue  # records on their way to recovery
                position = await self.app.consumer.position(tp)
                if position is not None and position > highwater:
                    offsets[tp] = highwater
            if self.in_recovery and not self.need_recovery():
                self.flush_buffers()
                self._set_recovery_ended()
                self.signal_recovery_end.set()


class TableManager(_FaustTableManager):
    """faust's table manager with :class:`_Recovery`."""

    @property
    def recovery(self) -> Recovery:
        if self._recovery is None:
            self._recovery = _Recovery(self.app, self, beacon=self.beacon, loop=self.loop)
        return self._recovery
