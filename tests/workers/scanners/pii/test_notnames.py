"""NameJudge's parts: shapes of technical words, code, sentence starts."""

from __future__ import annotations

import pytest

from workers.scanners.pii.notnames import at_sentence_start, in_code, is_listed, looks_technical


@pytest.mark.parametrize(
    ("word", "technical"),
    [
        ("EKS", True),
        ("S3", True),
        ("C4", True),
        ("GitHub", True),
        ("macOS", True),
        ("MLflow", True),
        ("McKenzie", False),
        ("DeShawn", False),
        ("O'Neil", False),
        ("Noor", False),
        ("Anne-Marie", False),
    ],
)
def test_looks_technical(word: str, technical: bool) -> None:
    assert looks_technical(word) is technical


@pytest.mark.parametrize(
    ("text", "word", "inside"),
    [
        ("Why does `Sophie` fail?", "Sophie", True),
        ("```\nimport Grace\n```", "Grace", True),
        ("Run ```x = Max()``` now", "Max", True),
        ("call Victor.from_config()", "Victor", True),
        ("rename Ada_v2 please", "Ada", True),
        ("    Julia = 1", "Julia", True),
        ("Ask Sophie, she knows.", "Sophie", False),
        ("Grace said hi.", "Grace", False),
        ("Thanks, Max.", "Max", False),
    ],
)
def test_in_code(text: str, word: str, inside: bool) -> None:
    start = text.index(word)
    assert in_code(text, start, start + len(word)) is inside


@pytest.mark.parametrize(
    ("text", "word", "first"),
    [
        ("Mark the task.", "Mark", True),
        ("Done. Mark the task.", "Mark", True),
        ("Thanks!\nMark", "Mark", True),
        ("Ask Mark about it.", "Mark", False),
    ],
)
def test_at_sentence_start(text: str, word: str, first: bool) -> None:
    assert at_sentence_start(text, text.index(word)) is first


def test_listed_words_are_case_insensitive() -> None:
    assert is_listed("kafka") and is_listed("KAFKA") and is_listed("Monday")
    assert not is_listed("Noor")
