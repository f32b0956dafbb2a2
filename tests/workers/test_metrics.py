"""The pools' metrics: the consumer lag read off a faust consumer at scrape time."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, NamedTuple

import pytest

from workers.metrics import AuditMetrics, PoolMetrics, consumer_lag

REQUESTS = "guardstream.scan.requests"


class TP(NamedTuple):
    topic: str
    partition: int


class FakeConsumer:
    """What :func:`consumer_lag` reads of a faust consumer: its assignment, the highwater of the
    last fetch per partition, and faust's committed offsets (a defaultdict of None)."""

    def __init__(self, ends: dict[TP, int | None], committed: dict[TP, int]) -> None:
        self.ends = ends
        self._committed_offset: defaultdict[TP, int | None] = defaultdict(lambda: None)
        self._committed_offset.update(committed)

    def assignment(self) -> set[TP]:
        return set(self.ends)

    def highwater(self, tp: TP) -> int | None:
        if tp.partition == 99:
            raise AssertionError("Partition is not assigned")  # as aiokafka says once revoked
        return self.ends[tp]


class NoConsumer:
    def assignment(self) -> set[TP]:
        raise RuntimeError("no consumer yet")


R0, R1, R2 = TP(REQUESTS, 0), TP(REQUESTS, 1), TP(REQUESTS, 2)
OTHER = TP("guardstream.scan.results", 0)


@pytest.mark.parametrize(
    ("ends", "committed", "lag"),
    [
        ({R0: 10, R1: 5}, {R0: 4, R1: 5}, 6),  # summed over the assigned partitions
        ({R0: 10, OTHER: 500}, {R0: 10, OTHER: 0}, 0),  # other topics do not count
        ({R0: 10, R1: None}, {R0: 7, R1: 3}, 3),  # nothing fetched yet on one partition
        ({R0: 10, R2: 8}, {R0: 2}, 8),  # nothing committed yet on one partition
        ({R0: 3}, {R0: 5}, 0),  # a commit newer than the last fetch is not negative lag
        ({R0: None}, {}, None),  # nothing known: no figure rather than a reassuring 0
        ({}, {}, None),  # no partitions (more processes than partitions, or mid-rebalance)
        ({R0: 10, TP(REQUESTS, 99): 1}, {R0: 1, TP(REQUESTS, 99): 0}, 9),  # one just revoked
    ],
)
def test_consumer_lag(ends: dict[TP, Any], committed: dict[TP, int], lag: int | None) -> None:
    assert consumer_lag(FakeConsumer(ends, committed), REQUESTS) == lag


def test_no_consumer_has_no_lag() -> None:
    assert consumer_lag(NoConsumer(), REQUESTS) is None


@pytest.mark.parametrize(
    ("metrics", "scanner"), [(PoolMetrics("pii"), "pii"), (AuditMetrics(), "audit")]
)
def test_the_lag_gauge_is_exported_by_scanner_and_dropped_when_unknown(
    metrics: Any, scanner: str
) -> None:
    metrics.consumer_lag.update(FakeConsumer({R0: 12}, {R0: 2}), REQUESTS)
    assert f'guardstream_consumer_lag{{scanner="{scanner}"}} 10.0' in metrics.render().decode()
    metrics.consumer_lag.update(NoConsumer(), REQUESTS)
    assert "guardstream_consumer_lag{" not in metrics.render().decode()
