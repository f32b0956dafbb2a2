"""Pool scan rates from results: the latest rate of each process counts, summed per pool."""

from __future__ import annotations

import pytest

from topics.messages import ScanRate, ScanResult
from topics.rates import pool_rates

NOW_MS = 1_700_000_060_000


def _result(scanner: str, worker: str, finished_ms: int, rate: ScanRate | None) -> ScanResult:
    return ScanResult(
        request_id="r", correlation_id="c", phase="request", scanner=scanner, verdict="allow",
        score=0.0, worker_id=worker, scan_ms=1.0, finished_ms=finished_ms, rate=rate,
    )  # fmt: skip


def test_each_process_counts_once_with_its_latest_rate() -> None:
    old = ScanRate(window_s=60.0, scanned_bytes=1, busy_s=1.0)
    one = ScanRate(window_s=60.0, scanned_bytes=60_000, busy_s=2.0)
    two = ScanRate(window_s=30.0, scanned_bytes=30_000, busy_s=1.0)
    rates = pool_rates(
        [
            _result("pii", "pii-0", NOW_MS - 5000, old),
            _result("pii", "pii-0", NOW_MS, one),
            _result("pii", "pii-1", NOW_MS, two),
            _result("pii", "pii-2", NOW_MS, None),  # a writer older than the rate field
            _result("secrets", "secrets-0", NOW_MS - 60_000, one),
        ],
        NOW_MS,
    )
    pii = rates["pii"]
    assert pii.processes == 2
    assert pii.bytes_per_busy_s == pytest.approx(90_000 / 3.0)
    assert pii.wall_bytes_per_s == pytest.approx(1000 + 1000)
    # idle for a minute since its last result: the wall rate halves, the busy rate stays
    secrets = rates["secrets"]
    assert secrets.wall_bytes_per_s == pytest.approx(500)
    assert secrets.bytes_per_busy_s == pytest.approx(30_000)
    assert secrets.as_dict() == {"processes": 1, "bytes_per_busy_s": 30_000, "bytes_per_s": 500}


def test_no_rate_before_any_scan() -> None:
    idle = ScanRate(window_s=5.0, scanned_bytes=0, busy_s=0.0)
    rates = pool_rates([_result("pii", "pii-0", NOW_MS, idle)], NOW_MS)
    assert rates["pii"].bytes_per_busy_s is None
    assert rates["pii"].as_dict()["bytes_per_busy_s"] is None
    assert pool_rates([_result("pii", "pii-0", NOW_MS, None)], NOW_MS) == {}
