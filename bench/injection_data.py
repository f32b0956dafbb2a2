"""The injection classifier's training data: labelled JSONL read from a folder, guardstream's
generated texts beside it, and a fixed split into training and validation.

Any folder of JSONL files with ``text`` and ``label`` (``attack`` or ``benign``) will do; each
file is one source, named by its stem (``../shared/train/injection/s-labs.jsonl`` is source
``s-labs``). A source of more than ``cap`` texts per label is subsampled to ``cap`` (fixed seed):
``clinc-oos-benign`` holds 23,695 short lowercase queries, which would otherwise be most of the
benign class and teach the model that "benign" means "short and lowercase". The generated source
(attacks, benign prompts, benign look-alikes in attack vocabulary and benign prompts in
other languages, from :mod:`bench.injection_texts`) adds the families and hard negatives the
real sets lack; three more generated sources add the styles real traffic has and the real sets
miss (:data:`PLANTED`, :data:`ROLE_PLAY`, :data:`TASKS`).

Some sources hold near-copies that a line-by-line split would put on both sides: XQuAD is the
same content in twelve languages, FLAN's filled templates repeat one wording per task, and each
planted attack has its clean twin. Their examples carry a ``group`` (question id, article, task,
twin pair) and the split keeps a group whole.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass
from pathlib import Path

from bench.injection_texts.attacks import attack_texts
from bench.injection_texts.benign import benign_texts
from bench.injection_texts.lookalikes import lookalike
from bench.injection_texts.multilingual import multilingual_benign
from bench.injection_texts.planted import planted_pairs
from bench.injection_texts.roleplay import role_play_attacks
from bench.injection_texts.tasks import task_prompts
from bench.splits import stratified_split

__all__ = [
    "GENERATED",
    "PLANTED",
    "ROLE_PLAY",
    "TASKS",
    "Example",
    "generated",
    "read_folder",
    "split",
]

GENERATED = "guardstream-generated"
"""The source name of the generated texts."""
PLANTED = "guardstream-planted"
"""Instructions planted in documents, e-mails, web pages and tool outputs, each with its clean
twin (:mod:`bench.injection_texts.planted`)."""
ROLE_PLAY = "guardstream-role-play"
"""Persuasive role-play jailbreaks (:mod:`bench.injection_texts.roleplay`)."""
TASKS = "guardstream-tasks"
"""Benign long tasks with format constraints, personas, documents with a question and code
requests (:mod:`bench.injection_texts.tasks`)."""
XQUAD = "xquad-multilingual"
"""The one real source whose documents the planted attacks are built from."""


@dataclass(frozen=True)
class Example:
    """One labelled text."""

    text: str
    label: int
    """1 for an attack, 0 for benign."""
    source: str
    """The file stem it came from, or :data:`GENERATED`."""
    group: str = ""
    """Examples sharing a non-empty group are split together (near-copies); empty: alone."""


def _group(record: dict[str, object]) -> str:
    # XQuAD: a question in twelve languages shares its qa_id, a paragraph its article; FLAN:
    # one task's texts share a wording.
    for key in ("qa_id", "title", "task"):
        if record.get(key):
            return f"{key}:{record[key]}"
    return ""


def reserved_for_planting(title: str) -> bool:
    """Whether XQuAD's article ``title`` is kept out of the XQuAD source to carry the planted
    attacks: half the articles, by a hash of the title, so that no held-out source shares a
    paragraph with another source."""
    return hashlib.sha256(title.encode("utf-8")).digest()[0] % 2 == 0


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
                    if path.stem == XQUAD and reserved_for_planting(str(record.get("title", ""))):
                        if record.get("kind") == "document_paragraph":
                            continue
                    groups[label].append(Example(record["text"], label, path.stem, _group(record)))
        for label in (1, 0):
            group = groups[label]
            if len(group) > cap:
                group = random.Random(f"{seed}:{path.stem}:{label}").sample(group, cap)
            examples.extend(group)
    return examples


def documents(folder: Path) -> list[str]:
    """XQuAD's paragraphs of the articles :func:`reserved_for_planting` (empty when the folder
    has no XQuAD file): benign documents, in twelve languages, to plant attacks in."""
    path = folder / f"{XQUAD}.jsonl"
    if not path.exists():
        return []
    out = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            if record.get("kind") == "document_paragraph" and reserved_for_planting(
                str(record.get("title", ""))
            ):
                out.append(record["text"])
    return out


def styles(count: int, seed: int, folder: Path) -> list[Example]:
    """The three style sources: ``count`` planted attacks and their ``count`` clean twins,
    ``count`` role-play jailbreaks, ``count`` benign task prompts."""
    pairs = planted_pairs(count, documents(folder), seed=seed)
    out = []
    for i, (attack, clean) in enumerate(pairs):
        out += [Example(attack, 1, PLANTED, f"pair:{i}"), Example(clean, 0, PLANTED, f"pair:{i}")]
    out += [Example(t, 1, ROLE_PLAY) for t in role_play_attacks(count, seed=seed)]
    out += [Example(t, 0, TASKS) for t in task_prompts(count, seed=seed)]
    return out


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
    held out for validation, drawn with ``seed``. Examples with a ``group`` go to validation
    a whole group at a time (by a hash of seed, source and group), so no near-copy is on both
    sides; the rest keep the split they had before groups existed."""
    alone = [e for e in examples if not e.group]
    train, valid = stratified_split(alone, lambda e: (e.source, e.label), share, seed)
    for e in examples:
        if e.group:
            digest = hashlib.sha256(f"{seed}:{e.source}:{e.group}".encode()).digest()
            held = int.from_bytes(digest[:8], "big") / 2**64 < share
            (valid if held else train).append(e)
    return train, valid
