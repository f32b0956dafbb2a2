"""orjson encoding and strict decoding of the contract's message types.

On the wire every message is one JSON object ``{"schema": NAME, "v": VERSION, "data": {...}}``.
Decoding checks the schema name, the version and every field against the dataclass's type hints
and raises :class:`~topics.errors.DecodeError` naming the first bad field; it raises nothing else.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from typing import Any, Literal, TypeVar, Union

import orjson

from topics.errors import DecodeError, EncodeError

__all__ = ["MAX_MESSAGE_BYTES", "decode", "encode", "peek_schema"]

#: Largest message guardstream writes or reads; the topics' ``max.message.bytes`` matches it.
MAX_MESSAGE_BYTES = 8 * 1024 * 1024

M = TypeVar("M")


def encode(message: Any) -> bytes:
    """Serialise a contract message (a dataclass with ``SCHEMA`` and ``VERSION``)."""
    try:
        return orjson.dumps({"schema": message.SCHEMA, "v": message.VERSION, "data": message})
    except orjson.JSONEncodeError as e:
        raise EncodeError(f"cannot encode {type(message).__name__}: {e}") from e


def peek_schema(data: bytes) -> str:
    """The schema name of an encoded message, without validating its body."""
    return _envelope(data, None, MAX_MESSAGE_BYTES).get("schema", "")


def decode(cls: type[M], data: bytes, *, max_bytes: int = MAX_MESSAGE_BYTES) -> M:
    """Decode ``data`` as a ``cls`` message, or raise :class:`DecodeError`."""
    envelope = _envelope(data, cls, max_bytes)
    if envelope.get("schema") != cls.SCHEMA:  # type: ignore[attr-defined]
        raise DecodeError(
            "wrong_schema",
            "schema",
            f"expected {cls.SCHEMA!r}, got {envelope.get('schema')!r}",  # type: ignore[attr-defined]
        )
    version = envelope.get("v")
    if version != cls.VERSION:  # type: ignore[attr-defined]
        raise DecodeError("wrong_version", "v", f"expected {cls.VERSION}, got {version!r}")  # type: ignore[attr-defined]
    if "data" not in envelope:
        raise DecodeError("missing_field", "data", "the message has no body")
    return _check(cls, envelope["data"], "")


def _envelope(data: bytes, cls: type | None, max_bytes: int) -> dict[str, Any]:
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise DecodeError("not_json", "", f"expected bytes, got {type(data).__name__}")
    if len(data) > max_bytes:
        raise DecodeError("too_large", "", f"{len(data)} bytes is over the {max_bytes} limit")
    try:
        envelope = orjson.loads(data)
    except orjson.JSONDecodeError as e:
        raise DecodeError("not_json", "", str(e)) from e
    if not isinstance(envelope, dict):
        raise DecodeError("not_json", "", f"expected an object, got {type(envelope).__name__}")
    return envelope


def _check(hint: Any, value: Any, path: str) -> Any:
    origin = typing.get_origin(hint)
    if dataclasses.is_dataclass(hint):
        return _check_record(hint, value, path)
    if origin is Union or origin is types.UnionType:
        return _check_union(hint, value, path)
    if origin is Literal:
        if value not in typing.get_args(hint) or isinstance(value, bool):
            allowed = ", ".join(map(repr, typing.get_args(hint)))
            raise DecodeError("bad_value", path, f"{value!r} is not one of {allowed}")
        return value
    if origin is list:
        if not isinstance(value, list):
            raise _wrong_type(path, "a list", value)
        (item,) = typing.get_args(hint)
        return [_check(item, v, f"{path}.{i}" if path else str(i)) for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise _wrong_type(path, "an object", value)
        _, item = typing.get_args(hint)
        return {k: _check(item, v, f"{path}.{k}" if path else k) for k, v in value.items()}
    return _check_scalar(hint, value, path)


def _check_scalar(hint: Any, value: Any, path: str) -> Any:
    if hint is Any:
        return value
    if hint is type(None):
        if value is not None:
            raise _wrong_type(path, "null", value)
        return None
    if hint is bool:
        if not isinstance(value, bool):
            raise _wrong_type(path, "a boolean", value)
        return value
    if hint is int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise _wrong_type(path, "an integer", value)
        return value
    if hint is float:
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise _wrong_type(path, "a number", value)
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise _wrong_type(path, "a string", value)
        return value
    raise TypeError(f"the contract uses a type the codec does not know: {hint!r}")


def _check_union(hint: Any, value: Any, path: str) -> Any:
    options = typing.get_args(hint)
    if value is None and type(None) in options:
        return None
    others = [o for o in options if o is not type(None)]
    if len(others) == 1:
        return _check(others[0], value, path)
    for option in others:
        try:
            return _check(option, value, path)
        except DecodeError:
            continue
    raise _wrong_type(path, " or ".join(map(_type_name, others)), value)


def _check_record(cls: type, value: Any, path: str) -> Any:
    if not isinstance(value, dict):
        raise _wrong_type(path, "an object", value)
    fields = _fields(cls)
    for key in value:
        if key not in fields:
            raise DecodeError(
                "unknown_field", _join(path, str(key)), f"{cls.__name__} has no such field"
            )
    kwargs = {}
    for name, (hint, required) in fields.items():
        where = _join(path, name)
        if name not in value:
            if required:
                raise DecodeError("missing_field", where, f"{cls.__name__} needs it")
            continue
        kwargs[name] = _check(hint, value[name], where)
    return cls(**kwargs)


@functools.cache
def _fields(cls: type) -> dict[str, tuple[Any, bool]]:
    hints = typing.get_type_hints(cls)
    out = {}
    for f in dataclasses.fields(cls):
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        out[f.name] = (hints[f.name], required)
    return out


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _type_name(hint: Any) -> str:
    return getattr(hint, "__name__", repr(hint))


def _wrong_type(path: str, expected: str, value: Any) -> DecodeError:
    return DecodeError("wrong_type", path, f"expected {expected}, got {type(value).__name__}")
