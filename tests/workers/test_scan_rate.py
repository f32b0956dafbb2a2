"""The pool process's scan meter: bytes and seconds of scanning over the last minute."""

from __future__ import annotations

from workers.scan_rate import ScanMeter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_window_holds_the_last_minute_of_batches() -> None:
    clock = Clock()
    meter = ScanMeter(window_s=60.0, clock=clock)
    assert (meter.rate().scanned_bytes, meter.rate().busy_s, meter.rate().window_s) == (0, 0, 0)
    meter.add(16_384, 0.5)
    clock.now += 30
    meter.add(8_192, 0.25)
    rate = meter.rate()
    assert (rate.scanned_bytes, rate.busy_s, rate.window_s) == (24_576, 0.75, 30.0)
    clock.now += 45  # the first batch is now 75 s old
    rate = meter.rate()
    assert (rate.scanned_bytes, rate.busy_s, rate.window_s) == (8_192, 0.25, 60.0)
    clock.now += 60
    assert (meter.rate().scanned_bytes, meter.rate().busy_s) == (0, 0.0)


def test_an_empty_batch_counts_nothing() -> None:
    meter = ScanMeter(clock=Clock())
    meter.add(0, 0.0)
    assert meter.rate().scanned_bytes == 0 and meter.rate().busy_s == 0.0
