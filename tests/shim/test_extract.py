"""Texts out of every endpoint's requests and answers, and masked texts back where they were."""

from __future__ import annotations

import copy
from types import SimpleNamespace
from typing import Any

import pytest

from shim.extract import mask_request, mask_response, request_texts, response_texts


@pytest.mark.parametrize(
    ("data", "texts"),
    [
        ({"prompt": "say hi"}, ["say hi"]),
        ({"prompt": ["one", "", "two"]}, ["one", "two"]),
        ({"input": "a question", "instructions": "be brief"}, ["be brief", "a question"]),
        (
            {
                "input": [
                    {"role": "user", "content": [{"type": "input_text", "text": "hello"}]},
                    {"type": "function_call", "call_id": "c", "name": "f", "arguments": "{}x"},
                    {"type": "function_call_output", "call_id": "c", "output": "tool says hi"},
                ]
            },
            ["hello", "{}x", "tool says hi"],
        ),
        ({"messages": [{"role": "user", "content": "chat"}], "model": "m"}, ["chat"]),
        # a logging callback's kwargs: the same messages under input too, read once
        (
            {
                "messages": [{"role": "user", "content": "once"}],
                "input": [{"role": "user", "content": "once"}],
            },
            ["once"],
        ),
        ({"input": [1, None, "not a message"]}, []),
    ],
)
def test_request_texts_of_every_endpoint(data: dict[str, Any], texts: list[str]) -> None:
    assert [t.content for t in request_texts(data)] == texts


@pytest.mark.parametrize(
    "data",
    [
        {"prompt": "mail a@b.io"},
        {"prompt": ["keep", "mail a@b.io"]},
        {"input": "mail a@b.io", "instructions": "keep"},
        {"input": [{"role": "user", "content": [{"type": "input_text", "text": "mail a@b.io"}]}]},
        {"input": [{"type": "function_call_output", "call_id": "c", "output": "mail a@b.io"}]},
        {"messages": [{"role": "user", "content": "mail a@b.io"}]},
    ],
)
def test_masks_go_back_where_the_text_came_from(data: dict[str, Any]) -> None:
    original = copy.deepcopy(data)
    texts = request_texts(data)
    masked = {i: "mail <EMAIL>" for i, t in enumerate(texts) if "a@b.io" in t.content}
    mask_request(data, texts, masked)
    after = [t.content for t in request_texts(data)]
    assert after == [t.content.replace("a@b.io", "<EMAIL>") for t in request_texts(original)]
    assert "a@b.io" not in str(data)


def test_answers_of_text_completions_and_the_responses_api() -> None:
    completion = SimpleNamespace(choices=[SimpleNamespace(text="call +1 415 555 0132")])
    responses = SimpleNamespace(
        output=[
            SimpleNamespace(type="reasoning", content=None),
            SimpleNamespace(content=[SimpleNamespace(type="output_text", text="mail a@b.io")]),
        ]
    )
    for answer, text in ((completion, "call +1 415 555 0132"), (responses, "mail a@b.io")):
        texts = response_texts(answer)
        assert [t.content for t in texts] == [text]
        mask_response(answer, texts, {0: "<MASKED>"})
        assert [t.content for t in response_texts(answer)] == ["<MASKED>"]
