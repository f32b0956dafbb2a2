"""The LiteLLM guardrail that publishes to Kafka and waits for verdicts."""

__all__: list[str] = []
