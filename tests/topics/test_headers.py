"""Routing headers on scan requests: written by the shim, read by the pools before any decode."""

from __future__ import annotations

import pytest

from tests.topics.samples import SAMPLES
from topics import ScanRequest, encode, read_routing, request_headers
from topics.headers import (
    KINDS_HEADER,
    SCHEMA_HEADER,
    SIZE_HEADER,
    TIMING_HEADER,
    PoolTiming,
    read_timing,
    timing_headers,
)

REQUEST = next(m for m in SAMPLES if isinstance(m, ScanRequest))


def test_headers_carry_kinds_schema_and_size() -> None:
    value = encode(REQUEST)
    headers = request_headers(REQUEST, len(value))
    assert dict(headers) == {
        KINDS_HEADER: ",".join(REQUEST.scanners).encode(),
        SCHEMA_HEADER: b"guardstream.scan_request/1",
        SIZE_HEADER: str(len(value)).encode(),
    }
    routing = read_routing(headers)
    assert routing is not None
    assert routing.kinds == frozenset(REQUEST.scanners)
    assert routing.size == len(value)
    assert routing.schema == "guardstream.scan_request/1"


@pytest.mark.parametrize(
    ("headers", "kind", "wanted"),
    [
        ([(KINDS_HEADER, b"pii,secrets")], "pii", True),
        ([(KINDS_HEADER, b"pii,secrets")], "secrets", True),
        ([(KINDS_HEADER, b"pii,secrets")], "moderation", False),
        ([(KINDS_HEADER, b"pii_extra")], "pii", False),  # whole names, not prefixes
        ([(KINDS_HEADER, b"")], "pii", False),  # asks for nothing
        ({KINDS_HEADER: b"moderation"}, "moderation", True),  # faust may hand a mapping
    ],
)
def test_a_pool_wants_only_its_own_kind(headers: object, kind: str, wanted: bool) -> None:
    routing = read_routing(headers)  # type: ignore[arg-type]
    assert routing is not None and routing.wants(kind) is wanted


@pytest.mark.parametrize("headers", [None, [], [("other", b"x")], [(SIZE_HEADER, b"12")]])
def test_records_without_a_kinds_header_have_no_routing(headers: object) -> None:
    assert read_routing(headers) is None  # type: ignore[arg-type]


def test_an_unreadable_size_is_unknown() -> None:
    routing = read_routing([(KINDS_HEADER, b"pii"), (SIZE_HEADER, b"lots")])
    assert routing is not None and routing.size == -1


def test_a_results_timing_header_reads_back_to_the_same_times() -> None:
    timing = PoolTiming(
        received_ms=1765130000123.25, batched_ms=1765130000124.5, scanned_ms=1765130000130.0,
        sent_ms=1765130000130.75,
    )  # fmt: skip
    headers = [(KINDS_HEADER, b"pii"), *timing_headers(timing)]
    assert read_timing(headers) == timing
    assert read_timing(dict(headers)) == timing  # faust may hand a mapping


@pytest.mark.parametrize(
    "headers", [None, [], [(KINDS_HEADER, b"pii")], [(TIMING_HEADER, b"1,2,x,4")],
                [(TIMING_HEADER, b"1,2,3")]],
)  # fmt: skip
def test_a_missing_or_unreadable_timing_is_none(headers: object) -> None:
    assert read_timing(headers) is None  # type: ignore[arg-type]
