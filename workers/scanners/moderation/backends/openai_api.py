"""OpenAI's moderation API (or any server that speaks it): one call per batch."""

from __future__ import annotations

from typing import Any, ClassVar

from workers.scanners.base import ScanItem
from workers.scanners.moderation.backends.base import Categories, HttpBackend, expect
from workers.scanners.moderation.backends.taxonomy import openai_category

__all__ = ["OpenAIModeration"]


class OpenAIModeration(HttpBackend):
    """POST ``{base_url}/v1/moderations`` with ``{"model", "input": [texts]}``.

    A category appears in a text's answer when the API flags it or its score reaches
    ``min_score``; a flagged category scores at least ``flagged_score`` so that the API's own
    decision passes the scanner's default threshold (a policy can still raise the bar).
    Options besides :class:`HttpBackend`'s: ``model``, ``min_score``, ``flagged_score``.
    """

    name: ClassVar[str] = "openai"

    def __init__(
        self,
        model: str = "omni-moderation-latest",
        min_score: float = 0.2,
        flagged_score: float = 0.5,
        **http: Any,
    ) -> None:
        super().__init__(**http)
        self.model = model
        self.min_score = min_score
        self.flagged_score = flagged_score

    def classify(self, items: list[ScanItem]) -> list[Categories]:
        """One API call for the whole batch."""
        if not items:
            return []
        reply = self.post(
            "/v1/moderations", {"model": self.model, "input": [i.text for i in items]}
        )
        results = reply.get("results") if isinstance(reply, dict) else None
        expect(
            isinstance(results, list) and len(results) == len(items),
            self.name,
            f"'results' is not a list of {len(items)}",
        )
        return [self._categories(r) for r in results]  # type: ignore[union-attr]

    def _categories(self, result: Any) -> Categories:
        expect(isinstance(result, dict), self.name, "a result is not an object")
        flags = result.get("categories") or {}
        scores = result.get("category_scores") or {}
        expect(
            isinstance(flags, dict) and isinstance(scores, dict),
            self.name,
            "'categories' or 'category_scores' is not an object",
        )
        found: Categories = {}
        for name in {*flags, *scores}:
            score = scores.get(name, 0.0)
            expect(isinstance(score, int | float), self.name, f"score of {name!r} is not a number")
            score = min(max(float(score), 0.0), 1.0)
            if flags.get(name) is True:
                score = max(score, self.flagged_score)
            elif score < self.min_score:
                continue
            category = openai_category(name)
            found[category] = max(found.get(category, 0.0), score)
        return found
