"""``stream_mode: incremental``: a streamed answer scanned window by window as it streams.

:class:`IncrementalStream` wraps the chunks LiteLLM hands the streaming iterator hook (chat
completion chunks, text completion chunks, or Responses API events) and yields what the client
may see. Each answer text (a choice, or a Responses output part) is cut into windows by
:mod:`shim.windows`; a window is published for scanning as soon as it is complete, while the
next ones are still arriving (the scans are pipelined), and its text goes to the client only
once its verdict is in, in order: unchanged, masked, or the stream ends with an error event.

Chunks that carry no answer text (a role, a finish reason, usage, the Responses API's
``*.added`` and ``*.done`` events) keep their place: each goes out once the text that came
before it has been released. The Responses API's ``done`` events repeat the whole text, so
they carry the released (masked) text instead of the original.

A block ends the stream with one SSE frame ``data: {"error": {...}}``: LiteLLM's proxy passes
a ``data:`` string from the hook through as its last frame (then ``[DONE]``), and the official
``openai`` client raises such a frame as an ``APIError`` whose ``code`` is the block's code.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterable, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from litellm.proxy._types import ProxyException

from shim.decide import Outcome
from shim.extract import mask_response, response_texts
from shim.windows import (
    Span,
    WindowSettings,
    placeholder_spans,
    released_text,
    safe_end,
    scan_start,
    window_cut,
)
from topics import Text

__all__ = ["IncrementalStream", "WindowScan", "error_frame"]

WindowScan = Callable[[int, list[Text], int], Awaitable[Outcome]]
"""Scans one window: ``(window index, texts, characters of this answer already released)``;
raises a :class:`ProxyException` (the shim's ``GuardrailBlocked``) to block."""

_DELTA = "response.output_text.delta"
Key = tuple[int, int]
"""An answer text: (choice or output index, content part index)."""


def error_frame(error: ProxyException) -> str:
    """The SSE frame that ends a blocked stream with the block's error body."""
    return f"data: {json.dumps({'error': error.to_dict()})}\n\n"


@dataclass(slots=True)
class _Answer:
    """One answer text as it streams."""

    key: Key
    text: str = ""
    published: int = 0
    """End of the last window published."""
    released: int = 0
    """End of the last window whose text went out."""
    out: list[str] = field(default_factory=list)
    """What went out to the client, piece by piece (masked, placeholders restored)."""
    template: Any = None
    """The latest chunk that carried this answer's text: released text goes out in copies."""
    done: bool = False


@dataclass(slots=True)
class _Window:
    answer: _Answer
    start: int
    end: int
    begin: int
    """Where the scanned text starts (context before ``start``)."""
    scan: asyncio.Task[Outcome]


@dataclass(slots=True)
class _Held:
    """A chunk without answer text, waiting for the text before it to be released."""

    chunk: Any
    after: dict[Key, int]


class IncrementalStream:
    """Scans a stream window by window; see the module docstring.

    Args:
        scan: publishes one window and waits for its outcome within the budget.
        settings: how windows are cut.
        restore: applied to released text (``output_parse_pii``'s placeholders).
    """

    def __init__(
        self,
        scan: WindowScan,
        settings: WindowSettings,
        restore: Callable[[str], str] = lambda text: text,
    ) -> None:
        self._scan = scan
        self._settings = settings
        self._restore = restore
        self._answers: dict[Key, _Answer] = {}
        self._windows: deque[_Window] = deque()
        self._held: deque[_Held] = deque()
        self._count = 0

    async def run(self, upstream: AsyncIterable[Any]) -> AsyncGenerator[Any, None]:
        """The chunks the client may see, in order."""
        source = upstream.__aiter__()
        reading: asyncio.Task[Any] | None = asyncio.ensure_future(anext(source))
        try:
            while reading is not None or self._windows:
                waiting: set[asyncio.Future[Any]] = {reading} if reading is not None else set()
                if self._windows:
                    waiting.add(self._windows[0].scan)
                await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
                while self._windows and self._windows[0].scan.done():
                    window = self._windows.popleft()
                    try:
                        outcome = window.scan.result()
                    except ProxyException as e:
                        yield error_frame(e)
                        return
                    for chunk in self._release(window, outcome):
                        yield chunk
                if reading is not None and reading.done():
                    try:
                        chunk = reading.result()
                    except StopAsyncIteration:
                        reading = None
                        for answer in self._answers.values():
                            answer.done = True
                            self._publish(answer)
                    else:
                        reading = asyncio.ensure_future(anext(source))
                        self._take(chunk)
                for chunk in self._ready():
                    yield chunk
        finally:
            if reading is not None:
                reading.cancel()
                with contextlib.suppress(BaseException):
                    await reading
            for window in self._windows:
                window.scan.cancel()

    # --- chunks in -------------------------------------------------------------------------

    def _take(self, chunk: Any) -> None:
        """Absorb a chunk's answer text; hold whatever else it carries in its place."""
        kind = getattr(chunk, "type", None)
        if kind == _DELTA:
            key = (int(chunk.output_index), int(chunk.content_index))
            self._grow(key, chunk, str(chunk.delta or ""))
            return
        choices = getattr(chunk, "choices", None) or []
        if kind is not None or not choices:  # another Responses API event, or usage
            self._hold(chunk)
            return
        grown: list[tuple[Key, str]] = []
        template, opens, closes = None, False, False
        for choice in choices:
            delta = getattr(choice, "delta", None)
            text = getattr(delta, "content", None) if delta is not None else choice.text
            if isinstance(text, str) and text:
                template = template or chunk.model_copy(deep=True)
                grown.append(((int(choice.index), 0), text))
                if delta is not None:
                    delta.content = None
                else:
                    choice.text = None
            opens = opens or bool(getattr(delta, "role", None))
            closes = closes or bool(
                choice.finish_reason
                or getattr(delta, "tool_calls", None)
                or getattr(delta, "function_call", None)
            )
        if not grown or opens:  # a role opens the answer: out before the answer's text
            self._hold(chunk)
        for key, text in grown:
            self._grow(key, template, text)
        if grown and closes and not opens:  # a finish reason closes it: out after the text
            self._hold(chunk)

    def _grow(self, key: Key, template: Any, text: str) -> None:
        answer = self._answers.setdefault(key, _Answer(key))
        if template is not None:
            answer.template = template
        answer.text += text
        self._publish(answer)

    def _hold(self, chunk: Any) -> None:
        self._held.append(_Held(chunk, {k: len(a.text) for k, a in self._answers.items()}))

    def _publish(self, answer: _Answer) -> None:
        """Publish the answer's next window, if one is complete."""
        s = self._settings
        safe = safe_end(answer.text, answer.published, final=answer.done, max_hold=s.max_hold)
        first = answer.published == 0
        cut = window_cut(
            answer.text, answer.published, safe, first=first, final=answer.done, settings=s
        )
        if cut is None:
            return
        begin = scan_start(answer.text, answer.published, s.context_chars)
        texts = [
            Text(role="assistant", content=answer.text[begin:cut], message=answer.key[0], part=-1)
        ]
        scan = asyncio.ensure_future(self._scan(self._count, texts, answer.published))
        self._windows.append(_Window(answer, answer.published, cut, begin, scan))
        self._count += 1
        answer.published = cut

    # --- chunks out ------------------------------------------------------------------------

    def _release(self, window: _Window, outcome: Outcome) -> list[Any]:
        answer = window.answer
        spans: list[Span] = []
        if outcome.decision == "mask" and 0 in outcome.masked:
            scanned = answer.text[window.begin : window.end]
            spans = [
                Span(
                    start=s.start + window.begin,
                    end=s.end + window.begin,
                    replacement=s.replacement,
                )
                for s in placeholder_spans(scanned, outcome.masked[0])
            ]
        piece = self._restore(released_text(answer.text, window.start, window.end, spans))
        answer.released = window.end
        answer.out.append(piece)
        out = [_with_text(answer.template, answer.key, piece)] if piece else []
        return out + list(self._ready())

    def _ready(self) -> list[Any]:
        """Held chunks whose preceding text is all out, in order."""
        out = []
        while self._held and all(
            self._answers[k].released >= n for k, n in self._held[0].after.items()
        ):
            out.append(self._finished(self._held.popleft().chunk))
        return out

    def _finished(self, event: Any) -> Any:
        """A Responses API ``done`` event with the released text in place of the original."""
        kind = getattr(event, "type", None)
        released = {k: "".join(a.out) for k, a in self._answers.items()}
        if kind == "response.output_text.done":
            event.text = released.get((event.output_index, event.content_index), event.text)
        elif kind == "response.content_part.done":
            _set_text(event.part, released.get((event.output_index, event.content_index)))
        elif kind == "response.output_item.done":
            for j, part in enumerate(_get(event.item, "content") or []):
                _set_text(part, released.get((event.output_index, j)))
        elif kind in ("response.completed", "response.incomplete") and event.response:
            texts = response_texts(event.response)
            masked = {
                i: released[(t.message, t.part)]
                for i, t in enumerate(texts)
                if (t.message, t.part) in released
            }
            mask_response(event.response, texts, masked)
        return event


def _with_text(template: Any, key: Key, text: str) -> Any:
    """A copy of ``template`` carrying ``text`` as the answer ``key``'s only content."""
    if getattr(template, "type", None) == _DELTA:
        return template.model_copy(update={"delta": text})
    chunk = template.model_copy(deep=True)
    choices = [c for c in chunk.choices if int(c.index) == key[0]]
    for choice in choices:
        choice.finish_reason = None
        delta = getattr(choice, "delta", None)
        if delta is not None:
            delta.content = text
            delta.role = None
            delta.tool_calls = None
        else:
            choice.text = text
    chunk.choices = choices
    return chunk


def _get(item: Any, name: str) -> Any:
    return item.get(name) if isinstance(item, dict) else getattr(item, name, None)


def _set_text(part: Any, text: str | None) -> None:
    if text is None or _get(part, "type") != "output_text":
        return
    if isinstance(part, dict):
        part["text"] = text
    else:
        part.text = text
