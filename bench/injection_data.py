"""The injection classifier's training data: labelled JSONL read from a folder, guardstream's
generated texts beside it, and a fixed split into training and validation.

Any folder of JSONL files with ``text`` and ``label`` (``attack`` or ``benign``) will do; each
file is one source, named by its stem (``../shared/train/injection/s-labs.jsonl`` is source
``s-labs``). A source of more than ``cap`` texts per label is subsampled to ``cap`` (fixed seed):
``clinc-oos-benign`` holds 23,695 short lowercase queries, which would otherwise be most of the
benign class and teach the model that "benign" means "short and lowercase". The generated source
(attacks, benign prompts, benign look-alikes in attack vocabulary and benign prompts in
other languages, from :mod:`bench.injection_texts`) adds the families and hard negatives the
real sets lack.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from bench.injection_texts.attacks import attack_texts
from bench.injection_texts.benign import benign_texts
from bench.injection_texts.lookalikes import lookalike
from bench.injection_texts.multilingual import multilingual_benign
from bench.splits import stratified_split

__all__ = ["GENERATED", "Example", "generated", "read_folder", "split"]

GENERATED = "guardstream-generated"
"""The source name of the generated texts."""


@dataclass(frozen=True)
class Example:
    """One labelled text."""

    text: str
    label: int
    """1 for an attack, 0 for benign."""
    source: str
    """The file stem it came from, or :data:`GENERATED`."""


def read_folder(folder: Path, cap: int, seed: int) -> list[Example]:
    """Every ``*.jsonl`` in ``folder`` (sorted), at most ``cap`` texts per source and label."""
    files = sorted(folder.glob("*.jsonl"))
    if not files:
        raise SystemExit(f"no .jsonl files in {folder}")
    examples: list[Example] = []
    for path in files:
        groups: dict[int, list[Example]] = {0: [], 1: []}
        with path.open(encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    record = json.loads(line)
                    label = 1 if record["label"] == "attack" else 0
                    groups[label].append(Example(record["text"], label, path.stem))
        for label in (1, 0):
            group = groups[label]
            if len(group) > cap:
                group = random.Random(f"{seed}:{path.stem}:{label}").sample(group, cap)
            examples.extend(group)
    return examples


def generated(count: int, seed: int) -> list[Example]:
    """``count`` generated attacks, ``count`` benign prompts, ``count`` benign look-alikes in
    attack vocabulary (and short chat turns), and ``count // 4`` benign prompts in other
    languages (the real sets' non-English texts are all attacks)."""
    rng = random.Random(seed)
    return (
        [Example(text, 1, GENERATED) for text, _ in attack_texts(count, seed=seed)]
        + [Example(text, 0, GENERATED) for text in benign_texts(count, seed=seed)]
        + [Example(lookalike(rng), 0, GENERATED) for _ in range(count)]
        + [Example(t, 0, GENERATED) for t in multilingual_benign(count // 4, seed=seed)]
    )


def split(examples: list[Example], share: float, seed: int) -> tuple[list[Example], list[Example]]:
    """Training and validation, stratified by source and label: ``share`` of each group is
    held out for validation, drawn with ``seed``."""
    return stratified_split(examples, lambda e: (e.source, e.label), share, seed)
