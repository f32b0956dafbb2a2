"""orjson encoding and strict decoding of the contract's message types.

On the wire every message is one JSON object ``{"schema": NAME, "v": VERSION, "data": {...}}``,
plus ``"minor": MINOR`` once a message type has had fields added (a type's ``MINOR`` is 0, and
not written, until then). Decoding checks the schema name, the version and every field against
the dataclass's type hints and raises :class:`~topics.errors.DecodeError` naming the first bad
field; it raises nothing else.

The compatibility rule (docs: "Upgrades and compatibility"):

- ``v`` is the major version. A reader decodes only its own major; a newer one is
  ``newer_major`` (dead-lettered by the pools, saying so), an older one ``wrong_version``.
  The major changes only when a field is removed, renamed, or changes type or meaning.
- ``minor`` counts additions: a field added later is optional, with a default that means what
  the message meant without it. A reader of an older minor than the writer's ignores the
  fields it does not know, at any depth; at its own minor or an older writer's, an unknown
  field is still an error (``unknown_field``), since no writer it knows of sends one.
- Envelope keys a reader does not know are ignored (that is how ``minor`` could be added
  without breaking readers of release 0.1.0).
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Callable
from typing import Any, Literal, TypeVar, Union

import orjson

from topics.errors import DecodeError, EncodeError

__all__ = ["MAX_MESSAGE_BYTES", "decode", "encode", "peek_schema"]

#: Largest message guardstream writes or reads; the topics' ``max.message.bytes`` matches it.
MAX_MESSAGE_BYTES = 8 * 1024 * 1024

M = TypeVar("M")


def encode(message: Any) -> bytes:
    """Serialise a contract message (a dataclass with ``SCHEMA`` and ``VERSION``, and ``MINOR``
    once fields were added to it)."""
    minor = _minor(type(message))
    envelope = {"schema": message.SCHEMA, "v": message.VERSION, "data": message}
    if minor:
        envelope["minor"] = minor
    try:
        return orjson.dumps(envelope)
    except orjson.JSONEncodeError as e:
        raise EncodeError(f"cannot encode {type(message).__name__}: {e}") from e


def peek_schema(data: bytes) -> str:
    """The schema name of an encoded message, without validating its body."""
    return _envelope(data, None, MAX_MESSAGE_BYTES).get("schema", "")


def decode(cls: type[M], data: bytes | None, *, max_bytes: int = MAX_MESSAGE_BYTES) -> M:
    """Decode ``data`` as a ``cls`` message, or raise :class:`DecodeError` (for a tombstone's
    ``None`` too)."""
    envelope = _envelope(data, cls, max_bytes)
    if envelope.get("schema") != cls.SCHEMA:  # type: ignore[attr-defined]
        raise DecodeError(
            "wrong_schema",
            "schema",
            f"expected {cls.SCHEMA!r}, got {envelope.get('schema')!r}",  # type: ignore[attr-defined]
        )
    major: int = cls.VERSION  # type: ignore[attr-defined]
    version = envelope.get("v")
    if isinstance(version, int) and not isinstance(version, bool) and version > major:
        raise DecodeError(
            "newer_major",
            "v",
            f"version {version} is newer than this reader's {major}: upgrade the reader",
        )
    if version != major:
        raise DecodeError("wrong_version", "v", f"expected {major}, got {version!r}")
    minor = envelope.get("minor", 0)
    if not isinstance(minor, int) or isinstance(minor, bool) or minor < 0:
        raise DecodeError("wrong_version", "minor", f"expected a count, got {minor!r}")
    if "data" not in envelope:
        raise DecodeError("missing_field", "data", "the message has no body")
    hint: Any = cls  # a dataclass: hashable, as the checkers' cache needs
    return _checker(hint, minor > _minor(cls))(envelope["data"], "")


def _minor(cls: type) -> int:
    """How many times fields were added to ``cls`` since its major version (0 until then)."""
    return int(getattr(cls, "MINOR", 0))


def _envelope(data: bytes | None, cls: type | None, max_bytes: int) -> dict[str, Any]:
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


_Checker = Callable[[Any, str], Any]


@functools.cache
def _checker(hint: Any, newer: bool = False) -> _Checker:
    """The function that checks a value against ``hint``, built once per type: the type hints
    are inspected here, not for every field of every message (the shim decodes each of a
    request's results on the proxy's event loop). ``newer``: the writer's minor version is
    newer than this reader's, so records skip fields they do not know."""
    origin = typing.get_origin(hint)
    if dataclasses.is_dataclass(hint):
        return _record_checker(hint, newer)  # type: ignore[arg-type]
    if origin is Union or origin is types.UnionType:
        return _union_checker(hint, newer)
    if origin is Literal:
        return _literal_checker(hint)
    if origin is list:
        return _list_checker(hint, newer)
    if origin is dict:
        return _dict_checker(hint, newer)
    return _scalar_checker(hint)


def _literal_checker(hint: Any) -> _Checker:
    allowed_values = typing.get_args(hint)
    allowed = ", ".join(map(repr, allowed_values))

    def check(value: Any, path: str) -> Any:
        if value not in allowed_values or isinstance(value, bool):
            raise DecodeError("bad_value", path, f"{value!r} is not one of {allowed}")
        return value

    return check


def _list_checker(hint: Any, newer: bool) -> _Checker:
    (item_hint,) = typing.get_args(hint)

    def check(value: Any, path: str) -> Any:
        if not isinstance(value, list):
            raise _wrong_type(path, "a list", value)
        item = _checker(item_hint, newer)  # cached: a dict lookup after the first
        return [item(v, f"{path}.{i}" if path else str(i)) for i, v in enumerate(value)]

    return check


def _dict_checker(hint: Any, newer: bool) -> _Checker:
    _, item_hint = typing.get_args(hint)

    def check(value: Any, path: str) -> Any:
        if not isinstance(value, dict):
            raise _wrong_type(path, "an object", value)
        item = _checker(item_hint, newer)
        return {k: item(v, f"{path}.{k}" if path else k) for k, v in value.items()}

    return check


def _scalar_checker(hint: Any) -> _Checker:
    if hint is Any:
        return lambda value, path: value
    if hint is type(None):

        def check_none(value: Any, path: str) -> Any:
            if value is not None:
                raise _wrong_type(path, "null", value)
            return None

        return check_none
    if hint is bool:

        def check_bool(value: Any, path: str) -> Any:
            if not isinstance(value, bool):
                raise _wrong_type(path, "a boolean", value)
            return value

        return check_bool
    if hint is int:

        def check_int(value: Any, path: str) -> Any:
            if not isinstance(value, int) or isinstance(value, bool):
                raise _wrong_type(path, "an integer", value)
            return value

        return check_int
    if hint is float:

        def check_float(value: Any, path: str) -> Any:
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise _wrong_type(path, "a number", value)
            return float(value)

        return check_float
    if hint is str:

        def check_str(value: Any, path: str) -> Any:
            if not isinstance(value, str):
                raise _wrong_type(path, "a string", value)
            return value

        return check_str
    raise TypeError(f"the contract uses a type the codec does not know: {hint!r}")


def _union_checker(hint: Any, newer: bool) -> _Checker:
    options = typing.get_args(hint)
    nullable = type(None) in options
    others = [o for o in options if o is not type(None)]
    expected = " or ".join(map(_type_name, others))

    def check(value: Any, path: str) -> Any:
        if value is None and nullable:
            return None
        if len(others) == 1:
            return _checker(others[0], newer)(value, path)
        for option in others:
            try:
                return _checker(option, newer)(value, path)
            except DecodeError:
                continue
        raise _wrong_type(path, expected, value)

    return check


def _record_checker(cls: type, newer: bool) -> _Checker:
    specs: list[tuple[str, _Checker, bool]] = []  # filled on first use: fields may nest

    def check(value: Any, path: str) -> Any:
        if not isinstance(value, dict):
            raise _wrong_type(path, "an object", value)
        fields = _fields(cls)
        if not specs:
            specs.extend(
                (n, _checker(hint, newer), required) for n, (hint, required) in fields.items()
            )
        for key in value:
            if key not in fields and not newer:
                raise DecodeError(
                    "unknown_field", _join(path, str(key)), f"{cls.__name__} has no such field"
                )
        kwargs = {}
        for name, field_check, required in specs:
            if name not in value:
                if required:
                    where = _join(path, name)
                    raise DecodeError("missing_field", where, f"{cls.__name__} needs it")
                continue
            kwargs[name] = field_check(value[name], f"{path}.{name}" if path else name)
        return cls(**kwargs)

    return check


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
