"""Spans of the PII scanner: cutting long texts into chunks, and settling the findings of
Presidio's recognizers (overlaps across entity types, duplicates across chunks)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from workers.scanners.base import LabelFinding

__all__ = ["chunk_bounds", "merge_chunks", "resolve_overlaps"]

NER_RECOGNIZER = "SpacyRecognizer"
_WHITESPACE = re.compile(r"\s")


def chunk_bounds(text: str, size: int, overlap: int) -> Iterable[tuple[int, int]]:
    """``(start, end)`` of chunks of about ``size`` characters covering ``text``. Each overlaps
    the previous one by ``overlap / 2`` to ``overlap`` characters; both of its ends move to
    whitespace when there is some within ``overlap / 4``, so that few words are split."""
    if not text:
        return
    slack = overlap // 4
    start = 0
    while True:
        end = min(start + size, len(text))
        if end < len(text):
            spaces = list(_WHITESPACE.finditer(text, end - slack, end))
            if spaces:
                end = spaces[-1].start()
        yield start, end
        if end >= len(text):
            return
        start = end - overlap
        space = _WHITESPACE.search(text, start, start + slack)
        if space is not None:
            start = space.end()


def resolve_overlaps(results: list[Any], text: str | None = None) -> list[Any]:
    """Drop (or cut) an NER guess that overlaps a pattern match, and a finding inside a longer
    one.

    Presidio deduplicates only within one entity type, so an email can also come back as a URL
    (its domain) or as a PERSON (spaCy's guess on the same characters), and a card number as a
    date. A pattern recognizer validates its match (checksum, format), so it wins over spaCy's
    guess; a span strictly inside another span of another type is part of that entity; of two
    readings of the same characters (a licence number that also parses as a phone number), the
    higher score (the one whose context words were found) stays. With ``text``, an NER guess
    that runs into a pattern match from the left ("Ada Quill Apt" before the address
    "Apt. 5 Elm Road") keeps its part before the match when that part starts with a capital.
    """
    kept = []
    for r in results:
        ner = _recognizer(r) == NER_RECOGNIZER
        beaten = False
        cut = r.end
        for o in results:
            if o is r or o.entity_type == r.entity_type:
                continue
            o_ner = _recognizer(o) == NER_RECOGNIZER
            if ner and not o_ner and o.start < r.end and r.start < o.end:
                if text is not None and r.start < o.start:
                    cut = min(cut, o.start)
                    continue
                beaten = True
            elif o.start <= r.start and r.end <= o.end and (o.end - o.start) > (r.end - r.start):
                beaten = True
            elif (o.start, o.end) == (r.start, r.end) and o.score > r.score and not o_ner:
                beaten = True  # one number, two readings: the one its context confirms
            if beaten:
                break
        if beaten:
            continue
        if cut < r.end and text is not None:
            r = _cut(r, text, cut)
        if r is not None:
            kept.append(r)
    return kept


def _cut(result: Any, text: str, end: int) -> Any:
    """``result`` ending at ``end`` (less trailing spaces and punctuation), or None when what is
    left does not start with a capital letter."""
    part = text[result.start : end].rstrip(" \t\n,;:-")
    if len(part) < 2 or not part[0].isupper():
        return None
    return type(result)(
        result.entity_type,
        result.start,
        result.start + len(part),
        result.score,
        analysis_explanation=result.analysis_explanation,
        recognition_metadata=result.recognition_metadata,
    )


def _recognizer(result: Any) -> str:
    return (result.recognition_metadata or {}).get("recognizer_name", "")


def merge_chunks(inner: list[LabelFinding], edges: list[LabelFinding]) -> list[LabelFinding]:
    """Findings of all chunks of one text: those clear of a cut edge, deduplicated, then those
    touching one that nothing else covers (an entity longer than the overlap, cut in both)."""
    kept = _dedupe(inner)
    rest = [e for e in edges if not any(k.start < e.end and e.start < k.end for k in kept)]
    return sorted(kept + _dedupe(rest), key=lambda f: (f.start, f.end, f.label))


def _dedupe(findings: list[LabelFinding]) -> list[LabelFinding]:
    """One finding per entity: a span inside a longer one of the same label is part of it (a
    city spaCy saw inside an address block) and lends it its score if higher; then, of
    same-label overlapping spans (one entity seen by two chunks), the higher score (then the
    longer span) stays."""
    grown = []
    for f in findings:
        inner = [
            o.score for o in findings
            if o.label == f.label and f.start <= o.start and o.end <= f.end
        ]  # fmt: skip
        outer = any(
            o.label == f.label and o.start <= f.start and f.end <= o.end
            and (o.end - o.start) > (f.end - f.start)
            for o in findings
        )  # fmt: skip
        if not outer:
            grown.append(LabelFinding(f.start, f.end, f.label, max(inner)))
    best: list[LabelFinding] = []
    ranked = sorted(grown, key=lambda f: (-f.score, -(f.end - f.start), f.start))
    for f in ranked:
        if not any(b.label == f.label and b.start < f.end and f.start < b.end for b in best):
            best.append(f)
    return sorted(best, key=lambda f: (f.start, f.end, f.label))
