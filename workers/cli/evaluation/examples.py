"""Labelled examples: the JSONL that ``guardstream eval`` reads.

Each line has ``text`` and ``label``; for PII also ``spans`` (``start``, ``end``, ``entity``);
optionally ``id``, ``source``, ``category`` (or ``attack_type``), ``subtype`` and
``hard_negative``. Positive labels are ``attack``, ``pii`` and ``flagged``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from topics.errors import ConfigError

__all__ = ["NEGATIVE_LABELS", "POSITIVE_LABELS", "Example", "read_examples"]

POSITIVE_LABELS = frozenset({"attack", "pii", "flagged"})
NEGATIVE_LABELS = frozenset({"benign", "no_pii"})


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled text."""

    id: str
    text: str
    positive: bool
    spans: list[dict[str, Any]] = field(default_factory=list)
    hard_negative: bool = False
    category: str = ""
    """``category`` or ``attack_type``, else the family of ``subtype`` (before a ``/`` or ``:``)."""
    source: str = ""
    """Where the text comes from (the repository of ``owner/repo:path``)."""


def read_examples(path: Path) -> list[Example]:
    """Read labelled JSONL; a bad line is a :class:`ConfigError` naming its number."""
    examples = []
    for number, line in enumerate(path.read_bytes().splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = orjson.loads(line)
            label = row["label"]
            if label not in POSITIVE_LABELS | NEGATIVE_LABELS:
                raise ValueError(f"unknown label {label!r}")
            examples.append(
                Example(
                    id=str(row.get("id", f"{path.name}:{number}")),
                    text=row["text"],
                    positive=label in POSITIVE_LABELS,
                    spans=list(row.get("spans") or []),
                    hard_negative=bool(row.get("hard_negative")),
                    category=_category(row),
                    source=str(row.get("source") or "").partition(":")[0],
                )
            )
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as e:
            raise ConfigError(f"{path}:{number}: not a labelled example ({e})") from e
    return examples


def _category(row: dict[str, Any]) -> str:
    named = row.get("category") or row.get("attack_type")
    if named:
        return str(named)
    return re.split(r"[/:]", str(row.get("subtype") or ""))[0]
