"""Where an incrementally scanned stream may be cut, and what a window's verdict releases.

Pure functions over one answer text (a chat choice, a completion choice, a Responses API
output part) as it grows; :mod:`shim.stream` drives them. Offsets are code points into the
original, unmasked text.

- :func:`safe_end`: how far the text may be cut now. Never inside a word (a chunk boundary
  can split an e-mail address or a key: the unfinished word is held back), and never inside
  a trailing run of words that a later word could still turn into a multi-word value (digit
  groups of a card or phone number, capitalised words of a name). The hold-back is bounded:
  past ``max_hold`` characters the text is cut anyway.
- :func:`window_cut`: whether the text up to the safe end forms the next window (the first
  one as soon as it can, for the time to first token; then at a sentence or line boundary,
  or after ``window_chars``).
- :func:`placeholder_spans` and :func:`released_text`: map a scanned window's masked text
  back onto the original and build the text that window releases (masks that began in the
  scan's context, before the window, cover the rest of their value here).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

__all__ = [
    "Span",
    "WindowSettings",
    "placeholder_spans",
    "released_text",
    "safe_end",
    "scan_start",
    "window_cut",
]

_PLACEHOLDER = re.compile(r"<([A-Z][A-Z0-9_]*)>")
_BOUNDARY = re.compile(r"[.!?][\"')\]]*\s|\n")
_WORD = re.compile(r"\S+\s*")
_SPACE = re.compile(r"\s")
_VALUE_PART = re.compile(r"[A-Z]|[^\sA-Za-z]*\d|[+(#]")
"""A word that may continue a multi-word value: capitalised (a name), or holding a digit, or
an opening sign (``+``, ``(``: a phone number's prefix)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class WindowSettings:
    """How an incremental stream is cut into windows."""

    first_window_chars: int = 1
    """The first window is published as soon as this many characters can be cut (the time
    to first token is this text's arrival plus one scan)."""
    window_chars: int = 400
    """Later windows end at a sentence or line boundary, or once they are this long."""
    context_chars: int = 64
    """Text before a window (already released or in flight) scanned along with it, so a
    value or a sentence that began there is judged whole."""
    max_hold: int = 256
    """Most characters held back at the end for a value still being written; a longer
    unbroken word or value is cut (and may then be split between two windows)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Span:
    """A replaced stretch of the original text."""

    start: int
    end: int
    """Exclusive."""
    replacement: str


def safe_end(text: str, start: int, *, final: bool, max_hold: int) -> int:
    """The offset up to which ``text`` may be cut (``start`` or more): the end of the last
    finished word that no later word can still extend into a value; ``len(text)`` when
    ``final``. At most ``max_hold`` characters are held back."""
    if final:
        return len(text)
    words = [m.span() for m in _WORD.finditer(text, start)]
    if not words:
        return start
    last_start, last_end = words[-1]
    # the last word is unfinished unless whitespace follows it: hold it back
    cut = last_start if not text[last_end - 1].isspace() else last_end
    if _VALUE_PART.match(text, last_start):
        # a value may still be growing: hold back the run of value-like words it ends
        k = len(words) - 1
        while k > 0 and _VALUE_PART.match(text, words[k - 1][0]):
            k -= 1
        cut = words[k][0]
    return max(cut, len(text) - max_hold, start)


def window_cut(
    text: str, published: int, safe: int, *, first: bool, final: bool, settings: WindowSettings
) -> int | None:
    """Where the next window ends, or None to wait for more text. The window is
    ``text[published:cut]``: all that is safe for the first window and the last, and for a
    window that reached ``window_chars``; else up to the last sentence or line boundary."""
    pending = safe - published
    if pending <= 0:
        return None
    if final:
        return safe
    if first and pending >= settings.first_window_chars:
        return safe
    if pending >= settings.window_chars:
        return safe
    # a window is whole sentences or lines, so the classifiers judge them whole
    ends = [m.end() for m in _BOUNDARY.finditer(text, published, safe)]
    return ends[-1] if ends else None


def scan_start(text: str, window_start: int, context_chars: int) -> int:
    """Where the scanned text of a window starting at ``window_start`` begins: up to
    ``context_chars`` earlier, at a word's start."""
    begin = max(0, window_start - context_chars)
    if begin == 0:
        return 0
    space = _SPACE.search(text, begin, window_start)
    return window_start if space is None else space.end()


def placeholder_spans(original: str, masked: str) -> list[Span]:
    """The stretches of ``original`` that ``masked`` replaced, in order.

    The pools mask with ``<ENTITY>`` placeholders: the text between placeholders is copied,
    so it is found in order in the original. When that alignment fails (a scanner that
    rewrites otherwise), the differing stretches that :mod:`difflib` finds are used.
    """
    if masked == original:
        return []
    pieces = _PLACEHOLDER.split(masked)  # literal, label, literal, label, ..., literal
    literals, labels = pieces[0::2], pieces[1::2]
    spans: list[Span] = []
    if labels and original.startswith(literals[0]):
        at = len(literals[0])
        for k, literal in enumerate(literals[1:], start=1):
            if k == len(literals) - 1:  # the last literal closes the text
                end = len(original) - len(literal)
                if end < at or not original.endswith(literal):
                    break
            else:
                end = original.find(literal, at + 1) if literal else at + 1
                if end < 0:
                    break
            spans.append(Span(start=at, end=end, replacement=f"<{labels[k - 1]}>"))
            at = end + len(literal)
        else:
            return spans
    matcher = difflib.SequenceMatcher(None, original, masked, autojunk=False)
    return [
        Span(start=i1, end=i2, replacement=masked[j1:j2])
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]


def released_text(text: str, start: int, end: int, spans: list[Span]) -> str:
    """``text[start:end]`` with ``spans`` (offsets into ``text``) applied. A span that began
    before ``start`` (in the scan's context, already released) still masks its part here."""
    out, at = [], start
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if span.end <= at or span.start >= end:
            continue  # masks what is already out, or what a later window releases
        begin = max(span.start, at)
        out += [text[at:begin], span.replacement]
        at = min(span.end, end)
    out.append(text[at:end])
    return "".join(out)
