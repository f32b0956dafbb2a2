"""Measure the prompt-injection scanner on labelled data, and LiteLLM's built-in check beside it.

Prints figures only (no assertions): precision, recall, F1, FPR overall and on hard negatives for
heuristics alone, similarity alone and both combined, at the scanner's default thresholds, plus a
sweep over thresholds; the same for LiteLLM's ``_OPTIONAL_PromptInjectionDetection`` heuristics
on a sample (they cost seconds per prompt); and throughputs.

    .venv/bin/python bench/injection_eval.py [--data ../shared/eval/injection.jsonl]
        [--litellm-sample 60] [--index-path /tmp/guardstream-injection-index.npz]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from workers.cli.evaluation.baselines import LiteLLMInjectionBaseline
from workers.scanners.base import ScanItem
from workers.scanners.injection.attack_index import AttackIndex
from workers.scanners.injection.rules import combine, match_rules
from workers.scanners.injection.scanner import LABEL, InjectionScanner
from workers.scanners.text.normalize import normalize


def metrics(pred: list[bool], gold: list[bool], hard: list[bool]) -> dict[str, float]:
    """Precision, recall, F1, FPR and FPR on hard negatives."""
    tp = sum(p and g for p, g in zip(pred, gold, strict=True))
    fp = sum(p and not g for p, g in zip(pred, gold, strict=True))
    fn = sum(g and not p for p, g in zip(pred, gold, strict=True))
    neg = sum(not g for g in gold)
    hard_neg = sum(h and not g for h, g in zip(hard, gold, strict=True))
    hard_fp = sum(p and h and not g for p, h, g in zip(pred, hard, gold, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "P": precision,
        "R": recall,
        "F1": f1,
        "FPR": fp / neg if neg else 0.0,
        "FPR_hard": hard_fp / hard_neg if hard_neg else 0.0,
        "n": len(gold),
    }


def show(name: str, m: dict[str, float]) -> None:
    print(
        f"  {name:<34} P={m['P']:.3f} R={m['R']:.3f} F1={m['F1']:.3f} "
        f"FPR={m['FPR']:.3f} FPR_hard={m['FPR_hard']:.3f} (n={m['n']})"
    )


def scores(scanner: InjectionScanner, texts: list[str]) -> list[float]:
    """The primary ``prompt_injection`` score per text (0 when no finding)."""
    out: list[float] = []
    for at in range(0, len(texts), 64):
        answers = scanner.scan([ScanItem(t) for t in texts[at : at + 64]])
        for answer in answers:
            out.append(max((f.score for f in answer.findings if f.label == LABEL), default=0.0))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data",
        type=Path,
        default=Path(__file__).resolve().parents[2] / "shared/eval/injection.jsonl",
    )
    parser.add_argument("--litellm-sample", type=int, default=60)
    parser.add_argument("--index-path", default="/tmp/guardstream-injection-index.npz")
    args = parser.parse_args()

    rows = [json.loads(line) for line in args.data.read_text().splitlines() if line.strip()]
    texts = [r["text"] for r in rows]
    gold = [r["label"] == "attack" for r in rows]
    hard = [bool(r.get("hard_negative")) for r in rows]
    print(
        f"{args.data}: {len(rows)} texts, {sum(gold)} attacks, {len(rows) - sum(gold)} benign "
        f"({sum(h and not g for h, g in zip(hard, gold, strict=True))} hard negatives)"
    )

    scanner = InjectionScanner(index_path=args.index_path)
    started = time.perf_counter()
    scanner.load()
    print(f"load (model + index): {time.perf_counter() - started:.2f}s")
    t = scanner.threshold(LABEL)
    folded = [normalize(x) for x in texts]
    heur = [combine(match_rules(n.text, x)) for n, x in zip(folded, texts, strict=True)]
    # Embedding the whole set takes minutes on two busy cores: keep the cosines of a run, keyed
    # by the index and the data, so that a rerun after a rule change is quick.
    assert scanner.embedder is not None and scanner.index is not None
    key = hashlib.sha256(
        (
            AttackIndex.cache_key(scanner.embedder, scanner.index.entries)
            + f"/segments={scanner.segment_chars}/"
            + "\x00".join(texts)
        ).encode("utf-8", "surrogatepass")
    ).hexdigest()[:16]
    cosine_cache = Path(args.index_path).with_name(f"injection-cosines-{key}.json")
    if cosine_cache.is_file():
        cosines = json.loads(cosine_cache.read_text())
        print(f"similarity: cosines read back from {cosine_cache}")
    else:
        started = time.perf_counter()
        cosines = [near[0] if near else -1.0 for near in scanner.nearest(folded)]
        took = time.perf_counter() - started
        print(
            f"similarity over the data set: {took:.1f}s ({len(texts) / took:.1f} texts/s, "
            f"mean {statistics.mean(len(x) for x in texts):.0f} chars)"
        )
        cosine_cache.write_text(json.dumps(cosines))

    def sim_scores(cut: float) -> list[float]:
        sweep = InjectionScanner(similarity=False, similarity_threshold=cut, threshold=t)
        return [sweep.similarity_score(c) for c in cosines]

    sim = sim_scores(scanner.similarity_threshold)
    found = {
        "heuristics": heur,
        "similarity": sim,
        "combined": [max(h, s) for h, s in zip(heur, sim, strict=True)],
    }
    # The scanner's own answers must agree with the figures derived above.
    check = scores(scanner, texts[:64])
    derived = [v if v >= 0.05 else 0.0 for v in found["combined"][:64]]
    assert all(abs(a - b) < 1e-4 for a, b in zip(check, derived, strict=True))
    print(
        f"\nguardstream at default threshold {t} (similarity_threshold "
        f"{scanner.similarity_threshold}):"
    )
    for name, values in found.items():
        show(name, metrics([v >= t for v in values], gold, hard))

    print("\nsweep of the decision threshold (combined):")
    for cut in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        show(f"threshold {cut}", metrics([v >= cut for v in found["combined"]], gold, hard))
    print("\nsweep of similarity_threshold (cosine cut):")
    for cut in (0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7):
        alone = sim_scores(cut)
        show(f"similarity alone, cut {cut}", metrics([v >= t for v in alone], gold, hard))
        show(
            f"combined, cut {cut}",
            metrics([max(h, s) >= t for h, s in zip(heur, alone, strict=True)], gold, hard),
        )

    print("\nper source, combined recall / FPR:")
    by: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        by.setdefault(r["source"].split(":")[0], []).append(i)
    for source, idx in sorted(by.items()):
        flagged = sum(found["combined"][i] >= t for i in idx)
        kind = "recall" if gold[idx[0]] else "FPR"
        print(f"  {source:<40} {kind} {flagged / len(idx):.3f} ({flagged}/{len(idx)})")

    # Throughputs.
    started = time.perf_counter()
    for text in texts:
        combine(match_rules(normalize(text).text, text))
    heur_s = (time.perf_counter() - started) / len(texts)
    mean_len = statistics.mean(len(x) for x in texts)
    print(
        f"\nheuristics: {1 / heur_s:,.0f} texts/s ({heur_s * 1e6:.0f} us per text, "
        f"mean {mean_len:.0f} chars), one thread"
    )
    embedder = scanner.embedder
    assert embedder is not None
    short = [(x * 4)[:200] for x in texts[:320]]
    embedder.embed(short[:32])  # warm up
    started = time.perf_counter()
    for at in range(0, len(short), 32):
        embedder.embed(short[at : at + 32], batch_size=32)
    took = time.perf_counter() - started
    print(
        f"embeddings: {len(short) / took:,.1f} texts/s (batch 32, 200 chars, "
        f"{os.cpu_count()} cores)"
    )

    # LiteLLM's built-in heuristics, on a sample (seconds per prompt); `guardstream eval
    # --baseline litellm` runs the same baseline with the full report.
    detector = LiteLLMInjectionBaseline()
    detector.load()
    sample = sorted(random.Random(7).sample(range(len(rows)), min(args.litellm_sample, len(rows))))
    pred, took_each, ours_each = [], [], []
    for i in sample:
        started = time.perf_counter()
        pred.append(bool(detector.scan([ScanItem(texts[i])])[0].findings))
        took_each.append(time.perf_counter() - started)
        started = time.perf_counter()
        combine(match_rules(normalize(texts[i]).text, texts[i]))
        ours_each.append(time.perf_counter() - started)
    sub_gold = [gold[i] for i in sample]
    sub_hard = [hard[i] for i in sample]
    print(f"\nLiteLLM check_user_input_similarity on a sample of {len(sample)} (seed 7):")
    show("litellm built-in", metrics(pred, sub_gold, sub_hard))
    for name, values in found.items():
        show(
            f"guardstream {name} (same sample)",
            metrics([values[i] >= t for i in sample], sub_gold, sub_hard),
        )
    mean_litellm, mean_ours = statistics.mean(took_each), statistics.mean(ours_each)
    print(
        f"  time per prompt: litellm {mean_litellm * 1e3:,.1f} ms (max "
        f"{max(took_each):.2f}s), guardstream heuristics {mean_ours * 1e6:.0f} us: "
        f"{mean_litellm / mean_ours:,.0f}x faster"
    )


if __name__ == "__main__":
    main()
