"""Part 1: end-to-end latency through real LiteLLM proxies, one per configuration.

A fake OpenAI-compatible upstream answers after a fixed latency. Each configuration is its own
``litellm --config`` process: no guardrail; LiteLLM's built-in ``detect_prompt_injection``
(heuristics); LiteLLM's built-in ``presidio`` guardrail in pre_call, calling the Presidio
servers of :mod:`bench.presidio_http`; guardstream in pre_call, during_call and logging_only.
Requests arrive open-loop at fixed rates (non-streaming and streaming); each cell is bounded in
time and request count, and each request by a client timeout.
"""

from __future__ import annotations

import asyncio
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from bench.common import SCANNERS, Progress, rss_mb, summary
from tests.pools import free_port
from tests.shim.proxy import HEADERS, Proxy

__all__ = ["CONFIGS", "E2eSettings", "ProxySet", "run_e2e"]

CONFIGS: dict[str, str] = {
    "none": "no guardrail",
    "litellm_injection": "LiteLLM detect_prompt_injection (heuristics)",
    "litellm_presidio": "LiteLLM presidio guardrail, pre_call",
    "gs_pre_call": "guardstream pre_call",
    "gs_during_call": "guardstream during_call",
    "gs_logging_only": "guardstream logging_only",
}
"""Configuration name -> what it is, in the order they run."""

PROMPTS = [
    "Summarise the attached meeting notes in three bullet points.",
    "Write a haiku about autumn leaves falling on a quiet lake.",
    "Draft a short reply to Maria Gonzalez (maria.gonzalez@example.com) about Friday.",
    "What are the main differences between TCP and UDP?",
]
"""Benign prompts of 50-80 characters; one carries personal data the PII guardrails mask."""


@dataclass(frozen=True)
class E2eSettings:
    """How much load part 1 offers.

    Attributes:
        rates: requests per second, open loop, one cell per rate and streaming flag.
        seconds: longest a cell sends for.
        max_requests: most requests a cell sends.
        timeout_s: a request that takes longer counts as a timeout.
        upstream_ms: the fake model's latency.
        drain_s: longest wait for a proxy to become idle after a cell before it is restarted.
        warmup: sequential requests to each proxy before its first cell.
        budget_ms: guardstream's budget for verdicts.
        configs: which configurations run.
        restart_when_busy: restart a proxy still busy after ``drain_s`` (else go on, and only
            stop it after its last cell).
        streams: which of non-streaming (False) and streaming (True) requests run.
    """

    rates: tuple[float, ...] = (5.0, 20.0, 50.0)
    seconds: float = 10.0
    max_requests: int = 300
    timeout_s: float = 10.0
    upstream_ms: float = 300.0
    drain_s: float = 20.0
    warmup: int = 5
    budget_ms: int = 1500
    configs: tuple[str, ...] = tuple(CONFIGS)
    restart_when_busy: bool = True
    streams: tuple[bool, ...] = (False, True)


def _litellm_config(
    name: str, proxy: Proxy, *, bootstrap: str, prefix: str, partitions: int, presidio: str,
    budget_ms: int, metrics_port: int,
) -> dict[str, Any]:  # fmt: skip
    """The proxy's config.yaml for configuration ``name`` (the model list of ``proxy``'s)."""
    base = yaml.safe_load(proxy.config.read_text())
    config: dict[str, Any] = {
        "model_list": base["model_list"],
        "general_settings": base["general_settings"],
        "litellm_settings": {},
    }
    if name == "litellm_injection":
        config["litellm_settings"] = {
            "callbacks": ["detect_prompt_injection"],
            "prompt_injection_params": {"heuristics_check": True},
        }
    elif name == "litellm_presidio":
        config["guardrails"] = [{
            "guardrail_name": "presidio",
            "litellm_params": {
                "guardrail": "presidio", "mode": "pre_call", "default_on": True,
                "presidio_analyzer_api_base": presidio, "presidio_anonymizer_api_base": presidio,
            },
        }]  # fmt: skip
    elif name.startswith("gs_"):
        config["guardrails"] = [{
            "guardrail_name": "guardstream",
            "litellm_params": {
                "guardrail": "shim.KafkaScanGuardrail", "mode": name.removeprefix("gs_"),
                "default_on": True, "bootstrap_servers": bootstrap, "topic_prefix": prefix,
                "partitions": partitions, "scanners": list(SCANNERS), "budget_ms": budget_ms,
                "actions": {"pii": "mask"}, "metrics_port": metrics_port,
                "during_call_mask": "allow",  # measure the wait, as before the block default
            },
        }]  # fmt: skip
    return config


class ProxySet:
    """One proxy process per configuration, all on the same fake upstream."""

    def __init__(
        self, home: Path, api_base: str, configs: tuple[str, ...], *, bootstrap: str,
        prefix: str, partitions: int, presidio: str, budget_ms: int,
    ) -> None:  # fmt: skip
        self.proxies: dict[str, Proxy] = {}
        self.metrics_ports: dict[str, int] = {}
        for name in configs:
            proxy = Proxy(home / f"proxy-{name}", api_base, {})
            port = free_port() if name.startswith("gs_") else 0
            config = _litellm_config(
                name, proxy, bootstrap=bootstrap, prefix=prefix, partitions=partitions,
                presidio=presidio, budget_ms=budget_ms, metrics_port=port,
            )  # fmt: skip
            proxy.config.write_text(yaml.safe_dump(config))
            self.proxies[name] = proxy
            self.metrics_ports[name] = port

    def start(self, names: tuple[str, ...] | None = None) -> None:
        """Start every proxy, or those of ``names`` (not waiting)."""
        for name, proxy in self.proxies.items():
            if names is None or name in names:
                proxy.start()

    async def wait_ready(self, names: tuple[str, ...] | None = None) -> None:
        """Wait until every proxy (or those of ``names``) answers its liveliness probe."""
        await asyncio.gather(*(
            asyncio.to_thread(p.wait_ready, 600.0) for n, p in self.proxies.items()
            if names is None or n in names
        ))  # fmt: skip

    def stop(self) -> None:
        """Stop every proxy."""
        for proxy in self.proxies.values():
            proxy.stop()

    def fail_policy_count(self, name: str) -> float | None:
        """Requests guardstream decided by its fail policy so far (budget hit, error, Kafka
        down); None for configurations without guardstream."""
        port = self.metrics_ports.get(name)
        if not port:
            return None
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
                text = r.read().decode()
        except OSError:
            return None
        return sum(
            float(line.rsplit(" ", 1)[1])
            for line in text.splitlines()
            if line.startswith("guardstream_shim_fail_policy_total")
        )

    def rss(self, name: str) -> float | None:
        """Resident MB of the proxy process of ``name``."""
        process = self.proxies[name].process
        return rss_mb(process.pid) if process is not None else None


async def _one(
    client: httpx.AsyncClient, url: str, i: int, stream: bool, timeout_s: float
) -> tuple[str, float, float | None]:
    """Send request ``i``; return (outcome, latency ms, time to first content chunk ms)."""
    body = {
        "model": "fake",
        "messages": [{"role": "user", "content": f"{PROMPTS[i % len(PROMPTS)]} (#{i})"}],
        "stream": stream,
    }
    began = time.perf_counter()
    first: float | None = None
    try:
        async with asyncio.timeout(timeout_s):
            if not stream:
                response = await client.post(url, json=body, headers=HEADERS)
                status = response.status_code
            else:
                async with client.stream("POST", url, json=body, headers=HEADERS) as response:
                    status = response.status_code
                    async for line in response.aiter_lines():
                        if first is None and line.startswith("data:") and "content" in line:
                            first = (time.perf_counter() - began) * 1000
    except TimeoutError:
        return "timeout", (time.perf_counter() - began) * 1000, first
    except httpx.HTTPError:
        return "error", (time.perf_counter() - began) * 1000, first
    elapsed = (time.perf_counter() - began) * 1000
    if status == 200:
        return "ok", elapsed, first
    return ("blocked" if status == 400 else "error"), elapsed, first


async def _cell(
    url: str, rate: float, settings: E2eSettings, stream: bool, offset: int
) -> dict[str, Any]:
    count = max(1, min(settings.max_requests, round(rate * settings.seconds)))
    limits = httpx.Limits(max_connections=1000, max_keepalive_connections=200)
    async with httpx.AsyncClient(timeout=None, limits=limits) as client:
        loop = asyncio.get_running_loop()
        start = loop.time()
        tasks = []
        for i in range(count):
            await asyncio.sleep(max(0.0, start + i / rate - loop.time()))
            tasks.append(
                asyncio.create_task(_one(client, url, offset + i, stream, settings.timeout_s))
            )
        answers = await asyncio.gather(*tasks)
    outcomes = [a[0] for a in answers]
    ok = [round(a[1], 1) for a in answers if a[0] == "ok"]
    firsts = [round(a[2], 1) for a in answers if a[0] == "ok" and a[2] is not None]
    failed = outcomes.count("error") + outcomes.count("timeout")
    return {
        "sent": count,
        "ok": len(ok),
        "blocked": outcomes.count("blocked"),
        "errors": outcomes.count("error"),
        "timeouts": outcomes.count("timeout"),
        "error_rate": round(failed / count, 4),
        "latency_ms": summary(ok),
        "ttft_ms": summary(firsts) if stream else None,
        "latencies_ms": ok,
    }


async def _drained(url: str, settings: E2eSettings) -> bool:
    """True once one request answers within three upstream latencies (plus 0.5 s), within
    ``drain_s``: the proxy has worked off what the last cell left behind."""
    limit_ms = 3 * settings.upstream_ms + 500
    deadline = time.monotonic() + settings.drain_s
    async with httpx.AsyncClient(timeout=None) as client:
        while time.monotonic() < deadline:
            left = max(0.5, deadline - time.monotonic())
            outcome, ms, _ = await _one(client, url, 0, False, min(settings.timeout_s, left))
            if outcome in ("ok", "blocked") and ms < limit_ms:
                return True
            await asyncio.sleep(0.5)
    return False


async def run_e2e(proxies: ProxySet, settings: E2eSettings, progress: Progress) -> dict[str, Any]:
    """Run every cell; return part 1's section of the results (memory of each proxy too)."""
    running = {n: p for n, p in proxies.proxies.items() if n in settings.configs}
    idle_rss = {name: proxies.rss(name) for name in running}
    cells: list[dict[str, Any]] = []
    loaded_rss: dict[str, float | None] = {}
    offset = 0
    for name, proxy in running.items():
        url = f"{proxy.url}/v1/chat/completions"
        progress(f"e2e {name}: warming up")
        async with httpx.AsyncClient(timeout=None) as client:
            for i in range(settings.warmup):
                await _one(client, url, i, False, settings.timeout_s)
        for stream in settings.streams:
            saturated_at: float | None = None
            for rate in settings.rates:
                cell: dict[str, Any] = {"config": name, "stream": stream, "rate": rate}
                if saturated_at is not None:
                    cell["skipped"] = f"half or more failed at {saturated_at:g}/s"
                    cells.append(cell)
                    continue
                progress(
                    f"e2e {name}: {'streaming' if stream else 'non-streaming'} at {rate:g}/s "
                    f"for up to {settings.seconds:g}s"
                )
                before = proxies.fail_policy_count(name)
                cell |= await _cell(url, rate, settings, stream, offset)
                offset += cell["sent"]
                after = proxies.fail_policy_count(name)
                cell["budget_hits"] = (
                    None if before is None or after is None else int(after - before)
                )
                cells.append(cell)
                loaded_rss[name] = proxies.rss(name)
                lat = cell["latency_ms"]
                progress(
                    f"  ok {cell['ok']}/{cell['sent']}, p50 {lat['p50']} ms, p99 {lat['p99']} ms"
                    f", errors {cell['errors']}, timeouts {cell['timeouts']}"
                )
                if cell["error_rate"] >= 0.5:
                    saturated_at = rate
                if not await _drained(url, settings):
                    cell["busy_after"] = True
                    if settings.restart_when_busy:
                        progress(f"e2e {name}: still busy after {settings.drain_s:g}s; restarting")
                        proxy.stop()
                        proxy.start()
                        await asyncio.to_thread(proxy.wait_ready)
        if cells[-1].get("busy_after"):  # its backlog would load the machine for the others
            progress(f"e2e {name}: still busy after its last cell; stopping it")
            proxy.stop()
    _compare(cells)
    return {
        "settings": {
            "rates": list(settings.rates),
            "seconds": settings.seconds,
            "streams": list(settings.streams),
            "max_requests": settings.max_requests,
            "timeout_s": settings.timeout_s,
            "upstream_ms": settings.upstream_ms,
            "budget_ms": settings.budget_ms,
            "prompts": PROMPTS,
        },
        "configs": {
            name: {"label": CONFIGS[name], "litellm_config": _shown(proxies.proxies[name])}
            for name in running
        },
        "cells": cells,
        "proxy_rss_mb": {"idle": idle_rss, "after_load": loaded_rss},
    }


def _shown(proxy: Proxy) -> dict[str, Any]:
    """The parts of a proxy's config that differ between configurations."""
    config = yaml.safe_load(proxy.config.read_text())
    return {k: v for k, v in config.items() if k in ("litellm_settings", "guardrails")}


def _compare(cells: list[dict[str, Any]]) -> None:
    """Add each cell's latency over the "no guardrail" cell of the same rate and streaming."""
    base = {(c["stream"], c["rate"]): c for c in cells if c["config"] == "none"}
    for cell in cells:
        ref = base.get((cell["stream"], cell["rate"]))
        for q in ("p50", "p99"):
            mine = (cell.get("latency_ms") or {}).get(q)
            theirs = ((ref or {}).get("latency_ms") or {}).get(q)
            added = ratio = None
            if mine is not None and theirs:
                added, ratio = round(mine - theirs, 2), round(mine / theirs, 3)
            cell[f"added_{q}_ms"] = added
            cell[f"ratio_{q}"] = ratio
