"""A stratified training/validation split that every trainer in ``bench`` shares."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

__all__ = ["stratified_split"]

T = TypeVar("T")


def stratified_split(
    examples: Sequence[T], key: Callable[[T], tuple[str, Any]], share: float, seed: int
) -> tuple[list[T], list[T]]:
    """Training and validation: ``share`` of each group (``key``: source and label, or source
    and group) is held out for validation, drawn with ``seed`` and the group's name, so adding
    one source leaves every other source's split as it was."""
    groups: dict[tuple[str, Any], list[T]] = {}
    for example in examples:
        groups.setdefault(key(example), []).append(example)
    train: list[T] = []
    valid: list[T] = []
    for name in sorted(groups):
        group = list(groups[name])
        random.Random(f"{seed}:{name[0]}:{name[1]}").shuffle(group)
        n = round(len(group) * share)
        valid.extend(group[:n])
        train.extend(group[n:])
    return train, valid
