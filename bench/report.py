"""The benchmark's results as a Markdown report and PNG plots (matplotlib, Agg backend).

.venv/bin/python -m bench.report bench/results/NAME.json   # rewrite NAME.md and the plots
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from bench.stages import markdown as stages_markdown

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


def _e2e(e2e: dict[str, Any], where: str = "") -> list[str]:
    s = e2e["settings"]
    lines = [
        f"## 1. End to end through a LiteLLM proxy{where}",
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


def _roundtrip(rt: dict[str, Any], where: str = "") -> list[str]:
    s = rt["settings"]
    lines = [
        f"## 2. Verdict round trip against offered load{where}",
        "",
        f"Publish to all results back at the shim's reply client; one ~{s['text_chars']}-character "
        f"prompt per request; {s['step_s']:g} s per step; saturated when under 95% answered "
        f"within {s['budget_s']:g} s (every result in, or a block that ended the wait) or p99 "
        f"over {s['saturated_p99_ms']:g} ms.",
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
        alone = " (the other pools stopped)" if scale.get("others_stopped") else ""
        lines.append(
            f"- {scale['kind']} pool{alone}, {scale['size']} texts: 1 process "
            f"{_f(scale['one'])}/s, 2 processes {_f(scale['two'])}/s "
            f"({_f(scale['speedup'], 2)}x)"
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


def _added(cells: list[dict[str, Any]], config: str, rate: float) -> str:
    cell = next(
        (c for c in cells if c["config"] == config and c["rate"] == rate and not c["stream"]),
        None,
    )
    if cell is None:
        return "-"
    if "skipped" in cell:
        return "skipped"
    hits = cell.get("budget_hits")
    extra = f" ({hits} fail-policy)" if hits else ""
    return f"+{_f(cell.get('added_p50_ms'))} / +{_f(cell.get('added_p99_ms'))}{extra}"


def _side_by_side(layouts: dict[str, Any]) -> list[str]:
    """Added latency per configuration, non-streaming, each layout beside the other, and the
    all-scanner round trip at each offered rate."""
    names = list(layouts)
    first = layouts[names[0]]["e2e"]
    rates = first["settings"]["rates"]
    header = ["configuration"] + [f"{n}, {r:g}/s" for r in rates for n in names]
    rows = []
    for config, meta in first["configs"].items():
        rows.append([meta["label"]] + [
            _added(layouts[n]["e2e"]["cells"], config, r) for r in rates for n in names
        ])  # fmt: skip
    lines = [
        "## Layouts side by side",
        "",
        "Added latency over *no guardrail* in the same layout and run, p50 / p99 ms, "
        "non-streaming; *fail-policy* counts requests guardstream decided by its on_timeout "
        "policy (budget hit). Layouts: "
        + "; ".join(f"**{n}**: {layouts[n]['label']}" for n in names)
        + ".",
        "",
        *_table(header, rows),
    ]
    series = "all four scanners"
    offered = sorted({
        s["offered_rps"] for n in names
        for s in layouts[n]["roundtrip"]["series"].get(series, {}).get("steps", [])
    })  # fmt: skip
    rows = []
    for n in names:
        found = layouts[n]["roundtrip"]["series"].get(series)
        if not found:
            continue
        by_rate = {s["offered_rps"]: s for s in found["steps"]}
        cells = []
        for rate in offered:
            step = by_rate.get(rate)
            if step is None:
                cells.append("-")
                continue
            lat = step["latency_ms"]
            mark = " (saturated)" if step["saturated"] else ""
            cells.append(f"{_f(lat['p50'])} / {_f(lat['p99'])}{mark}")
        rows.append([n, *cells, _f(found["saturation_rps"])])
    lines += [
        f"Verdict round trip, {series}, p50 / p99 ms by offered requests/s:",
        "",
        *_table(["layout", *[f"{r:g}/s" for r in offered], "saturation point /s"], rows),
    ]
    return lines


def _cell(cells: list[dict[str, Any]], config: str, rate: float) -> dict[str, Any] | None:
    return next(
        (c for c in cells if c["config"] == config and c["rate"] == rate and not c["stream"]
         and "skipped" not in c),
        None,
    )  # fmt: skip


def targets(results: dict[str, Any]) -> list[tuple[str, str, str, bool | None]]:
    """(target, layout, measured, met) for each of guardstream's performance targets."""
    out: list[tuple[str, str, str, bool | None]] = []
    sections = results["sections"]
    for name, part in sections.get("layouts", {}).items():
        cells = part["e2e"]["cells"]
        steps = part["roundtrip"]["series"].get("all four scanners", {}).get("steps", [])
        at50 = next((s for s in steps if s["offered_rps"] == 50), None)
        p99 = at50["latency_ms"]["p99"] if at50 else None
        ok = None if p99 is None else (p99 <= 50 and not at50["saturated"])
        out.append(("verdict round trip p99 <= 50 ms at 50 req/s, all four", name,
                    f"{_f(p99)} ms" if at50 else "not reached", ok))  # fmt: skip
        hits = {
            c["config"]: c.get("budget_hits") for c in cells
            if c["config"].startswith("gs_") and c["rate"] == 20 and "skipped" not in c
        }  # fmt: skip
        if hits:
            total = sum(h or 0 for h in hits.values())
            shown = ", ".join(f"{k.removeprefix('gs_')} {v}" for k, v in hits.items())
            out.append(("no request decided by the fail policy at 20 req/s", name, shown,
                        total == 0))  # fmt: skip
        for rate in (5, 20):
            cell = _cell(cells, "gs_pre_call", rate)
            if cell is not None:
                p50, p99 = cell.get("added_p50_ms"), cell.get("added_p99_ms")
                met = None if p50 is None or p99 is None else (p50 <= 20 and p99 <= 30)
                out.append((f"pre_call (all four) adds <= +20 ms p50 and <= +30 ms p99 at "
                            f"{rate} req/s", name, f"+{_f(p50)} / +{_f(p99)} ms", met))  # fmt: skip
        floor = 100 if name == "one_box" else 50
        found = part["roundtrip"]["series"].get("all four scanners", {})
        if found:
            sat = found.get("saturation_rps")
            out.append((f"round trip saturation, all four, >= {floor} req/s", name,
                        f"{_f(sat)} req/s offered" if sat is not None else "below the first rate",
                        None if sat is None else sat >= floor))  # fmt: skip
        for config, rate, limit in (("gs_during_call", 5, 5), ("gs_during_call", 20, 20),
                                    ("gs_logging_only", 5, 1)):  # fmt: skip
            cell = _cell(cells, config, rate)
            added = cell.get("added_p99_ms") if cell else None
            label = f"{config.removeprefix('gs_')} adds <= {limit} ms p99 at {rate} req/s"
            out.append((label, name, f"+{_f(added)} ms" if added is not None else "-",
                        None if added is None else added <= limit))  # fmt: skip
    tp = sections.get("throughput", {})
    http = tp.get("presidio_http", {})
    for size, limit in (("short", 3.0), ("long", 2.0)):
        ours = tp.get("pools", {}).get("pii", {}).get(size, {}).get("texts_per_s")
        theirs = http.get(size, {}).get("texts_per_s")
        ratio = ours / theirs if ours and theirs else None
        out.append((f"PII pool >= {limit:g}x Presidio over HTTP, {size}", "one_box",
                    f"{_f(ratio, 2)}x" if ratio else "-",
                    None if ratio is None else ratio >= limit))  # fmt: skip
    scale = tp.get("scaling", {})
    if scale:
        out.append(("PII pool 1 -> 2 processes >= 1.7x (pool alone)", "one_box",
                    f"{_f(scale.get('speedup'), 2)}x",
                    None if scale.get("speedup") is None else scale["speedup"] >= 1.7))  # fmt: skip
    return out


def _stages(section: dict[str, Any] | None, where: str = "") -> list[str]:
    if not section:
        return []
    return [
        f"## 1b. Where a pre_call request's time goes{where}",
        "",
        "guardstream's guardrail in the benchmark process (its pre_call hook, as a proxy calls "
        "it; all four scanners, PII masked), open-loop arrivals; each stage from the times the "
        "shim's reply client and each pool's results carry (`python -m bench.stages` describes "
        "them). *sent -> matched* is a pool's whole part; the slowest pool, or the first "
        "block, decides when the wait ends.",
        "",
        *stages_markdown(section),
    ]


def _targets(results: dict[str, Any]) -> list[str]:
    rows = [
        [t, layout, measured, "-" if met is None else ("met" if met else "**missed**")]
        for t, layout, measured, met in targets(results)
    ]
    return ["## Targets", "", *_table(["target", "layout", "measured", ""], rows)]


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
    load = meta.get("load_average")
    if load:
        lines += [
            f"Load average when the run started: {' / '.join(f'{x:.2f}' for x in load)} "
            "(1 / 5 / 15 min). The machine's two cores are shared with other engineers' work, "
            "so every figure carries their load too.",
            "",
        ]
    samples, end = meta.get("load_samples_1min"), meta.get("load_average_end")
    if samples and end:
        lines += [
            f"During the run (1-min load average every 30 s): min {min(samples):.2f}, mean "
            f"{sum(samples) / len(samples):.2f}, max {max(samples):.2f}; at the end "
            f"{' / '.join(f'{x:.2f}' for x in end)}.",
            "",
        ]
    sections = results["sections"]
    layouts = sections.get("layouts", {})
    if layouts:
        lines += _targets(results)
        lines += _side_by_side(layouts)
        for name, part in layouts.items():
            where = f" ({name})"
            lines += _e2e(part["e2e"], where) + _stages(part.get("stages"), where)
            lines += _roundtrip(part["roundtrip"], where)
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
    sections = results["sections"]
    layouts = sections.get("layouts") or {"": {"e2e": sections.get("e2e"),
                                              "roundtrip": sections.get("roundtrip")}}  # fmt: skip
    for layout, part in layouts.items():
        suffix = f"-{layout}" if layout else ""
        written += _plot_e2e(part.get("e2e"), folder, f"{name}{suffix}", plt)
    rt_plot = _plot_roundtrip(layouts, folder, name, plt)
    return written + rt_plot


def _plot_e2e(e2e: dict[str, Any] | None, folder: Path, name: str, plt: Any) -> list[str]:
    written: list[str] = []
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
    return written


def _plot_roundtrip(layouts: dict[str, Any], folder: Path, name: str, plt: Any) -> list[str]:
    written: list[str] = []
    if any(part.get("roundtrip") for part in layouts.values()):
        fig, ax = plt.subplots(figsize=(7, 5))
        for layout, part in layouts.items():
            for label, series in (part.get("roundtrip") or {"series": {}})["series"].items():
                steps = [s for s in series["steps"] if s["latency_ms"]["p50"] is not None]
                x = [s["offered_rps"] for s in steps]
                tag = f"{layout}: {label}" if layout else label
                ax.plot(x, [s["latency_ms"]["p50"] for s in steps], "o-", label=f"{tag} p50")
                ax.plot(x, [s["latency_ms"]["p99"] for s in steps], "s--", label=f"{tag} p99")
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
