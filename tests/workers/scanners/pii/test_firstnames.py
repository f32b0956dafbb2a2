"""Single first names: found in running text and in self-introductions in any casing; words that
only look like names (technology and product names, common words, code, places in ordinary
questions) left alone. Every example is written here."""

from __future__ import annotations

import pytest

from workers.scanners.base import ScanItem
from workers.scanners.pii.scanner import PiiScanner


def _people(scanner: PiiScanner, texts: list[str]) -> list[list[str]]:
    answers = scanner.scan([ScanItem(t) for t in texts])
    return [
        [t[f.start : f.end] for f in a.findings if f.label == "PERSON"]
        for t, a in zip(texts, answers, strict=True)
    ]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # self-introductions, capitalised and lower case
        ("My name is Noor.", "Noor"),
        ("my name is noor", "noor"),
        ("MY name is Ingrid and I need a refund", "Ingrid"),
        ("my name's tobias", "tobias"),
        ("Hi, I'm Noor and my order never arrived.", "Noor"),
        ("i'm katja, new here", "katja"),
        ("hello i am lina and i have a question", "lina"),
        ("This is Quillon from accounts, calling about the refund.", "Quillon"),
        ("this is giuliana from the front desk", "giuliana"),
        ("Hey, Tamsin here. Any news on my ticket?", "Tamsin"),
        ("Call me Oksana.", "Oksana"),
        # single first names in running text
        ("Noor said the invoice was late.", "Noor"),
        ("Can you write a birthday message for my friend Dervla?", "Dervla"),
        ("My colleague Rimvel thinks we should switch vendors.", "Rimvel"),
        ("Please cc Monika on the thread.", "Monika"),
        ("Is it rude that Kristina never replies to my emails?", "Kristina"),
        ("Draft a reply to Yusuf declining the offer.", "Yusuf"),
        ("My daughter Astrid wants to learn the piano.", "Astrid"),
        ("Mark said the build is green again.", "Mark"),
        # a product name that is also a first name, where words say it is a person
        ("My friend Julia is visiting next week.", "Julia"),
        ("Ray said the cluster is down.", "Ray"),
    ],
)
def test_first_names_are_found(default_pii_scanner: PiiScanner, text: str, name: str) -> None:
    [people] = _people(default_pii_scanner, [text])
    assert name in people


@pytest.mark.parametrize(
    "text",
    [
        # technology, product and cloud names and acronyms
        "Can S3 trigger a Lambda when a file lands?",
        "Which EKS version supports C4 diagrams in the docs?",
        "Our Kafka consumer lags behind Postgres.",
        "I'm stuck on Python, Excel keeps crashing.",
        "Compare Redis, Kafka and Pulsar for a startup.",
        "Will Lightroom run on my laptop?",
        "Translate this Ray config to Dask.",
        "Excel said the file was corrupt.",
        "Git said the merge failed.",
        "Tell Slack to mute the channel.",
        "i'm stuck on the Kafka consumer lag",
        "This is Excel 2016, not the web version.",
        "I'm new to Terraform.",
        # common words, weekdays and months
        "Mark the task as done and move on.",
        "Bill the client for the extra hours.",
        "It's Monday again.",
        "I'm fine, thanks.",
        "my name is spelled wrong on the invoice",
        "call me back later",
        "She said April works for the launch.",
        # code
        "Why does `Sophie` raise a KeyError?",
        "```python\nfrom app import Max, Grace\n```\nThis import fails, why?",
        "What does Victor.from_config() return?",
        "    Julia = Builder(timeout=5)\nIs this thread-safe?",
        "Our project codename is Apollo; write a release note.",
        # places in ordinary questions
        "What is the capital of France?",
        "What is the capital of Georgia?",
        "Translate 'good morning' into the language of Saint Lucia.",
        "Which river runs through Florence?",
        "What time zone is Santa Cruz de Tenerife in?",
        "How many people live in Lima?",
    ],
)
def test_look_alikes_are_left_alone(default_pii_scanner: PiiScanner, text: str) -> None:
    [answer] = default_pii_scanner.scan([ScanItem(text)])
    assert [(f.label, text[f.start : f.end]) for f in answer.findings] == []


def test_a_cued_name_scores_above_a_lexicon_guess(default_pii_scanner: PiiScanner) -> None:
    # "Kristina" with no cue comes from the lexicon alone (0.6): a PERSON threshold of 0.65
    # keeps only names with words around them that make them a person's.
    texts = ["Is it rude that Kristina never replies?", "Please cc Kristina on the thread."]
    answers = default_pii_scanner.scan([ScanItem(t) for t in texts])
    scores = [max(f.score for f in a.findings if f.label == "PERSON") for a in answers]
    assert scores[0] < 0.65 < scores[1]


def test_masking_keeps_the_rest_of_the_prompt(default_pii_scanner: PiiScanner) -> None:
    text = "Noor said the S3 bucket in Kafka's test cluster is full."
    [answer] = default_pii_scanner.scan([ScanItem(text)])
    assert default_pii_scanner.redact(text, answer.findings) == (
        "<PERSON> said the S3 bucket in Kafka's test cluster is full."
    )
