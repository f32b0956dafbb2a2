"""The LiteLLM guardrail that publishes to Kafka and waits for verdicts."""

from shim.blocked import GuardrailBlocked
from shim.guardrail import KafkaScanGuardrail
from shim.names import ALIASES, scanner_name
from shim.presets import PRESETS
from shim.replies import ReplyClient, TooManyPending
from shim.settings import SCANNERS, RequestPlan, ShimSettings

__all__ = [
    "ALIASES",
    "PRESETS",
    "SCANNERS",
    "GuardrailBlocked",
    "KafkaScanGuardrail",
    "ReplyClient",
    "RequestPlan",
    "ShimSettings",
    "TooManyPending",
    "scanner_name",
]
