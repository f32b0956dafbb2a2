"""Per-scanner liveness: which pools a request stops waiting for, and when it waits again."""

from __future__ import annotations

import pytest

from shim.health import GuardrailHealth
from shim.liveness import PoolWatch
from topics import KafkaConnection, Topics

SCANNERS = ["pii", "prompt_injection", "secrets"]


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_timeouts_in_a_row_mark_a_pool_down_and_an_answer_brings_it_back() -> None:
    watch = PoolWatch(trip_after=3, clock=Clock())
    assert [watch.timed_out("pii") for _ in range(3)] == ["", "", "down"]
    assert watch.skipped(SCANNERS) == {"pii"}
    state = watch.state("pii")
    assert state is not None and (state.reason, state.since) == ("timeouts", 100.0)
    assert watch.timed_out("pii") == ""  # already down: no second log line
    assert watch.answered("pii") == "up"
    assert watch.skipped(SCANNERS) == frozenset() and watch.state("pii") is None
    assert watch.answered("pii") == ""


def test_an_answer_between_timeouts_starts_the_count_again() -> None:
    watch = PoolWatch(trip_after=3)
    for outcome in ("timeout", "timeout", "answer", "timeout", "timeout"):
        if outcome == "timeout":
            assert watch.timed_out("secrets") == ""
        else:
            watch.answered("secrets")
    assert watch.skipped(SCANNERS) == frozenset()
    assert watch.timed_out("secrets") == "down"


@pytest.mark.parametrize(
    ("counts", "down"),
    [
        ([1, 0], True),  # seen with members, then none: the pool stopped
        ([0, 0], False),  # never seen with members: something else may answer for it
        ([2, 1], False),
        ([1, 0, 1], True),  # members back are not answers: it stays down until it answers
    ],
)
def test_an_emptied_group_marks_a_pool_down(counts: list[int], down: bool) -> None:
    watch = PoolWatch()
    for count in counts:
        watch.members("moderation", count)
    state = watch.state("moderation")
    assert (state is not None) == down
    if down:
        assert state is not None and state.reason == "no_members"
        assert watch.answered("moderation") == "up"


async def test_health_says_which_scanners_are_skipped_and_why() -> None:
    clock = Clock()
    watch = PoolWatch(trip_after=1, clock=clock)
    health = GuardrailHealth(
        "guardstream", KafkaConnection("127.0.0.1:9"), Topics("none", 3), SCANNERS, watch=watch
    )
    try:
        watch.timed_out("prompt_injection")
        healthy, body = health.report()
        assert not healthy
        scanners = body["scanners"]
        assert scanners["prompt_injection"]["status"] == "down"
        assert scanners["prompt_injection"]["skipped"]["reason"] == "timeouts"
        assert scanners["pii"]["skipped"] is None and scanners["pii"]["status"] != "down"
        watch.answered("prompt_injection")
        assert health.report()[1]["scanners"]["prompt_injection"]["skipped"] is None
    finally:
        await health.stop()
