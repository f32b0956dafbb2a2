"""Llama Guard 3 behind an OpenAI-compatible chat endpoint (vLLM, Ollama, TGI...)."""

from __future__ import annotations

from typing import Any, ClassVar

from workers.scanners.base import ScanItem
from workers.scanners.moderation.backends.base import Categories, PerTextHttpBackend, expect
from workers.scanners.moderation.backends.taxonomy import LLAMA_GUARD_CODES

__all__ = ["LlamaGuardModeration"]

_NO_PROMPT = "(the prompt is not available)"


class LlamaGuardModeration(PerTextHttpBackend):
    """POST ``{base_url}/v1/chat/completions`` once per text, ``concurrency`` at a time.

    The served model's chat template turns the conversation into Llama Guard's classification
    prompt; it judges the last turn, so an assistant text is sent after a placeholder user turn.
    The reply is ``safe`` or ``unsafe`` with a line of hazard codes (``S1,S10``), each mapped to
    the taxonomy with score 1.0 (``other`` when ``unsafe`` names no code).
    Options besides :class:`PerTextHttpBackend`'s: ``model``.
    """

    name: ClassVar[str] = "llama_guard"

    def __init__(
        self, model: str = "meta-llama/Llama-Guard-3-8B", concurrency: int = 4, **http: Any
    ) -> None:
        super().__init__(concurrency, **http)
        self.model = model

    def classify_one(self, item: ScanItem) -> Categories:
        """One chat call: Llama Guard's answer for the text's turn."""
        if item.role == "assistant":
            messages = [
                {"role": "user", "content": _NO_PROMPT},
                {"role": "assistant", "content": item.text},
            ]
        else:
            messages = [{"role": "user", "content": item.text}]
        reply = self.post(
            "/v1/chat/completions",
            {"model": self.model, "messages": messages, "temperature": 0, "max_tokens": 20},
        )
        try:
            content = reply["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError):
            content = None
        expect(isinstance(content, str), self.name, "no choices[0].message.content")
        return self.parse(content)  # type: ignore[arg-type]

    def parse(self, content: str) -> Categories:
        """Categories of a Llama Guard answer (``safe`` / ``unsafe\\nS1,S10``)."""
        lines = [line.strip() for line in content.strip().splitlines() if line.strip()]
        verdict = lines[0].lower() if lines else ""
        expect(verdict in {"safe", "unsafe"}, self.name, f"verdict {verdict[:40]!r}")
        if verdict == "safe":
            return {}
        codes = [c.strip().upper() for c in (lines[1] if len(lines) > 1 else "").split(",")]
        found = {LLAMA_GUARD_CODES.get(c, "other"): 1.0 for c in codes if c}
        return found or {"other": 1.0}
