"""Reading the audit topic: a time range, or live, with filters. Duplicate records (a pool
killed between writing a record and saving its marker) are shown once."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition

from topics.codec import decode
from topics.connection import KafkaConnection
from topics.errors import ConfigError, DecodeError
from topics.messages import AuditRecord
from topics.specs import Topics
from workers.audit.dedupe import SeenKeys

__all__ = ["AuditFilter", "parse_since", "read_audit"]

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_since(text: str, now: float | None = None) -> int:
    """A time as ms since the epoch, from ``30m``/``2h``/``7d`` ago or an epoch-ms number."""
    now = time.time() if now is None else now
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([smhd])", text.strip())
    if match:
        return int((now - float(match.group(1)) * _UNITS[match.group(2)]) * 1000)
    if text.strip().isdigit():
        return int(text)
    raise ConfigError(f"cannot read {text!r} as a time: use 30m, 2h, 7d or epoch milliseconds")


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Which records to show; empty fields match everything."""

    decision: str = ""
    scanner: str = ""
    """Records in which this scanner found something, timed out or failed."""
    key_alias: str = ""
    model: str = ""

    def matches(self, record: AuditRecord) -> bool:
        if self.decision and record.decision != self.decision:
            return False
        if self.key_alias and record.caller.key_alias != self.key_alias:
            return False
        if self.model and record.caller.model != self.model:
            return False
        if self.scanner:
            return any(
                o.scanner == self.scanner and (o.findings or o.status != "ok")
                for o in record.outcomes
            )
        return True


async def read_audit(
    connection: KafkaConnection,
    topics: Topics,
    *,
    since_ms: int | None = None,
    follow: bool = False,
    selection: AuditFilter | None = None,
    idle_timeout_s: float = 2.0,
) -> AsyncIterator[AuditRecord]:
    """Records from ``since_ms`` (default: the beginning, or now when following) to the end as it
    was when reading began; with ``follow``, then on as they come."""
    selection = selection or AuditFilter()
    consumer = AIOKafkaConsumer(
        **connection.consumer_kwargs(),
        enable_auto_commit=False,
        # the audit pool writes in transactions: an aborted record (its pool killed before
        # the commit) was written again by its successor, and must not be read twice
        isolation_level="read_committed",
        # where a partition starts before the seek below takes effect: an assignment's own
        # reset can land after the seek, and must not skip the records asked for
        auto_offset_reset="latest" if follow else "earliest",
    )
    await consumer.start()
    try:
        partitions = [TopicPartition(topics.audit.name, p) for p in range(topics.audit.partitions)]
        ends = await consumer.end_offsets(partitions)
        if since_ms is not None:
            found = await consumer.offsets_for_times(dict.fromkeys(partitions, since_ms))
        consumer.assign(partitions)  # then seek at once: nothing awaited in between
        if since_ms is not None:
            for tp in partitions:
                consumer.seek(tp, found[tp].offset if found.get(tp) else ends[tp])
        elif follow:
            await consumer.seek_to_end(*partitions)
        else:
            await consumer.seek_to_beginning(*partitions)
        seen = SeenKeys()
        while True:
            batch = await consumer.getmany(timeout_ms=int(idle_timeout_s * 1000))
            for records in batch.values():
                for message in records:
                    try:
                        record = decode(AuditRecord, message.value)
                    except DecodeError:
                        continue
                    if seen.first(record) and selection.matches(record):
                        yield record
            if not follow:
                positions = {tp: await consumer.position(tp) for tp in partitions}
                if all(positions[tp] >= ends[tp] for tp in partitions):
                    return
    finally:
        await consumer.stop()
