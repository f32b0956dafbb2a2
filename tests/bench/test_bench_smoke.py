"""``bench.run --smoke`` runs every part of the benchmark and writes complete results.

The smoke run is tiny, so its figures mean nothing: this checks that every section is there
with plausible fields, never how fast anything was.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.common import SCANNERS
from bench.e2e import CONFIGS
from bench.stages import POOL_STAGES, SHIM_STAGES

ROOT = Path(__file__).resolve().parents[2]


def _positive(value: object) -> bool:
    return isinstance(value, (int, float)) and value > 0


@pytest.mark.broker  # starts its own broker, pools and proxies
@pytest.mark.timeout(900)
def test_smoke_run_writes_every_section(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "bench.run", "--smoke", "--name", "smoke", "--out", str(tmp_path)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=840,
    )
    assert run.returncode == 0, run.stderr[-4000:]
    assert "e2e none" in run.stderr  # progress is printed while it runs
    results = json.loads((tmp_path / "smoke.json").read_text())
    assert results["meta"]["smoke"] is True
    sections = results["sections"]
    assert set(sections) == {"layouts", "throughput", "memory"}
    assert list(sections["layouts"]) == ["one_box", "pinned"]
    pinned = sections["layouts"]["pinned"]
    if (os.cpu_count() or 1) >= 2:  # the two sides get cores of their own
        assert not set(pinned["proxy_cores"]) & set(pinned["backend_cores"])
        seen = pinned["affinity_seen"]  # the kernel's view of a proxy and a pool process
        assert seen["proxy"] == pinned["proxy_cores"]
        assert seen["pii_pool"] == pinned["backend_cores"]
        one_box = sections["layouts"]["one_box"]["affinity_seen"]
        assert one_box["proxy"] == one_box["pii_pool"]
    for name, layout in sections["layouts"].items():
        first = name == "one_box"  # later layouts: a subset, not streamed, to stay quick
        configs = set(CONFIGS) if first else {"none", "gs_during_call"}
        _check_e2e(layout["e2e"]["cells"], configs, {False, True} if first else {False})
        for series in layout["roundtrip"]["series"].values():
            assert series["steps"]
            # Some request of the series is answered in full; which step first does depends on
            # the machine's load (a tiny first step on busy cores can time out entirely).
            assert any(step["answered"] >= 1 for step in series["steps"])
            for step in series["steps"]:
                assert step["answered"] + step["timeouts"] == step["sent"]
        for cell in layout["stages"]["rates"].values():  # the per-stage breakdown
            assert cell["requests"] >= 1 and 0 <= cell["answered_by_all"] <= cell["requests"]
            assert set(cell["shim"]) == set(SHIM_STAGES)
            assert set(cell["pools"]) <= set(SCANNERS)
            for stages in cell["pools"].values():
                assert set(POOL_STAGES) <= set(stages)

    throughput = sections["throughput"]
    assert set(throughput["pools"]) == {"pii", "prompt_injection", "secrets", "moderation"}
    for sizes in throughput["pools"].values():
        assert _positive(sizes["short"]["texts_per_s"]) and _positive(sizes["long"]["texts_per_s"])
    assert _positive(throughput["presidio_http"]["short"]["texts_per_s"])
    for entry in throughput["injection"].values():
        assert _positive(entry["ratio"])
        assert entry["guardstream_ms"]["n"] == entry["prompts"]
    assert _positive(throughput["scaling"]["one"]) and _positive(throughput["scaling"]["two"])
    assert throughput["scaling"]["others_stopped"] is True

    memory = sections["memory"]
    assert all(_positive(mb) for mb in memory["pools_mb"].values())
    assert _positive(memory["pools_2_processes_mb"]["pii"])
    assert _positive(memory["presidio_server_mb"])
    assert set(memory["proxy_added_mb"]) == set(CONFIGS) - {"none"}

    report = (tmp_path / "smoke.md").read_text()
    for heading in (
        "## Targets", "## Layouts side by side", "## 1.", "## 1b.", "## 2.", "## 3.", "## 4.",
    ):  # fmt: skip
        assert heading in report
    assert "Load average when the run started" in report
    for plot in (
        "smoke-one_box-e2e-latency.png",
        "smoke-pinned-e2e-latency.png",
        "smoke-roundtrip.png",
    ):
        assert (tmp_path / plot).read_bytes().startswith(b"\x89PNG")


def _check_e2e(cells: list[dict], configs: set[str], streams: set[bool]) -> None:
    assert {c["config"] for c in cells} == configs
    assert {c["stream"] for c in cells} == streams
    for cell in cells:
        if "skipped" in cell:
            continue
        assert cell["sent"] >= 1
        assert cell["ok"] + cell["blocked"] + cell["errors"] + cell["timeouts"] == cell["sent"]
        assert 0 <= cell["error_rate"] <= 1
        if cell["ok"]:
            lat = cell["latency_ms"]
            assert 0 < lat["p50"] <= lat["p95"] <= lat["p99"] <= lat["max"]
        assert (cell["budget_hits"] is None) == (not cell["config"].startswith("gs_"))
    base = [c for c in cells if c["config"] == "none" and "skipped" not in c]
    assert base and all(c["ok"] == c["sent"] for c in base)  # no guardrail: nothing fails
    # the upstream waits 300 ms, so a proxied answer cannot come sooner
    assert all(c["latency_ms"]["p50"] >= 300 for c in base)
    assert all(c["added_p50_ms"] == 0 for c in base)
