"""The benchmark's results as a Markdown report and PNG plots (matplotlib, Agg backend).

.venv/bin/python -m bench.report bench/results/NAME.json   # rewrite NAME.md and the plots
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

__all__ = ["plot", "render", "write_report"]


def _f(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
        *("| " + " | ".join(r) + " |" for r in rows),
        "",
    ]


def _e2e(e2e: dict[str, Any]) -> list[str]:
    s = e2e["settings"]
    lines = [
        "## 1. End to end through a LiteLLM proxy",
        "",
        f"Fake upstream of {s['upstream_ms']:g} ms; open-loop arrivals at fixed rates; each cell "
        f"at most {s['seconds']:g} s and {s['max_requests']} requests; client timeout "
        f"{s['timeout_s']:g} s; guardstream budget {s['budget_ms']} ms. Latencies of answered "
        "requests, in ms; *added* is over *no guardrail* at the same rate and streaming; "
        "*budget hits* are requests guardstream decided by its fail policy.",
        "",
    ]
    rows = []
    for c in e2e["cells"]:
        label = e2e["configs"][c["config"]]["label"]
        kind = "stream" if c["stream"] else "plain"
        if "skipped" in c:
            rows.append([label, kind, f"{c['rate']:g}", "-", *["-"] * 7, c["skipped"]])
            continue
        lat = c["latency_ms"]
        failed = f"{100 * c['error_rate']:.1f}%"
        rows.append([
            label, kind, f"{c['rate']:g}", f"{c['ok']}/{c['sent']}",
            _f(lat["p50"]), _f(lat["p95"]), _f(lat["p99"]),
            _f(c.get("added_p50_ms")), _f(c.get("added_p99_ms")), _f(c.get("ratio_p99"), 2),
            failed, _f(c.get("budget_hits")),
        ])  # fmt: skip
    lines += _table(
        ["configuration", "mode", "req/s", "ok/sent", "p50", "p95", "p99", "added p50",
         "added p99", "p99 ratio", "errors+timeouts", "budget hits"],
        rows,
    )  # fmt: skip
    return lines


def _roundtrip(rt: dict[str, Any]) -> list[str]:
    s = rt["settings"]
    lines = [
        "## 2. Verdict round trip against offered load",
        "",
        f"Publish to all results back at the shim's reply client; one ~{s['text_chars']}-character "
        f"prompt per request; {s['step_s']:g} s per step; saturated when under 95% answered "
        f"within {s['budget_s']:g} s or p99 over {s['saturated_p99_ms']:g} ms.",
        "",
    ]
    rows = []
    for name, series in rt["series"].items():
        for step in series["steps"]:
            lat = step["latency_ms"]
            rows.append([
                name, f"{step['offered_rps']:g}", _f(step["achieved_rps"]), _f(lat["p50"], 2),
                _f(lat["p99"], 2), f"{step['answered']}/{step['sent'] + step['shed']}",
                "yes" if step["saturated"] else "",
            ])  # fmt: skip
    lines += _table(
        ["scanners", "offered/s", "answered/s", "p50 ms", "p99 ms", "answered", "saturated"],
        rows,
    )
    for name, series in rt["series"].items():
        lines.append(
            f"- **{name}**: saturation point {_f(series['saturation_rps'])} requests/s "
            f"(first saturated step {_f(series['first_saturated_rps'])}/s, "
            f"peak answered {_f(series['peak_achieved_rps'])}/s)"
        )
    return [*lines, ""]


def _throughput(tp: dict[str, Any]) -> list[str]:
    lines = [
        "## 3. Pool throughput",
        "",
        "Texts per second of one pool process (a flood of one-text requests through Kafka).",
        "",
    ]
    pools = tp.get("pools", {})
    rows = [
        [kind, _f(sizes.get("short", {}).get("texts_per_s")),
         _f(sizes.get("long", {}).get("texts_per_s"))]
        for kind, sizes in pools.items()
    ]  # fmt: skip
    http = tp.get("presidio_http", {})
    if http:
        rows.append([
            "LiteLLM's way: Presidio server, one /analyze per text",
            _f(http.get("short", {}).get("texts_per_s")),
            _f(http.get("long", {}).get("texts_per_s")),
        ])  # fmt: skip
    lines += _table(["pool", "short (~200 chars)", "long (~5,000 chars)"], rows)
    for size in ("short", "long"):
        ours = pools.get("pii", {}).get(size, {}).get("texts_per_s")
        theirs = http.get(size, {}).get("texts_per_s")
        if ours and theirs:
            lines.append(f"- PII, {size}: batched pool / one call per text = {ours / theirs:.2f}x")
    scale = tp.get("scaling")
    if scale:
        lines.append(
            f"- {scale['kind']} pool, {scale['size']} texts: 1 process {_f(scale['one'])}/s, "
            f"2 processes {_f(scale['two'])}/s ({_f(scale['speedup'], 2)}x)"
        )
    lines += ["", "Prompt injection, per prompt, on the same prompts:", ""]
    rows = []
    for size, e in tp.get("injection", {}).items():
        litellm = e["litellm_ms"]["mean"]
        rows.append([
            size, _f(e["guardstream_ms_mean_same_prompts"], 3),
            _f(litellm) if litellm is not None else "not one done",
            str(e["litellm_prompts_done"]),
            ("≥ " if e["ratio_is_lower_bound"] else "") + _f(e["ratio"]) + "x",
        ])  # fmt: skip
    lines += _table(
        ["prompts", "guardstream ms", "LiteLLM heuristics ms", "LiteLLM done", "ratio"], rows
    )
    return lines


def _memory(mem: dict[str, Any]) -> list[str]:
    rows = [[f"pool {k}", _f(v)] for k, v in mem["pools_mb"].items()]
    rows += [[f"pool {k}, 2 processes", _f(v)] for k, v in mem["pools_2_processes_mb"].items()]
    rows.append(["Presidio analyzer+anonymizer server", _f(mem["presidio_server_mb"])])
    loaded = mem["proxy_mb"].get("after_load", {})
    idle = mem["proxy_mb"].get("idle", {})
    for name, mb in loaded.items():
        added = mem["proxy_added_mb"].get(name)
        extra = f" (+{_f(added)} over no guardrail)" if added is not None else ""
        rows.append([f"proxy, {name}", f"{_f(idle.get(name))} idle, {_f(mb)} loaded{extra}"])
    return [
        "## 4. Memory",
        "",
        "Resident size (VmRSS, children included), MB.",
        "",
        *_table(["process", "MB"], rows),
    ]


def render(results: dict[str, Any], plots: list[str]) -> str:
    """The Markdown report of ``results``."""
    meta = results["meta"]
    lines = [
        f"# guardstream benchmark: {results['name']}",
        "",
        f"{meta['started']}, {meta['cpus']} CPUs, {meta['memory_gb']} GB, Python "
        f"{meta['python']}, LiteLLM {meta['litellm']}, {meta['kafka']}"
        f"{' — SMOKE RUN, figures meaningless' if meta['smoke'] else ''}; "
        f"took {_f(meta.get('seconds'), 0)} s.",
        "",
    ]
    sections = results["sections"]
    for key, writer in (
        ("e2e", _e2e),
        ("roundtrip", _roundtrip),
        ("throughput", _throughput),
        ("memory", _memory),
    ):
        if key in sections:
            lines += writer(sections[key])
    lines += [f"![{p}]({p})" for p in plots]
    return "\n".join(lines) + "\n"


def plot(results: dict[str, Any], folder: Path, name: str) -> list[str]:
    """Write the PNG plots; return their file names."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    e2e = results["sections"].get("e2e")
    if e2e:
        groups = sorted({(c["stream"], c["rate"]) for c in e2e["cells"]})
        cols = min(2, len(groups))
        rows = -(-len(groups) // cols)
        fig, axes = plt.subplots(rows, cols, figsize=(7 * cols, 5 * rows), squeeze=False)
        for ax in axes.flat[len(groups) :]:
            ax.set_visible(False)
        for ax, (stream, rate) in zip(axes.flat, groups, strict=False):
            cells = [
                c for c in e2e["cells"]
                if c["stream"] == stream and c["rate"] == rate and c.get("latencies_ms")
            ]  # fmt: skip
            ax.boxplot(
                [c["latencies_ms"] for c in cells], whis=(1, 99), showfliers=False,
                tick_labels=[c["config"] for c in cells],
            )  # fmt: skip
            ax.set_title(f"{'streaming' if stream else 'non-streaming'}, {rate:g} requests/s")
            ax.set_ylabel("latency, ms (box: p25-p75, whiskers: p1-p99)")
            ax.set_yscale("log")
            ax.tick_params(axis="x", rotation=30)
        fig.tight_layout()
        written.append(f"{name}-e2e-latency.png")
        fig.savefig(folder / written[-1], dpi=100)
        plt.close(fig)
    rt = results["sections"].get("roundtrip")
    if rt:
        fig, ax = plt.subplots(figsize=(7, 5))
        for label, series in rt["series"].items():
            steps = [s for s in series["steps"] if s["latency_ms"]["p50"] is not None]
            x = [s["offered_rps"] for s in steps]
            ax.plot(x, [s["latency_ms"]["p50"] for s in steps], "o-", label=f"{label} p50")
            ax.plot(x, [s["latency_ms"]["p99"] for s in steps], "s--", label=f"{label} p99")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("offered load, requests/s")
        ax.set_ylabel("verdict round trip, ms")
        ax.legend()
        fig.tight_layout()
        written.append(f"{name}-roundtrip.png")
        fig.savefig(folder / written[-1], dpi=100)
        plt.close(fig)
    return written


def write_report(results: dict[str, Any], folder: Path) -> Path:
    """Write ``NAME.md`` and the plots beside ``NAME.json`` in ``folder``; return the .md."""
    plots = plot(results, folder, results["name"])
    path = folder / f"{results['name']}.md"
    path.write_text(render(results, plots))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", type=Path)
    args = parser.parse_args()
    print(write_report(json.loads(args.results.read_text()), args.results.parent))


if __name__ == "__main__":
    main()
