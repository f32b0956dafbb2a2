"""Moderation backends behind one interface: the offline ``local`` one and three HTTP APIs.

:data:`BACKENDS` maps each ``backend`` setting to ``module:Class``; a backend's module is
imported only when chosen, so the local model is not loaded by a pool that calls an API.
"""

from __future__ import annotations

from topics.errors import ConfigError
from workers.plugins import load_class
from workers.scanners.moderation.backends.base import Backend, Categories, HttpBackend
from workers.scanners.moderation.backends.taxonomy import CATEGORIES

__all__ = ["BACKENDS", "CATEGORIES", "Backend", "Categories", "HttpBackend", "backend_class"]

BACKENDS: dict[str, str] = {
    "local": "workers.scanners.moderation.backends.local:LocalModeration",
    "openai": "workers.scanners.moderation.backends.openai_api:OpenAIModeration",
    "llama_guard": "workers.scanners.moderation.backends.llama_guard:LlamaGuardModeration",
    "llm_guard": "workers.scanners.moderation.backends.llm_guard:LlmGuardModeration",
}


def backend_class(name: str) -> type[Backend]:
    """The backend class for the ``backend`` setting ``name``."""
    if name not in BACKENDS:
        raise ConfigError(f"moderation: unknown backend {name!r}; known: {', '.join(BACKENDS)}")
    return load_class(BACKENDS[name], Backend)
