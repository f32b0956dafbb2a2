"""The names users already know for guardstream's scanners.

The users' guide and LiteLLM name their guardrails ``presidio``, ``hide_secrets``,
``detect_prompt_injection``, ``lakera_prompt_injection`` and ``llmguard_moderations``; a config
or a request that uses those names means guardstream's scanner of the same job. Every place
the shim reads a scanner's name (``scanners``, ``actions``, ``thresholds``, ``callback_args``,
per-request toggles) goes through :func:`scanner_name`.

| name in the guide or LiteLLM | guardstream scanner |
| --- | --- |
| ``presidio``, ``pii_masking`` | ``pii`` |
| ``detect_prompt_injection``, ``lakera_prompt_injection``, ``injection`` | ``prompt_injection`` |
| ``hide_secrets``, ``secret_detection`` | ``secrets`` |
| ``llmguard_moderations``, ``openai_moderation`` | ``moderation`` |
"""

from __future__ import annotations

from topics import SCANNER_KINDS as SCANNERS

__all__ = ["ALIASES", "SCANNERS", "scanner_name"]

ALIASES: dict[str, str] = {
    "presidio": "pii",
    "pii_masking": "pii",
    "detect_prompt_injection": "prompt_injection",
    "lakera_prompt_injection": "prompt_injection",
    "injection": "prompt_injection",
    "hide_secrets": "secrets",
    "secret_detection": "secrets",
    "llmguard_moderations": "moderation",
    "openai_moderation": "moderation",
}
"""Other names of each scanner, as the users' guide and LiteLLM spell them."""


def scanner_name(name: str) -> str | None:
    """The scanner ``name`` means (itself or through an alias), or None when it names none."""
    if name in SCANNERS:
        return name
    return ALIASES.get(name)
