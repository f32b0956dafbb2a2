"""The fast-fail circuit: silence trips it, a probe after the cool-down closes or re-opens it."""

from __future__ import annotations

from shim.circuit import Circuit


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_silence_trips_then_a_probe_closes_it() -> None:
    clock = Clock()
    circuit = Circuit(trip_after=3, cooldown_s=2.0, clock=clock)
    for _ in range(2):
        assert circuit.admit()
        circuit.record(answered=False)
    assert circuit.admit()  # the third silent one trips it
    assert circuit.record(answered=False) == "opened"
    assert circuit.open and not circuit.admit()
    clock.now += 2.1
    assert circuit.admit()  # the probe
    assert not circuit.admit()  # only one probe at a time
    assert circuit.record(answered=True) == "closed"
    assert not circuit.open and circuit.admit()


def test_a_silent_probe_doubles_the_cooldown_up_to_the_cap() -> None:
    clock = Clock()
    circuit = Circuit(trip_after=1, cooldown_s=1.0, max_cooldown_s=3.0, clock=clock)
    circuit.admit()
    circuit.record(answered=False)
    waits = []
    for _ in range(4):
        start = clock.now
        while not circuit.admit():
            clock.now += 0.25
        waits.append(clock.now - start)
        circuit.record(answered=False)
    assert waits == [1.0, 2.0, 3.0, 3.0]


def test_an_answer_resets_the_count() -> None:
    circuit = Circuit(trip_after=2, clock=Clock())
    for answered in (False, True, False, True, False):
        assert circuit.admit()
        circuit.record(answered)
    assert not circuit.open
