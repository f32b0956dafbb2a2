"""faust parts for an app that reads topics written in Kafka transactions (the audit pool's, see
:mod:`workers.audit.transactions`) while running faust's at-least-once guarantee.

- :func:`read_committed`: the app's consumer reads ``read_committed``, so an aborted record (a
  pool killed before its commit) reaches neither the sinks' agent nor the table's recovery (an
  aborted marker restored would lose its record for good). faust reads ``read_committed`` only
  with its own ``exactly_once``, which this app does not use.
- :class:`TableManager` (faust's ``TableManager`` setting): a table recovery that finishes when
  its changelog partition ends in transaction markers. faust waits for the offset just before
  the end, and with transactions that offset is a commit or abort marker, which no consumer is
  ever given: recovery would wait for good (faust handles that only under its own
  ``exactly_once``, and after two 5-second silences).
"""

from __future__ import annotations

from typing import Any

from faust.tables import TableManager as _FaustTableManager
from faust.tables.recovery import Recovery
from faust.transport.drivers import aiokafka as faust_aiokafka
from mode import Service

__all__ = ["TableManager", "read_committed"]

_QUIET_S = 0.5
"""How often recovery looks for a partition read past its end; twice in a row with nothing
queued before it counts (the last events may still be on their way to the queue)."""


def read_committed(app: Any) -> None:
    """Make ``app``'s consumer read committed records only. Call right after the app is built,
    before anything uses its transport (declaring a topic does)."""
    app.transport = _Transport(app.conf.broker_consumer, app)


class _ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        # aiokafka hands the level to its fetcher at start(), which comes after this; faust
        # chooses it from its own processing guarantee and has no setting for it
        consumer._isolation_level = "read_committed"
        return consumer


class _Consumer(faust_aiokafka.Consumer):
    def _new_consumer_thread(self) -> _ConsumerThread:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)


class _Transport(faust_aiokafka.Transport):
    Consumer = _Consumer


class _Recovery(Recovery):
    """faust's recovery, plus: a partition whose consumer position is past its last offset,
    with nothing left in the queue, is recovered (what remains were transaction markers, or
    aborted records, which ``read_committed`` skips)."""

    @Service.task
    async def _past_transaction_markers(self) -> None:
        quiet = 0
        while not self.should_stop:
            await self.sleep(_QUIET_S)
            if not self.in_recovery or not self.tables.changelog_queue.empty():
                quiet = 0
                continue
            quiet += 1
            if quiet < 2:
                continue
            offsets = self.active_offsets
            for tp, highwater in list(self.active_highwaters.items()):
                if highwater is None or highwater < 0:
                    continue
                seen = offsets.get(tp)
                if seen is not None and seen >= highwater:
                    continue
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
