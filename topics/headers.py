"""Kafka record headers on scan requests: what a pool needs to route a request without decoding it.

Every pool's consumer group reads every scan request, but a request names only the scanner kinds
it wants. The shim copies those kinds (and the schema and size) into record headers, so a pool
drops a request for other kinds by reading a few bytes of header instead of parsing and
validating the whole JSON body (with encryption on, the texts are sealed too: the headers never
hold a text). Records without these headers (from shims older than the headers) are decoded and
routed by their body, as before.

    gs-kinds    the scanner kinds asked for, comma-separated: ``pii,secrets``
    gs-schema   the value's schema and version: ``guardstream.scan_request/1``
    gs-size     the value's size in bytes, in decimal

Scan results carry one header of their own, for measuring where a request's time goes (the
bench's per-stage breakdown); nothing decides on it, and readers that predate it ignore it:

    gs-timing   when the pool received the request, began and ended its batch's scan and sent
                the result: four wall-clock times in ms since the epoch, comma-separated
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from topics.messages import ScanRequest

__all__ = [
    "KINDS_HEADER",
    "SCHEMA_HEADER",
    "SIZE_HEADER",
    "TIMING_HEADER",
    "PoolTiming",
    "Routing",
    "read_routing",
    "read_timing",
    "request_headers",
    "timing_headers",
]

KINDS_HEADER = "gs-kinds"
SCHEMA_HEADER = "gs-schema"
SIZE_HEADER = "gs-size"
TIMING_HEADER = "gs-timing"

Headers = Sequence[tuple[str, bytes]]
"""Record headers as aiokafka and faust hand them over: ``(name, value)`` pairs."""


@dataclass(frozen=True, slots=True)
class Routing:
    """What a scan request's headers say about it."""

    kinds: frozenset[str]
    """Scanner kinds asked for."""
    schema: str
    """``SCHEMA/VERSION`` of the value, ``""`` when the header is missing."""
    size: int
    """The value's size in bytes, -1 when the header is missing or unreadable."""

    def wants(self, kind: str) -> bool:
        """Whether the pool of ``kind`` should scan this request."""
        return kind in self.kinds


def request_headers(request: ScanRequest, size: int) -> list[tuple[str, bytes]]:
    """The headers of the record holding ``request`` encoded in ``size`` bytes."""
    return [
        (KINDS_HEADER, ",".join(request.scanners).encode()),
        (SCHEMA_HEADER, f"{ScanRequest.SCHEMA}/{ScanRequest.VERSION}".encode()),
        (SIZE_HEADER, str(size).encode()),
    ]


def read_routing(
    headers: Iterable[tuple[str, bytes]] | Mapping[str, bytes] | None,
) -> Routing | None:
    """The routing in ``headers`` (pairs, or a mapping as faust may hand them over), or None
    when they carry no kinds header (an older shim, or a producer that sets none): the caller
    then decodes the value to route it."""
    kinds: bytes | None = None
    schema, size = "", -1
    pairs = headers.items() if isinstance(headers, Mapping) else headers or ()
    for name, value in pairs:
        if name == KINDS_HEADER:
            kinds = value
        elif name == SCHEMA_HEADER:
            schema = value.decode("ascii", "replace")
        elif name == SIZE_HEADER and value.isdigit():
            size = int(value)
    if kinds is None:
        return None
    named = kinds.decode("utf-8", "replace").split(",")
    return Routing(frozenset(k for k in named if k), schema, size)


@dataclass(frozen=True, slots=True, kw_only=True)
class PoolTiming:
    """When a pool handled one request: wall-clock times in ms since the epoch, with fractions
    (the stages are a few ms long; a record's own timestamp has whole ms only)."""

    received_ms: float
    """The pool's consumer handed the request to its batcher."""
    batched_ms: float
    """The request's batch began scanning."""
    scanned_ms: float
    """The batch's scan ended."""
    sent_ms: float
    """The result was handed to the producer."""


def timing_headers(timing: PoolTiming) -> list[tuple[str, bytes]]:
    """The ``gs-timing`` header of a result record."""
    t = timing
    value = f"{t.received_ms:.3f},{t.batched_ms:.3f},{t.scanned_ms:.3f},{t.sent_ms:.3f}"
    return [(TIMING_HEADER, value.encode())]


def read_timing(
    headers: Iterable[tuple[str, bytes]] | Mapping[str, bytes] | None,
) -> PoolTiming | None:
    """The pool's timing in a result record's ``headers``; None when there is none (a pool
    older than the header) or it cannot be read."""
    pairs = headers.items() if isinstance(headers, Mapping) else headers or ()
    for name, value in pairs:
        if name != TIMING_HEADER:
            continue
        try:
            received, batched, scanned, sent = (float(v) for v in value.split(b","))
        except ValueError:
            return None
        return PoolTiming(
            received_ms=received, batched_ms=batched, scanned_ms=scanned, sent_ms=sent
        )
    return None
