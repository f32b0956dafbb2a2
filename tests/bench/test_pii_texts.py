"""bench.pii_texts (the PII audit's generator) and the audit's KEEP/DROP rule."""

from __future__ import annotations

from itertools import pairwise

from bench.pii_audit import Row, decide
from bench.pii_texts import FAMILIES, FIELDS, generate


def test_planted_spans_are_where_the_generator_says() -> None:
    texts = generate(300, seed=3)
    entities = {entity for entity, _, _ in FIELDS.values()}
    assert {t.family for t in texts} == set(FAMILIES)
    for t in texts:
        assert t.kind in {"cue", "plain", "lookalike"}
        assert (t.kind == "lookalike") == (not t.spans), t
        for span in t.spans:
            assert t.text[span.start : span.end] == span.value, t
            assert span.value and span.value == span.value.strip()
            assert span.entity in entities
        ends = sorted((s.start, s.end) for s in t.spans)
        assert all(a[1] <= b[0] for a, b in pairwise(ends)), t


def test_same_seed_same_texts_and_fixed_shares() -> None:
    n = 10 * len(FAMILIES)  # ten texts per family: the kinds' shares come out whole
    first, again = generate(n, seed=5), generate(n, seed=5)
    assert first == again
    assert generate(n, seed=6) != first
    per_family = len(first) // len(FAMILIES)
    lookalikes = [t for t in first if t.family == "AGE/aged" and t.kind == "lookalike"]
    assert len(lookalikes) == per_family * 3 // 10


def _row(unit: str, found: int, false: int, family: int = 100, start: int = 0) -> Row:
    row = Row(unit, family_planted=family)
    row.found = {(start + i, 0) for i in range(found)}
    row.false = row.false_lookalike = false
    return row


def test_rule_keeps_what_adds_and_drops_noise_or_duplicates() -> None:
    rows = {
        "AGE/clean": _row("AGE/clean", 20, 0),
        "AGE/same values, noisier": _row("AGE/same values, noisier", 20, 5),
        # right more often than wrong: a missed age is a leak, a false one a nuisance
        "AGE/noisy but useful": _row("AGE/noisy but useful", 20, 15, start=100),
        "AGE/as wrong as right": _row("AGE/as wrong as right", 20, 20, start=200),
        "AGE/noisy": _row("AGE/noisy", 20, 25, start=300),
        "AGE/too few": _row("AGE/too few", 1, 0, start=400),
        "PERSON/SpacyRecognizer (Presidio)": _row("PERSON/SpacyRecognizer (Presidio)", 5, 50),
    }
    assert decide(rows) == {
        "AGE/clean": True,
        "AGE/same values, noisier": False,
        "AGE/noisy but useful": True,
        "AGE/as wrong as right": False,
        "AGE/noisy": False,
        "AGE/too few": False,
    }


def test_two_patterns_finding_the_same_values_are_not_both_dropped() -> None:
    rows = {"ZIP_CODE/a": _row("ZIP_CODE/a", 30, 0), "ZIP_CODE/b": _row("ZIP_CODE/b", 30, 0)}
    assert sorted(decide(rows).values()) == [False, True]
