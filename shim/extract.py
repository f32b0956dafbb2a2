"""Texts out of requests and responses of every endpoint LiteLLM routes through the guardrail
hooks, and masked texts back in.

Every :class:`topics.Text` remembers where it came from (``message``: the chat message, the
Responses API input item or the response choice; ``part``: the content part, -1 for a plain
string, ``-2 - k`` for the arguments of the message's k-th tool call), so a redacted text can
be put back exactly where its original was. Tool-call arguments and tool results are scanned
because they carry indirect injections.

Request fields outside a list of messages have message indices of their own:
``/v1/completions``' ``prompt`` is message -1 (part -1 for a string, k for the k-th string of
a list), the Responses API's ``instructions`` message -2 and its ``input`` as one string
message -3; a list ``input`` is read like chat messages.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from topics import Text

__all__ = [
    "mask_messages",
    "mask_request",
    "mask_response",
    "mask_stream",
    "merge_redactions",
    "message_texts",
    "request_texts",
    "response_texts",
    "stream_texts",
]


_TEXT_PARTS = frozenset({"text", "input_text", "output_text"})
_PROMPT, _INSTRUCTIONS, _INPUT = -1, -2, -3


def request_texts(data: Mapping[str, Any]) -> list[Text]:
    """The non-empty text pieces of a request: chat ``messages``; else a completion's
    ``prompt``, a Responses API ``instructions`` and ``input``. (LiteLLM's logging callbacks
    see the chat messages under ``input`` as well: they are read once.)"""
    if isinstance(data.get("messages"), list):
        return message_texts(data["messages"])
    texts: list[Text] = []
    prompt = data.get("prompt")
    if isinstance(prompt, str) and prompt:
        texts.append(Text(role="user", content=prompt, message=_PROMPT, part=-1))
    elif isinstance(prompt, list):
        texts += [
            Text(role="user", content=p, message=_PROMPT, part=k)
            for k, p in enumerate(prompt)
            if isinstance(p, str) and p
        ]
    instructions = data.get("instructions")
    if isinstance(instructions, str) and instructions:
        texts.append(Text(role="system", content=instructions, message=_INSTRUCTIONS, part=-1))
    given = data.get("input")
    if isinstance(given, str) and given:
        texts.append(Text(role="user", content=given, message=_INPUT, part=-1))
    elif isinstance(given, list):
        texts += message_texts(given)
    return texts


def message_texts(messages: object) -> list[Text]:
    """The non-empty text pieces of a list of chat messages (or Responses API input items)."""
    if not isinstance(messages, list):
        return []
    texts = []
    for i, message in enumerate(messages):
        if not isinstance(message, Mapping):
            continue
        role = str(message.get("role") or ("tool" if "output" in message else ""))
        content = message.get("content", message.get("output"))
        if isinstance(content, str) and content:
            texts.append(Text(role=role, content=content, message=i, part=-1))
        elif isinstance(content, list):
            for j, part in enumerate(content):
                if isinstance(part, Mapping) and part.get("type") in _TEXT_PARTS:
                    text = part.get("text")
                    if isinstance(text, str) and text:
                        texts.append(Text(role=role, content=text, message=i, part=j))
        for k, arguments in enumerate(_tool_arguments(message)):
            if isinstance(arguments, str) and arguments.strip():
                texts.append(Text(role=role, content=arguments, message=i, part=-2 - k))
    return texts


def _tool_arguments(message: Mapping[str, Any]) -> list[object]:
    """The arguments of a message's tool calls (or of its legacy ``function_call``, or of a
    Responses API ``function_call`` item)."""
    if message.get("type") == "function_call":
        return [message.get("arguments")]
    calls = message.get("tool_calls")
    if isinstance(calls, list) and calls:
        return [_function(call).get("arguments") for call in calls]
    legacy = message.get("function_call")
    return [legacy.get("arguments")] if isinstance(legacy, Mapping) else []


def _function(call: object) -> Mapping[str, Any]:
    function = call.get("function") if isinstance(call, Mapping) else None
    return function if isinstance(function, Mapping) else {}


def mask_request(data: dict[str, Any], texts: Sequence[Text], masked: Mapping[int, str]) -> None:
    """Put ``masked[i]`` where ``texts[i]`` came from in the request ``data``, in place."""
    listed = "messages" if isinstance(data.get("messages"), list) else "input"
    in_list = {i: c for i, c in masked.items() if texts[i].message >= 0}
    if in_list:
        data[listed] = mask_messages(data[listed], texts, in_list)
    for index, content in masked.items():
        text = texts[index]
        if text.message == _PROMPT and text.part >= 0:
            data["prompt"] = list(data["prompt"])
            data["prompt"][text.part] = content
        elif text.message in (_PROMPT, _INSTRUCTIONS, _INPUT):
            field = {_PROMPT: "prompt", _INSTRUCTIONS: "instructions", _INPUT: "input"}
            data[field[text.message]] = content


def mask_messages(messages: list[Any], texts: Sequence[Text], masked: Mapping[int, str]) -> list:
    """A copy of ``messages`` with ``texts[i]`` replaced by ``masked[i]``."""
    out = list(messages)
    for index, content in masked.items():
        text = texts[index]
        message = out[text.message] = copy.deepcopy(out[text.message])
        if text.part <= -2:
            k = -2 - text.part
            calls = message.get("tool_calls")
            if message.get("type") == "function_call":
                target = message
            else:
                target = calls[k]["function"] if calls else message["function_call"]
            target["arguments"] = content
        elif text.part == -1:
            message["content" if "content" in message else "output"] = content
        else:
            message["content"][text.part]["text"] = content
    return out


def response_texts(response: object) -> list[Text]:
    """The answer texts of a (non-streamed) response: a chat completion's or a text
    completion's choices, or a Responses API answer's output text parts."""
    texts = []
    choices = getattr(response, "choices", None)
    for i, choice in enumerate(choices if isinstance(choices, list | tuple) else []):
        message = getattr(choice, "message", None)
        content = getattr(message, "content", None) if message else getattr(choice, "text", None)
        if isinstance(content, str) and content:
            texts.append(Text(role="assistant", content=content, message=i, part=-1))
    output = getattr(response, "output", None)
    for i, item in enumerate(output if isinstance(output, list | tuple) else []):
        for j, part in enumerate(_field(item, "content") or []):
            text = _field(part, "text")
            if _field(part, "type") == "output_text" and isinstance(text, str) and text:
                texts.append(Text(role="assistant", content=text, message=i, part=j))
    return texts


def mask_response(response: Any, texts: Sequence[Text], masked: Mapping[int, str]) -> None:
    """Replace the answer texts of ``response`` in place."""
    for index, content in masked.items():
        text = texts[index]
        if text.part >= 0:
            part = _field(response.output[text.message], "content")[text.part]
            if isinstance(part, dict):
                part["text"] = content
            else:
                part.text = content
            continue
        choice = response.choices[text.message]
        if getattr(choice, "message", None) is not None:
            choice.message.content = content
        else:
            choice.text = content


def _field(item: object, name: str) -> Any:
    """A field of a pydantic object or of a dict (LiteLLM returns both)."""
    return item.get(name) if isinstance(item, Mapping) else getattr(item, name, None)


def stream_texts(chunks: Iterable[Any]) -> list[Text]:
    """The answer texts of a buffered stream, one per choice, joined from the deltas."""
    joined: dict[int, list[str]] = {}
    for chunk in chunks:
        for choice in getattr(chunk, "choices", None) or []:
            content = getattr(getattr(choice, "delta", None), "content", None)
            if isinstance(content, str) and content:
                joined.setdefault(choice.index, []).append(content)
    return [
        Text(role="assistant", content="".join(parts), message=i, part=-1)
        for i, parts in sorted(joined.items())
    ]


def mask_stream(chunks: list[Any], texts: Sequence[Text], masked: Mapping[int, str]) -> None:
    """Put each masked answer into its choice's first content delta and empty the others."""
    by_choice = {texts[i].message: content for i, content in masked.items()}
    placed: set[int] = set()
    for chunk in chunks:
        for choice in getattr(chunk, "choices", None) or []:
            delta = getattr(choice, "delta", None)
            if (
                delta is None
                or choice.index not in by_choice
                or not getattr(delta, "content", None)
            ):
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
