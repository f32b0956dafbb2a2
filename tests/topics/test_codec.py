from __future__ import annotations

import dataclasses

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.topics.samples import SAMPLES
from topics import (
    AuditRecord,
    AuditTick,
    DeadLetter,
    DecodeError,
    EncodeError,
    ScanRequest,
    ScanResult,
    Text,
    Verdict,
    decode,
    encode,
    messages,
    peek_schema,
)
from topics.codec import MAX_MESSAGE_BYTES

MESSAGE_TYPES = [ScanRequest, ScanResult, Verdict, AuditRecord, AuditTick, DeadLetter]
REQUEST = SAMPLES[0]


def _body(message: object) -> dict:
    return orjson.loads(encode(message))["data"]


def _envelope(
    body: object, schema: str = ScanRequest.SCHEMA, v: object = 1, **extra: object
) -> bytes:
    return orjson.dumps({"schema": schema, "v": v, "data": body, **extra})


@pytest.mark.parametrize("message", SAMPLES, ids=lambda m: type(m).__name__)
def test_every_message_type_round_trips(message: object) -> None:
    data = encode(message)
    assert peek_schema(data) == type(message).SCHEMA
    assert decode(type(message), data) == message


def test_every_contract_type_has_a_sample() -> None:
    assert {type(m) for m in SAMPLES} == set(MESSAGE_TYPES)


def test_optional_fields_may_be_left_out() -> None:
    body = _body(REQUEST)
    for optional in ("policy", "caller", "reply"):
        del body[optional]
    decoded = decode(ScanRequest, _envelope(body))
    assert decoded.reply is None
    assert decoded.policy.actions == {}


@pytest.mark.parametrize(
    ("mutate", "reason", "field"),
    [
        (lambda b: b.pop("request_id"), "missing_field", "request_id"),
        (lambda b: b.update(mode="sometimes"), "bad_value", "mode"),
        (lambda b: b.update(created_ms="yesterday"), "wrong_type", "created_ms"),
        (lambda b: b.update(created_ms=True), "wrong_type", "created_ms"),
        (lambda b: b.update(created_ms=1.5), "wrong_type", "created_ms"),
        (lambda b: b["texts"][1].update(content=7), "wrong_type", "texts.1.content"),
        (lambda b: b["texts"][0].pop("role"), "missing_field", "texts.0.role"),
        (lambda b: b.update(texts={"a": 1}), "wrong_type", "texts"),
        (
            lambda b: b["policy"]["actions"].update(EMAIL_ADDRESS="explode"),
            "bad_value",
            "policy.actions.EMAIL_ADDRESS",
        ),
        (lambda b: b["reply"].update(partition=None), "wrong_type", "reply.partition"),
        (lambda b: b.update(surprise=1), "unknown_field", "surprise"),
    ],
)
def test_bad_fields_are_named(mutate, reason: str, field: str) -> None:
    body = _body(REQUEST)
    mutate(body)
    with pytest.raises(DecodeError) as caught:
        decode(ScanRequest, _envelope(body))
    assert (caught.value.reason, caught.value.field) == (reason, field)
    assert field in str(caught.value)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "not_json"),
        (b'{"schema": ', "not_json"),
        (b"\xff\xfe\x00garbage", "not_json"),
        (b'"just a string"', "not_json"),
        (
            b'{"schema":"guardstream.scan_request","v":1,"data":{"request_id":"\\ud800"}}',
            "not_json",
        ),
        (_envelope({}, schema="guardstream.scan_result"), "wrong_schema"),
        (_envelope({}, v=2), "newer_major"),
        (_envelope({}, v=0), "wrong_version"),
        (_envelope({}, v="1"), "wrong_version"),
        (orjson.dumps({"schema": ScanRequest.SCHEMA, "v": 1}), "missing_field"),
        (_envelope([]), "wrong_type"),
    ],
)
def test_malformed_bytes_raise_the_typed_error(data: bytes, reason: str) -> None:
    with pytest.raises(DecodeError) as caught:
        decode(ScanRequest, data)
    assert caught.value.reason == reason


def test_oversized_payloads_are_refused_before_parsing() -> None:
    with pytest.raises(DecodeError) as caught:
        decode(ScanRequest, b" " * (MAX_MESSAGE_BYTES + 1))
    assert caught.value.reason == "too_large"


def test_lone_surrogates_cannot_be_encoded() -> None:
    broken = dataclasses.replace(REQUEST, texts=[Text(role="user", content="half a pair: \ud800")])
    with pytest.raises(EncodeError):
        encode(broken)


def test_decode_error_is_not_retriable_and_says_where() -> None:
    err = DecodeError("wrong_type", "texts.0.content", "expected a string, got int")
    assert not err.retriable
    assert str(err) == "wrong_type at 'texts.0.content': expected a string, got int"


# Property-based tests -----------------------------------------------------------------------

_finite = st.floats(allow_nan=False, allow_infinity=False)
_int64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)


# JSON has no NaN and orjson no ints past 64 bits: generate only what the contract can carry.
st.register_type_strategy(float, _finite)
st.register_type_strategy(int, _int64)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), cls=st.sampled_from(MESSAGE_TYPES))
def test_any_message_round_trips(data: st.DataObject, cls: type) -> None:
    message = data.draw(st.from_type(cls))
    assert decode(cls, encode(message)) == message


@settings(max_examples=500, deadline=None)
@given(raw=st.binary(max_size=2048), cls=st.sampled_from(MESSAGE_TYPES))
def test_arbitrary_bytes_only_raise_decode_error(raw: bytes, cls: type) -> None:
    try:
        decode(cls, raw)
    except DecodeError:
        pass


_json = st.recursive(
    st.none() | st.booleans() | _int64 | _finite | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=30,
)


@settings(max_examples=500, deadline=None)
@given(body=_json, cls=st.sampled_from(MESSAGE_TYPES), data=st.data())
def test_arbitrary_json_bodies_only_raise_decode_error(body, cls: type, data) -> None:
    # Start from a valid body and damage one field, or use an arbitrary body outright.
    if data.draw(st.booleans()):
        valid = _body(next(m for m in SAMPLES if isinstance(m, cls)))
        key = data.draw(st.sampled_from(sorted(valid)))
        valid[key] = body
        body = valid
    try:
        decode(cls, _envelope(body, schema=cls.SCHEMA))
    except DecodeError:
        pass


@pytest.mark.parametrize(
    "cls",
    [c for c in vars(messages).values() if dataclasses.is_dataclass(c)],
    ids=lambda c: c.__name__,
)
def test_every_record_is_frozen_and_built_by_keyword(cls: type) -> None:
    params = cls.__dataclass_params__  # type: ignore[attr-defined]
    assert params.frozen
    assert all(f.kw_only for f in dataclasses.fields(cls))


def _with_fields_from_a_newer_minor() -> dict:
    """A request as a writer one minor version ahead might send it: new fields at the top, in
    a nested record and in records inside a list."""
    body = _body(REQUEST)
    body["priority"] = "high"
    body["policy"]["escalate_to"] = "security-team"
    for text in body["texts"]:
        text["language"] = "en"
    return body


def test_a_newer_minor_decodes_ignoring_the_fields_it_added() -> None:
    data = _envelope(_with_fields_from_a_newer_minor(), minor=1)
    assert decode(ScanRequest, data) == REQUEST


def test_unknown_fields_at_the_readers_own_minor_are_still_an_error() -> None:
    """No writer of this reader's version sends them: a typo or a corrupt producer."""
    for extra in ({}, {"minor": 0}):
        with pytest.raises(DecodeError) as caught:
            decode(ScanRequest, _envelope(_with_fields_from_a_newer_minor(), **extra))
        assert caught.value.reason == "unknown_field"


def test_a_newer_minor_still_checks_the_fields_the_reader_knows() -> None:
    body = _with_fields_from_a_newer_minor()
    body["request_id"] = 7
    with pytest.raises(DecodeError) as caught:
        decode(ScanRequest, _envelope(body, minor=3))
    assert (caught.value.reason, caught.value.field) == ("wrong_type", "request_id")


def test_a_newer_major_is_refused_with_a_reason_that_says_so() -> None:
    with pytest.raises(DecodeError) as caught:
        decode(ScanRequest, _envelope(_body(REQUEST), v=2, minor=0))
    assert caught.value.reason == "newer_major"
    assert "version 2 is newer than this reader's 1: upgrade the reader" in str(caught.value)


@pytest.mark.parametrize("minor", [-1, "1", True, 1.5])
def test_a_minor_that_is_not_a_count_is_refused(minor: object) -> None:
    with pytest.raises(DecodeError) as caught:
        decode(ScanRequest, _envelope(_body(REQUEST), minor=minor))
    assert (caught.value.reason, caught.value.field) == ("wrong_version", "minor")


def test_a_type_at_minor_zero_writes_the_envelope_release_0_1_0_reads() -> None:
    """Readers of 0.1.0 ignore unknown envelope keys but not unknown data fields: a message
    type with no fields added writes no ``minor`` at all."""
    assert set(orjson.loads(encode(REQUEST))) == {"schema", "v", "data"}
