"""End-to-end encryption of the texts on the bus, with a key the shim and the pools share.

Opt-in. With a payload key set, the shim seals every text of a :class:`ScanRequest` before it is
encoded and the pools open them after decoding; the pools seal the redacted texts of their
:class:`ScanResult` s and the shim opens them. The broker, and anyone else reading the topics,
sees only ciphertext; the message structure (ids, scanner names, policy, offsets, scores) stays
readable, so routing, joins and audit work unchanged.

Each text is sealed with AES-256-GCM under a fresh 96-bit random nonce; the associated data binds
it to its request id and its place in the message (``texts.3``, ``redacted.0``), so a sealed text
cannot be moved to another request or position unnoticed. A sealed text is one string::

    gs1:<key id>:<urlsafe base64 of nonce + ciphertext + tag>

The key setting (``payload_key``, ``GUARDSTREAM_PAYLOAD_KEY``) is ``<key id>:<base64 of 32
bytes>``, or several of them separated by commas for rotation: the first seals, all of them
open. A pool seals a result's texts with the key its request was sealed with, so shims and pools
can take a new key in any order: add it everywhere second, then move it first, then drop the old
one. A bare base64 key gets the key id ``default``. Make one with :func:`generate_key`.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Mapping
from dataclasses import replace

from topics.errors import ConfigError, DecryptError
from topics.messages import RedactedText, ScanRequest, ScanResult, Text

__all__ = ["SEALED_PREFIX", "PayloadCipher", "generate_key", "is_sealed", "sealed_key_id"]

SEALED_PREFIX = "gs1:"
_NONCE_BYTES = 12
_KEY_BYTES = 32
_KEY_ID = re.compile(r"[A-Za-z0-9_.-]{1,32}")
_SEALED = re.compile(r"gs1:([A-Za-z0-9_.-]{1,32}):([A-Za-z0-9_-]+={0,2})")
_DEFAULT_KEY_ID = "default"


def generate_key(key_id: str = _DEFAULT_KEY_ID) -> str:
    """A new random key in the setting's format: ``<key id>:<base64 of 32 bytes>``."""
    return f"{key_id}:{base64.b64encode(os.urandom(_KEY_BYTES)).decode('ascii')}"


def is_sealed(value: str) -> bool:
    """True when ``value`` has the shape of a sealed text (it may still fail to open)."""
    return _SEALED.fullmatch(value) is not None


def sealed_key_id(value: str) -> str:
    """The key id a sealed text names, or ``""`` when ``value`` is not sealed."""
    match = _SEALED.fullmatch(value)
    return match.group(1) if match else ""


class PayloadCipher:
    """Seals and opens the texts of scan requests and results (see the module docstring).

    Args:
        keys: AES-256 keys (32 bytes each) by key id.
        current: the key id that seals; every key in ``keys`` opens.
    """

    def __init__(self, keys: Mapping[str, bytes], current: str) -> None:
        try:
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM
        except ImportError as e:  # pragma: no cover - cryptography ships with the locked deps
            raise ConfigError("payload encryption needs the cryptography package") from e
        if current not in keys:
            raise ConfigError(f"payload key id {current!r} has no key")
        for key_id, key in keys.items():
            if not _KEY_ID.fullmatch(key_id):
                raise ConfigError(f"payload key id {key_id!r} must match {_KEY_ID.pattern}")
            if len(key) != _KEY_BYTES:
                raise ConfigError(
                    f"payload key {key_id!r} is {len(key)} bytes; AES-256 needs {_KEY_BYTES}"
                )
        self._aead = {key_id: AESGCM(key) for key_id, key in keys.items()}
        self.current = current

    @classmethod
    def from_setting(cls, value: str) -> PayloadCipher:
        """From ``kid:base64[,kid:base64...]`` (the first seals) or a bare base64 key."""
        keys: dict[str, bytes] = {}
        for part in (p.strip() for p in value.split(",")):
            if not part:
                continue
            key_id, sep, encoded = part.rpartition(":")
            key_id = key_id if sep else _DEFAULT_KEY_ID
            try:
                key = base64.b64decode(encoded, validate=True)
            except (binascii.Error, ValueError) as e:
                raise ConfigError(f"payload key {key_id!r} is not valid base64") from e
            if key_id in keys:
                raise ConfigError(f"payload key id {key_id!r} appears twice")
            keys[key_id] = key
        if not keys:
            raise ConfigError("payload_key is empty: set it to <key id>:<base64 of 32 bytes>")
        return cls(keys, next(iter(keys)))

    def __repr__(self) -> str:  # never show key material
        return f"PayloadCipher(current={self.current!r}, keys={sorted(self._aead)})"

    # --- one text ---------------------------------------------------------------------------

    def seal(self, text: str, request_id: str, where: str, key_id: str = "") -> str:
        """``text`` encrypted under ``key_id`` (default: the current key), bound to
        ``request_id`` and ``where``."""
        key_id = key_id or self.current
        if key_id not in self._aead:
            raise DecryptError(where, f"key id {key_id!r} is not configured")
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead[key_id].encrypt(
            nonce, text.encode("utf-8", "surrogatepass"), _associated(request_id, where)
        )
        body = base64.urlsafe_b64encode(nonce + sealed).decode("ascii")
        return f"{SEALED_PREFIX}{key_id}:{body}"

    def open(self, value: str, request_id: str, where: str) -> str:
        """The text inside a sealed ``value``, or :class:`DecryptError` (plaintext included:
        with a key set, every text must be sealed)."""
        from cryptography.exceptions import InvalidTag

        match = _SEALED.fullmatch(value)
        if match is None:
            raise DecryptError(where, "not an encrypted text, and a payload key is required")
        key_id, body = match.groups()
        aead = self._aead.get(key_id)
        if aead is None:
            raise DecryptError(where, f"sealed with key id {key_id!r}, which is not configured")
        try:
            raw = base64.urlsafe_b64decode(body)
            associated = _associated(request_id, where)
            plain = aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], associated)
        except (binascii.Error, ValueError, InvalidTag) as e:
            raise DecryptError(
                where, f"cannot be opened with key {key_id!r} (wrong key or tampered)"
            ) from e
        return plain.decode("utf-8", "surrogatepass")

    # --- whole messages ---------------------------------------------------------------------

    def seal_request(self, request: ScanRequest) -> ScanRequest:
        """``request`` with every text's content sealed."""
        texts = [
            replace(t, content=self.seal(t.content, request.request_id, f"texts.{i}"))
            for i, t in enumerate(request.texts)
        ]
        return replace(request, texts=texts)

    def open_request(self, request: ScanRequest) -> ScanRequest:
        """``request`` with every text's content opened; :class:`DecryptError` if one fails."""
        texts: list[Text] = [
            replace(t, content=self.open(t.content, request.request_id, f"texts.{i}"))
            for i, t in enumerate(request.texts)
        ]
        return replace(request, texts=texts)

    def seal_result(self, result: ScanResult, key_id: str = "") -> ScanResult:
        """``result`` with its redacted texts sealed (findings carry offsets, not text), under
        ``key_id`` (the key its request came with) or the current key."""
        if not result.redacted:
            return result
        redacted = [
            RedactedText(
                text=r.text,
                content=self.seal(r.content, result.request_id, f"redacted.{r.text}", key_id),
            )
            for r in result.redacted
        ]
        return replace(result, redacted=redacted)

    def open_result(self, result: ScanResult) -> ScanResult:
        """``result`` with its redacted texts opened; :class:`DecryptError` if one fails."""
        if not result.redacted:
            return result
        redacted = [
            RedactedText(
                text=r.text, content=self.open(r.content, result.request_id, f"redacted.{r.text}")
            )
            for r in result.redacted
        ]
        return replace(result, redacted=redacted)


def _associated(request_id: str, where: str) -> bytes:
    return f"guardstream/gs1|{request_id}|{where}".encode("utf-8", "surrogatepass")
