"""The one set of moderation categories every backend's labels are mapped to.

Findings of the moderation scanner carry these names as labels, so a policy names
``{"self_harm": "block", "profanity": "log"}`` whatever backend runs.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "CATEGORIES",
    "LLAMA_GUARD_CODES",
    "LLM_GUARD_SCANNERS",
    "OPENAI_CATEGORIES",
    "openai_category",
]

CATEGORIES: Final = (
    "hate",
    "harassment",
    "violence",
    "self_harm",
    "sexual",
    "sexual_minors",
    "illicit",
    "profanity",
    "other",
)
"""Every label the moderation scanner emits."""

OPENAI_CATEGORIES: Final[dict[str, str]] = {
    "hate": "hate",
    "hate/threatening": "hate",
    "harassment": "harassment",
    "harassment/threatening": "harassment",
    "self-harm": "self_harm",
    "self-harm/intent": "self_harm",
    "self-harm/instructions": "self_harm",
    "sexual": "sexual",
    "sexual/minors": "sexual_minors",
    "violence": "violence",
    "violence/graphic": "violence",
    "illicit": "illicit",
    "illicit/violent": "illicit",
}
"""OpenAI moderation categories (``omni-moderation`` and ``text-moderation``)."""

LLAMA_GUARD_CODES: Final[dict[str, str]] = {
    "S1": "violence",  # violent crimes
    "S2": "illicit",  # non-violent crimes
    "S3": "sexual",  # sex-related crimes
    "S4": "sexual_minors",  # child sexual exploitation
    "S5": "other",  # defamation
    "S6": "other",  # specialized advice
    "S7": "other",  # privacy
    "S8": "other",  # intellectual property
    "S9": "violence",  # indiscriminate weapons
    "S10": "hate",
    "S11": "self_harm",
    "S12": "sexual",  # sexual content
    "S13": "other",  # elections
    "S14": "illicit",  # code interpreter abuse
}
"""Llama Guard 3's hazard codes (MLCommons taxonomy)."""

LLM_GUARD_SCANNERS: Final[dict[str, str | None]] = {
    "Toxicity": "harassment",
    "BanTopics": "other",
    "BanSubstrings": "other",
    "BanCompetitors": "other",
    "Bias": "hate",
    "Sentiment": "other",
    "MaliciousURLs": "illicit",
    # Covered by guardstream's own pools; their verdicts are not moderation's to give.
    "PromptInjection": None,
    "Secrets": None,
    "Anonymize": None,
    "Sensitive": None,
    "Deanonymize": None,
    "InvisibleText": None,
    "TokenLimit": None,
    "Language": None,
    "LanguageSame": None,
    "Code": None,
    "Gibberish": None,
    "Regex": None,
    "NoRefusal": None,
    "Relevance": None,
    "JSON": None,
    "ReadingTime": None,
    "FactualConsistency": None,
    "URLReachability": None,
}
"""LLM Guard scanner names; ``None`` means the result is ignored, unknown names map to
``other``."""


def openai_category(name: str) -> str:
    """The taxonomy category of an OpenAI category name; unknown names (new ones) are ``other``."""
    return OPENAI_CATEGORIES.get(name, OPENAI_CATEGORIES.get(name.split("/")[0], "other"))
