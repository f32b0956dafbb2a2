"""Texts in and out of chat messages, and results to decisions."""

from __future__ import annotations

from dataclasses import replace

import pytest

from shim.decide import decide
from shim.extract import mask_messages, merge_redactions, message_texts
from shim.placeholders import number, restore
from topics import Finding, RedactedText, ScanResult, Text

TEXTS = [Text(role="user", content="mail bob@x.io key AKIAABCDEFGHIJKLMNOP", message=0, part=-1)]


def result(scanner: str, verdict: str, redacted: str | None = None) -> ScanResult:
    return ScanResult(
        request_id="r",
        correlation_id="c",
        phase="request",
        scanner=scanner,
        verdict=verdict,
        score=0.9,
        worker_id="w",
        scan_ms=1.0,
        finished_ms=0,
        findings=[Finding(text=0, start=0, end=1, label=scanner.upper(), score=0.9)]
        if verdict != "allow"
        else [],
        redacted=[RedactedText(text=0, content=redacted)] if redacted else [],
    )


def test_texts_keep_their_place_and_masks_go_back() -> None:
    messages = [
        {"role": "system", "content": "be nice"},
        {
            "role": "user",
            "content": [
                {"type": "image_url", "image_url": {"url": "u"}},
                {"type": "text", "text": "hi bob@x.io"},
            ],
        },
    ]
    texts = message_texts(messages)
    assert [(t.role, t.message, t.part) for t in texts] == [("system", 0, -1), ("user", 1, 1)]
    masked = mask_messages(messages, texts, {1: "hi <EMAIL>"})
    assert masked[1]["content"][1]["text"] == "hi <EMAIL>"
    assert messages[1]["content"][1]["text"] == "hi bob@x.io"  # the original is untouched


def test_two_scanners_masking_one_text_merge() -> None:
    merged = merge_redactions(
        TEXTS[0].content,
        ["mail <EMAIL> key AKIAABCDEFGHIJKLMNOP", "mail bob@x.io key <SECRET>"],
    )
    assert merged == "mail <EMAIL> key <SECRET>"


@pytest.mark.parametrize(
    ("results", "on_timeout", "decision", "fail_policy"),
    [
        ({"pii": "allow", "secrets": "allow"}, "block", "allow", ""),
        ({"pii": "block", "secrets": "allow"}, "allow", "block", ""),
        ({"pii": "flag", "secrets": "allow"}, "block", "allow", ""),
        ({"pii": "allow"}, "allow", "allow", "open"),
        ({"pii": "allow"}, "block", "block", "closed"),
        ({"pii": "error", "secrets": "allow"}, "block", "block", "closed"),
        ({"pii": "block"}, "allow", "block", ""),  # a block wins over a missing answer
    ],
)
def test_decisions(
    results: dict[str, str], on_timeout: str, decision: str, fail_policy: str
) -> None:
    outcome = decide(
        ["pii", "secrets"], {k: result(k, v) for k, v in results.items()}, TEXTS, on_timeout
    )
    assert (outcome.decision, outcome.fail_policy_applied) == (decision, fail_policy)


def test_mask_carries_the_merged_text_and_label_counts() -> None:
    outcome = decide(
        ["pii", "secrets"],
        {
            "pii": result("pii", "mask", "mail <EMAIL> key AKIAABCDEFGHIJKLMNOP"),
            "secrets": result("secrets", "mask", "mail bob@x.io key <SECRET>"),
        },
        TEXTS,
        "allow",
    )
    assert outcome.decision == "mask"
    assert outcome.masked == {0: "mail <EMAIL> key <SECRET>"}
    assert outcome.masked_labels == {"PII": 1, "SECRETS": 1}
    assert outcome.masked_by == ["pii", "secrets"]


def test_the_block_names_the_scanner_most_sure_of_its_finding() -> None:
    sure = {
        "prompt_injection": replace(result("prompt_injection", "block"), score=0.52),
        "moderation": replace(result("moderation", "block"), score=0.98),
    }
    outcome = decide(["prompt_injection", "moderation"], sure, TEXTS, "allow")
    assert outcome.blocked_by == ["moderation", "prompt_injection"]


@pytest.mark.parametrize(
    ("results", "skipped", "on_timeout", "decision", "fail_policy", "timed_out", "pending"),
    [
        # a block ended the wait: the others were still scanning, not timed out
        ({"pii": "block"}, [], "allow", "block", "", [], ["secrets", "moderation"]),
        ({"pii": "block"}, ["moderation"], "allow", "block", "", ["moderation"], ["secrets"]),
        # a skipped scanner gets the fail policy as a timed-out one does
        ({"pii": "allow", "secrets": "allow"}, ["moderation"], "allow", "allow", "open",
         ["moderation"], []),
        ({"pii": "allow", "secrets": "allow"}, ["moderation"], "block", "block", "closed",
         ["moderation"], []),
        # a skipped scanner whose answer came in time anyway counts as answered
        ({"pii": "allow", "secrets": "allow", "moderation": "allow"}, ["moderation"], "block",
         "allow", "", [], []),
    ],
)  # fmt: skip
def test_skipped_and_pending_scanners(
    results: dict[str, str],
    skipped: list[str],
    on_timeout: str,
    decision: str,
    fail_policy: str,
    timed_out: list[str],
    pending: list[str],
) -> None:
    outcome = decide(
        ["pii", "secrets", "moderation"],
        {k: result(k, v) for k, v in results.items()},
        TEXTS,
        on_timeout,
        skipped=skipped,
    )
    assert (outcome.decision, outcome.fail_policy_applied) == (decision, fail_policy)
    assert (outcome.timed_out, outcome.pending) == (timed_out, pending)
    assert outcome.skipped == [s for s in timed_out if s in skipped]


@pytest.mark.parametrize(
    ("original", "masked", "numbered", "tokens"),
    [
        (
            "mail jane@x.io, I am Jane Roe",
            "mail <EMAIL_ADDRESS>, I am <PERSON>",
            "mail <EMAIL_ADDRESS_1>, I am <PERSON_2>",
            {"<EMAIL_ADDRESS_1>": "jane@x.io", "<PERSON_2>": "Jane Roe"},
        ),
        ("Bob and Ann", "<PERSON> and <PERSON>", "<PERSON_1> and <PERSON_2>",
         {"<PERSON_1>": "Bob", "<PERSON_2>": "Ann"}),
        ("nothing here", "nothing here", "nothing here", {}),
        ("abc", "xyz <PERSON>", "xyz <PERSON>", {}),  # cannot be aligned: left as masked
    ],
)  # fmt: skip
def test_output_parse_pii_numbers_and_restores(
    original: str, masked: str, numbered: str, tokens: dict[str, str]
) -> None:
    found: dict[str, str] = {}
    assert number(original, masked, found) == numbered
    assert found == tokens
    assert restore(f"Sure: {numbered}.", found) == f"Sure: {original if tokens else numbered}."
