"""Which of spaCy's bare guesses count as personal data, and what is never personal data.

spaCy tags every place and nationality it sees and most capitalised first names: "What is the
capital of France?", "stuck on Linux", "my friend Maria". Masking those rewrites ordinary
questions while protecting nobody, so by default the PII scanner keeps a guess of spaCy's only
where it identifies someone:

- ``LOCATION`` and ``NRP`` from spaCy alone are dropped. Places that are personal data are
  found by pattern recognizers with context: postal addresses (one span for the whole block)
  and "I live in / moved from / born in <place>".
- ``PERSON`` from spaCy is kept when it is a full name (two words or more), or a single name
  in a greeting ("Hi Tamsin,"), a sign-off ("Thanks, Quillon") or alone on a signature line.
  Name lines, greetings and names after verbs of speech also come from the name lexicon's
  recognizers, and names after "calls me" or a lower-case "my name is" from patterns.

Placeholders that guardstream or Presidio wrote earlier (``<PERSON>``, ``<EMAIL_ADDRESS>``) are
never findings themselves, so a masked text that comes back in an answer is not masked twice.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["PLACEHOLDER", "in_placeholder", "is_bare_guess", "without_bare_guesses"]

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


def is_bare_guess(result: Any, text: str) -> bool:
    """True when ``result`` is a guess of spaCy's alone that identifies nobody (see above)."""
    metadata = getattr(result, "recognition_metadata", None) or {}
    if metadata.get("recognizer_name") != NER_RECOGNIZER:
        return False
    if result.entity_type in _PLACE_LABELS:
        return True
    if result.entity_type != "PERSON":
        return False
    name = text[result.start : result.end].strip()
    if _CUE_ONLY.match(name):
        return True  # "Cheers" on its own line is a sign-off, not a name
    if len(name.split()) >= 2:
        return False
    line_start = text.rfind("\n", 0, result.start) + 1
    line_end = text.find("\n", result.end)
    before = text[line_start : result.start]
    after = text[result.end : len(text) if line_end < 0 else line_end]
    if _GREETING_BEFORE.search(before):
        return False
    alone = not before.strip() and not after.strip(" \t,.!")
    return not (alone and line_start > 0)  # a signature line: a name alone after some text


def in_placeholder(text: str, start: int, end: int) -> bool:
    """True when ``[start, end)`` overlaps a placeholder such as ``<PERSON>``."""
    for match in PLACEHOLDER.finditer(text, max(0, start - 64), min(len(text), end + 64)):
        if match.start() < end and start < match.end():
            return True
    return False


def without_bare_guesses(recognizer: Any) -> Any:
    """``recognizer`` (Presidio's spaCy recognizer) dropping its bare guesses itself, before
    Presidio settles duplicates: otherwise a bare guess (score 0.85) could win over a pattern's
    finding of the same entity on the same words (0.6 or 0.7) and then be dropped, losing
    both."""
    analyze = recognizer.analyze

    def analyze_in_context(text: str, entities: list[str], nlp_artifacts: Any = None) -> Any:
        return [r for r in analyze(text, entities, nlp_artifacts) if not is_bare_guess(r, text)]

    recognizer.analyze = analyze_in_context
    return recognizer
