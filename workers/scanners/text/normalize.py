"""Fold a text into the plain lowercase form that detection rules and embeddings read.

Attackers hide trigger words from naive matchers with look-alike characters; :func:`normalize`
undoes the common tricks while keeping, for every character of the folded text, the offset of
the original character it came from, so that a match in the folded text maps back to a span of
the text the user sent:

- invisible characters (zero-width, bidi overrides and isolates, soft hyphen, variation
  selectors, tags) are dropped;
- compatibility forms are decomposed (NFKD: fullwidth, mathematical bold, circled letters...)
  and combining marks removed, so ``ïgnörê`` reads ``ignore``;
- homoglyphs from other scripts (Cyrillic or Greek o, U+043E, U+03BF...) become their Latin twin;
- leetspeak digits and symbols inside words become letters (``1gn0r3`` -> ``ignore``), while
  numbers on their own stay numbers;
- letters spread out with single separators (``i g n o r e``, ``i.g.n.o.r.e``) are joined;
- every run of whitespace becomes one space.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["Normalized", "normalize"]

_INVISIBLE = frozenset(
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200d\u200e\u200f"
    "\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069"
    "\u206a\u206b\u206c\u206d\u206e\u206f\u3164\ufeff\uffa0"
)

# Letters of other scripts that render like Latin ones (after lowercasing). Not the full
# Unicode confusables table: the ones seen in practice for English trigger words.
_CONFUSABLES = {
    # Cyrillic
    "\u0430": "a",
    "\u0432": "b",
    "\u0435": "e",
    "\u0451": "e",
    "\u0437": "3",
    "\u04bb": "h",
    "\u0456": "i",
    "\u0457": "i",
    "\u0458": "j",
    "\u043a": "k",
    "\u043c": "m",
    "\u043d": "h",
    "\u043e": "o",
    "\u0440": "p",
    "\u0441": "c",
    "\u0442": "t",
    "\u0443": "y",
    "\u0445": "x",
    "\u0455": "s",
    "\u0501": "d",
    "\u051b": "q",
    "\u051d": "w",
    "\u044c": "b",
    "\u04cf": "l",
    "\u043f": "n",
    "\u0433": "r",
    # Greek
    "\u03b1": "a",
    "\u03b2": "b",
    "\u03b5": "e",
    "\u03b7": "n",
    "\u03b9": "i",
    "\u03ba": "k",
    "\u03bd": "v",
    "\u03bf": "o",
    "\u03c1": "p",
    "\u03c4": "t",
    "\u03c5": "u",
    "\u03c7": "x",
    "\u03c9": "w",
    "\u03b3": "y",
    "\u03bc": "u",
    "\u03f2": "c",
    "\u03f3": "j",
    # Latin look-alikes that NFKD leaves alone
    "\u0131": "i",
    "\u0237": "j",
    "\u0142": "l",
    "\u00f8": "o",
    "\u0111": "d",
    "\u0127": "h",
    "\u0140": "l",
    "\u0251": "a",
    "\u0261": "g",
    "\u026a": "i",
    "\u0280": "r",
    "\u1d00": "a",
    "\u1d07": "e",
    "\u1d0f": "o",
    "\ua731": "s",
    "\u0274": "n",
    "\u1d1b": "t",
    "\u028f": "y",
}

# Leetspeak, applied only to characters inside a word that also has real letters.
_LEET = {
    "0": "o",
    "1": "i",
    "3": "e",
    "4": "a",
    "5": "s",
    "7": "t",
    "8": "b",
    "9": "g",
    "@": "a",
    "$": "s",
    "!": "i",
    "|": "l",
    "€": "e",
}
_DIGITS = frozenset("0123456789")
_LEET_SYMBOLS = frozenset("@$!|€")

# Runs of at least four single letters split by one separator ("i g n o r e", "i-g-n-o-r-e");
# a longer gap between letters inside the run stands for a word break.
_SPACED = re.compile(r"(?<![a-z0-9])[a-z](?:[ .\-_*·/~+]{1,3}[a-z](?![a-z0-9])){3,}")
_SEPARATOR_RUN = re.compile(r"[ .\-_*·/~+]+")


@dataclass(frozen=True, slots=True)
class Normalized:
    """A folded text and, per folded character, the offset of its source in the original."""

    text: str
    offsets: list[int]
    original_length: int

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original ``[start, end)`` that the folded ``[start, end)`` came from."""
        if end <= start:
            at = self.offsets[start] if start < len(self.offsets) else self.original_length
            return at, at
        return self.offsets[start], self.offsets[end - 1] + 1


def _fold_char(ch: str) -> str:
    if ch.isascii():
        return ch.lower()
    if ch in _INVISIBLE or unicodedata.category(ch) == "Cf" or "\ufe00" <= ch <= "\ufe0f":
        return ""
    if ch.isspace():
        return " "
    decomposed = unicodedata.normalize("NFKD", ch)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _words(chars: list[str]) -> list[str]:
    """Map homoglyphs and leet characters, word by word.

    A word's foreign letters become Latin only when all of them have a Latin twin, so Russian or
    Greek words stay as they are; leet characters change only in words that also have letters.
    """
    out = list(chars)
    n, i = len(chars), 0
    while i < n:
        if not (chars[i].isalnum() or chars[i] in _LEET_SYMBOLS):
            i += 1
            continue
        j = i
        while j < n and (chars[j].isalnum() or chars[j] in _LEET_SYMBOLS):
            j += 1
        word = chars[i:j]
        foreign = [c for c in word if c.isalpha() and not c.isascii()]
        if foreign and all(c in _CONFUSABLES for c in foreign):
            for k in range(i, j):
                out[k] = _CONFUSABLES.get(chars[k], chars[k])
        if any(c.isalpha() for c in word) and any(c in _LEET for c in word):
            for k in range(i, j):
                c = chars[k]
                if c in _DIGITS and c in _LEET:
                    out[k] = _LEET[c]
                elif c in _LEET_SYMBOLS:
                    # "hello!" keeps its "!"; only a symbol with letters on both sides is leet.
                    inner = i < k < j - 1
                    out[k] = _LEET[c] if inner else c
        i = j
    return out


def normalize(text: str) -> Normalized:
    """Fold ``text`` (see the module docstring) and keep the offset map."""
    chars: list[str] = []
    offsets: list[int] = []
    for index, ch in enumerate(text):
        for piece in _fold_char(ch):
            chars.append(" " if piece.isspace() else piece)
            offsets.append(index)
    chars = _words(chars)
    folded = "".join(chars)
    if _SPACED.search(folded):
        joined_chars: list[str] = []
        joined_offsets: list[int] = []
        at = 0
        for match in _SPACED.finditer(folded):
            joined_chars.extend(folded[at : match.start()])
            joined_offsets.extend(offsets[at : match.start()])
            pos = match.start()
            for gap in _SEPARATOR_RUN.finditer(folded, match.start(), match.end()):
                joined_chars.extend(folded[pos : gap.start()])
                joined_offsets.extend(offsets[pos : gap.start()])
                if gap.end() - gap.start() > 1:
                    joined_chars.append(" ")
                    joined_offsets.append(offsets[gap.start()])
                pos = gap.end()
            joined_chars.extend(folded[pos : match.end()])
            joined_offsets.extend(offsets[pos : match.end()])
            at = match.end()
        joined_chars.extend(folded[at:])
        joined_offsets.extend(offsets[at:])
        chars, offsets = joined_chars, joined_offsets
    # Collapse whitespace runs last, so that the spacing trick above can still see wide gaps.
    out_chars: list[str] = []
    out_offsets: list[int] = []
    for ch, off in zip(chars, offsets, strict=True):
        if ch == " " and (not out_chars or out_chars[-1] == " "):
            continue
        out_chars.append(ch)
        out_offsets.append(off)
    return Normalized("".join(out_chars), out_offsets, len(text))
