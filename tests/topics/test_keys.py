"""Keys and ids: a chunk's id names its request, and only a chunk's does."""

from __future__ import annotations

import pytest

from topics import chunk_id, chunk_parent, message_key


@pytest.mark.parametrize("request_id", ["abc", "a#c", "call#w3", "x#c1y", ""])
def test_a_chunk_id_names_its_request(request_id: str) -> None:
    assert chunk_parent(chunk_id(request_id, 7)) == request_id
    assert chunk_parent(request_id) is None  # a request's own id, a stream window's: no chunk


def test_chunks_of_one_request_have_keys_of_their_own() -> None:
    keys = {message_key(chunk_id("call-1", k)) for k in range(64)}
    assert len(keys) == 64 and message_key("call-1") not in keys
