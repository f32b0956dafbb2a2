"""Postal addresses as one LOCATION span, in the shapes of several countries.

spaCy's small English model sees a city or a country now and then, but not a street line, a unit
("Apt. 4") or a postcode. This recognizer finds a *street core* (a house number with a street
name and type, "12 Example Street"; a compound street name with a number, "Musterstrasse 9",
"Eksempelvej 32"; a street-type word first, "rue de l'Exemple", "ul. Przykładowa 10",
"C/ Ejemplo 3"; a P.O. box; "the corner of X and Y"), then grows it over the address parts that
follow it on the same or the next lines (units, postcodes, capitalised place names, a region
code), as a label or an envelope lays them out. A block ends at prose: a lowercase word, a
sentence stop, a blank line after two. The whole block is one span, so masking hides the address
as one ``<LOCATION>``.

A lone unit ("Suite 5") with nothing around it scores below the default threshold: alone it is
as likely a test suite as an address.
"""

from __future__ import annotations

from typing import Any

import regex

__all__ = ["ADDRESS_SCORE", "find_addresses"]

ADDRESS_SCORE = 0.7
"""Score of an address block holding a street core."""
_WEAK_SCORE = 0.4

# A capitalised word ("Al-Exemplar", "ΠΑΡΑΔΕΙΓΜΑ"), with its abbreviation dot inside a name
# ("St. Example") but not a full stop.
_CAP = r"\p{Lu}[\p{L}\p{M}'\u2019-]*(?:\.(?=[ \t]+\p{L}))?"
_PARTICLE = r"(?:de|del|della|des|du|do|da|das|dos|di|la|le|les|van|von|der|den|am|an|y|e)"
_NAME = rf"(?:{_CAP}|{_PARTICLE}(?=[ \t]+\p{{Lu}}))"  # a word of a street name
_NUM = r"\d{1,6}[A-Za-z]?"
# USPS street suffixes and their usual abbreviations, plus common British forms.
_STREET_TYPES = (
    "street|st|avenue|ave|av|road|rd|lane|ln|drive|dr|boulevard|blvd|way|court|ct|place|pl|"
    "square|squares|sq|terrace|ter|crescent|cres|close|highway|hwy|parkway|pkwy|circle|cir|"
    "trail|trl|row|walk|alley|plaza|bridge|harbor|harbour|point|union|forks|hills|heights|"
    "gardens|grove|mews|rise|view|loop|pike|turnpike|expressway|freeway|crossing|path|"
    "junction|landing|ridge|str"
)
# Street names written as one word with the type as its ending (German, Nordic, Dutch...).
_COMPOUND_ENDINGS = (
    "straße|strasse|gasse|weg|vej|veien|vegen|vägen|väg|gata|gatan|gade|stien|stigen|vegur|"
    "allee|platz|laan|straat|steeg|gracht|katu|utca|ulice"
)
# Street-type words written before the name (French, Spanish, Portuguese, Italian, Polish, Greek).
_PREFIX_TYPES = (
    r"(?i:rue|avenue|av\.|avda\.?|boulevard|bd\.?|calle|c/|avenida|rua|rúa|viale|piazza|corso|"
    r"largo|ul\.|ulica|al\.|aleja|plac|chemin|allée|quai|strada|carrer|paseo|travessa|"
    r"λεωφόρος|οδός)|Via|Place|Route"
)

_CORE = regex.compile(
    rf"""
    (?:\d{{1,6}}[ \t]+)?{_NUM}[ \t]+(?:{_NAME}[ \t]+){{1,3}}(?i:{_STREET_TYPES})\b\.?
    | (?:{_NUM}[ \t]+){{0,2}}(?:{_CAP}[ \t]+)?\p{{Lu}}\p{{L}}+(?i:{_COMPOUND_ENDINGS})[ \t]+{_NUM}\b
    | (?:{_NUM}[ \t]+){{0,2}}{_CAP}[ \t]+(?i:gate|gata|vej|vei|veien|weg|gasse|allee)[ \t]+{_NUM}\b
    | {_NUM}[ \t]+(?:{_PREFIX_TYPES})(?:[ \t]+{_NAME}){{1,4}}
    | (?:{_NUM}[ \t]+){{0,2}}(?:{_PREFIX_TYPES})(?:[ \t]+{_NAME}){{1,4}}[ \t]+{_NUM}\b
    | (?:{_NUM}[ \t]+)?(?i:p\.?[ \t]?o\.?[ \t]?box)[ \t]*\d{{1,6}}
    | \b(?:PSC|CMR|Unit)[ \t]+\d{{3,5}},?[ \t]+Box[ \t]+\d{{3,5}}
    | (?i:the[ \t]+corner[ \t]+of)[ \t]+[^\n.?!]{{2,60}}?[ \t]+and
      [ \t]+{_CAP}(?:[ \t]+{_CAP}){{0,3}}
    """,
    regex.VERBOSE,
)
_UNIT = regex.compile(
    r"(?:(?i:suite|apt\.?|apartment)|Ste\.|Unit|Flat|Floor|Room)[ \t]*\#?[ \t]*\d{1,5}[A-Za-z]?\b"
)
# Numbers and capitalised words just before a unit: "1234 Examplo 18 Suite 567".
_LEAD = regex.compile(rf"(?:\d{{1,6}}[ \t]+){{1,2}}(?:{_CAP}[ \t]+){{0,3}}(?:{_NUM}[ \t]+)?$")
_POSTCODE = (
    r"\d{4,6}(?:-\d{3,4})?|\d{2}-\d{3}|\p{Lu}\d\p{Lu}[ \t]?\d\p{Lu}\d"
    r"|\p{Lu}{1,2}\d[\p{Lu}\d]?[ \t]\d\p{Lu}{2}|(?:APO|FPO|DPO)[ \t]+A[AEP][ \t]+\d{5}"
)
_PLACE = rf"{_CAP}(?:[ \t]+(?:{_PARTICLE}[ \t]+)?{_CAP}){{0,3}}(?:[ \t]*\([\p{{L}} ]{{1,20}}\))?"
_SEP = r"[ \t,;>]*(?:\r?\n[ \t,;>]*){0,2}"
_NEXT = regex.compile(
    rf"{_SEP}(?:(?P<core>{_CORE.pattern})|(?P<unit>{_UNIT.pattern})|(?P<code>{_POSTCODE})"
    rf"|(?P<place>{_PLACE}))(?=[\s,;.?!)]|$)",
    regex.VERBOSE,
)
_MAX_PARTS = 8


def find_addresses(text: str) -> list[tuple[int, int, float]]:
    """``(start, end, score)`` of the address blocks of ``text``, in order, not overlapping."""
    blocks: list[tuple[int, int, float]] = []
    seeds: list[tuple[int, int, bool]] = [(m.start(), m.end(), True) for m in _CORE.finditer(text)]
    seeds += [(m.start(), m.end(), False) for m in _UNIT.finditer(text)]
    for start, end, strong in sorted(seeds):
        if blocks and start < blocks[-1][1]:
            continue
        if not strong:
            lead = _LEAD.search(text, max(0, start - 60), start)
            if lead is not None:
                start, strong = lead.start(), True
        end, parts, strong = _grow(text, end, strong)
        score = ADDRESS_SCORE if strong or parts >= 3 else _WEAK_SCORE
        blocks.append((start, end, score))
    return blocks


def _grow(text: str, end: int, strong: bool) -> tuple[int, int, bool]:
    """Extend a block from ``end`` over the address parts after it."""
    parts = 1
    while parts < _MAX_PARTS:
        m: Any = _NEXT.match(text, end)
        if m is None or m.end() == end:
            break
        strong = strong or m.group("core") is not None
        end = m.end()
        parts += 1
    return end, parts, strong
