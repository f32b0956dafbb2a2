"""The one ``module:Class`` loader, for every plug-in point: scanners, moderation backends and
audit sinks name their classes as data and import them only when chosen."""

from __future__ import annotations

import importlib
from typing import TypeVar

from topics.errors import ConfigError

__all__ = ["load_class"]

T = TypeVar("T")


def load_class(path: str, base: type[T]) -> type[T]:
    """The class ``path`` (``module:Class``) names, which must be a subclass of ``base``.

    Raises:
        ConfigError: naming ``path`` and what was expected, when it is not ``module:Class``,
            cannot be imported, or is not a ``base``.
    """
    module, sep, name = path.partition(":")
    expected = f"module:Class of a {base.__name__} subclass"
    if not (module and sep and name):
        raise ConfigError(f"{path!r} is not {expected}")
    try:
        found = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as e:
        raise ConfigError(f"cannot load {path!r} ({expected}): {e}") from e
    if not (isinstance(found, type) and issubclass(found, base)):
        raise ConfigError(f"{path!r} is not {expected}")
    return found
