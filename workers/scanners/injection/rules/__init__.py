"""Compiled prompt-injection heuristics: every rule family in one table, and the scan that
also reads decoded payloads.

Rules are regexes over the folded text of :func:`workers.scanners.text.normalize.normalize`,
each with a family and a weight (see :mod:`.core`); the families live in their own modules here:

- ``override`` (:mod:`.override`, other languages in :mod:`.multilingual`): ignore or replace the
  instructions in force;
- ``role_play`` (:mod:`.roleplay`): jailbreak personas, developer mode, "no restrictions",
  fiction wrappers around a harmful objective;
- ``extraction`` (:mod:`.extraction`): reveal the system prompt or secrets;
- ``indirect`` (:mod:`.indirect`): instructions aimed at the assistant inside documents or tool
  output, fake role markers and turns;
- ``obfuscation`` (:mod:`.obfuscation`): encoded payloads, invisible characters, payload
  splitting.

A text's heuristic score combines the weights of the distinct rules that matched as a noisy-OR,
``1 - prod(1 - w)``: one strong rule decides alone, weak cues only count together.
"""

from __future__ import annotations

from dataclasses import replace

from workers.scanners.injection.rules.core import Rule, RuleHit, combine
from workers.scanners.injection.rules.core import match_rules as _match
from workers.scanners.injection.rules.extraction import EXTRACTION_RULES
from workers.scanners.injection.rules.indirect import INDIRECT_RULES
from workers.scanners.injection.rules.multilingual import MULTILINGUAL_RULES
from workers.scanners.injection.rules.obfuscation import OBFUSCATION_RULES, decoded_payloads
from workers.scanners.injection.rules.override import OVERRIDE_RULES
from workers.scanners.injection.rules.roleplay import ROLE_PLAY_RULES
from workers.scanners.text.normalize import normalize

__all__ = ["FAMILIES", "RULES", "Rule", "RuleHit", "combine", "match_rules", "scan_rules"]

FAMILIES = ("override", "role_play", "extraction", "indirect", "obfuscation")

RULES: tuple[Rule, ...] = (
    OVERRIDE_RULES
    + MULTILINGUAL_RULES
    + ROLE_PLAY_RULES
    + EXTRACTION_RULES
    + INDIRECT_RULES
    + OBFUSCATION_RULES
)

_DECODED_BONUS = 0.3
"""Weight of the fact that an attack arrived encoded, on top of what the decoded text says."""


def match_rules(folded: str, raw: str, rules: tuple[Rule, ...] = RULES) -> list[RuleHit]:
    """Every match of every rule in the text itself, in text order; raw rules read ``raw``.
    :func:`scan_rules` also reads the decoded payloads."""
    return _match(folded, raw, rules)


def scan_rules(folded: str, raw: str, rules: tuple[Rule, ...] = RULES) -> list[RuleHit]:
    """:func:`match_rules` on the text, plus the rules that match inside its decoded payloads
    (base64, hex, ROT13). A payload hit is reported as an ``obfuscation`` rule named
    ``decoded:<rule>`` whose span is the encoded run in ``raw``."""
    hits = match_rules(folded, raw, rules)
    for payload in decoded_payloads(raw):
        inner = normalize(payload.text)
        for hit in match_rules(inner.text, payload.text, rules):
            if hit.rule.family == "obfuscation":
                continue
            decoded = replace(
                hit.rule,
                name=f"decoded:{hit.rule.name}",
                family="obfuscation",
                weight=1.0 - (1.0 - hit.rule.weight) * (1.0 - _DECODED_BONUS),
                raw=True,
            )
            hits.append(RuleHit(decoded, payload.start, payload.end))
    hits.sort(key=lambda h: (h.start, -h.end))
    return hits
