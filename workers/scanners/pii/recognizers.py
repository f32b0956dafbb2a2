"""Recognizers the PII scanner adds to Presidio's: entities that need their context.

Presidio's predefined recognizers match shapes (a card number, an IBAN) and leave to spaCy what
only words tell: an age, a postcode, a person's name after "my name is", a city after "flew
to". Each recognizer here is a regular expression whose ``value`` group is the span reported,
matched only with the words that make it personal data ("aged 42", "zip code 12345", "driver's
license number F1234567"), so that a bare number or a capitalised word stays silent.
:func:`context_recognizers` builds them for a language; :class:`AddressRecognizer` wraps
:func:`.address.find_addresses`.

Every pattern here finds, on generated texts, values that nothing else finds, and more of them
than it has false hits on look-alikes carrying its cue words: ``python -m bench.pii_audit``
counts it. Patterns that did not (names after "name is" and after titles, organisations by
legal suffix: each found almost nothing that spaCy and the name lexicon did not; a lower-case
name after "my name is", once :mod:`workers.scanners.pii.firstnames` found self-introductions
in any casing) were removed,
as was a health word asked before Presidio's NHS numbers (it lost more numbers than it saved
false alarms).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import regex
from presidio_analyzer import LocalRecognizer, RecognizerResult

from workers.scanners.pii.address import find_addresses

__all__ = [
    "PATTERN_KEY",
    "AddressRecognizer",
    "CardWithContextRecognizer",
    "ContextPattern",
    "RegexRecognizer",
    "context_recognizers",
    "tagged_result",
]

PATTERN_KEY = "pattern"
"""Key of ``recognition_metadata`` naming the pattern (or part of a recognizer) that matched,
for ``bench.pii_audit``'s counts."""

_CAP = r"\p{Lu}[\p{L}\p{M}'\u2019-]*"
_INITIAL = r"\p{Lu}\."
_MONTHS_DAYS = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|Christmas|Easter)\b"
)
_PARTICLE = r"(?:de|del|la|le|du|do|da|di|van|von|der|den|bin|al|el|y)"
# Two to four words of a proper name: capitalised words, initials and name particles.
# Capitalised words that end a name rather than continue it ("Mrs. Ada Quill Apt. 4").
_NOT_NAME = (
    r"(?:Suite|Apt|Apartment|Unit|Flat|Street|Road|Avenue|Lane|Drive|The|And|Or|But|In|On|At|"
    r"From|To|Of|For|With|Is|Was|I|My|Her|His)\b"
)
_NAME_WORD = rf"(?!{_NOT_NAME})(?:{_CAP}|{_INITIAL})"
_PROPER = (
    rf"(?!{_MONTHS_DAYS}|{_NOT_NAME}){_CAP}(?:[ \t]+(?:{_PARTICLE}[ \t]+)?{_NAME_WORD}){{0,3}}"
)
_PRONOUN = r"(?:It|He|She|They|We|You|I|This|That|These|Those|There|Who|Which|What)\b"
_LOWER_NAME = r"(?!(?:not|the|a|an|and|but|so|what|that|this|just|also|very|too)\b)\p{Ll}{2,}"
_POSTCODE = (
    r"\d{5}(?:-\d{4})?|\d{4}|\d{2}-\d{3}|\d{3}[ \t]?\d{2}|\p{Lu}\d\p{Lu}[ \t]?\d\p{Lu}\d"
    r"|\p{Lu}{1,2}\d[\p{Lu}\d]?[ \t]?\d\p{Lu}{2}"
)
_NOT_AN_AGE_UNIT = (
    r"(?![ \t]*(?:%|percent|degrees?|°|times|minutes?|hours?|days?|weeks?|months?|pages?|"
    r"points?|dollars?|euros?|km|miles?|kg|lbs?|pounds?|items?|steps?|rows?)\b)"
)
_ORG_NOUN = (
    r"(?:company|agency|bank|firm|start-?up|corporation|business|brand|organi[sz]ation|charity|"
    r"manufacturer|retailer|provider|consultancy|studio|group|enterprise|conglomerate|insurer|"
    r"publisher|employer|supplier|vendor|nonprofit|non-profit)"
)


@dataclass(frozen=True, slots=True)
class ContextPattern:
    """One pattern of a :class:`RegexRecognizer`: its ``value`` group is the reported span."""

    name: str
    pattern: str
    score: float


class RegexRecognizer(LocalRecognizer):
    """A recognizer of one entity from regular expressions (the ``regex`` module, with
    Unicode classes) whose named group ``value`` is the span; the rest is required context."""

    name: str
    """Set by presidio's ``__init__`` (declared here: mypy cannot infer it from there)."""

    def __init__(
        self, entity: str, patterns: list[ContextPattern], name: str, language: str = "en"
    ) -> None:
        self._compiled = [(p, regex.compile(p.pattern)) for p in patterns]
        super().__init__(
            supported_entities=[entity], supported_language=language, name=name, context=[]
        )

    def load(self) -> None:
        """Nothing to load: the patterns are compiled in ``__init__``."""

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
        """One result per match of each pattern, at its ``value`` group."""
        entity = self.supported_entities[0]
        if entity not in entities:
            return []
        results = []
        for spec, compiled in self._compiled:
            for m in compiled.finditer(text):
                start, end = m.span("value")
                if start < end:
                    results.append(self._result(entity, start, end, spec.score, spec.name))
        return results

    def _result(
        self, entity: str, start: int, end: int, score: float, pattern: str = ""
    ) -> RecognizerResult:
        return tagged_result(self, entity, start, end, score, pattern)


class AddressRecognizer(RegexRecognizer):
    """Postal addresses as LOCATION blocks (see :mod:`workers.scanners.pii.address`)."""

    def __init__(self, language: str = "en") -> None:
        super().__init__("LOCATION", [], name="AddressRecognizer", language=language)

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
        """One LOCATION result per address block."""
        if "LOCATION" not in entities:
            return []
        return [self._result("LOCATION", s, e, score) for s, e, score in find_addresses(text)]


class CardWithContextRecognizer(RegexRecognizer):
    """Card numbers of 13 to 19 digits that pass the Luhn check after the word "card".

    Presidio's recognizer knows only some issuers' prefixes and at most 17 digits; with the
    word before it, any number of a card's length and checksum is one."""

    def __init__(self, language: str = "en") -> None:
        pattern = (
            r"(?i:\b(?:card|cc|visa|mastercard|amex|maestro)(?:[ \t]+(?:number|no\.?|num|#))?"
            r"(?:[ \t]+(?:is|was|ending))?)[ \t]*[:#]?[ \t]*"
            r"(?P<value>\d(?:[ -]?\d){12,18})(?![\d-])"
        )
        super().__init__(
            "CREDIT_CARD", [_p("card number", pattern, 0.8)], "CardWithContextRecognizer", language
        )

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
        """The matches whose digits pass the Luhn check."""
        results = super().analyze(text, entities, nlp_artifacts)
        return [r for r in results if _luhn(regex.sub(r"\D", "", text[r.start : r.end]))]


def _luhn(digits: str) -> bool:
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def _p(name: str, pattern: str, score: float) -> ContextPattern:
    return ContextPattern(name, pattern, score)


_PATTERNS: dict[str, list[ContextPattern]] = {
    "AGE": [
        _p("aged", r"(?i:\b(?:aged?|at[ \t]+the[ \t]+age[ \t]+of))[ \t]+(?P<value>\d{1,3})\b", 0.7),
        _p(
            "years old",
            r"\b(?P<value>\d{1,3})(?:[ \t]*|-)(?i:years?|yrs?)(?:[ \t]*|-)(?i:old)\b",
            0.75,
        ),
        _p("y/o", r"\b(?P<value>\d{1,3})[ \t]*(?i:y/?o|yo)\b", 0.7),
        _p(
            "turned",
            rf"(?i:\b(?:turn|turns|turned|turning)[ \t]+)(?P<value>\d{{1,3}})\b{_NOT_AN_AGE_UNIT}"
            r"(?![ \t]*(?:to|on|off|into|the|it|left|right|around)\b)",
            0.6,
        ),
    ],
    "ZIP_CODE": [
        _p(
            "zip code",
            r"(?i:\b(?:zip|postal|post)[ \t]*code|\bpostcode|\bzip)s?(?:[ \t]+(?:is|was))?"
            rf"[ \t]*[:#]?[ \t]*(?P<value>{_POSTCODE})\b",
            0.7,
        ),
    ],
    "US_DRIVER_LICENSE": [
        _p(
            "license number",
            r"(?i:\bdriv(?:er'?s?|ing)[ \t]+licen[cs]e|\bDL)(?i:[ \t]+(?:number|no\.?|num|#|id))?"
            r"(?i:[ \t]+(?:is|was))?[ \t]*[:#]?[ \t]*"
            r"(?P<value>(?=[A-Z0-9-]*\d)[A-Z0-9](?:[A-Z0-9-]{3,18})[A-Z0-9])\b",
            0.8,
        ),
    ],
    "PHONE_NUMBER": [
        _p(
            "phone in context",
            r"(?i:\b(?:phone|tel|telephone|mobile|cell|fax|whatsapp)(?:[ \t]+(?:number|no\.?))?"
            r"(?:[ \t]+(?:is|was))?|\b(?:call|ring|text|reach|contact)(?:[ \t]+(?:me|us|him|her))?"
            r"[ \t]+(?:on|at)|\banswering[ \t]+at)[ \t]*[:.]?\s{0,3}"
            r"(?P<value>(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{2,4}(?:[ .-]\d{2,4}){1,4})"
            r"(?![\d.-]*\d)",
            0.7,
        ),
        # A number in international form (+country code) is a phone number with no cue word:
        # answers list them bare ("+1 555 0100 0199"), and Presidio's own recognizer scores
        # every match 0.4, under the default threshold.
        _p(
            "international",
            r"(?<![\w+])(?P<value>\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{2,4}"
            r"(?:[ .-]\d{2,4}){1,4})(?![\d.-]*\d)",
            0.6,
        ),
    ],
    "PERSON": [
        _p("calls me", rf"(?i:\bcalls?[ \t]+me)[ \t]+(?P<value>{_PROPER})", 0.6),
    ],
    "LOCATION": [
        _p(
            "moved from",
            r"(?i:\b(?:moved|moving|move|relocated|relocating|came|come|comes|am|is|are|'m|"
            r"originally)(?:[ \t]+(?:here|there|originally))?[ \t]+from"
            r"|\b(?:flew|fly|flying|flies|travel(?:l?ing|l?ed|s)?|moved|moving|relocated|"
            r"relocating|drove|driving|headed|heading)[ \t]+to"
            # Not "how many people live in Lima": where people in general live is no one's.
            r"|(?<!\b(?:people|population|many|who|species|animals|tourists)[ \t]+)"
            r"\b(?:based|located|living|lives|live|lived|born|raised|staying|stay|'m|am|are)"
            r"[ \t]+in|\barrived[ \t]+(?:at|in))"
            rf"[ \t]+(?:the[ \t]+)?(?P<value>{_PROPER})",
            0.6,
        ),
    ],
    "ORGANIZATION": [
        _p(
            "is a company",
            rf"(?:^|(?<=[.!?\n][ \t]*))(?P<value>{_CAP}(?:[ \t]+{_CAP}){{0,2}})[ \t]+is[ \t]+"
            rf"an?[ \t]+(?:[\p{{L}}-]+[ \t]+){{0,4}}{_ORG_NOUN}\b",
            0.6,
        ),
        _p(
            "was founded",
            rf"(?:\b[Tt]he[ \t]+)?(?P<value>(?!{_PRONOUN}){_CAP}(?:[ \t]+{_CAP}){{0,2}}),?[ \t]+"
            r"(?:was|were|has[ \t]+been|had[ \t]+been)[ \t]+(?:founded|established|incorporated|"
            r"acquired|headquartered|listed)\b",
            0.6,
        ),
        _p(
            "works at",
            r"(?i:\b(?:work(?:s|ed|ing)?[ \t]+(?:at|for)|employed[ \t]+(?:by|at)|joined|"
            r"(?:ceo|cto|cfo|founder|co-?founder|employee|intern|director)[ \t]+(?:of|at))"
            rf"[ \t]+)(?P<value>(?!{_PRONOUN}|{_NOT_NAME}|{_MONTHS_DAYS}|(?:Mr|Mrs|Ms|Dr)\b)"
            rf"{_CAP}(?:[ \t]+{_CAP}){{0,2}})",
            0.6,
        ),
    ],
}


def context_recognizers(language: str = "en") -> list[RegexRecognizer]:
    """The context recognizers (and the address recognizer) for ``language``."""
    out: list[RegexRecognizer] = [AddressRecognizer(language), CardWithContextRecognizer(language)]
    for entity, patterns in _PATTERNS.items():
        name = "Context" + entity.title().replace("_", "") + "Recognizer"
        out.append(RegexRecognizer(entity, patterns, name=name, language=language))
    return out


class _Recognizer(Protocol):
    name: str

    @property
    def id(self) -> str: ...


def tagged_result(
    recognizer: _Recognizer, entity: str, start: int, end: int, score: float, pattern: str = ""
) -> RecognizerResult:
    """A result that names its recognizer and the ``pattern`` that found it (the recognizer's
    name when it has one pattern only), as the scanner's findings and the evaluation report."""
    return RecognizerResult(
        entity,
        start,
        end,
        score,
        recognition_metadata={
            RecognizerResult.RECOGNIZER_NAME_KEY: recognizer.name,
            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: recognizer.id,
            PATTERN_KEY: pattern or recognizer.name,
        },
    )
