"""The LiteLLM guardrail that publishes to Kafka and waits for verdicts."""

from shim.guardrail import GuardrailBlocked, KafkaScanGuardrail
from shim.replies import ReplyClient, TooManyPending
from shim.settings import SCANNERS, RequestPlan, ShimSettings

__all__ = [
    "SCANNERS",
    "GuardrailBlocked",
    "KafkaScanGuardrail",
    "ReplyClient",
    "RequestPlan",
    "ShimSettings",
    "TooManyPending",
]
