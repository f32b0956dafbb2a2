"""The error a block raises inside the proxy, and the body its client reads."""

from __future__ import annotations

from litellm.proxy._types import ProxyException

from shim.decide import Outcome
from topics.scanners import UNAVAILABLE_CODE, UNAVAILABLE_MESSAGE, block_of

__all__ = ["GuardrailBlocked", "blocked_by"]


class GuardrailBlocked(ProxyException):
    """A block, rendered by the proxy as HTTP 400 with the body the users' guide promises.

    The proxy re-raises a :class:`ProxyException` untouched and its handler writes
    ``{"error": exc.to_dict()}`` with ``int(exc.code)`` as the status; overriding ``to_dict``
    drops ``param`` and puts the scanner's code where the status would go. On a buffered
    stream LiteLLM rebuilds the error from ``status_code``, ``type`` and ``param`` instead, so
    there the body keeps ``"code": "400"`` (HTTP 400 all the same).
    """

    status_code = 400

    def __init__(self, message: str, error_code: str) -> None:
        super().__init__(message=message, type="content_policy_violation", param=None, code=400)
        self.error_code = error_code

    def to_dict(self) -> dict:
        """The ``error`` object of the response body."""
        return {"message": self.message, "type": self.type, "code": self.error_code}


def blocked_by(outcome: Outcome) -> GuardrailBlocked:
    """The error a blocking ``outcome`` raises: the first blocking scanner's, or "unavailable"
    when the fail policy blocked it."""
    if outcome.blocked_by:
        return GuardrailBlocked(*block_of(outcome.blocked_by[0]))
    return GuardrailBlocked(UNAVAILABLE_MESSAGE, UNAVAILABLE_CODE)
