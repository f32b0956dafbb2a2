"""Hypothesis fuzz of the shim's text extraction (:mod:`shim.extract`).

Whatever a client puts in ``messages`` (any JSON value, any shape) and whatever shape a
response object has, extraction must either return clean texts that point back at exactly
where they came from, or raise a typed guardstream error; masking must put each masked text
back in its place and touch nothing else.
"""

from __future__ import annotations

import copy
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shim.extract import (
    mask_messages,
    mask_response,
    mask_stream,
    merge_redactions,
    message_texts,
    response_texts,
    stream_texts,
)
from topics import GuardstreamError, Text

FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text()
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
roles = st.sampled_from(["user", "assistant", "system", "tool", "developer", ""]) | st.text()
parts = st.one_of(
    st.fixed_dictionaries({"type": st.just("text"), "text": st.text() | json_values}),
    st.fixed_dictionaries(
        {"type": st.just("image_url"), "image_url": st.fixed_dictionaries({"url": st.text()})}
    ),
    st.fixed_dictionaries({"type": st.sampled_from(["input_audio", "file", "text"])}),
    json_values,
)
messages_like = st.fixed_dictionaries(
    {"role": roles | json_values},
    optional={
        "content": st.text() | st.lists(parts, max_size=5) | json_values,
        "tool_calls": json_values,
        "name": st.text(),
    },
)
conversations = st.lists(messages_like | json_values, max_size=8) | json_values


def _at(messages: list[Any], text: Text) -> Any:
    content = messages[text.message]["content"]
    return content if text.part < 0 else content[text.part]["text"]


def _extract(messages: object) -> list[Text]:
    try:
        return message_texts(messages)
    except GuardstreamError:
        return []


@FUZZ
@given(conversations)
def test_request_texts_are_clean_and_point_back_where_they_came_from(messages: object) -> None:
    before = copy.deepcopy(messages)
    texts = _extract(messages)
    assert messages == before or messages != messages  # NaN compares unequal to itself
    for text in texts:
        assert isinstance(text, Text)
        assert isinstance(text.content, str) and text.content
        assert isinstance(text.role, str)
        assert isinstance(messages, list)
        assert _at(messages, text) == text.content


@FUZZ
@given(conversations, st.data())
def test_mask_messages_replaces_exactly_the_masked_texts(messages: object, data: Any) -> None:
    texts = _extract(messages)
    if not texts:
        return
    assert isinstance(messages, list)
    chosen = data.draw(st.sets(st.integers(0, len(texts) - 1)))
    masked = {i: data.draw(st.text()) for i in chosen}
    before = copy.deepcopy(messages)
    out = mask_messages(messages, texts, masked)
    assert repr(messages) == repr(before)  # the caller's list and dicts are untouched
    for i, text in enumerate(texts):
        assert _at(out, text) == masked.get(i, text.content)
    touched = {texts[i].message for i in chosen}
    for j, (old, new) in enumerate(zip(before, out, strict=True)):
        if j not in touched:
            assert repr(old) == repr(new)


def _namespace(value: Any) -> Any:
    """A JSON value as the attribute objects LiteLLM's responses are made of."""
    if isinstance(value, dict):
        return SimpleNamespace(**{str(k): _namespace(v) for k, v in value.items()})
    if isinstance(value, list):
        return [_namespace(v) for v in value]
    return value


choice = st.fixed_dictionaries(
    {"index": st.integers(0, 3)},
    optional={"message": st.fixed_dictionaries({}, optional={"content": st.text() | json_values}),
              "delta": st.fixed_dictionaries({}, optional={"content": st.text() | json_values})},
)  # fmt: skip
responses = st.fixed_dictionaries({}, optional={"choices": st.lists(choice, max_size=4)})


@FUZZ
@given(responses, st.data())
def test_response_texts_and_masks_on_any_response_shape(response: dict, data: Any) -> None:
    obj = _namespace(response)
    try:
        texts = response_texts(obj)
    except GuardstreamError:
        return
    for text in texts:
        assert obj.choices[text.message].message.content == text.content != ""
    masked = {i: data.draw(st.text()) for i in range(len(texts))}
    mask_response(obj, texts, masked)
    for i, text in enumerate(texts):
        assert obj.choices[text.message].message.content == masked[i]


@FUZZ
@given(st.lists(responses, max_size=6))
def test_stream_texts_join_each_choices_deltas(chunks: list[dict]) -> None:
    objs = [_namespace(c) for c in chunks]
    try:
        texts = stream_texts(objs)
    except GuardstreamError:
        return
    expected: dict[int, str] = {}
    for chunk in chunks:
        for c in chunk.get("choices", []):
            content = c.get("delta", {}).get("content")
            if isinstance(content, str) and content:
                expected[c["index"]] = expected.get(c["index"], "") + content
    assert {t.message: t.content for t in texts} == expected
    mask_stream(objs, texts, {i: "<MASKED>" for i in range(len(texts))})
    assert {t.message for t in stream_texts(objs)} == set(expected)
    assert all(t.content == "<MASKED>" for t in stream_texts(objs))


@FUZZ
@given(st.text(max_size=60), st.lists(st.text(max_size=60), min_size=1, max_size=3))
def test_merge_redactions_never_fails(original: str, versions: list[str]) -> None:
    merged = merge_redactions(original, versions)
    assert isinstance(merged, str)
    if len(versions) == 1:
        assert merged == versions[0]
    if all(v == original for v in versions):
        assert merged == original


@pytest.mark.parametrize(
    "response",
    [
        SimpleNamespace(choices=5),
        SimpleNamespace(choices=[SimpleNamespace(message=SimpleNamespace(content="hi"))]),
        SimpleNamespace(choices=None),
        None,
        "a string",
    ],
)
def test_response_texts_accepts_odd_objects(response: object) -> None:
    try:
        texts = response_texts(response)
    except GuardstreamError:
        return
    assert all(isinstance(t, Text) for t in texts)
