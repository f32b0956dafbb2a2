"""The audit timer's schedule: each key comes due once, at its latest time."""

from __future__ import annotations

from workers.audit.schedule import DueTimes


def test_a_key_comes_due_once_at_the_time_last_set() -> None:
    due = DueTimes()
    due.set("a|request", 1_000)
    due.set("b|request", 2_000)
    due.set("a|request", 3_000)  # the request arrived: its deadline moved
    assert due.take(999) == []
    assert due.take(2_500) == ["b|request"]  # a's first time was superseded
    assert due.take(2_500) == []
    assert due.take(3_000) == ["a|request"]
    assert len(due) == 0


def test_dropped_and_unscheduled_keys_never_come_due() -> None:
    due = DueTimes()
    due.set("forgotten|request", 100)
    due.set("results-only|request", 100)
    due.drop("forgotten|request")
    due.set("results-only|request", None)  # nothing to wait for until its request comes
    assert due.take(10_000) == []


def test_superseded_times_do_not_pile_up() -> None:
    due = DueTimes()
    for t in range(100_000):
        due.set("busy|request", 10_000_000 + t)
    due.take(0)
    assert len(due._heap) < 5_000  # rebuilt from the live keys
    assert due.take(20_000_000) == ["busy|request"]
