"""The PII scanner's default entity set: bare places in ordinary questions are left alone, the
same words inside addresses are found, first names are found, and masks written earlier are never
masked again."""

from __future__ import annotations

import pytest

from workers.scanners.base import ScanItem
from workers.scanners.pii.context import in_placeholder
from workers.scanners.pii.scanner import PiiScanner


def _found(scanner: PiiScanner, text: str) -> list[tuple[str, str]]:
    [answer] = scanner.scan([ScanItem(text)])
    return [(f.label, text[f.start : f.end]) for f in answer.findings]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # ordinary questions: nothing to mask
        ("What is the capital of France?", []),
        ("I'm stuck on Linux, can you help me?", []),
        ("Let's meet on Monday in Paris.", []),
        ("The Germans won the match in Berlin.", []),
        ("Cheers,\nthe build team", []),
        # the same kinds of words where they identify someone; a first name is personal data
        ("my friend Maria said the recipe needs more salt", [("PERSON", "Maria")]),
        ("I live in Berlin with my two kids.", [("LOCATION", "Berlin")]),
        ("Hi Anna,\nthe slides are attached.", [("PERSON", "Anna")]),
        ("Thanks, Peter", [("PERSON", "Peter")]),
        ("See you soon.\nBest regards,\nTom Baker", [("PERSON", "Tom Baker")]),
        (
            "Ship it to 14 Elm Road, Leeds LS6 2AB, United Kingdom.",
            [("LOCATION", "14 Elm Road, Leeds LS6 2AB, United Kingdom")],
        ),
        # an international number needs no cue word (answers list them bare)
        ("The front desk is +1 415-555-0132.", [("PHONE_NUMBER", "+1 415-555-0132")]),
        ("+44 20 7946 0958", [("PHONE_NUMBER", "+44 20 7946 0958")]),
        ("Version 3.10.4 has +1 improvements", []),
        # masks from an earlier scan come back in answers: never masked again
        ("Sure <PERSON>, I will write to <EMAIL_ADDRESS> today.", []),
    ],
)
def test_default_entity_set(
    default_pii_scanner: PiiScanner, text: str, expected: list[tuple[str, str]]
) -> None:
    assert _found(default_pii_scanner, text) == expected


def test_bare_ner_keeps_every_guess(default_pii_scanner: PiiScanner) -> None:
    everything = PiiScanner(spacy_model=default_pii_scanner.spacy_model, bare_ner=True)
    everything.load()
    assert _found(everything, "What is the capital of France?") == [("LOCATION", "France")]


@pytest.mark.parametrize(
    ("text", "span", "inside"),
    [
        ("a <PERSON> b", (2, 10), True),
        ("a <PERSON> b", (3, 9), True),
        ("a <PERSON> b", (0, 1), False),
        ("<<PERSON>", (1, 9), True),
        ("x < y and z > w", (2, 7), False),
    ],
)
def test_placeholders(text: str, span: tuple[int, int], inside: bool) -> None:
    assert in_placeholder(text, *span) is inside
