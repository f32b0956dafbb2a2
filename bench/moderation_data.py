"""The moderation model's training data: labelled JSONL from a folder, generated texts beside it,
and a fixed split into training and validation.

Any folder of JSONL with ``text``, ``label`` (``flagged`` or ``benign``) and ``source`` will do;
each file is one source, named by its stem. A record's targets are one value per head of
:data:`~workers.scanners.moderation.backends.local_model.HEADS`: 1, 0, or :data:`UNKNOWN` where
the source does not say (a head is fitted only on rows that know its answer):

- ``flagged`` is the label, except Davidson's ``offensive`` tweets: mostly swearing, which most
  moderation policies allow, so they are ``flagged`` 0 and ``profanity`` 1 (its ``neither``
  tweets are profanity 0; the generated texts are labelled by their swear words);
- a category comes from the record's ``category`` or ``hazard`` (:data:`CATEGORY_OF`); a flagged
  record of unknown category knows no category heads; a benign record is 0 on all of them.

A source of more than ``cap`` texts per label and category is subsampled to ``cap`` (fixed seed):
Davidson's 19,174 offensive tweets would otherwise be most of the data and teach the model that
anything tweet-like is the point. The generated source (:mod:`bench.moderation_texts`) adds the
categories the real sets lack (harassment, illicit) and benign look-alikes (news, medicine,
fiction, counter-speech, swearing at nobody), which none of them has.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from bench.moderation_texts import generate
from bench.splits import stratified_split
from workers.scanners.moderation.backends.features import clean
from workers.scanners.moderation.backends.local_model import CATEGORY_HEADS

__all__ = ["CATEGORY_OF", "GENERATED", "UNKNOWN", "Example", "generated", "read_folder", "split"]

GENERATED: Final = "guardstream-generated"
"""The source name of the generated texts."""

UNKNOWN: Final = -1
"""A target the source does not give."""

CATEGORY_OF: Final[dict[str, str | None]] = {
    # Davidson
    "hate": "hate",
    "offensive": None,
    "neither": None,
    # AILuminate hazards (``hazard``): what the runtime taxonomy calls them. Sex crimes and child
    # exploitation are sexual content here; the rules report ``sexual_minors`` on top.
    "vcr": "violence",
    "iwp": "violence",
    "hte": "hate",
    "ssh": "self_harm",
    "sxc_prn": "sexual",
    "src": "sexual",
    "cse": "sexual",
}
"""A record's ``hazard`` or ``category`` to a category head (None: no category)."""

_SWEARING: Final = re.compile(
    r"\b(?:fuck\w*|shit\w*|damn\w*|bitch\w*|ass|asshole|arse|dick\w*|cunt|crap|bastard|"
    r"piss\w*|wank\w*|slut|whore|cock|pussy|tits|horny|cum)\b",
    re.IGNORECASE,
)
"""Swear words in the generated texts, whose every word the generator chose: their profanity
label. Without it only the tweets teach the profanity head, which then calls medical words
("breast", "sex education") profane."""


@dataclass(frozen=True)
class Example:
    """One labelled, cleaned text."""

    text: str
    """After :func:`~workers.scanners.moderation.backends.features.clean`."""
    targets: tuple[int, ...]
    """One per head of ``HEADS``: 1, 0 or :data:`UNKNOWN`."""
    source: str
    """The file stem it came from, or :data:`GENERATED`."""
    group: str
    """What it is within its source (label and category), for capping and stratifying."""

    @property
    def flagged(self) -> int:
        """The ``flagged`` target."""
        return self.targets[0]


def _targets(flagged: int, category: str | None, profanity: int) -> tuple[int, ...]:
    if flagged and category is None:
        categories = [UNKNOWN] * len(CATEGORY_HEADS)
    else:
        categories = [int(c == category) for c in CATEGORY_HEADS]
    return (flagged, *categories, profanity)


def _example(record: dict, source: str) -> Example:
    flagged = int(record["label"] == "flagged")
    kind = str(record.get("hazard") or record.get("category") or "")
    category = CATEGORY_OF.get(kind, kind if kind in CATEGORY_HEADS else None)
    profanity = UNKNOWN
    if kind == "offensive":
        flagged, profanity = 0, 1
    elif kind == "neither":
        profanity = 0
    group = f"{record['label']}:{kind}"
    return Example(clean(record["text"]), _targets(flagged, category, profanity), source, group)


def read_folder(folder: Path, cap: int, seed: int) -> list[Example]:
    """Every ``*.jsonl`` in ``folder`` (sorted), at most ``cap`` texts per source and group,
    empty texts and exact repeats within a source dropped."""
    files = sorted(folder.glob("*.jsonl"))
    if not files:
        raise SystemExit(f"no .jsonl files in {folder}")
    examples: list[Example] = []
    for path in files:
        groups: dict[str, list[Example]] = {}
        seen: set[str] = set()
        with path.open(encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    example = _example(json.loads(line), path.stem)
                    if example.text and example.text not in seen:
                        seen.add(example.text)
                        groups.setdefault(example.group, []).append(example)
        for name in sorted(groups):
            group = groups[name]
            if len(group) > cap:
                group = random.Random(f"{seed}:{path.stem}:{name}").sample(group, cap)
            examples.extend(group)
    return examples


def generated(per_class: int, seed: int) -> list[Example]:
    """The generator's texts (:func:`bench.moderation_texts.generate`) as examples."""
    texts, labels = generate(per_class, seed)
    examples = []
    for text, label in zip(texts, labels, strict=True):
        flagged = int(label != "benign")
        category = label if label in CATEGORY_HEADS else None
        profanity = int(_SWEARING.search(text) is not None)
        targets = _targets(flagged, category, profanity)
        if flagged and category is None:  # "other" (disinformation...): none of the six
            targets = (1, *[0] * len(CATEGORY_HEADS), profanity)
        examples.append(Example(clean(text), targets, GENERATED, label))
    return examples


def split(examples: list[Example], share: float, seed: int) -> tuple[list[Example], list[Example]]:
    """Training and validation, stratified by source and group: ``share`` of each group is
    held out for validation, drawn with ``seed``."""
    return stratified_split(examples, lambda e: (e.source, e.group), share, seed)
