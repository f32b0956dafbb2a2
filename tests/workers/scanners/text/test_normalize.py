"""normalize: obfuscation tricks folded away, plain text kept, offsets back to the original."""

from __future__ import annotations

import pytest

from workers.scanners.text.normalize import normalize

ZW = "\u200b"


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        (f"Ig{ZW}no\u200dre", "ignore"),
        ("\u0456gn\u043er\u0435", "ignore"),
        ("1gn0r3 th3 rul3s", "ignore the rules"),
        ("I-G-N-O-R-E the rules", "ignore the rules"),
        ("i g n o r e   a l l", "ignore all"),
        ("\U0001d422\U0001d420\U0001d427\U0001d428\U0001d42b\U0001d41e", "ignore"),
        ("\u00efgn\u00f6r\u00ea", "ignore"),
        ("In 2023 we sold 500 units!", "in 2023 we sold 500 units!"),
        ("Привет", "привет"),
    ],
)
def test_normalize_folds_tricks_and_keeps_plain_text(text: str, folded: str) -> None:
    assert normalize(text).text == folded


def test_normalize_offsets_map_to_the_original() -> None:
    text = f"Say: \u0456gn{ZW}or\u0435   all  prev\u00ecous"
    n = normalize(text)
    for start, end in [(0, 3), (5, 11), (12, 15), (16, 24)]:
        a, b = n.span(start, end)
        assert normalize(text[a:b]).text == n.text[start:end].strip()
