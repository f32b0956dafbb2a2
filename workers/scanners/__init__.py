"""Scanner plug-ins. Which class serves which kind is data: :data:`SCANNERS` maps each kind to
``module:Class`` (from the registry in :mod:`topics.scanners`), imported only when a pool of that
kind starts, so loading this package loads no model."""

from __future__ import annotations

from topics.errors import ConfigError
from topics.scanners import ALIASES, REGISTRY
from workers.plugins import load_class
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

SCANNERS: dict[str, str] = {s.kind: s.class_path for s in REGISTRY}
"""Each scanner kind's class, ``module:Class``."""


def scanner_class(kind: str, path: str = "") -> type[Scanner]:
    """The scanner class for ``kind`` (or one of its aliases), or the one ``path``
    (``module:Class``) names."""
    if not path:
        kind = ALIASES.get(kind, kind)
        if kind not in SCANNERS:
            raise ConfigError(f"unknown scanner {kind!r}; known: {', '.join(SCANNERS)}")
        path = SCANNERS[kind]
    return load_class(path, Scanner)
