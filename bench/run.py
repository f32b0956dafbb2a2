"""guardstream's benchmark: every part, on this machine, in one run that stops by itself.

1. end-to-end latency through real LiteLLM proxies (no guardrail, LiteLLM's injection
   heuristics, LiteLLM's Presidio guardrail, guardstream pre_call / during_call / logging_only)
   at 5, 20 and 50 requests/s; then where a pre_call request's time goes, stage by stage
   (:mod:`bench.stages`);
2. the verdict round trip against rising offered load, to the pools' saturation point;
3. pool throughput per process, PII batched against one Presidio HTTP call per text, guardstream's
   injection scanner against LiteLLM's heuristics, and the PII pool alone with 1 -> 2 processes;
4. resident memory of the pools, the Presidio server and the proxies.

Parts 1 and 2 run in each layout of :mod:`bench.layout`: "one box" (every process on every
core) and "pinned" (the proxy side on core 0, the broker, pools and Presidio server on core 1).
Writes ``OUT/NAME.json``, ``OUT/NAME.md`` (targets met or missed, the layouts side by side,
the load average at the start, sampled during the run and at the end) and PNG plots beside
them, and prints progress on stderr. The full run takes 30-40 minutes on two loaded cores;
``--quick`` runs every part with fewer requests (about 16 minutes there) and ``--smoke`` a tiny
version of each part.

    .venv/bin/python -m bench.run [--name NAME] [--out bench/results] [--quick | --smoke]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from importlib.metadata import version
from pathlib import Path
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench import throughput
from bench.common import SPACY_MODEL, Progress, rss_mb, start_stack
from bench.e2e import CONFIGS, E2eSettings, ProxySet, run_e2e
from bench.layout import LAYOUTS, broker_pid, pin, place
from bench.memory import memory_section, pool_rss
from bench.presidio_http import PresidioServer
from bench.report import write_report
from bench.roundtrip import RoundTripSettings, run_roundtrip
from bench.stages import StageSettings, run_stages
from tests.shim.upstream import FakeUpstream

__all__ = ["FULL", "QUICK", "SMOKE", "Plan", "run"]

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Plan:
    """The settings of every part."""

    e2e: E2eSettings = field(default_factory=E2eSettings)
    roundtrip: RoundTripSettings = field(default_factory=RoundTripSettings)
    stages: StageSettings = field(default_factory=StageSettings)
    throughput: throughput.ThroughputSettings = field(default_factory=throughput.ThroughputSettings)
    scale_count: int = 400
    layouts: tuple[str, ...] = tuple(LAYOUTS)
    """Parts 1 and 2 run once per layout; streaming requests only in the first."""
    later_configs: tuple[str, ...] = tuple(CONFIGS)
    """The part 1 configurations of the layouts after the first."""


FULL = Plan()
QUICK = Plan(
    e2e=E2eSettings(seconds=5.0, max_requests=150, drain_s=10.0, warmup=3),
    roundtrip=RoundTripSettings(rates=(10, 25, 50, 100), step_s=3.0, drain_s=30.0),
    stages=StageSettings(seconds=6.0, max_requests=120, warmup=10),
    throughput=throughput.ThroughputSettings(
        counts=(("short", 120), ("long", 12)), http_seconds=5.0, injection_prompts=10,
        litellm_seconds=8.0,
    ),
    scale_count=200,
)  # fmt: skip
"""Every part with fewer requests (about a third of the full run's time): figures to look at,
not to publish."""
SMOKE = Plan(
    e2e=E2eSettings(
        rates=(5.0,), seconds=1.0, max_requests=4, timeout_s=5.0, drain_s=3.0, warmup=1,
        restart_when_busy=False,
    ),
    roundtrip=RoundTripSettings(rates=(5, 20), step_s=1.0, drain_s=5.0),
    stages=StageSettings(rates=(5.0,), seconds=1.0, max_requests=4, warmup=1),
    throughput=throughput.ThroughputSettings(
        counts=(("short", 16), ("long", 2)), flood_timeout_s=30.0, http_seconds=1.0,
        injection_prompts=3, litellm_seconds=1.0,
    ),
    scale_count=16,
    later_configs=("none", "gs_during_call"),
)  # fmt: skip


def _meta(name: str, smoke: bool) -> dict[str, Any]:
    with open("/proc/meminfo") as f:
        total_kb = int(f.readline().split()[1])
    return {
        "name": name,
        "smoke": smoke,
        "started": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "memory_gb": round(total_kb / 1024 / 1024, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "litellm": version("litellm"),
        "load_average": list(os.getloadavg()),
    }


async def run(plan: Plan, name: str, out: Path, smoke: bool, cache_dir: Path) -> Path:
    """Run every part; write the JSON, the Markdown and the plots; return the JSON's path."""
    progress = Progress()
    allowed = frozenset(os.sched_getaffinity(0))  # the cores the layouts divide
    # every pool, proxy and server is waited for in a thread at once: more than the default 6
    asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(max_workers=32))
    home = Path(tempfile.mkdtemp(prefix="guardstream-bench-"))
    results: dict[str, Any] = {"name": name, "meta": _meta(name, smoke), "sections": {}}
    load_samples: list[list[float]] = []
    sampler = asyncio.get_running_loop().create_task(_sample_load(load_samples))
    sections = results["sections"]
    upstream = FakeUpstream(latency_s=plan.e2e.upstream_ms / 1000).start()
    presidio = PresidioServer(home, SPACY_MODEL)
    proxies: ProxySet | None = None
    try:
        async with start_stack(home, progress, cache_dir) as stack:
            results["meta"]["kafka"] = f"Kafka at {stack.kafka.bootstrap_servers}"
            proxies = ProxySet(
                home, upstream.api_base, plan.e2e.configs,
                bootstrap=stack.kafka.bootstrap_servers, prefix=stack.topics.prefix,
                partitions=stack.topics.partitions, presidio=presidio.url,
                budget_ms=plan.e2e.budget_ms,
            )  # fmt: skip
            proxies.start()
            progress("starting the pools, the Presidio server and the proxies...")
            await asyncio.gather(
                stack.ready(), proxies.wait_ready(), asyncio.to_thread(presidio.wait_ready)
            )
            progress("everything is up")

            backend = [stack.pools[k].process.pid for k in stack.pools]
            backend += [broker_pid(stack.source), presidio.process.pid]
            layouts: dict[str, Any] = {}
            proxy_mb: dict[str, Any] = {}
            for i, layout in enumerate(plan.layouts):
                e2e = plan.e2e
                if i:  # stopped after the previous layout's part 1
                    e2e = replace(plan.e2e, streams=(False,), configs=plan.later_configs)
                    proxies.start(e2e.configs)
                    await proxies.wait_ready(e2e.configs)
                where = place(layout, allowed)
                pin([os.getpid()], where.proxy, children=False)  # load generator, upstream
                pin([p.process.pid for p in proxies.proxies.values() if p.process], where.proxy)
                pin(backend, where.backend)
                seen = {  # what the kernel now says, for the report and the smoke test
                    "proxy": _affinity(next(iter(proxies.proxies.values())).process),
                    "pii_pool": _affinity(stack.pools["pii"].process),
                }
                progress(f"layout {layout}: {LAYOUTS[layout]} (affinity now {seen})")
                part: dict[str, Any] = {
                    "label": LAYOUTS[layout],
                    "proxy_cores": sorted(where.proxy),
                    "backend_cores": sorted(where.backend),
                    "broker_pinned": broker_pid(stack.source) is not None,
                    "affinity_seen": seen,
                    "e2e": await run_e2e(proxies, e2e, progress),
                }
                proxy_mb = proxy_mb or part["e2e"].pop("proxy_rss_mb")
                part["e2e"].pop("proxy_rss_mb", None)
                proxies.stop()  # free the CPU and memory for the round trip
                part["stages"] = await run_stages(stack.kafka, stack.topics, plan.stages, progress)
                part["roundtrip"] = await run_roundtrip(
                    stack.kafka, stack.topics, plan.roundtrip, progress
                )
                layouts[layout] = part
            sections["layouts"] = layouts
            every = place("one_box", allowed).proxy
            pin([os.getpid()], every, children=False)
            pin(backend, every)

            tp = plan.throughput
            part3: dict[str, Any] = {"pools": await throughput.pool_floods(stack, tp, progress)}
            part3["presidio_http"] = {}
            for size, count in tp.counts:
                progress(f"throughput: Presidio server, one /analyze per {size} text")
                part3["presidio_http"][size] = await asyncio.to_thread(
                    throughput.http_analyze,
                    presidio.url,
                    throughput.texts_for(size, max(count, 10)),
                    tp.http_seconds,
                )
                progress(f"  {part3['presidio_http'][size]['texts_per_s']} texts/s")
            pools_mb = pool_rss(stack)
            presidio_mb = rss_mb(presidio.process.pid)
            presidio.stop()
            part3["injection"] = await asyncio.to_thread(
                throughput.injection_costs, tp, stack.scanners["prompt_injection"], progress
            )
            part3["scaling"] = await throughput.scaling(
                stack, "pii", "short", plan.scale_count, tp.flood_timeout_s, progress
            )
            sections["throughput"] = part3
            sections["memory"] = memory_section(
                pools_mb, proxy_mb, presidio_mb, {"pii": rss_mb(stack.pools["pii"].process.pid)}
            )
    finally:
        sampler.cancel()
        if proxies is not None:
            proxies.stop()
        presidio.stop()
        upstream.stop()
    results["meta"]["seconds"] = round(time.monotonic() - progress.began, 1)
    results["meta"]["load_average_end"] = list(os.getloadavg())
    results["meta"]["load_samples_1min"] = [sample[0] for sample in load_samples]
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.json"
    path.write_text(json.dumps(results, indent=1))
    report = write_report(results, out)
    progress(f"wrote {path} and {report}")
    shutil.rmtree(home, ignore_errors=True)
    return path


async def _sample_load(samples: list[list[float]], every_s: float = 30.0) -> None:
    """Append the load average to ``samples`` every ``every_s`` until cancelled."""
    while True:
        await asyncio.sleep(every_s)
        samples.append(list(os.getloadavg()))


def _affinity(process: Any) -> list[int] | None:
    """The cores ``process`` (a Popen) may run on now; None when it is not running."""
    if process is None or process.poll() is not None:
        return None
    try:
        return sorted(os.sched_getaffinity(process.pid))
    except OSError:
        return None


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--name", help="results file name (default: smoke, or the date)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--smoke", action="store_true", help="a tiny run of every part")
    parser.add_argument(
        "--quick", action="store_true", help="every part with fewer requests (~1/3 the time)"
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=Path.home() / ".cache" / "guardstream" / "bench",
        help="kept between runs: the injection scanner's attack index",
    )
    args = parser.parse_args()
    name = args.name or (
        "smoke" if args.smoke else datetime.datetime.now().strftime("run-%Y%m%d-%H%M")
    )
    plan = SMOKE if args.smoke else QUICK if args.quick else FULL
    path = asyncio.run(run(plan, name, args.out, args.smoke, args.cache_dir))
    print(path)
    sys.exit(0)


if __name__ == "__main__":
    main()
