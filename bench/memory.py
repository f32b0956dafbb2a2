"""Part 4: resident memory (``VmRSS`` from ``/proc``, children included) of the pools, the
Presidio server, and the proxies with and without each guardrail."""

from __future__ import annotations

from typing import Any

from bench.common import Stack, rss_mb

__all__ = ["memory_section", "pool_rss"]


def pool_rss(stack: Stack) -> dict[str, float | None]:
    """Each running pool's resident MB, its child processes included."""
    return {kind: rss_mb(pool.process.pid) for kind, pool in stack.pools.items()}


def memory_section(
    pools: dict[str, float | None],
    proxies: dict[str, dict[str, float | None]],
    presidio_mb: float | None,
    scaled: dict[str, float | None],
) -> dict[str, Any]:
    """Part 4's section: pools, the Presidio server, proxies, and what each guardrail adds
    to the proxy process over the proxy without one (after load)."""
    loaded = proxies.get("after_load", {})
    base = loaded.get("none")
    added = {
        name: (round(mb - base, 1) if mb is not None and base is not None else None)
        for name, mb in loaded.items()
        if name != "none"
    }
    return {
        "pools_mb": pools,
        "pools_2_processes_mb": scaled,
        "presidio_server_mb": presidio_mb,
        "proxy_mb": proxies,
        "proxy_added_mb": added,
    }
