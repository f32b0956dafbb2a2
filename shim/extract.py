"""Texts out of chat requests and responses, and masked texts back in.

Every :class:`topics.Text` remembers where it came from (``message``: the chat message or the
response choice; ``part``: the content part, -1 for a plain string, ``-2 - k`` for the
arguments of the message's k-th tool call), so a redacted text can be put back exactly where
its original was. Tool-call arguments are scanned because they carry indirect injections as
well as tool results do.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from topics import Text

__all__ = [
    "mask_messages",
    "mask_response",
    "mask_stream",
    "merge_redactions",
    "request_texts",
    "response_texts",
    "stream_texts",
]


def request_texts(messages: object) -> list[Text]:
    """The non-empty text pieces of a chat request's ``messages``."""
    if not isinstance(messages, list):
        return []
    texts = []
    for i, message in enumerate(messages):
        if not isinstance(message, Mapping):
            continue
        role = str(message.get("role", ""))
        content = message.get("content")
        if isinstance(content, str) and content:
            texts.append(Text(role, content, i, -1))
        elif isinstance(content, list):
            for j, part in enumerate(content):
                if isinstance(part, Mapping) and part.get("type") == "text":
                    text = part.get("text")
                    if isinstance(text, str) and text:
                        texts.append(Text(role, text, i, j))
        for k, arguments in enumerate(_tool_arguments(message)):
            if isinstance(arguments, str) and arguments.strip():
                texts.append(Text(role, arguments, i, -2 - k))
    return texts


def _tool_arguments(message: Mapping[str, Any]) -> list[object]:
    """The arguments of a message's tool calls (or of its legacy ``function_call``)."""
    calls = message.get("tool_calls")
    if isinstance(calls, list) and calls:
        return [_function(call).get("arguments") for call in calls]
    legacy = message.get("function_call")
    return [legacy.get("arguments")] if isinstance(legacy, Mapping) else []


def _function(call: object) -> Mapping[str, Any]:
    function = call.get("function") if isinstance(call, Mapping) else None
    return function if isinstance(function, Mapping) else {}


def mask_messages(messages: list[Any], texts: Sequence[Text], masked: Mapping[int, str]) -> list:
    """A copy of ``messages`` with ``texts[i]`` replaced by ``masked[i]``."""
    out = list(messages)
    for index, content in masked.items():
        text = texts[index]
        message = out[text.message] = copy.deepcopy(out[text.message])
        if text.part <= -2:
            k = -2 - text.part
            calls = message.get("tool_calls")
            target = calls[k]["function"] if calls else message["function_call"]
            target["arguments"] = content
        elif text.part == -1:
            message["content"] = content
        else:
            message["content"][text.part]["text"] = content
    return out


def response_texts(response: object) -> list[Text]:
    """The answer texts of a (non-streamed) chat completion, one per choice."""
    choices = getattr(response, "choices", None)
    if not isinstance(choices, list | tuple):
        return []
    texts = []
    for i, choice in enumerate(choices):
        content = getattr(getattr(choice, "message", None), "content", None)
        if isinstance(content, str) and content:
            texts.append(Text("assistant", content, i, -1))
    return texts


def mask_response(response: Any, texts: Sequence[Text], masked: Mapping[int, str]) -> None:
    """Replace the answer texts of ``response`` in place."""
    for index, content in masked.items():
        response.choices[texts[index].message].message.content = content


def stream_texts(chunks: Iterable[Any]) -> list[Text]:
    """The answer texts of a buffered stream, one per choice, joined from the deltas."""
    joined: dict[int, list[str]] = {}
    for chunk in chunks:
        for choice in getattr(chunk, "choices", None) or []:
            content = getattr(getattr(choice, "delta", None), "content", None)
            if isinstance(content, str) and content:
                joined.setdefault(choice.index, []).append(content)
    return [Text("assistant", "".join(parts), i, -1) for i, parts in sorted(joined.items())]


def mask_stream(chunks: list[Any], texts: Sequence[Text], masked: Mapping[int, str]) -> None:
    """Put each masked answer into its choice's first content delta and empty the others."""
    by_choice = {texts[i].message: content for i, content in masked.items()}
    placed: set[int] = set()
    for chunk in chunks:
        for choice in getattr(chunk, "choices", None) or []:
            delta = getattr(choice, "delta", None)
            if choice.index not in by_choice or not getattr(delta, "content", None):
                continue
            delta.content = "" if choice.index in placed else by_choice[choice.index]
            placed.add(choice.index)


def merge_redactions(original: str, versions: Sequence[str]) -> str:
    """One text with the masks of every version applied.

    Each scanner redacts the original on its own (PII and secrets may both mask one text), so
    their replaced spans are found against the original and applied together; where two spans
    overlap, the first one found wins.
    """
    if len(versions) == 1:
        return versions[0]
    spans: list[tuple[int, int, str]] = []
    for version in versions:
        matcher = difflib.SequenceMatcher(None, original, version, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag != "equal":
                spans.append((i1, i2, version[j1:j2]))
    out, at = [], 0
    for start, end, replacement in sorted(spans, key=lambda s: (s[0], -s[1])):
        if start < at:
            continue  # overlaps a span already applied
        out.append(original[at:start])
        out.append(replacement)
        at = max(end, start)
    out.append(original[at:])
    return "".join(out)
