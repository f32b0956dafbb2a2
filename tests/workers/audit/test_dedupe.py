"""SeenKeys: each (request id, phase) once, within a bounded window."""

from __future__ import annotations

from topics import AuditRecord, Caller
from workers.audit.dedupe import SeenKeys


def _record(request_id: str, phase: str = "request") -> AuditRecord:
    return AuditRecord(
        request_id=request_id,
        phase=phase,
        mode="pre_call",
        caller=Caller(),
        decision="allow",
        created_ms=0,
        completed_ms=0,
        outcomes=[],
        texts_sha256=[],
    )  # type: ignore[arg-type]


def test_a_repeat_is_turned_away_and_the_phase_is_part_of_the_key() -> None:
    seen = SeenKeys()
    firsts = [seen.first(r) for r in (_record("a"), _record("a", "response"), _record("a"))]
    assert firsts == [True, True, False]
    assert seen.duplicates == 1


def test_the_window_is_bounded_and_forgets_the_oldest() -> None:
    seen = SeenKeys(capacity=2)
    for name in ("a", "b", "c"):
        assert seen.first(_record(name))
    assert len(seen) == 2
    assert seen.first(_record("a"))  # forgotten: past the window
    assert not seen.first(_record("c"))
