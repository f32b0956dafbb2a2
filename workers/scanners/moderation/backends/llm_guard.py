"""LLM Guard's API server (``llm-guard-api``): prompt and output scans."""

from __future__ import annotations

from typing import ClassVar

from workers.scanners.base import ScanItem
from workers.scanners.moderation.backends.base import Categories, PerTextHttpBackend, expect
from workers.scanners.moderation.backends.taxonomy import LLM_GUARD_SCANNERS

__all__ = ["LlmGuardModeration"]


class LlmGuardModeration(PerTextHttpBackend):
    """POST ``{base_url}/scan/prompt`` (``{"prompt"}``) for user and system texts and
    ``/scan/output`` (``{"prompt", "output"}``) for assistant texts, once per text.

    The answer ``{"is_valid", "scanners": {name: risk score}}`` becomes one category per
    scanner with a positive score (mapped by :data:`LLM_GUARD_SCANNERS`; scanners that other
    guardstream pools cover are ignored); an invalid answer that names no scanner is ``other``.
    Options: :class:`PerTextHttpBackend`'s.
    """

    name: ClassVar[str] = "llm_guard"

    def classify_one(self, item: ScanItem) -> Categories:
        """One scan call: a category per LLM Guard scanner with a positive score."""
        if item.role == "assistant":
            reply = self.post("/scan/output", {"prompt": "", "output": item.text})
        else:
            reply = self.post("/scan/prompt", {"prompt": item.text})
        expect(isinstance(reply, dict), self.name, "not an object")
        valid = reply.get("is_valid")
        scanners = reply.get("scanners") or {}
        expect(isinstance(valid, bool), self.name, "'is_valid' is not a boolean")
        expect(isinstance(scanners, dict), self.name, "'scanners' is not an object")
        found: Categories = {}
        for name, score in scanners.items():
            expect(isinstance(score, int | float), self.name, f"score of {name!r} is not a number")
            category = LLM_GUARD_SCANNERS.get(name, "other")
            if category is None or score <= 0:
                continue
            found[category] = max(found.get(category, 0.0), min(float(score), 1.0))
        if not valid and not scanners:
            # Invalid without saying which scanner: still a verdict, just not a named one.
            found["other"] = 1.0
        return found
