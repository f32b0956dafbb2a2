"""People's names that spaCy misses, from a lexicon of first names and surnames.

spaCy's small English model reads a name alone on a line (a signature, the head of a letter or a
business card) as nothing, and a foreign name in a sentence often as a place. A name lexicon
tells these apart from ordinary words: :func:`load_lexicon` builds one at load time from the
name lists that Faker ships for its locales (about 30,000 first names and as many surnames, in
Latin and other scripts), and the recognizers here use it:

- :class:`NameLineRecognizer`: a line that is only a name ("Quillon Dravek", "> tamsin e
  vorlow"), a known first name and surname in running text, and a name after a salutation or a
  verb of speech ("Dear Tamsin,", "said Quillon").
- :class:`OrgLineRecognizer`: a line that is only a firm named after its partners
  ("Dravek, Vorlow and Quint", "dravek-vorlow"), and the employer's line of a signature.

Words that are names but also common words ("May", "Will", "Grace") count only when capitalised
and never as a lone word on a line. ``python -m bench.pii_audit`` counts what each part finds on
generated texts; a recognizer of spaCy's places read as people was removed, as it found almost
nothing the others did not.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import Any

import regex
from presidio_analyzer import LocalRecognizer, RecognizerResult

from workers.scanners.pii.notnames import PLACE_HEADS, is_listed
from workers.scanners.pii.recognizers import tagged_result

__all__ = [
    "NameLexicon",
    "NameLineRecognizer",
    "OrgLineRecognizer",
    "load_lexicon",
    "name_recognizers",
]

NAME_SCORE = 0.7
"""Score of a name found by the lexicon: above the default threshold, below spaCy's 0.85."""

_WORD = r"\p{L}[\p{L}\p{M}'\u2019-]*"
# A line holding two or three words of a name (an initial may sit in the middle), after any
# quoting marks of an e-mail reply.
_NAME_LINE = regex.compile(
    r"(?m)^[ \t>]*(?:\p{L}[\p{L} \t]{0,30}:[ \t]*)?"
    rf"(?P<value>{_WORD}(?:[ \t]+(?:\p{{L}}\.?|{_WORD})){{1,2}})[ \t]*,?[ \t]*$"
)
# Partners' surnames joined by commas and "and"/"&", or by a hyphen, alone on a line.
_FIRM_LINE = regex.compile(
    rf"(?m)^[ \t>]*(?P<value>{_WORD}(?:,[ \t]*{_WORD})*,?[ \t]+(?:and|&)[ \t]+{_WORD}"
    r"|\p{L}+-\p{L}+)[ \t]*$"
)
_CAP_WORD = r"\p{Lu}[\p{L}\p{M}'\u2019-]+"
# A known first name, an optional initial, and a capitalised word, in running text.
_PAIR = regex.compile(
    rf"(?<![\p{{L}}\p{{M}}'\u2019-])(?P<value>{_CAP_WORD}(?:[ \t]+\p{{Lu}}\.)?[ \t]+{_CAP_WORD})"
    r"(?<!['\u2019])"
)
# Endings of Slavic, Nordic, Greek, Turkish... surnames: a capitalised word so ending is a name
# even when the lexicon lists it in another script only (Faker's Russian names are Cyrillic).
_SURNAME_END = regex.compile(
    r"(?:ić|ic|vich|vych|ovic|evic|ova|eva|ovna|evna|skaya|sky|ski|ska|enko|chuk|yuk|dóttir|"
    r"dottir|sson|poulos|opoulou|akis|oglu|oğlu|iev|yev|ov|ev|in|ina|yan|ian|ishvili|adze)$"
)
# Words of place names: a name-like word before one of these is a street, a park, a hall...
_PLACE_WORDS = frozenset(
    "street st road rd avenue ave lane drive boulevard way court place square bridge hill hills "
    "park river lake mount mountain valley beach bay island islands county city town village "
    "station airport center centre hall church school university college hospital heights "
    "springs falls creek field fields wood woods forest port harbour harbor gate garden gardens "
    "north south east west street's".split()
)
# A capitalised word after a salutation or a closing: a name when the lexicon knows it.
_GREETING = regex.compile(
    r"(?:\b(?:Dear|Hi|Hello|Hey|Thanks|Cheers)[ \t]+"
    r"|(?:Regards|Sincerely|Best|Cheers|Thanks|Love),?[ \t]*\n[ \t]*)"
    rf"(?P<value>{_CAP_WORD}(?:[ \t]+{_CAP_WORD})?)"
)
# Who speaks to whom in a story ("said Quillon to Tamsin"): names whether the lexicon knows them
# or not; the days and months that follow "said" are not.
_NOT_SPEAKER = (
    r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April|"
    r"May|June|July|August|September|October|November|December|Yes|No|Hello|Hi|Thanks|"
    r"Goodbye|Nothing|Something|Everything|The|That|This|It|I)\b"
)
_SPEECH = regex.compile(
    r"\b(?:said|asked|replied|answered|whispered|shouted|cried|muttered|exclaimed)[ \t]+"
    rf"(?P<value>(?!{_NOT_SPEAKER}){_CAP_WORD}(?:[ \t]+{_CAP_WORD})?)"
    rf"(?:[ \t]+to[ \t]+(?P<to>(?!{_NOT_SPEAKER}){_CAP_WORD}(?:[ \t]+{_CAP_WORD})?))?"
)
# Lines of text, without the quoting marks of an e-mail reply and surrounding blanks.
_LINE = regex.compile(r"(?m)^[ \t>]*(.*?)[ \t]*$")
# An employer's line: one to four capitalised words (a firm may hold "&", "." or a hyphen).
_EMPLOYER = regex.compile(
    r"\p{Lu}[\p{L}\p{M}&.'\u2019-]*(?:,?[ \t]+(?:&|and|\p{Lu}[\p{L}\p{M}&.'\u2019-]*)){0,3}"
)
_JOB_HEADS = frozenset(
    "manager director officer engineer developer analyst assistant consultant specialist lead "
    "head president ceo cto cfo coordinator administrator technician nurse teacher clerk "
    "designer architect scientist accountant secretary executive representative agent".split()
)
_AGENT_END = regex.compile(r"(?:er|or|ist|ian|ant|ent)$")
# Words before a place only (not "from" or "to": a letter from Ann Lee, a gift to her).
_IN_PLACE = regex.compile(r"(?i:\b(?:in|at|near|into|visit(?:ed|ing)?)[ \t]+(?:the[ \t]+)?)$")
# Frequent words that some locale also lists as a name; never a name on their own line.
_COMMON = frozenset(
    "best kind warm warmest regards thanks thank cheers sincerely yours love team all everyone "
    "the and or of to in on at for with from by see you soon later dear hi hello hey good "
    "morning evening night day new old main street road avenue lane drive suite apt unit city "
    "north south east west top note total price order summary my your our their his her "
    "due date invoice amount subject number name address".split()
)


@dataclass(frozen=True, slots=True)
class NameLexicon:
    """Case-folded first names, surnames and place names."""

    first: frozenset[str]
    last: frozenset[str]
    places: frozenset[str]

    def is_first(self, word: str) -> bool:
        """A known first name (case-insensitive), not a common word."""
        folded = word.casefold()
        return folded in self.first and folded not in _COMMON

    def is_last(self, word: str) -> bool:
        """A known surname (case-insensitive), not a common word."""
        folded = word.casefold()
        return folded in self.last and folded not in _COMMON

    def is_name_line(self, words: list[str]) -> bool:
        """The words of a line are a name. Capitalised words: a known first name first, or a
        known surname (or a surname's ending) last; lower-case ones: a known first name and a
        known surname or an initial."""
        lex = self
        if any(w.rstrip(".,").casefold() in _COMMON | _PLACE_WORDS for w in words):
            return False
        if all(w[0].isupper() for w in words):
            return lex.is_first(words[0]) or lex.is_surname(words[-1])
        if all(w.islower() for w in words):
            middle_initial = len(words) == 3 and len(words[1].rstrip(".")) == 1
            return lex.is_first(words[0]) and (middle_initial or lex.is_last(words[-1]))
        return False

    def is_surname(self, word: str) -> bool:
        """A known surname, or a capitalised word with a surname's ending."""
        if word.casefold() in _PLACE_WORDS:
            return False
        return self.is_last(word) or (
            word[:1].isupper() and len(word) > 4 and _SURNAME_END.search(word) is not None
        )


def load_lexicon() -> NameLexicon:
    """Names from every locale of Faker's person provider; places (countries, states) from its
    address providers for English, so that "Georgia" or "Jordan" stays a place."""
    import faker.providers.address.en as address_en
    import faker.providers.address.en_US as address_us
    import faker.providers.person as person

    first: set[str] = set()
    last: set[str] = set()
    for module in pkgutil.iter_modules(person.__path__):
        provider = importlib.import_module(f"{person.__name__}.{module.name}").Provider
        own: set[str] = set()
        for attr in ("first_names", "first_names_male", "first_names_female"):
            _add(own, getattr(provider, attr, None))
        _add(last, getattr(provider, "last_names", None))
        first |= own
    places: set[str] = set()
    _add(places, getattr(address_en.Provider, "countries", None))
    _add(places, getattr(address_us.Provider, "states", None))
    return NameLexicon(
        frozenset(w.casefold() for w in first if len(w) > 1),
        frozenset(w.casefold() for w in last if len(w) > 1),
        frozenset(w.casefold() for w in places),
    )


def _add(out: set[str], values: Any) -> None:
    # Faker's lists are tuples, lists or (weighted) dicts of names.
    if isinstance(values, dict):
        values = values.keys()
    if isinstance(values, list | tuple | set | frozenset) or hasattr(values, "__iter__"):
        if not isinstance(values, str):
            out.update(v for v in values if isinstance(v, str))


class _LexiconRecognizer(LocalRecognizer):
    """A PERSON recognizer that looks words up in a :class:`NameLexicon`."""

    name: str
    """Set by presidio's ``__init__`` (declared here: mypy cannot infer it from there)."""

    def __init__(
        self, lexicon: NameLexicon, name: str, language: str = "en", entity: str = "PERSON"
    ) -> None:
        self.lexicon = lexicon
        super().__init__(
            supported_entities=[entity], supported_language=language, name=name, context=[]
        )

    def load(self) -> None:
        """Nothing to load: the lexicon is built once and shared."""

    def _result(
        self, start: int, end: int, entity: str = "PERSON", part: str = ""
    ) -> RecognizerResult:
        return tagged_result(self, entity, start, end, NAME_SCORE, part)


class NameLineRecognizer(_LexiconRecognizer):
    """A line that is only a person's name, and a name after a salutation or verb of speech."""

    def __init__(self, lexicon: NameLexicon, language: str = "en") -> None:
        super().__init__(lexicon, "NameLineRecognizer", language)

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
        """One PERSON result per name line or cued name."""
        if "PERSON" not in entities:
            return []
        out = []
        for m in _NAME_LINE.finditer(text):
            if self.lexicon.is_name_line(m.group("value").split()):
                out.append(self._result(*_span(m, "value"), part="name line"))
        nationalities = [
            (e.start_char, e.end_char)
            for e in getattr(nlp_artifacts, "entities", None) or []
            if e.label_ in ("NRP", "NORP")
        ]
        for m in _PAIR.finditer(text, overlapped=True):
            start, end = m.span("value")
            if any(s < end and start < e for s, e in nationalities):
                continue  # a nationality and a noun ("Norwegian Forest")
            if text[end - 2 : end] in ("'s", "\u2019s"):
                end -= 2  # the possessive ("Quillon Dravek's") is no part of the name
            if self._is_pair(text[start:end].split(), text, start):
                out.append(self._result(start, end, part="name pair"))
        for m in _GREETING.finditer(text):
            words = m.group("value").split()
            if self.lexicon.is_first(words[0]) or (
                len(words) > 1 and self.lexicon.is_last(words[-1])
            ):
                out.append(self._result(*_span(m, "value"), part="greeting"))
        for m in _SPEECH.finditer(text):
            out.append(self._result(*_span(m, "value"), part="speech"))
            if m.group("to"):
                out.append(self._result(*_span(m, "to"), part="speech"))
        return out

    def _is_pair(self, words: list[str], text: str, start: int) -> bool:
        """A known first name and a surname (known, or by its ending) in running text, not
        after a locative word and not the start of a place ("Tamsin River", "Oslo Harbour")."""
        lex = self.lexicon
        first, last = words[0], words[-1]
        if first.casefold() in lex.places or last.casefold() in _PLACE_WORDS | _COMMON:
            return False
        if first.casefold() in PLACE_HEADS or is_listed(last) or is_listed(first):
            return False  # "San Marino", "Can Safari", "Will Jenkins" (the CI server)
        if not lex.is_first(first) and not (len(words) == 3 and lex.is_surname(last)):
            return False
        if not (lex.is_last(last) or _SURNAME_END.search(last)):
            return False
        return _IN_PLACE.search(text, max(0, start - 20), start) is None


class OrgLineRecognizer(_LexiconRecognizer):
    """A line that is only a firm named after its partners, every one a known surname; and the
    employer's line of a signature or business card: a short capitalised line right under a
    name line or a job title, with more lines of the block (the address...) below it."""

    def __init__(self, lexicon: NameLexicon, language: str = "en") -> None:
        super().__init__(lexicon, "OrgLineRecognizer", language, entity="ORGANIZATION")

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
        """One ORGANIZATION result per firm line."""
        if "ORGANIZATION" not in entities:
            return []
        out = []
        for m in _FIRM_LINE.finditer(text):
            words = regex.split(r"[\s,&-]+|\band\b", m.group("value"))
            names = [w for w in words if w]
            if len(names) >= 2 and all(self.lexicon.is_last(w) for w in names):
                out.append(self._result(*_span(m, "value"), "ORGANIZATION", "firm line"))
        lines = [(m.start(1), m.group(1)) for m in _LINE.finditer(text)]
        for (_, above), (start, line), (_, below) in zip(lines, lines[1:], lines[2:], strict=False):
            words = line.split()
            if not _EMPLOYER.fullmatch(line) or not below.strip() or not above.strip():
                continue
            if self.lexicon.is_name_line(words) or _is_job(words):
                continue
            if any(w.casefold() in _COMMON | _PLACE_WORDS | self.lexicon.places for w in words):
                continue
            if self.lexicon.is_name_line(above.split()) or _is_job(above.split()):
                out.append(self._result(start, start + len(line), "ORGANIZATION", "employer line"))
        return out


def _is_job(words: list[str]) -> bool:
    """A job title: two words or more ending with an agent noun ("Senior data analyst")."""
    return len(words) >= 2 and (
        words[-1].casefold() in _JOB_HEADS or _AGENT_END.search(words[-1].casefold()) is not None
    )


def name_recognizers(lexicon: NameLexicon, language: str = "en") -> list[LocalRecognizer]:
    """The recognizers of this module, sharing ``lexicon``."""
    return [
        NameLineRecognizer(lexicon, language),
        OrgLineRecognizer(lexicon, language),
    ]


def _span(match: Any, group: str) -> tuple[int, int]:
    """``(start, end)`` of ``group`` (the ``regex`` module has no type stubs)."""
    return match.span(group)
