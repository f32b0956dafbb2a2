"""Score bands through the real broker: a pool of the band test scanner, its sensitivity set in
the pool's scanner settings, answers block, flag (logged, with the finding for the audit
record) or allow by the band."""

from __future__ import annotations

from pathlib import Path

from tests.pools import Bus, running_pool, scan_request
from topics import KafkaConnection, Policy, Topics

BANDED = ("banded", "--scanner-class", "tests.workers.band_scanner:BandScanner")


async def test_a_pool_blocks_above_its_band_and_logs_inside_it(
    kafka: KafkaConnection, topics: Topics, tmp_path: Path
) -> None:
    with running_pool(kafka, topics, *BANDED, "--option", "sensitivity=permissive", home=tmp_path):
        async with Bus(kafka, topics) as bus:
            requests = {
                "block": scan_request(["RISK:0.97 near-certain"], ["banded"], topics),
                "flag": scan_request(["RISK:0.85 in the permissive log band"], ["banded"], topics),
                # logged by a balanced pool; below a permissive one's band
                "allow": scan_request(["RISK:0.75 below the band"], ["banded"], topics),
                "explicit": scan_request(
                    ["RISK:0.75 below the band"],
                    ["banded"],
                    topics,
                    policy=Policy(thresholds={"RISK": 0.5}),
                ),
            }
            for request in requests.values():
                await bus.send(request)
            results = {r.correlation_id: r for r in await bus.results(len(requests))}
    got = {name: results[r.correlation_id] for name, r in requests.items()}
    assert {name: r.verdict for name, r in got.items()} == {
        "block": "block",
        "flag": "flag",
        "allow": "allow",
        "explicit": "block",
    }
    assert [(f.label, f.score) for f in got["flag"].findings] == [("RISK", 0.85)]
    assert got["allow"].findings == []
