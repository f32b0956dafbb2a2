"""Measure the sentence encoder: the old numpy forward pass against onnxruntime fp32 and int8.

Prints figures only (no assertions), all from one run so that the ratios compare like with like
on a machine whose load moves: texts/s, the median and p99 latency of a batch, and texts per
CPU-second of the process (steadier than wall time when other work shares the cores), for

- the encoder alone (``Embedder.windows`` + ``embed_windows``, every window of every text, as
  the injection scanner embeds them: 128-token windows overlapping by 31), and
- the injection scanner end to end (``InjectionScanner.scan``: folding, rules, windows and
  sentence runs, similarity and classifier), the old scanner being today's with the numpy
  encoder swapped in,

on short texts (about 20 words, batches of 32) and long ones (about 400 words, batches of 8),
generated from guardstream's own injection corpora with a fixed seed. Each encoder runs every
batch in turn, so a burst of load elsewhere falls on all of them. Every encoder gets one thread
(``threads=1`` for onnxruntime; numpy's BLAS is limited to one with threadpoolctl), as in a pool
that runs one process per core::

    .venv/bin/python -m bench.encoder [--batches 8] [--no-scanner]
    .venv/bin/python -m bench.encoder --classifier new.npz [--classifier other.npz]

With ``--classifier``, only the int8 scanner runs, once with the shipped weights and once per
given weights file, in turn on the same batches: retrained weights compared with today's.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from threadpoolctl import threadpool_info, threadpool_limits

from bench.common import percentile
from bench.injection_texts.attacks import attack_texts
from bench.injection_texts.benign import benign_texts
from bench.numpy_encoder import NumpyEmbedder
from workers.scanners.base import ScanItem
from workers.scanners.injection.scanner import InjectionScanner
from workers.scanners.text.embeddings import Embedder
from workers.scanners.text.onnx_bert import Precision

MAX_TOKENS, OVERLAP = 128, 31
"""The injection scanner's defaults: the windows a pool embeds."""


@dataclass
class Series:
    """Batch latencies (seconds) of one encoder on one kind of text."""

    texts_per_batch: int
    seconds: list[float] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)
    """CPU time of the process per batch: what the batch cost, even while other work on the
    machine kept this process waiting for a core (wall time counts that wait too)."""

    def texts_per_s(self) -> float:
        return self.texts_per_batch * len(self.seconds) / sum(self.seconds)

    def texts_per_cpu_s(self) -> float:
        return self.texts_per_batch * len(self.cpu_seconds) / sum(self.cpu_seconds)

    def median_ms(self) -> float:
        return statistics.median(self.seconds) * 1000

    def p99_ms(self) -> float:
        return percentile(self.seconds, 0.99) * 1000


def _words(texts: list[str]) -> list[str]:
    return [w for text in texts for w in text.split()]


def make_texts(count: int, words: int, seed: int) -> list[str]:
    """``count`` distinct texts of ``words`` words, each a run of the project's generated
    attacks and benign prompts (one in two texts starts with an attack)."""
    rng = random.Random(seed)
    attacks = [t for t, _ in attack_texts(400, seed=seed)]
    benign = benign_texts(400, seed=seed)
    texts = []
    for i in range(count):
        parts: list[str] = []
        first = attacks if i % 2 else benign
        parts.append(rng.choice(first))
        while len(_words(parts)) < words:
            parts.append(rng.choice(benign if rng.random() < 0.8 else attacks))
        texts.append(" ".join(_words(parts)[:words]))
    return texts


def _encode(embedder: Embedder | NumpyEmbedder) -> Callable[[list[str]], object]:
    return lambda texts: embedder.embed_windows(embedder.windows(texts), 32)


def _scan(scanner: InjectionScanner) -> Callable[[list[str]], object]:
    return lambda texts: scanner.scan([ScanItem(t) for t in texts])


def measure(
    runners: dict[str, Callable[[list[str]], object]], batches: list[list[str]]
) -> dict[str, Series]:
    """Each runner on each batch, runners in turn per batch (order rotated), after a warm-up."""
    series = {name: Series(len(batches[0])) for name in runners}
    names = list(runners)
    for name in names:
        runners[name](batches[0][:2])
    for i, batch in enumerate(batches):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            started, cpu = time.perf_counter(), time.process_time()
            runners[name](batch)
            series[name].seconds.append(time.perf_counter() - started)
            series[name].cpu_seconds.append(time.process_time() - cpu)
    return series


def report(title: str, results: dict[str, dict[str, Series]], baseline: str) -> None:
    print(f"\n{title}")
    print(
        f"| runner | texts | texts/s | batch p50 ms | batch p99 ms | vs {baseline} "
        f"| texts per CPU-s | vs {baseline} (CPU) |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for kind, series in results.items():
        base, base_cpu = series[baseline].texts_per_s(), series[baseline].texts_per_cpu_s()
        for name, s in series.items():
            print(
                f"| {name} | {kind} | {s.texts_per_s():,.1f} | {s.median_ms():,.0f} | "
                f"{s.p99_ms():,.0f} | {s.texts_per_s() / base:.1f}x | "
                f"{s.texts_per_cpu_s():,.1f} | {s.texts_per_cpu_s() / base_cpu:.1f}x |"
            )


def compare_weights(paths: list[str], batches: dict[str, list[list[str]]]) -> int:
    """The int8 scanner's ``scan()`` with the shipped weights and with each of ``paths``."""
    scanners = {}
    for path in [None, *paths]:
        scanner = InjectionScanner(embedding_precision="int8", classifier_path=path)
        scanner.load()
        scanners[path or "shipped weights"] = _scan(scanner)
    print("onnxruntime: intra_op_num_threads=1")
    results = {kind: measure(scanners, b) for kind, b in batches.items()}
    report("Injection scanner (int8), scan() end to end:", results, "shipped weights")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=8, help="batches per kind of text")
    parser.add_argument("--no-scanner", action="store_true", help="the encoder alone")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument(
        "--classifier",
        action="append",
        default=[],
        help="weights to compare with the shipped ones (int8 scanner only; repeatable)",
    )
    args = parser.parse_args()

    kinds = {"short": (20, 32), "long": (400, 8)}  # words per text, texts per batch
    batches: dict[str, list[list[str]]] = {}
    for n, (kind, (words, size)) in enumerate(kinds.items()):
        texts = make_texts(args.batches * size, words, args.seed + n)
        batches[kind] = [texts[i : i + size] for i in range(0, len(texts), size)]

    if args.classifier:
        return compare_weights(args.classifier, batches)
    with threadpool_limits(limits=1):
        blas = [
            f"{i['internal_api']} {i.get('architecture', '')} x{i['num_threads']}"
            for i in threadpool_info()
        ]
        print(f"numpy BLAS: {', '.join(blas)}; onnxruntime: intra_op_num_threads=1")
        started = time.perf_counter()
        encoders: dict[str, Embedder | NumpyEmbedder] = {
            "numpy (old)": NumpyEmbedder(max_tokens=MAX_TOKENS, overlap=OVERLAP),
            "onnx fp32": Embedder(max_tokens=MAX_TOKENS, overlap=OVERLAP, precision="fp32"),
            "onnx int8": Embedder(max_tokens=MAX_TOKENS, overlap=OVERLAP, precision="int8"),
        }
        print(f"encoders loaded in {time.perf_counter() - started:.1f}s (graphs cached or built)")
        runners = {name: _encode(e) for name, e in encoders.items()}
        encoder_results = {kind: measure(runners, b) for kind, b in batches.items()}
        report(
            "Encoder alone (every 128-token window of every text):", encoder_results, "numpy (old)"
        )

        if not args.no_scanner:
            scanners = {}
            variants: tuple[tuple[str, Precision], ...] = (
                ("numpy (old)", "fp32"),
                ("onnx fp32", "fp32"),
                ("onnx int8", "int8"),
            )
            for name, precision in variants:
                scanner = InjectionScanner(embedding_precision=precision)
                scanner.load()
                if name == "numpy (old)":
                    scanner.embedder = encoders[name]  # type: ignore[assignment]
                scanners[name] = _scan(scanner)
            scanner_results = {kind: measure(scanners, b) for kind, b in batches.items()}
            report("Injection scanner, scan() end to end:", scanner_results, "numpy (old)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
