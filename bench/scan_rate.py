"""Bytes per second one pool process scans, per scanner, on long mixed texts; and where the PII
scanner's time goes.

Prints figures only (no assertions). Texts are prose, code blocks and markdown tables with
personal data, keys and injection phrases planted (:data:`bench.common.PLANTS` and
:func:`bench.pii_throughput.generated_texts`' sentences), from a fixed seed. Each scanner is
loaded as its pool loads it (:func:`bench.common.scanner_settings`) and scans one text per
call, as a pool scans one chunk of a long prompt. Rates are UTF-8 bytes per second of this
process's CPU time (``time.process_time``: other load on a shared machine disturbs it less than
wall time; one process uses one core) and of wall time; compare figures of one run only::

    nice -n 10 .venv/bin/python -m bench.scan_rate [--sizes 16384,65536] [--kinds pii,secrets]
    nice -n 10 .venv/bin/python -m bench.scan_rate --profile [--sizes 256,16384,262144]
    nice -n 10 .venv/bin/python -m bench.scan_rate --dump findings.jsonl

``--profile`` runs the PII scanner under cProfile instead and prints its time by part (spaCy's
pipes, Presidio's recognizers, the scanner's own recognizers, span merging). ``--dump`` writes
the PII scanner's findings on generated texts (:mod:`bench.pii_texts`, :mod:`bench.pii_clean`
and long mixed texts), one JSON line per text, so that two versions of the scanner can be
compared finding by finding (``diff``).
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import json
import pstats
import random
import time
from pathlib import Path
from typing import Any

from bench.common import PLANTS, scanner_settings
from bench.pii_throughput import generated_texts
from workers.scanners import ScanItem, Scanner, scanner_class

__all__ = ["mixed_text", "rate"]

CACHE_DIR = Path.home() / ".cache" / "guardstream" / "bench"
_CODE = '''```python
def notify(user_id: int) -> None:
    """Send the weekly digest; owner {name} <{email}>."""
    client = Client(api_key="{key}", timeout=30)
    for row in client.fetch(user_id, limit=500):
        if row.status != "ok":
            log.warning("retry %s for %s", row.id, "{phone}")
        client.send(to=row.address, template="digest-v2")
```
'''
_TABLE = """| id | name | email | phone | city |
| --- | --- | --- | --- | --- |
{rows}
"""
_NAMES = ["Maria Gonzalez", "Peter Novak", "Aiko Tanaka", "Fatima Khan", "John Carter"]
_CITIES = ["Berlin", "Chicago", "Lisbon", "Toronto", "Nairobi"]


def mixed_text(size: int, seed: int) -> str:
    """About ``size`` characters of prose, code and tables with planted values."""
    rng = random.Random(seed)
    parts: list[str] = []
    total = 0
    while total < size:
        pick = rng.random()
        name = rng.choice(_NAMES)
        email = name.lower().replace(" ", ".") + "@example.com"
        phone = f"212-555-{rng.randint(1000, 9999)}"
        if pick < 0.6:
            part = " ".join(generated_texts(1, rng.randint(300, 900), rng.randint(0, 10**6)))
            if rng.random() < 0.3:
                part += " " + rng.choice(PLANTS) + "."
        elif pick < 0.8:
            part = _CODE.format(name=name, email=email, key=PLANTS[4], phone=phone)
        else:
            rows = "\n".join(
                f"| {i} | {rng.choice(_NAMES)} | u{i}@example.org | +1 415 555 {1000 + i} | "
                f"{rng.choice(_CITIES)} |"
                for i in range(rng.randint(3, 8))
            )
            part = _TABLE.format(rows=rows)
        parts.append(part)
        total += len(part) + 2
    return "\n\n".join(parts)[:size]


def load(kind: str) -> Scanner:
    """``kind``'s scanner with the bench pools' settings, loaded."""
    settings: dict[str, Any] = scanner_settings(CACHE_DIR).get(kind, {})
    scanner = scanner_class(kind)(**settings)
    scanner.load()
    return scanner


def rate(scanner: Scanner, texts: list[str]) -> tuple[float, float]:
    """UTF-8 bytes per CPU second and per wall second, scanning ``texts`` one per call."""
    scanner.scan([ScanItem(texts[0][:2000])])  # warm-up
    size = sum(len(t.encode()) for t in texts)
    cpu, wall = time.process_time(), time.perf_counter()
    for text in texts:
        scanner.scan([ScanItem(text)])
    return size / (time.process_time() - cpu), size / (time.perf_counter() - wall)


class _Clock:
    """CPU seconds spent in named parts, by wrapping callables; nested parts are subtracted
    from the part around them, so the parts add up to the whole."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}
        self._stack: list[list[float]] = []

    def wrap(self, part: str, func: Any) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            self._stack.append([time.process_time(), 0.0])
            try:
                return func(*args, **kwargs)
            finally:
                began, inner = self._stack.pop()
                took = time.process_time() - began
                self.spent[part] = self.spent.get(part, 0.0) + took - inner
                if self._stack:
                    self._stack[-1][1] += took

        return timed


def _part_of(recognizer: Any) -> str:
    module = type(recognizer).__module__
    if module.startswith("workers.scanners.pii."):
        return f"own: {module.rsplit('.', 1)[-1]}.py {recognizer.name}"
    if recognizer.name == "SpacyRecognizer":
        return "Presidio: SpacyRecognizer (+ context.py's bare-guess filter)"
    return f"Presidio: {recognizer.name}"


def profile(sizes: list[int], rounds: int = 3) -> None:
    """The PII scanner's CPU time by part, per text size: spaCy's pipes (timed apart, on the
    scanner's chunks), every recognizer, Presidio's context enhancer and the rest of its
    analyzer, and the scanner's own span work; then cProfile's top functions."""
    from workers.scanners.pii.spans import chunk_bounds

    scanner = load("pii")
    analyzer: Any = scanner._analyzer  # the engine as the pool built it
    split: Any = scanner._pipes
    nlp = analyzer.nlp_engine.nlp[scanner.language]
    clock = _Clock()
    for recognizer in analyzer.registry.recognizers:
        recognizer.analyze = clock.wrap(_part_of(recognizer), recognizer.analyze)
    enhancer = analyzer.context_aware_enhancer
    enhancer.enhance_using_context = clock.wrap(
        "Presidio: context enhancer", enhancer.enhance_using_context
    )
    split.add_lemmas = clock.wrap("spaCy: tagger, attribute_ruler, lemmatizer", split.add_lemmas)
    import workers.scanners.pii.scanner as pii_scanner

    pii_scanner.analyze_texts = clock.wrap(  # type: ignore[assignment]
        "Presidio: analyzer rest (dedupe, thresholds)", pii_scanner.analyze_texts
    )
    scan = clock.wrap("scanner rest (chunks, overlaps, merge)", scanner.scan)
    scan([ScanItem(mixed_text(4000, 98))])  # warm-up: first calls compile and load
    for size in sizes:
        texts = [mixed_text(size, seed) for seed in range(max(rounds, 32768 // size))]
        chunks = [
            text[a:b]
            for text in texts
            for a, b in chunk_bounds(text, scanner.chunk_chars, scanner.chunk_overlap)
        ]
        clock.spent.clear()
        whole = time.process_time()
        for text in texts:
            scan([ScanItem(text)])
        whole = time.process_time() - whole
        # spaCy's batch pass apart, pipe by pipe, on the same chunks
        began = time.process_time()
        for chunk in chunks:
            nlp.make_doc(chunk)
        tokenizer = time.process_time() - began
        enabled = [n for n in nlp.pipe_names if n not in split.skipped_in_batch]
        spacy_parts = {"spaCy: tokenizer": tokenizer}
        previous = tokenizer
        for i, name in enumerate(enabled):
            keep = set(enabled[: i + 1])
            began = time.process_time()
            with nlp.select_pipes(enable=list(keep)):
                list(nlp.pipe(chunks, batch_size=scanner.batch_size))
            took = time.process_time() - began
            spacy_parts[f"spaCy: {name}"] = took - previous
            previous = took
        batch_pass = previous
        parts = dict(clock.spent)
        # the scan's batch pass (timed apart above) was counted in the analysis: move it out
        parts["Presidio: analyzer rest (dedupe, thresholds)"] -= batch_pass
        parts.update(spacy_parts)
        print(f"\n{size} characters, {len(texts)} texts, {len(chunks)} chunks: "
              f"{1000 * whole / len(texts):.1f} ms CPU per text, "
              f"{size * len(texts) / whole / 1024:.1f} KB/s")  # fmt: skip
        print("| part | ms CPU per text | share |\n| --- | ---: | ---: |")
        for part, spent in sorted(parts.items(), key=lambda kv: -kv[1]):
            print(f"| {part} | {1000 * spent / len(texts):.1f} | {100 * spent / whole:.0f}% |")
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for size in sizes:
        scanner.scan([ScanItem(mixed_text(size, 99))])
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def dump(path: Path) -> None:
    """The PII scanner's findings on generated texts, one JSON line per text (named by a hash).
    Run with ``PYTHONHASHSEED=0``: the generators' texts depend on it."""
    from bench.pii_clean import generate_clean
    from bench.pii_texts import generate

    texts = [t.text for t in generate(2000, 7)] + [t.text for t in generate_clean(1000, 11)]
    texts += [mixed_text(size, seed) for size in (16384, 65536) for seed in range(3)]
    scanner = load("pii")
    with path.open("w", encoding="utf-8") as out:
        for i in range(0, len(texts), 32):
            batch = texts[i : i + 32]
            for text, answer in zip(batch, scanner.scan([ScanItem(t) for t in batch]), strict=True):
                spans = [[f.start, f.end, f.label, round(f.score, 4)] for f in answer.findings]
                digest = hashlib.sha256(text.encode()).hexdigest()[:16]
                out.write(json.dumps({"text": digest, "findings": spans}) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="16384")
    parser.add_argument("--kinds", default="pii,prompt_injection,secrets")
    parser.add_argument("--count", type=int, default=6, help="texts per size")
    parser.add_argument("--rounds", type=int, default=3, help="texts per size (--profile)")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--dump", type=Path, help="write the PII scanner's findings here")
    args = parser.parse_args()
    if args.dump:
        dump(args.dump)
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.profile:
        profile(sizes, args.rounds)
        return
    print("| scanner | text size | KB/s per CPU second | KB/s wall |")
    print("| --- | ---: | ---: | ---: |")
    for kind in args.kinds.split(","):
        scanner = load(kind)
        for size in sizes:
            texts = [mixed_text(size, seed) for seed in range(args.count)]
            cpu, wall = rate(scanner, texts)
            print(f"| {kind} | {size // 1024} KB | {cpu / 1024:.1f} | {wall / 1024:.1f} |",
                  flush=True)  # fmt: skip
        scanner.close()


if __name__ == "__main__":
    main()
