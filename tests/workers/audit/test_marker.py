"""A written join state becomes a small marker that still absorbs every re-delivery."""

from __future__ import annotations

import tracemalloc
from dataclasses import replace

from tests.pools import scan_request
from topics import Topics
from workers.audit.join import AuditSettings, AuditState


def test_a_written_state_keeps_only_its_times_and_ignores_what_comes_again() -> None:
    settings = AuditSettings(logging_only_deadline_s=1)
    request = scan_request(["call me at 212-555-0123"], ["secrets"], Topics(prefix="t"))
    request = replace(request, mode="logging_only", reply=None)
    state = AuditState()
    state.add(request, request.created_ms, settings)
    later = request.created_ms + 2_000
    assert state.ready(settings, later)  # past its deadline, nobody answered
    state.record(later)
    marker = AuditState.load(state.marker().dump())
    assert (marker.request, marker.results, marker.texts_sha256, marker.redacted) == (
        b"",
        {},
        [],
        [],
    )
    assert len(marker.dump()) < len(state.dump()) / 4
    assert (marker.first_seen_ms, marker.emitted_ms) == (request.created_ms, later)
    assert marker.add(request, later + 1, settings) == (False, None)  # a re-delivery
    assert not marker.mask(None) and not marker.ready(settings, later + 10_000)


def test_a_thousand_stored_markers_take_their_own_size_not_a_buffer_each() -> None:
    states = [AuditState(first_seen_ms=1_000 + i, emitted_ms=2_000 + i) for i in range(1_000)]
    tracemalloc.start()
    try:
        kept = [s.dump() for s in states]
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert held < 1_000 * 400, held  # about 190 bytes each (orjson's own bytes hold 4 KB)
    assert AuditState.load(kept[7]).emitted_ms == 2_007
