"""Single first names that spaCy misses or calls a place or a firm.

spaCy's small English model finds a lone first name in running text about half the time, tags
many of the rest as a place or an organisation ("Kasim", "Marcus") and never reads a lower-case
one. :class:`FirstNameRecognizer` finds them from the words around them, and from the first-name
lexicon (:class:`~workers.scanners.pii.names.NameLexicon`); every word it reports passes
:meth:`~workers.scanners.pii.notnames.NameJudge.not_a_name` (no product, code, place or common
word). Its parts, named in the findings' metadata for ``bench.pii_audit``:

- ``self-introduction``: "my name is Noor", "I'm Noor", "i'm noor", "this is Noor from
  sales", "Noor here": any casing; a word that is no known first name counts when capitalised;
- ``first name``: a first name after a relation ("my friend Noor", "my manager, Noor"), after a
  verb that takes a person ("tell Noor", "cc Noor"), before a verb of a person ("Noor said");
  and a capitalised first name the lexicon knows anywhere in running text, unless spaCy reads
  it as a place ("Florence", "Austin") or it is no name where it stands.
"""

from __future__ import annotations

from typing import Any

import regex
from presidio_analyzer import LocalRecognizer, RecognizerResult

from workers.scanners.pii.notnames import NameJudge, at_sentence_start, in_code, is_listed
from workers.scanners.pii.recognizers import tagged_result

__all__ = ["CUED_SCORE", "LEXICON_SCORE", "FirstNameRecognizer"]

CUED_SCORE = 0.7
"""Score of a first name with words around it that make it a person's."""
LEXICON_SCORE = 0.6
"""Score of a known first name with no such words: above the default threshold, so masked;
``presidio_score_thresholds: {PERSON: 0.65}`` keeps only cued ones."""

_WORD = r"\p{L}[\p{L}\p{M}'\u2019-]*(?<!['\u2019]s)(?<!['\u2019])"
_CAP_WORD = r"\p{Lu}[\p{L}\p{M}'\u2019-]*(?<!['\u2019]s)(?<!['\u2019])"
_END = r"(?![\p{L}\p{M}\d_])"
_SELF = regex.compile(
    r"(?i:\b(?P<cue>my[ \t]+name[ \t]+is|my[ \t]+name['\u2019]s|name['\u2019]s|call[ \t]+me|"
    r"i[ \t]*['\u2019]m|i[ \t]+am|im|this[ \t]+is|it['\u2019]s|its)[ \t]+)"
    rf"(?P<value>{_WORD}){_END}"
)
# "this is X" and "it's X" name someone only when a pause or these words follow.
_AFTER_THIS_IS = regex.compile(
    r"[ \t]*(?:[,.!?;:)\n]|$|(?i:from|here|speaking|again|calling|writing|with|at|and|in|on)\b)"
)
_HERE = regex.compile(
    rf"(?:^|(?<=[.!?,:;\n])|(?i:\b(?:hi|hey|hello))[ \t,]*)[ \t]*(?P<value>{_WORD})[ \t]+"
    r"(?i:here)\b(?=[ \t]*(?:[,.!?:;\n-]|$))"
)
_RELATION = (
    r"friend|best[ \t]+friend|colleague|co-?worker|boss|manager|supervisor|wife|husband|"
    r"partner|son|daughter|kid|child|brother|sister|mom|mum|mother|dad|father|parent|neighbou?r|"
    r"cousin|aunt|uncle|nephew|niece|grandma|grandpa|grandmother|grandfather|granddaughter|"
    r"grandson|roommate|flatmate|housemate|girlfriend|boyfriend|fianc[ée]e?|teacher|tutor|"
    r"student|client|customer|patient|doctor|therapist|coach|landlord|tenant|assistant|"
    r"intern|teammate|classmate|baby|toddler|stepson|stepdaughter|ex"
)
_RELATION_CUE = regex.compile(
    rf"(?i:\b(?:my|our|your|his|her|their)[ \t]+(?:new[ \t]+|old[ \t]+|little[ \t]+|"
    rf"younger[ \t]+|older[ \t]+)?(?:{_RELATION})),?[ \t]+(?P<value>{_WORD}){_END}"
)
_VERB_CUE = regex.compile(
    r"(?i:\b(?:tell|told|ask|asked|cc|bcc|email|emailed|e-mail|text|texted|message|messaged|"
    r"thank|thanked|remind|reminded|invite|invited|meet|met|ping|pinged|congratulate|"
    r"introduce|forward[ \t]+(?:it|this)[ \t]+to|reply[ \t]+to|write[ \t]+to|talk[ \t]+to|"
    r"spoke[ \t]+to|speak[ \t]+to|dear)[ \t]+)"
    rf"(?P<value>{_CAP_WORD}){_END}"
)
_SUBJECT = regex.compile(
    rf"(?:^|(?<=[.!?\n]))[ \t\"']*(?P<value>{_CAP_WORD})(?=[ \t]+(?:said|says|asked|told|"
    r"thinks|thought|wants|wanted|wrote|sent|replied|called|emailed|texted|mentioned|"
    r"suggested|agreed|needs|and[ \t]+I|is[ \t]+my|was[ \t]+my)\b)"
)
_CAPITALISED = regex.compile(rf"(?<![\p{{L}}\p{{M}}'\u2019\d_-])(?P<value>{_CAP_WORD}){_END}")
_NAME = "FirstNameRecognizer"
_PLACE_LABELS = frozenset({"GPE", "LOC", "FAC", "LOCATION"})
_NEXT_WORD = regex.compile(rf"[ \t]+(?P<value>{_WORD}){_END}")
_CAP_NEXT = regex.compile(r"[ \t]+\p{Lu}")
_CAP_BEFORE = regex.compile(r"\p{Lu}[\p{L}\p{M}'\u2019.-]*[ \t]+$")


class FirstNameRecognizer(LocalRecognizer):
    """PERSON: single first names from their context and the lexicon (see the module)."""

    def __init__(self, judge: NameJudge, language: str = "en") -> None:
        self.judge = judge
        super().__init__(
            supported_entities=["PERSON"],
            supported_language=language,
            name=_NAME,
            context=[],
        )

    def load(self) -> None:
        """Nothing to load: the judge is built once and shared."""

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
        """One PERSON result per first name found; the first part that finds a word wins."""
        if "PERSON" not in entities:
            return []
        places = [
            (e.start_char, e.end_char)
            for e in getattr(nlp_artifacts, "entities", None) or []
            if e.label_ in _PLACE_LABELS
        ]
        found: dict[tuple[int, int], RecognizerResult] = {}

        def add(start: int, end: int, score: float, part: str) -> None:
            if (start, end) not in found:
                found[start, end] = self._result(start, end, score, part)

        for m in _SELF.finditer(text):
            start, end = m.span("value")
            if self._introduced(m.group("cue"), text, start, end):
                add(start, self._surname_after(text, end), CUED_SCORE, "self-introduction")
        for m in _HERE.finditer(text):
            start, end = m.span("value")
            if self._named(text, start, end, lower_ok=True):
                add(start, end, CUED_SCORE, "self-introduction")
        for pattern in (_RELATION_CUE, _SUBJECT, _VERB_CUE):
            for m in pattern.finditer(text):
                start, end = m.span("value")
                if self._named(text, start, end, lower_ok=pattern is _RELATION_CUE):
                    add(start, end, CUED_SCORE, "first name")
        for m in _CAPITALISED.finditer(text):
            start, end = m.span("value")
            if self._known(text, start, end, places):
                add(start, end, LEXICON_SCORE, "first name")
        return list(found.values())

    def _introduced(self, cue: str, text: str, start: int, end: int) -> bool:
        """The word after a self-introduction is a name: after "my name is" or "call me" any
        word that is a name here; after "I'm", "this is", "it's" a capitalised one or a known
        first name, and after "this is" and "it's" only before a pause or "from", "here"..."""
        folded = regex.sub(r"\s+", " ", cue.casefold())
        if folded.startswith(("this", "it")) and not _AFTER_THIS_IS.match(text, end):
            return False
        if folded.startswith(("my name", "name", "call")):
            # A lower-case word is a name only when the lexicon knows it ("my name is noor",
            # not "my name is spelled wrong", "call me back"), even when it is also an English
            # word ("my name is mark"): the cue settles that.
            word = text[start:end]
            if not word[:1].isupper():
                return self._lower_name(word) and not in_code(text, start, end)
            return not self.judge.not_a_name(text, start, end, cued=True)
        return self._named(text, start, end, lower_ok=True)

    def _lower_name(self, word: str) -> bool:
        """A lower-case word after "my name is": a known first name, or no English word."""
        judge = self.judge
        return judge.lexicon.is_first(word) or not (judge.is_english(word) or is_listed(word))

    def _surname_after(self, text: str, end: int) -> int:
        """The end of a surname right after a first name at ``end`` ("my name is tamsin
        vorlow"), else ``end``: a capitalised word that names nobody otherwise, or a
        lower-case one that is a known surname or no English word."""
        m = _NEXT_WORD.match(text, end)
        if m is None:
            return end
        start, stop = m.span("value")
        word = m.group("value")
        if word[:1].isupper():
            return end if self.judge.not_a_name(text, start, stop, cued=True) else stop
        known = self.judge.lexicon.is_last(word) and not self.judge.is_english(word)
        return stop if known or (self._lower_name(word) and not in_code(text, start, stop)) else end

    def _named(self, text: str, start: int, end: int, *, lower_ok: bool) -> bool:
        """A capitalised word that is no non-name here, or (when ``lower_ok``) a lower-case
        known first name."""
        word = text[start:end]
        if word[:1].isupper():
            return not self.judge.not_a_name(text, start, end, cued=True)
        return lower_ok and self.judge.is_first_name(word) and not in_code(text, start, end)

    def _known(self, text: str, start: int, end: int, places: list[tuple[int, int]]) -> bool:
        """A capitalised known first name, not read as a place by spaCy, no non-name here."""
        word = text[start:end]
        if not word[:1].isupper() or not self.judge.is_first_name(word) or is_listed(word):
            return False
        if any(s < end and start < e for s, e in places):
            return False
        if at_sentence_start(text, start) and (len(word) < 3 or self.judge.is_english(word)):
            return False  # "Server at 10.0.0.1 is down": capitals there say nothing
        if _CAP_NEXT.match(text, end) or (
            _CAP_BEFORE.search(text, max(0, start - 40), start)
            and not at_sentence_start(text, text.rfind(" ", 0, start - 1) + 1)
        ):
            return False  # part of a longer proper noun ("Thompson Media", "Nelson Underpass")
        return not self.judge.not_a_name(text, start, end)

    def _result(self, start: int, end: int, score: float, part: str) -> RecognizerResult:
        return tagged_result(self, "PERSON", start, end, score, part)
