"""PiiScanner: exact spans and masks of personal data, silence on look-alikes, LiteLLM settings."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
import tldextract

from tests.workers.scanners.conftest import PII_TEST_MODEL
from topics.errors import ConfigError
from topics.messages import Policy
from workers.policy import judge
from workers.scanners import scanner_class
from workers.scanners.base import ScanItem
from workers.scanners.pii.scanner import PiiScanner

MODEL = PII_TEST_MODEL


@pytest.fixture
def scanner(default_pii_scanner: PiiScanner) -> PiiScanner:
    return default_pii_scanner


def _found(scanner: PiiScanner, text: str) -> list[tuple[str, str]]:
    [answer] = scanner.scan([ScanItem(text)])
    return [(f.label, text[f.start : f.end]) for f in answer.findings]


def test_registered_as_the_pii_kind() -> None:
    assert scanner_class("pii") is PiiScanner
    assert (PiiScanner.name, PiiScanner.default_action) == ("pii", "mask")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Contact jane.roe@mail.example.co.uk today.",
            [("EMAIL_ADDRESS", "jane.roe@mail.example.co.uk")],
        ),
        ("Pay with 4111-1111-1111-1111 please", [("CREDIT_CARD", "4111-1111-1111-1111")]),
        ("My card 5555 5555 5555 4444 expired", [("CREDIT_CARD", "5555 5555 5555 4444")]),
        ("IBAN GB82 WEST 1234 5698 7654 32 ok", [("IBAN_CODE", "GB82 WEST 1234 5698 7654 32")]),
        ("Server at 192.168.10.25 is down", [("IP_ADDRESS", "192.168.10.25")]),
        (
            "Docs: https://docs.python.org/3/library/re.html now",
            [("URL", "https://docs.python.org/3/library/re.html")],
        ),
        ("Barack Obama visited Berlin", [("PERSON", "Barack Obama")]),  # a bare city: not PII
        # An email is one finding: not also a URL (its domain) nor spaCy's PERSON guess.
        ("mail NunziaNucci@cuvox.de now", [("EMAIL_ADDRESS", "NunziaNucci@cuvox.de")]),
        # Benign look-alikes.
        ("Card 4111 1111 1111 1112 is not valid", []),
        ("Write to support at example dot com", []),
        ("Use the @decorator syntax", []),
        ("Order 1234567890123 shipped", []),
        ("Version 10.2.3 released", []),
        ("The ratio was 3/4 and 12/5", []),
        ("SSN 078-05-1120 is the famous sample number", []),
        ("user@localhost is not a public address", []),
        ("The meeting is at 10:30 on Monday", []),
        ("def f(x): return x * 2", []),
        ("", []),
    ],
)
def test_finds_exact_spans(scanner: PiiScanner, text: str, expected: list[tuple[str, str]]) -> None:
    assert _found(scanner, text) == expected


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("mail john.doe@example.com today", "mail <EMAIL_ADDRESS> today"),
        ("card 4111 1111 1111 1111, thanks", "card <CREDIT_CARD>, thanks"),
        (
            "john.doe@example.com paid with 5555 5555 5555 4444",
            "<EMAIL_ADDRESS> paid with <CREDIT_CARD>",
        ),
        ("nothing to hide here", "nothing to hide here"),
    ],
)
def test_redact_writes_entity_names(scanner: PiiScanner, text: str, masked: str) -> None:
    [answer] = scanner.scan([ScanItem(text)])
    assert scanner.redact(text, answer.findings) == masked


def test_default_entities_include_the_context_entities(scanner: PiiScanner) -> None:
    assert {"EMAIL_ADDRESS", "CREDIT_CARD", "PERSON", "LOCATION"} <= set(scanner.active_entities)
    assert {"AGE", "ZIP_CODE", "ORGANIZATION", "DATE_TIME"} <= set(scanner.active_entities)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Whole calendar dates only: spaCy's DATE/TIME guesses ("the weekend", a year) are off.
        ("See you on the weekend, in 1977", []),
        ("Born on 3/21/1984 in the spring", [("DATE_TIME", "3/21/1984")]),
        ("The meeting is at 10:30 on Monday", []),
    ],
)
def test_dates_are_whole_dates(
    scanner: PiiScanner, text: str, expected: list[tuple[str, str]]
) -> None:
    assert _found(scanner, text) == expected


def test_no_network_for_emails_and_urls(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """tldextract must use its bundled suffix list: any connection or DNS attempt is recorded
    (and fails), so a fallback that swallows the error still shows up here."""
    attempts: list[object] = []
    # A shared extractor with an empty cache of its own, as on a fresh machine: Presidio's stock
    # email recognizer would now try to download the suffix list through it.
    monkeypatch.setattr(
        tldextract.tldextract, "TLD_EXTRACTOR", tldextract.TLDExtract(cache_dir=str(tmp_path))
    )

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    s = PiiScanner(spacy_model=MODEL)
    s.load()
    text = "Write to ana@example.org or see https://example.net/page today"
    assert _found(s, text) == [
        ("EMAIL_ADDRESS", "ana@example.org"),
        ("URL", "https://example.net/page"),
    ]
    assert attempts == []


def test_allow_list_and_deny_list() -> None:
    s = PiiScanner(
        spacy_model=MODEL,
        allow_list=["help@example.com"],
        deny_list={"CODENAME": ["Bluebird", "Project Nightjar"]},
    )
    s.load()
    text = "Ask help@example.com or ana@example.com about project nightjar and Bluebird."
    assert _found(s, text) == [
        ("EMAIL_ADDRESS", "ana@example.com"),
        ("CODENAME", "project nightjar"),
        ("CODENAME", "Bluebird"),
    ]
    assert _found(s, "a bluebirds nest") == []


def test_deny_list_of_words_is_labelled_deny_list() -> None:
    s = PiiScanner(spacy_model=MODEL, deny_list=["Bluebird"], entities=["DENY_LIST"])
    s.load()
    assert _found(s, "the Bluebird launch") == [("DENY_LIST", "Bluebird")]


@pytest.fixture(scope="module")
def ad_hoc(tmp_path_factory: pytest.TempPathFactory) -> PiiScanner:
    """A scanner with a recognizer file in LiteLLM's ``presidio_ad_hoc_recognizers`` shape."""
    path = tmp_path_factory.mktemp("recognizers") / "recognizers.json"
    recognizers = [
        {
            "name": "Employee id",
            "supported_language": "en",
            "supported_entity": "EMPLOYEE_ID",
            "patterns": [{"name": "emp", "regex": r"\bEMP-\d{6}\b", "score": 0.9}],
            "context": ["employee"],
        },
        {
            "name": "Ticket",
            "supported_entity": "TICKET",
            "patterns": [{"name": "weak", "regex": r"\bT\d{4}\b", "score": 0.3}],
        },
    ]
    path.write_text(json.dumps(recognizers), encoding="utf-8")
    s = PiiScanner(spacy_model=MODEL, presidio_ad_hoc_recognizers=str(path))
    s.load()
    return s


def test_ad_hoc_entities_are_detected_by_default(ad_hoc: PiiScanner) -> None:
    assert {"EMPLOYEE_ID", "TICKET", "EMAIL_ADDRESS"} <= set(ad_hoc.active_entities)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("employee EMP-123456 left", [("EMPLOYEE_ID", "EMP-123456")]),
        ("ref EMP-12 and EMP-1234567", []),
        ("ticket T1234 opened", []),  # below the 0.5 threshold
    ],
)
def test_ad_hoc_recognizer_file(
    ad_hoc: PiiScanner, text: str, expected: list[tuple[str, str]]
) -> None:
    assert _found(ad_hoc, text) == expected


@pytest.mark.parametrize("content", ["not json", '{"name": "x"}', '[{"patterns": "x"}]'])
def test_bad_ad_hoc_file_is_a_config_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.json"):
        PiiScanner(spacy_model=MODEL, presidio_ad_hoc_recognizers=str(path)).load()


@pytest.fixture(scope="module")
def configured() -> PiiScanner:
    s = PiiScanner(
        spacy_model=MODEL,
        entities=["EMAIL_ADDRESS", "CREDIT_CARD", "PERSON", "URL", "US_SSN"],
        score_threshold=0.5,
        presidio_score_thresholds={"PERSON": 0.9, "ALL": 0.4},
        pii_entities_config={"CREDIT_CARD": "BLOCK", "email_address": "mask", "URL": "log"},
        presidio_entities_deny_list=["US_SSN"],
    )
    s.load()
    return s


@pytest.mark.parametrize(
    ("label", "threshold", "action"),
    [
        ("PERSON", 0.9, "mask"),
        ("CREDIT_CARD", 0.4, "block"),
        ("EMAIL_ADDRESS", 0.4, "mask"),
        ("URL", 0.4, "log"),
        ("IBAN_CODE", 0.4, "mask"),
    ],
)
def test_per_entity_settings(
    configured: PiiScanner, label: str, threshold: float, action: str
) -> None:
    assert configured.threshold(label) == threshold
    assert configured.action(label) == action


def test_defaults_without_per_entity_settings(scanner: PiiScanner) -> None:
    assert scanner.threshold("PERSON") == 0.5
    assert scanner.action("CREDIT_CARD") == "mask"


@pytest.mark.parametrize(
    ("text", "verdict", "redacted"),
    [
        ("card 4111 1111 1111 1111 please", "block", None),
        ("mail john.doe@example.com please", "mask", "mail <EMAIL_ADDRESS> please"),
        ("see https://example.net/a", "flag", None),
        # spaCy scores a PERSON 0.85: under this scanner's 0.9 threshold for PERSON.
        ("Barack Obama says hi", "allow", None),
        ("ssn 536-90-4399 here", "allow", None),  # US_SSN is on the entity deny list
        ("mail a@example.com, card 4111 1111 1111 1111", "block", None),
    ],
)
def test_judged_by_policy(
    configured: PiiScanner, text: str, verdict: str, redacted: str | None
) -> None:
    answers = configured.scan([ScanItem(text)])
    judgement = judge(configured, Policy(redact=True), [text], answers)
    assert judgement.verdict == verdict
    if redacted is not None:
        assert [r.content for r in judgement.redacted] == [redacted]


def test_pii_entities_config_alone_selects_entities() -> None:
    """As in LiteLLM, which sends the config's keys as the analyzer's entity list."""
    s = PiiScanner(spacy_model=MODEL, pii_entities_config={"EMAIL_ADDRESS": "BLOCK"})
    s.load()
    assert s.active_entities == ["EMAIL_ADDRESS"]
    assert _found(s, "Barack Obama at ana@example.com") == [("EMAIL_ADDRESS", "ana@example.com")]


@pytest.mark.parametrize(
    ("settings", "match"),
    [
        ({"pii_entities_config": {"EMAIL_ADDRESS": "redact"}}, "MASK, BLOCK or LOG"),
        ({"score_threshold": 2}, "score_threshold"),
        ({"presidio_score_thresholds": {"PERSON": "high"}}, "PERSON"),
        ({"chunk_chars": 100, "chunk_overlap": 100}, "chunk_overlap"),
        ({"language": "en", "presidio_language": "de"}, "disagree"),
    ],
)
def test_bad_settings_are_config_errors(settings: dict[str, object], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        PiiScanner(spacy_model=MODEL, **settings)  # type: ignore[arg-type]


def test_unknown_entity_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="NOT_AN_ENTITY"):
        PiiScanner(spacy_model=MODEL, entities=["EMAIL_ADDRESS", "NOT_AN_ENTITY"]).load()


def test_missing_model_is_a_config_error_with_install_hint() -> None:
    with pytest.raises(ConfigError) as caught:
        PiiScanner(spacy_model="xx_no_such_model_sm").load()
    message = str(caught.value)
    assert "xx_no_such_model_sm" in message
    assert "python -m spacy download xx_no_such_model_sm" in message
    assert "pip install" in message


def _filler(n: int) -> str:
    words = "the quick brown fox jumps over a lazy dog while we talk about plans".split()
    out = " ".join(words[i % len(words)] for i in range(n))
    return out


@pytest.mark.parametrize("at", [1890, 1940, 1960, 1975, 1990, 2000, 2020])
def test_email_across_a_chunk_boundary_has_its_exact_span(scanner: PiiScanner, at: int) -> None:
    """Default chunks are about 2,000 characters: an email placed around the first cut is
    reported once, with its exact offsets in the whole text (code points: the filler holds
    characters outside the BMP before it)."""
    email = "maria.lopez@example.com"
    head = "Emoji \U0001f600 ok. " + _filler(400)
    head = head[:at].rstrip() + " "
    text = head + email + " " + _filler(400)
    [answer] = scanner.scan([ScanItem(text)])
    emails = [(f.start, f.end) for f in answer.findings if f.label == "EMAIL_ADDRESS"]
    assert emails == [(len(head), len(head) + len(email))]
    assert len(text) > scanner.chunk_chars


def test_many_small_chunks_keep_every_entity_once() -> None:
    """Tiny chunks put many entities across cuts; each is found exactly once, as unchunked."""
    s = PiiScanner(
        spacy_model=MODEL,
        entities=["EMAIL_ADDRESS", "CREDIT_CARD"],
        chunk_chars=120,
        chunk_overlap=60,
    )
    s.load()
    parts, expected = [], []
    at = 0
    for i in range(30):
        piece = _filler(3 + i % 7) + " "
        value = f"user{i}@example.com" if i % 2 else "4111 1111 1111 1111"
        label = "EMAIL_ADDRESS" if i % 2 else "CREDIT_CARD"
        parts += [piece, value, " "]
        expected.append((label, at + len(piece), at + len(piece) + len(value)))
        at += len(piece) + len(value) + 1
    text = "".join(parts)
    [answer] = s.scan([ScanItem(text)])
    assert [(f.label, f.start, f.end) for f in answer.findings] == expected


def test_batch_equals_one_by_one(scanner: PiiScanner) -> None:
    templates = [
        "Hi, I am Maria Lopez from Lisbon, mail maria{i}@example.com.",
        "Card 4111 1111 1111 1111 was charged {i} times.",
        "Nothing personal in message number {i}.",
        "Server 10.0.{i}.7 answered; see https://example.org/item/{i}",
        "John Carter called about order {i} and IBAN GB82 WEST 1234 5698 7654 32.",
    ]
    texts = [templates[i % len(templates)].format(i=i) for i in range(50)]
    batch = scanner.scan([ScanItem(t) for t in texts])
    single = [scanner.scan([ScanItem(t)])[0] for t in texts]
    assert batch == single
    assert sum(len(a.findings) for a in batch) >= 50


def test_new_words_do_not_stay_in_spacys_vocabulary(scanner: PiiScanner) -> None:
    """A pool meets new words in every request for weeks: spaCy would keep each one in its
    string store for good. The scans' strings are freed after each batch, and the findings
    are the same."""
    nlp = scanner._analyzer.nlp_engine.nlp[scanner.language]
    texts = [f"Mail zorvekian{i} and quillabrant{i} at jane.doe@example.com" for i in range(40)]
    scanner.scan([ScanItem(t) for t in texts[:2]])  # the first scan's own strings settle
    before = len(nlp.vocab.strings)
    answers = scanner.scan([ScanItem(t) for t in texts])
    assert len(nlp.vocab.strings) == before
    assert all(
        [text[f.start : f.end] for f in answer.findings if f.label == "EMAIL_ADDRESS"]
        == ["jane.doe@example.com"]
        for text, answer in zip(texts, answers, strict=True)
    )
