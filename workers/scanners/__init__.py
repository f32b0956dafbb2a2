"""Scanner plug-ins. Which class serves which kind is data: :data:`SCANNERS` maps each kind to
``module:Class``, imported only when a pool of that kind starts, so loading this package loads
no model."""

from __future__ import annotations

import importlib

from topics.errors import ConfigError
from workers.scanners.base import LabelFinding, ScanItem, Scanner, TextFindings

__all__ = [
    "ALIASES",
    "SCANNERS",
    "LabelFinding",
    "ScanItem",
    "Scanner",
    "TextFindings",
    "scanner_class",
]

SCANNERS: dict[str, str] = {
    "pii": "workers.scanners.pii.scanner:PiiScanner",
    "prompt_injection": "workers.scanners.injection.scanner:InjectionScanner",
    "secrets": "workers.scanners.secrets:SecretsScanner",
    "moderation": "workers.scanners.moderation.scanner:ModerationScanner",
}

ALIASES: dict[str, str] = {"injection": "prompt_injection"}
"""Shorter names the command line accepts."""


def scanner_class(kind: str, path: str = "") -> type[Scanner]:
    """The scanner class for ``kind`` (or one of its aliases), or the one ``path``
    (``module:Class``) names."""
    if not path:
        kind = ALIASES.get(kind, kind)
        if kind not in SCANNERS:
            raise ConfigError(f"unknown scanner {kind!r}; known: {', '.join(SCANNERS)}")
        path = SCANNERS[kind]
    module, _, name = path.partition(":")
    try:
        found = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as e:
        raise ConfigError(f"cannot load scanner class {path!r}: {e}") from e
    if not (isinstance(found, type) and issubclass(found, Scanner)):
        raise ConfigError(f"{path} is not a Scanner subclass")
    return found
