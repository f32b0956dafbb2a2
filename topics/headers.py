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
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from topics.messages import ScanRequest

__all__ = [
    "KINDS_HEADER",
    "SCHEMA_HEADER",
    "SIZE_HEADER",
    "Routing",
    "read_routing",
    "request_headers",
]

KINDS_HEADER = "gs-kinds"
SCHEMA_HEADER = "gs-schema"
SIZE_HEADER = "gs-size"

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
