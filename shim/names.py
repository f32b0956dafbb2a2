"""The names users already know for guardstream's scanners, read from :mod:`topics.scanners`.

The users' guide and LiteLLM name their guardrails ``presidio``, ``hide_secrets``,
``detect_prompt_injection``, ``lakera_prompt_injection`` and ``llmguard_moderations``; a config
or a request that uses those names means guardstream's scanner of the same job. Every place
the shim reads a scanner's name (``scanners``, ``actions``, ``thresholds``, ``callback_args``,
per-request toggles) goes through :func:`scanner_name`; ``docs/configuration.md`` has the table.
"""

from __future__ import annotations

from topics.scanners import ALIASES
from topics.scanners import SCANNER_KINDS as SCANNERS
from topics.scanners import scanner_kind as scanner_name

__all__ = ["ALIASES", "SCANNERS", "scanner_name"]
