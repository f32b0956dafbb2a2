"""Cutting a growing answer into windows: boundaries, hold-back, offsets of masks."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shim.windows import (
    Span,
    WindowSettings,
    placeholder_spans,
    released_text,
    safe_end,
    scan_start,
    window_cut,
)

HOLD = 256


@pytest.mark.parametrize(
    ("text", "cut_before"),
    [
        ("The quick", "quick"),  # an unfinished word waits for its end
        ("mail me at bob@exa", "bob@exa"),  # an e-mail cut by a chunk boundary
        ("key AKIAABCD", "AKIAABCD"),
        ("pay with 4111 1111 11", "4111"),  # a card number's digit groups go together
        ("pay with 4111 1111 1111 1111 ", "4111"),  # a group may still follow
        ("call +1 555", "+1"),
        ("ask John Smi", "John"),  # a name's words go together
        ("ask John ", "John"),
    ],
)
def test_safe_end_holds_back_what_may_still_grow(text: str, cut_before: str) -> None:
    assert safe_end(text, 0, final=False, max_hold=HOLD) == text.index(cut_before)


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        # the word after the value cannot extend it: all but that unfinished word is safe
        ("pay with 4111 1111 1111 1111 today", "pay with 4111 1111 1111 1111 "),
        ("ask John Smith now", "ask John Smith "),
        ("mail bob@example.com ", "mail bob@example.com "),
    ],
)
def test_safe_end_releases_a_finished_value(text: str, safe: str) -> None:
    assert safe_end(text, 0, final=False, max_hold=HOLD) == len(safe)


def test_safe_end_is_bounded_and_final_releases_all() -> None:
    blob = "x" * 1000
    assert safe_end(blob, 0, final=False, max_hold=HOLD) == 1000 - HOLD
    assert safe_end("half a wor", 0, final=True, max_hold=HOLD) == len("half a wor")
    assert safe_end("abc def", 4, final=False, max_hold=HOLD) == 4  # never before start


@pytest.mark.parametrize(
    ("text", "published", "first", "expected"),
    [
        ("Hi there", 0, True, 3),  # the first window as soon as a word is done
        ("Hi there", 3, False, None),  # later ones wait for a boundary...
        ("One. Two and", 0, False, 5),  # ...a sentence's end
        ("One. Two! Three and", 0, False, 10),  # (the last one)
        ("line one\nline two", 0, False, 9),  # ...or a line's
        ("a" * 10 + " " + "b" * 400 + " c", 0, False, 412),  # ...or a full window
        ("", 0, True, None),
    ],
)
def test_window_cut(text: str, published: int, first: bool, expected: int | None) -> None:
    safe = safe_end(text, published, final=False, max_hold=HOLD)
    cut = window_cut(text, published, safe, first=first, final=False, settings=WindowSettings())
    assert cut == expected


def test_scan_start_takes_context_from_a_word_start() -> None:
    text = "alpha beta gamma delta"
    assert scan_start(text, 17, 10) == text.index("gamma")
    assert scan_start(text, 6, 64) == 0
    assert scan_start(text, 17, 0) == 17


@pytest.mark.parametrize(
    ("original", "masked", "spans"),
    [
        ("a b@c.de z", "a <EMAIL_ADDRESS> z", [(2, 8, "<EMAIL_ADDRESS>")]),
        ("b@c.de", "<EMAIL_ADDRESS>", [(0, 6, "<EMAIL_ADDRESS>")]),
        ("k AKIA1 and x@y.zz", "k <KEY> and <EMAIL>", [(2, 7, "<KEY>"), (12, 18, "<EMAIL>")]),
        ("same", "same", []),
        ("no placeholder here", "no XXXXXXXXXXX here", [(3, 14, "XXXXXXXXXXX")]),
    ],
)
def test_placeholder_spans(original: str, masked: str, spans: list[tuple[int, int, str]]) -> None:
    found = placeholder_spans(original, masked)
    assert [(s.start, s.end, s.replacement) for s in found] == spans


def test_released_text_masks_the_rest_of_a_value_begun_before_the_window() -> None:
    text = "mail bob@x.org then"
    span = Span(start=5, end=14, replacement="<E>")
    assert released_text(text, 0, 15, [span]) == "mail <E> "
    assert released_text(text, 9, 19, [span]) == "<E> then"  # its tail: masked once more
    assert released_text(text, 14, 19, [span]) == " then"


# --- properties: a simulated stream never splits a value, and releases the masked whole ---

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
VALUES = st.sampled_from(
    [
        "dave@example.net",
        "AKIAABCDEFGHIJKLMNOP",
        "4111 1111 1111 1111",
        "+1 555 123 4567",
        "John Smith",
    ]
)
FILLER = st.lists(
    st.sampled_from(["the", "model", "said", "to", "write", "it.", "and\n", "42", "Paris"]),
    max_size=12,
)


@st.composite
def answers(draw: st.DrawFn) -> tuple[str, list[tuple[int, int]], list[int]]:
    """An answer with values among filler words, the values' spans, and chunk sizes."""
    words, spans = [], []
    for _ in range(draw(st.integers(1, 4))):
        words += draw(FILLER)
        at = len(" ".join(words)) + (1 if words else 0)
        value = draw(VALUES)
        words.append(value)
        spans.append((at, at + len(value)))
    words += draw(FILLER)
    text = " ".join(words)
    chunks = draw(st.lists(st.integers(1, 9), min_size=1, max_size=len(text) + 1))
    return text, spans, chunks


def _windows(text: str, chunks: list[int], settings: WindowSettings) -> list[tuple[int, int]]:
    """The windows a stream of ``text`` in chunks of the given sizes is cut into."""
    windows: list[tuple[int, int]] = []
    received, published, sizes = 0, 0, iter(chunks * (len(text) + 1))
    while published < len(text):
        received = min(len(text), received + next(sizes))
        final = received == len(text)
        seen = text[:received]
        safe = safe_end(seen, published, final=final, max_hold=settings.max_hold)
        cut = window_cut(seen, published, safe, first=not windows, final=final, settings=settings)
        if cut is not None:
            windows.append((published, cut))
            published = cut
    return windows


@settings(max_examples=300, deadline=None)
@given(answers(), st.integers(1, 60))
def test_no_value_is_split_between_windows(
    answer: tuple[str, list[tuple[int, int]], list[int]], window_chars: int
) -> None:
    text, spans, chunks = answer
    windows = _windows(text, chunks, WindowSettings(window_chars=window_chars))
    assert "".join(text[a:b] for a, b in windows) == text
    for start, end in spans:
        assert not any(start < b < end for _, b in windows), (text, windows)


@settings(max_examples=300, deadline=None)
@given(answers(), st.integers(0, 40))
def test_released_windows_add_up_to_the_masked_answer(
    answer: tuple[str, list[tuple[int, int]], list[int]], context_chars: int
) -> None:
    text, _, chunks = answer
    config = WindowSettings(context_chars=context_chars, window_chars=30)
    released = []
    for a, b in _windows(text, chunks, config):
        begin = scan_start(text, a, config.context_chars)
        scanned = text[begin:b]
        masked = EMAIL.sub("<EMAIL_ADDRESS>", scanned)  # what a pool would answer
        spans = [
            Span(start=s.start + begin, end=s.end + begin, replacement=s.replacement)
            for s in placeholder_spans(scanned, masked)
        ]
        released.append(released_text(text, a, b, spans))
    assert "".join(released) == EMAIL.sub("<EMAIL_ADDRESS>", text)
