"""The moderation scanner (:mod:`~workers.scanners.moderation.scanner`) and its backends
(:mod:`~workers.scanners.moderation.backends`: local, openai, llama_guard, llm_guard, and the
taxonomy they map to). Importing the package loads nothing; a pool imports the scanner module
when it starts."""

__all__: list[str] = []
