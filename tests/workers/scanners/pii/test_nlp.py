"""The trimmed spaCy pass of the PII scanner: no parser, lemmas only where Presidio reads them,
and the same findings as the whole pipeline."""

from __future__ import annotations

import pytest

from bench.common import make_texts
from tests.workers.scanners.conftest import PII_TEST_MODEL
from workers.scanners.base import ScanItem
from workers.scanners.pii.nlp import analyze_batch
from workers.scanners.pii.scanner import PiiScanner

TEXTS = [
    "Call me at 212-555-0123 tomorrow, my card is 4111 1111 1111 1111.",
    "Hi Anna,\nmy phone number is 555 123 4567\nThanks, Peter",
    "my ssn is 078-05-1120 and my passport number is X1234567",
    "Contact Maria Gonzalez at maria.gonzalez@example.com or at 12 Crown Street, London",
    "The meeting moved to 2024-03-05; bring the IBAN GB82 WEST 1234 5698 7654 32.",
    "What is the capital of France? Nothing personal here at all.",
    "license D1234567 issued, driver John Smith, born 03/04/1980",
    "",
    *make_texts(40, 300, seed=4),
    *make_texts(3, 6000, seed=5),  # chunked
]


@pytest.fixture(scope="module")
def full_pipeline() -> PiiScanner:
    scanner = PiiScanner(spacy_model=PII_TEST_MODEL, full_pipeline=True)
    scanner.load()
    return scanner


def test_the_parser_never_runs_and_the_tagger_only_for_lemmas(
    default_pii_scanner: PiiScanner,
) -> None:
    split = default_pii_scanner._pipes
    assert split is not None
    assert "parser" in split.skipped_in_batch and "parser" not in split.lemma_pipes
    assert "ner" not in split.skipped_in_batch
    assert split.lemma_pipes[-1] == "lemmatizer"


def test_findings_are_the_same_as_with_the_whole_pipeline(
    default_pii_scanner: PiiScanner, full_pipeline: PiiScanner
) -> None:
    items = [ScanItem(t) for t in TEXTS]
    trimmed = default_pii_scanner.scan(items)
    whole = full_pipeline.scan(items)
    assert sum(len(a.findings) for a in whole) > 20  # the table does find things
    assert trimmed == whole


def test_lemmas_are_made_only_when_presidio_reads_them(default_pii_scanner: PiiScanner) -> None:
    analyzer = default_pii_scanner._analyzer
    texts = ["the weather is nice and the river is calm", "my phone number is 212-555-0123"]
    artifacts = list(analyze_batch(analyzer.nlp_engine, default_pii_scanner._pipes, texts, "en", 8))
    for text, a in zip(texts, artifacts, strict=True):
        analyzer.analyze(text=text, language="en", nlp_artifacts=a)
    plain, phone = artifacts
    assert plain._lemmas is None  # no context recognizer matched: no tagger run
    assert phone._lemmas is not None and "phone" in phone.keywords
    assert not plain.tokens.has_annotation("DEP")  # and no parser, ever


def test_lemmas_are_made_only_before_the_matches_of_a_long_text(
    default_pii_scanner: PiiScanner,
) -> None:
    analyzer = default_pii_scanner._analyzer
    text = "the river was calm and the team met again after the long report. " * 25
    text += "my phone number is 212-555-0123"
    (artifacts,) = analyze_batch(analyzer.nlp_engine, default_pii_scanner._pipes, [text], "en", 8)
    results = analyzer.analyze(text=text, language="en", nlp_artifacts=artifacts)
    assert any(r.entity_type == "PHONE_NUMBER" and r.score >= 0.7 for r in results)
    lemmas = artifacts._lemmas
    assert lemmas is not None and "phone" in artifacts.keywords
    assert 0 < lemmas.tagged < len(artifacts.tokens) / 3  # a stretch before the number only


@pytest.mark.parametrize(
    "entities", [["EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD"], ["US_SSN", "US_PASSPORT"]]
)
def test_the_entity_recognizer_runs_only_for_entities_read_from_it(entities: list[str]) -> None:
    trimmed = PiiScanner(spacy_model=PII_TEST_MODEL, entities=entities)
    whole = PiiScanner(spacy_model=PII_TEST_MODEL, entities=entities, full_pipeline=True)
    trimmed.load()
    whole.load()
    assert trimmed._pipes is not None and "ner" in trimmed._pipes.skipped_in_batch
    items = [ScanItem(t) for t in TEXTS]
    assert trimmed.scan(items) == whole.scan(items)


def test_a_person_entity_keeps_the_entity_recognizer() -> None:
    scanner = PiiScanner(spacy_model=PII_TEST_MODEL, entities=["PERSON"])
    scanner.load()
    assert scanner._pipes is not None and "ner" not in scanner._pipes.skipped_in_batch
