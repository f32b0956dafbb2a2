"""Numbered placeholders for ``output_parse_pii``: the model sees ``<PERSON_1>``, the client
gets the original value back in the answer, as with LiteLLM's Presidio guardrail.

The pools mask with plain ``<ENTITY>`` placeholders; :func:`number` finds what each one hides
by aligning the masked text with its original, numbers it, and remembers the value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = ["number", "restore"]

_PLACEHOLDER = re.compile(r"<([A-Z][A-Z0-9_]*)>")


def number(original: str, masked: str, tokens: dict[str, str]) -> str:
    """``masked`` with each ``<ENTITY>`` turned into ``<ENTITY_n>``, adding ``<ENTITY_n>`` ->
    original value to ``tokens`` (n counts on across calls that share ``tokens``). When the
    two texts cannot be aligned, ``masked`` comes back unchanged and nothing is added."""
    pieces = _PLACEHOLDER.split(masked)  # literal, label, literal, label, ..., literal
    literals, labels = pieces[0::2], pieces[1::2]
    if not labels or not original.startswith(literals[0]):
        return masked
    values, at = [], len(literals[0])
    for k, literal in enumerate(literals[1:], start=1):
        if k == len(literals) - 1:  # the last literal closes the text
            end = len(original) - len(literal)
            if end < at or not original.endswith(literal):
                return masked
        else:
            end = original.find(literal, at + 1) if literal else at + 1
            if end < 0:
                return masked
        values.append(original[at:end])
        at = end + len(literal)
    found: dict[str, str] = {}
    out = [literals[0]]
    for label, value, literal in zip(labels, values, literals[1:], strict=True):
        token = f"<{label}_{len(tokens) + len(found) + 1}>"
        found[token] = value
        out += [token, literal]
    tokens.update(found)
    return "".join(out)


def restore(text: str, tokens: Mapping[str, str]) -> str:
    """``text`` with every numbered placeholder of ``tokens`` replaced by its value."""
    if not tokens:
        return text
    pattern = re.compile("|".join(re.escape(t) for t in sorted(tokens, key=len, reverse=True)))
    return pattern.sub(lambda m: tokens[m.group(0)], text)
