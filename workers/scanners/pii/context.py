"""Which of spaCy's bare guesses count as personal data, and what is never personal data.

spaCy tags every place and nationality it sees and most capitalised first names: "What is the
capital of France?", "stuck on Linux", "my friend Maria". Masking those rewrites ordinary
questions while protecting nobody, so by default the PII scanner keeps a guess of spaCy's only
where it identifies someone:

- ``LOCATION`` and ``NRP`` from spaCy alone are dropped. Places that are personal data are
  found by pattern recognizers with context: postal addresses (one span for the whole block)
  and "I live in / moved from / born in <place>".
- ``PERSON`` from spaCy is kept: a first name that refers to a person is personal data, and
  masking "my friend <PERSON>" costs an answer almost nothing. What is dropped is what names
  nobody (:class:`~workers.scanners.pii.notnames.NameJudge`): a one-word guess that is a
  product or technology name, an acronym, a common word, a word inside code or a place where
  it stands ("Kafka", "EKS", "Oracle", "`Sophie()`", "the capital of Georgia"); the words of a
  longer guess that are such words are cut off it ("Compare Redis" is "Redis", then dropped),
  and a closing alone ("Cheers") is no name. Single first names spaCy misses come from
  :mod:`workers.scanners.pii.firstnames`; names on their own lines, after greetings and verbs of
  speech from the name lexicon's recognizers (:mod:`workers.scanners.pii.names`).

Placeholders that guardstream or Presidio wrote earlier (``<PERSON>``, ``<EMAIL_ADDRESS>``) are
never findings themselves, so a masked text that comes back in an answer is not masked twice.
"""

from __future__ import annotations

import re
from typing import Any

import regex

from workers.scanners.pii.notnames import PLACE_HEADS, NameJudge, is_listed, looks_technical

__all__ = [
    "PLACEHOLDER",
    "in_placeholder",
    "is_bare_guess",
    "is_cut_url",
    "without_bare_guesses",
]

NER_RECOGNIZER = "SpacyRecognizer"
PLACEHOLDER = re.compile(r"<[A-Z][A-Z0-9_]*>")
"""A mask as :meth:`~workers.scanners.base.Scanner.redact` writes it."""

_PLACE_LABELS = frozenset({"LOCATION", "NRP"})
_CUE_WORDS = (
    r"hi|hello|hey|dear|thanks|thank you|cheers|regards|best|best regards|kind regards|"
    r"sincerely|yours|love|greetings|good morning|good afternoon|good evening|morning"
)
_GREETING_BEFORE = re.compile(rf"(?i)(?:^|\n)[ \t]*(?:{_CUE_WORDS})[ \t]*,?[ \t]*$")
_CUE_ONLY = re.compile(rf"(?i)^(?:{_CUE_WORDS})$")
_STOP = frozenset(
    "a an the my your our his her their this that i we you can will may could "
    "should would and or but if so compare explain write tell".split()
)
_WORD = regex.compile(r"[\p{L}\p{M}\d][\p{L}\p{M}\d'\u2019._-]*(?<![._'\u2019-])")
_PARTICLES = frozenset("de del la le du do da di van von der den bin al el y".split())


def is_bare_guess(result: Any, text: str, judge: NameJudge) -> bool:
    """True when ``result`` is a guess of spaCy's alone that identifies nobody (see above).
    A multi-word PERSON guess is cut, in place, to the words between its non-name words."""
    metadata = getattr(result, "recognition_metadata", None) or {}
    if metadata.get("recognizer_name") != NER_RECOGNIZER:
        return False
    if result.entity_type in _PLACE_LABELS:
        return True
    if result.entity_type != "PERSON":
        return False
    if _CUE_ONLY.match(text[result.start : result.end].strip()):
        return True  # "Cheers" on its own line is a sign-off, not a name
    guess = text[result.start : result.end].casefold()
    if guess in judge.lexicon.places or guess.split(maxsplit=1)[0] in PLACE_HEADS:
        return True  # "Saint Lucia", "Costa Rica", "Sainte Henriette"
    words = [(m.start(), m.end()) for m in _WORD.finditer(text, result.start, result.end)]
    if len(words) == 1:
        return _lone_word_not_a_name(text, *words[0], judge)
    # Cut the words that name nobody off both ends ("Will Lightroom", "Mark the").
    while words and _edge_word_not_a_name(text, *words[0], judge):
        words.pop(0)
    while words and _edge_word_not_a_name(text, *words[-1], judge):
        words.pop()
    if not words:
        return True
    result.start, result.end = words[0][0], words[-1][1]
    if len(words) == 1:
        return _lone_word_not_a_name(text, *words[0], judge)
    return False


def _lone_word_not_a_name(text: str, start: int, end: int, judge: NameJudge) -> bool:
    """A one-word guess names nobody: a non-name where it stands, or a word that no name list
    holds with no greeting before it and not alone on a signature line. Such a word with a
    person's cue around it ("my friend Quillon", "Quillon said") is found by
    :class:`~workers.scanners.pii.firstnames.FirstNameRecognizer`; without one, spaCy's guess
    is most often a product or a place it does not know ("Minitab", "Radomsko")."""
    if judge.not_a_name(text, start, end):
        return True
    word = text[start:end]
    if judge.lexicon.is_first(word) or judge.lexicon.is_last(word):
        return False
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    before = text[line_start:start]
    after = text[end : len(text) if line_end < 0 else line_end]
    if _GREETING_BEFORE.search(before):
        return False
    alone = not before.strip() and not after.strip(" \t,.!")
    return not (alone and line_start > 0)  # a signature line: a name alone after some text


def _edge_word_not_a_name(text: str, start: int, end: int, judge: NameJudge) -> bool:
    word = text[start:end]
    if word[:1].islower() and word not in _PARTICLES:
        return True
    if word.casefold() in _STOP or is_listed(word) or looks_technical(word):
        return True
    lexicon = judge.lexicon
    known = lexicon.is_first(word) or lexicon.is_last(word)
    return judge.not_a_name(text, start, end) and not known


def is_cut_url(entity: str, text: str, end: int) -> bool:
    """A URL finding that ends inside a word: Presidio's URL pattern reads a method call as a
    domain with a short top-level domain ("Logger.sa" in ``Logger.save()``, "x.st" in
    ``x.start()``); a real address does not stop in the middle of a word."""
    return entity == "URL" and end < len(text) and (text[end].isalnum() or text[end] == "_")


def in_placeholder(text: str, start: int, end: int) -> bool:
    """True when ``[start, end)`` overlaps a placeholder such as ``<PERSON>``."""
    for match in PLACEHOLDER.finditer(text, max(0, start - 64), min(len(text), end + 64)):
        if match.start() < end and start < match.end():
            return True
    return False


def without_bare_guesses(recognizer: Any, judge: NameJudge) -> Any:
    """``recognizer`` (Presidio's spaCy recognizer) dropping its bare guesses itself, before
    Presidio settles duplicates: otherwise a bare guess (score 0.85) could win over a pattern's
    finding of the same entity on the same words (0.6 or 0.7) and then be dropped, losing
    both."""
    analyze = recognizer.analyze

    def analyze_in_context(text: str, entities: list[str], nlp_artifacts: Any = None) -> Any:
        return [
            r for r in analyze(text, entities, nlp_artifacts) if not is_bare_guess(r, text, judge)
        ]

    recognizer.analyze = analyze_in_context
    return recognizer
