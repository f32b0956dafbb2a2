"""The scanner registry: every name resolves to one kind, and each kind's block body."""

from __future__ import annotations

import pytest

from topics.scanners import ALIASES, REGISTRY, SCANNER_KINDS, block_of, scanner_kind


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("pii", "pii"),
        ("presidio", "pii"),
        ("injection", "prompt_injection"),
        ("lakera_prompt_injection", "prompt_injection"),
        ("hide_secrets", "secrets"),
        ("openai_moderation", "moderation"),
        ("toxicity", None),
        ("PII", None),
    ],
)
def test_a_name_means_its_kind(name: str, kind: str | None) -> None:
    assert scanner_kind(name) == kind


def test_no_alias_is_a_kind_or_means_two_kinds() -> None:
    spelled = [alias for s in REGISTRY for alias in s.aliases]
    assert len(spelled) == len(set(spelled)) == len(ALIASES)
    assert not set(ALIASES) & set(SCANNER_KINDS)


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        ("prompt_injection", ("Potential prompt injection detected", "prompt_injection_blocked")),
        ("pii", ("Personal data detected", "pii_blocked")),
        ("my_plugin", ("Blocked by guardrail", "my_plugin_blocked")),
    ],
)
def test_a_block_names_its_scanner(kind: str, body: tuple[str, str]) -> None:
    assert block_of(kind) == body
