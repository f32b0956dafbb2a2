"""guardstream's one error tree.

    GuardstreamError                 root; ``retriable`` says whether trying again can help
    ├── DecodeError                  bytes that are not a valid message (goes to dead letters)
    │   └── DecryptError             an encrypted text that cannot be opened (``decrypt_failed``)
    ├── EncodeError                  a message that cannot be written (lone surrogates, huge ints)
    ├── ConfigError                  a setting that cannot work (missing model, bad value)
    ├── BrokerUnavailable            Kafka cannot be reached or started (retriable)
    ├── ScannerError                 a scanner raised while scanning (retriable)
    │   └── ScannerTimeout           a scanner or backend took longer than allowed
    ├── PayloadTooLarge              a message over the configured size limit
    └── ProcessFailed                a pool process that cannot go on (exits to be restarted)

``retriable`` marks the errors where the same work may succeed later (Kafka away, a scanner's
backend failing). No code retries on it today, and that is deliberate: the shim cannot retry
inside its latency budget and applies its fail policy; a pool answers ``error`` and dead-letters
the request at once (``guardstream replay`` can scan it again); the reply client and the sinks
retry their connections with backoff whatever the error. Code that comes to retry tests
``err.retriable`` rather than listing types. Every raise inside guardstream chains its cause
with ``raise ... from e``.
"""

from __future__ import annotations

__all__ = [
    "BrokerUnavailable",
    "ConfigError",
    "DecodeError",
    "DecryptError",
    "EncodeError",
    "GuardstreamError",
    "PayloadTooLarge",
    "ProcessFailed",
    "ScannerError",
    "ScannerTimeout",
]


class GuardstreamError(Exception):
    """Root of every error guardstream raises on purpose."""

    retriable: bool = False


class DecodeError(GuardstreamError):
    """Bytes that do not decode to the expected message.

    ``field`` names the offending field as a dotted path (``texts.0.content``), or ``""`` when
    the payload as a whole is unreadable; ``reason`` is a short machine-readable code used as the
    dead-letter reason (``not_json``, ``wrong_schema``, ``wrong_version``, ``newer_major`` (from
    a writer of a newer major version: upgrade the reader), ``missing_field``,
    ``wrong_type``, ``bad_value``, ``unknown_field``, ``too_large``).
    """

    def __init__(self, reason: str, field: str, detail: str) -> None:
        self.reason = reason
        self.field = field
        self.detail = detail
        where = f" at {field!r}" if field else ""
        super().__init__(f"{reason}{where}: {detail}")


class DecryptError(DecodeError):
    """An encrypted payload field that cannot be opened: wrong or unknown key, tampered or
    truncated ciphertext, or plaintext where the deployment requires encryption. Its
    ``reason`` is always ``decrypt_failed``; the message never contains the text."""

    def __init__(self, field: str, detail: str) -> None:
        super().__init__("decrypt_failed", field, detail)


class EncodeError(GuardstreamError):
    """A message that cannot be serialised, such as text with lone surrogates."""


class ConfigError(GuardstreamError):
    """A setting that cannot work; the message says how to fix it."""


class BrokerUnavailable(GuardstreamError):
    """Kafka could not be reached, fetched or started."""

    retriable = True


class ScannerError(GuardstreamError):
    """A scanner failed on a batch."""

    retriable = True


class ScannerTimeout(ScannerError):
    """A scanner, or the backend it calls, did not answer in time."""


class PayloadTooLarge(GuardstreamError):
    """A message larger than the configured limit."""


class ProcessFailed(GuardstreamError):
    """A pool process that cannot go on working: a crashed agent, a lost scan thread, a fatal
    Kafka error. It exits non-zero so that its supervisor (or Kubernetes) starts a new one."""
