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

from bench.moderation_hard_negatives import SOURCE as HARD_SOURCE
from bench.moderation_hard_negatives import hard_negatives
from bench.moderation_texts import generate
from bench.splits import stratified_split
from workers.scanners.moderation.backends.features import clean
from workers.scanners.moderation.backends.local_model import CATEGORY_HEADS

__all__ = [
    "BORROWED",
    "CATEGORY_OF",
    "GENERATED",
    "HARD_NEGATIVE",
    "UNKNOWN",
    "Example",
    "generated",
    "generated_hard_negatives",
    "read_borrowed",
    "read_folder",
    "split",
]

GENERATED: Final = "guardstream-generated"
"""The source name of the generated texts."""

UNKNOWN: Final = -1
"""A target the source does not give."""

HARD_NEGATIVE: Final = "hard_negative"
"""The group kind of benign texts that sound dangerous (CoCoNot's contrast set, generated)."""

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
    # CatQA's and SimpleSafetyTests' categories beyond the six heads: fraud and malware are
    # illicit, extremism is violence; child abuse (physical or sexual) and privacy are flagged
    # without a category head.
    "illicit_fraud": "illicit",
    "illicit_malware": "illicit",
    "violent_extremism": "violence",
    "child_abuse": None,
    "privacy": None,
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
    unit: str = ""
    """Texts with the same unit (translations of one question) stay on one side of the split;
    empty: the text is its own unit."""

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


def _example(record: dict, source: str, unit: str = "") -> Example:
    flagged = int(record["label"] == "flagged")
    kind = str(record.get("hazard") or record.get("category") or "")
    if record.get("hard_negative"):
        kind = HARD_NEGATIVE  # CoCoNot's "sounds dangerous, is safe": its own group to report
    category = CATEGORY_OF.get(kind, kind if kind in CATEGORY_HEADS else None)
    profanity = UNKNOWN
    if kind == "offensive":
        flagged, profanity = 0, 1
    elif kind == "neither":
        profanity = 0
    group = f"{record['label']}:{kind}"
    targets = _targets(flagged, category, profanity)
    return Example(clean(record["text"]), targets, source, group, unit)


def _units(records: list[dict]) -> list[str]:
    """Each record's unit: CatQA's translations of one question share one (its category,
    subcategory and rank within them in its own language: the three files list the questions in
    the same order), XQuAD's its ``qa_id``; any other record is its own unit."""
    units: list[str] = []
    rank: dict[tuple[str, str, str], int] = {}
    for record in records:
        if "catqa_subcategory" in record:
            key = (record["catqa_category"], record["catqa_subcategory"], record["language"])
            rank[key] = rank.get(key, -1) + 1
            units.append(f"{key[0]}/{key[1]}/{rank[key]}")
        elif "qa_id" in record:
            units.append(str(record["qa_id"]))
        else:
            units.append("")
    return units


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
            records = [json.loads(line) for line in f if line.strip()]
        for record, unit in zip(records, _units(records), strict=True):
            example = _example(record, path.stem, unit)
            if example.text and example.text not in seen:
                seen.add(example.text)
                groups.setdefault(example.group, []).append(example)
        examples.extend(_capped(groups, cap, f"{seed}:{path.stem}"))
    return examples


def _capped(groups: dict[str, list[Example]], cap: int, seed: str) -> list[Example]:
    """At most ``cap`` examples per group, drawn with ``seed`` and the group's name."""
    out: list[Example] = []
    for name in sorted(groups):
        group = groups[name]
        if len(group) > cap:
            group = random.Random(f"{seed}:{name}").sample(group, cap)
        out.extend(group)
    return out


BORROWED: Final[dict[str, tuple[int, dict[str, tuple[str, ...]]]]] = {
    "xquad-multilingual": (1400, {"kind": ("question",), "language": ("en", "zh", "vi", "de")}),
    "flan-niv2-definitions": (500, {}),
    "purplellama-frr-benign": (500, {}),
    "clinc-oos-benign": (500, {}),
    "system-prompt-collections": (60, {}),
}
"""Benign sets of the injection data (``../shared/train/injection``) the moderation model also
learns from, each with the most texts it gives and the field values it keeps: without them every
Chinese or Vietnamese text in training is a harmful CatQA question, every long instruction
a jailbreak-style AILuminate prompt, and the model learns the language or the style, not the
harm. XQuAD's questions come in the languages the harmful sets use."""


def read_borrowed(folder: Path, seed: int) -> list[Example]:
    """The benign texts of :data:`BORROWED` from ``folder`` (missing files are skipped, so a
    folder of moderation data alone still trains), at most its cap per file."""
    examples: list[Example] = []
    for stem, (cap, keep) in BORROWED.items():
        path = folder / f"{stem}.jsonl"
        if not path.exists():
            continue
        with path.open(encoding="utf-8") as f:
            records = [json.loads(line) for line in f if line.strip()]
        records = [
            r
            for r in records
            if r["label"] == "benign" and all(r.get(k) in v for k, v in keep.items())
        ]
        seen: set[str] = set()
        group: list[Example] = []
        for record, unit in zip(records, _units(records), strict=True):
            example = _example(record, stem, unit)
            if example.text and example.text not in seen:
                seen.add(example.text)
                group.append(example)
        examples.extend(_capped({"benign:": group}, cap, f"{seed}:{stem}"))
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


def generated_hard_negatives(count: int, seed: int) -> list[Example]:
    """The project's generated benign texts that sound dangerous
    (:mod:`bench.moderation_hard_negatives`), a source of their own."""
    targets = _targets(0, None, 0)
    group = f"benign:{HARD_NEGATIVE}"
    return [Example(clean(t), targets, HARD_SOURCE, group) for t in hard_negatives(count, seed)]


def split(examples: list[Example], share: float, seed: int) -> tuple[list[Example], list[Example]]:
    """Training and validation, stratified by source and group: ``share`` of each group's units
    is held out for validation, drawn with ``seed``; a unit's texts (the translations of one
    question) stay together, so validation never scores a translation of a training text."""
    units: dict[tuple[str, str, str], list[Example]] = {}
    for i, e in enumerate(examples):
        units.setdefault((e.source, e.group, e.unit or f"#{i}"), []).append(e)
    bundles = [units[k] for k in sorted(units, key=lambda k: (k[0], k[1]))]
    train, valid = stratified_split(bundles, lambda b: (b[0].source, b[0].group), share, seed)
    return [e for b in train for e in b], [e for b in valid for e in b]
