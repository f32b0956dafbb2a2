"""The moderation trainer: labels from the sources' fields, a fixed split, the same arrays twice.

The texts are the project's generated ones plus a few written here; the encoder is replaced by a
hash of each text (the real one takes minutes to embed a dataset; what is tested here is the
fitting and its determinism, not the embedding).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from bench import train_moderation
from bench.moderation_data import UNKNOWN, generated, read_folder, split
from workers.scanners.bands import TARGET_FPRS
from workers.scanners.moderation.backends.local_model import HEADS, ModelWeights


def fake_embed(texts: list[str]) -> np.ndarray:
    """A unit vector per text, the same for the same text in any process."""
    rows = []
    for text in texts:
        seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
        v = np.random.default_rng(seed).standard_normal(16).astype(np.float32)
        rows.append(v / np.linalg.norm(v))
    return np.stack(rows)


def _write(folder: Path) -> None:
    rows = [
        {"text": "RT @someone: you are all trash and should die", "label": "flagged",
         "category": "hate"},
        {"text": "this damn game is so fucking hard lol", "label": "flagged",
         "category": "offensive"},
        {"text": "lovely morning at the beach &amp; coffee", "label": "benign",
         "category": "neither"},
        {"text": "how do I hurt people at the parade", "label": "flagged", "hazard": "vcr"},
        {"text": "a comment nobody labelled by category", "label": "flagged"},
    ]  # fmt: skip
    with (folder / "tiny.jsonl").open("w") as f:
        for row in rows:
            f.write(json.dumps({**row, "source": "test"}) + "\n")


def test_targets_follow_the_sources_fields(tmp_path: Path) -> None:
    _write(tmp_path)
    by_text = {e.text: e.targets for e in read_folder(tmp_path, cap=10, seed=1)}
    at = {h: i for i, h in enumerate(HEADS)}
    hate = by_text["you are all trash and should die"]  # tweet furniture cleaned away
    assert hate[at["flagged"]] == 1 and hate[at["hate"]] == 1 and hate[at["violence"]] == 0
    swearing = by_text["this damn game is so fucking hard lol"]
    assert swearing[at["flagged"]] == 0 and swearing[at["profanity"]] == 1
    benign = by_text["lovely morning at the beach & coffee"]
    assert benign[at["flagged"]] == 0 and benign[at["profanity"]] == 0
    assert by_text["how do I hurt people at the parade"][at["violence"]] == 1
    unlabelled = by_text["a comment nobody labelled by category"]
    assert unlabelled[at["flagged"]] == 1 and unlabelled[at["hate"]] == UNKNOWN


def test_split_is_stratified_and_fixed() -> None:
    examples = generated(per_class=20, seed=3)
    train, valid = split(examples, 0.2, seed=5)
    assert len(valid) == pytest.approx(len(examples) / 5, abs=8)
    assert {e.group for e in valid} == {e.group for e in examples}
    assert split(examples, 0.2, seed=5) == (train, valid)


def test_training_twice_gives_the_same_arrays(tmp_path: Path) -> None:
    train, valid = split(generated(per_class=20, seed=3), 0.2, seed=5)

    def weights() -> ModelWeights:
        trained = train_moderation.train(
            train, valid, fake_embed, "fake", grid_c=(1.0,), grid_scale=(1.0,)
        )
        return trained.weights

    first, second = weights(), weights()
    for name in ("embedding", "ngram", "rules", "intercept"):
        assert np.array_equal(getattr(first, name), getattr(second, name)), name
    assert first.threshold == second.threshold
    assert first.embedding.shape == (len(HEADS), 16)
    first.save(tmp_path / "w.npz")
    loaded = ModelWeights.load(tmp_path / "w.npz")
    assert np.array_equal(loaded.ngram, first.ngram)
    assert loaded.ngram.dtype == np.float32


def test_threshold_keeps_every_sources_fpr_under_the_cap() -> None:
    rng = np.random.default_rng(0)
    p = rng.random(400)
    y = (rng.random(400) < 0.5).astype(int)
    sources = np.array(["a", "b"] * 200)
    threshold = train_moderation.pick_threshold(p, y, sources)
    for source in ("a", "b"):
        negatives = p[(sources == source) & (y == 0)]
        assert np.mean(negatives >= threshold) <= train_moderation.MAX_FPR
    assert train_moderation.roc_auc(np.array([0.1, 0.9]), np.array([0, 1])) == 1.0


def test_held_out_threshold_weighs_each_benign_source_once() -> None:
    # Source "a" brings 300 benign texts scored low, "b" 30 scored high: pooled, "b" would be
    # lost in "a"; weighed once each, the threshold must keep their mean FPR under the cap.
    p = np.r_[np.linspace(0.0, 0.5, 300), np.linspace(0.5, 1.0, 30), np.full(50, 0.99)]
    y = np.r_[np.zeros(330, int), np.ones(50, int)]
    sources = np.array(["a"] * 300 + ["b"] * 30 + ["c"] * 50)
    rules = np.zeros(len(p))
    held = train_moderation.HeldOut(p, y, sources, rules)
    threshold = train_moderation.pick_held_out_threshold(held)
    rates = [np.mean(p[(sources == s) & (y == 0)] >= threshold) for s in ("a", "b")]
    assert np.mean(rates) <= train_moderation.MAX_FPR
    looser = threshold - 0.01
    assert np.mean([np.mean(p[(sources == s) & (y == 0)] >= looser) for s in "ab"]) > 0.10
    # Benign texts a rule flags spend the same budget: the model's threshold rises.
    rules[300:310] = 0.9  # a third of source "b"
    stricter = train_moderation.pick_held_out_threshold(
        train_moderation.HeldOut(p, y, sources, rules)
    )
    assert stricter > threshold


def test_held_out_scores_come_from_heads_that_never_saw_the_source() -> None:
    examples = [
        dataclasses.replace(e, source="x" if i % 2 else "y")
        for i, e in enumerate(generated(per_class=20, seed=3))
    ]
    train, valid = split(examples, 0.2, seed=5)
    held = train_moderation.held_out_flagged(train, valid, fake_embed, 1.0, 1.0)
    p, y, sources = held.p, held.y, held.sources
    both = [*train, *valid]
    assert list(y) == [e.flagged for e in both] and list(sources) == [e.source for e in both]
    # Source "x" is scored by a head fitted on "y" alone.
    features = train_moderation.featurize(both, fake_embed)
    on_y = np.flatnonzero(sources == "y")
    coef, intercept = train_moderation.fit_head(features.design(1.0, on_y), y[on_y], 1.0)
    on_x = np.flatnonzero(sources == "x")
    logits = np.asarray(features.design(1.0, on_x) @ coef + intercept, dtype=np.float64)
    assert np.allclose(p[on_x], 1.0 / (1.0 + np.exp(-logits)))


def test_operating_points_meet_their_targets_and_tighten_with_them() -> None:
    rng = np.random.default_rng(1)
    p = np.r_[rng.beta(2, 5, 600), rng.beta(5, 2, 300)]
    y = np.r_[np.zeros(600, int), np.ones(300, int)]
    sources = np.array((["a", "b", "c"] * 300)[:900])
    rules = np.r_[np.zeros(599), 0.97, np.zeros(300)]  # one benign text a rule flags high
    held = train_moderation.HeldOut(p, y, sources, rules)
    anchor = train_moderation.pick_held_out_threshold(held)
    points = train_moderation.operating_points(held, anchor)
    assert [q["max_mean_benign_fpr"] for q in points] == list(TARGET_FPRS)
    for q in points:
        flags = held.flags(q["classifier_threshold"], anchor)
        assert held.mean_benign_fpr(flags) == pytest.approx(q["loso_benign_fpr"], abs=1e-4)
        assert q["loso_benign_fpr"] <= q["max_mean_benign_fpr"]
    thresholds = [q["classifier_threshold"] for q in points]
    assert thresholds == sorted(thresholds, reverse=True)
    recalls = [q["loso_recall"] for q in points]
    assert recalls == sorted(recalls)


def test_sources_weigh_by_the_square_root_of_their_size_and_translations_split_together(
    tmp_path: Path,
) -> None:
    examples = generated(per_class=20, seed=3)
    small = [dataclasses.replace(e, source="small") for e in examples[:4] if e.flagged == 0]
    weights = train_moderation.source_weights([*examples, *small])
    big_benign = sum(w for e, w in zip(examples, weights, strict=False) if e.flagged == 0)
    n_big = sum(e.flagged == 0 for e in examples)
    assert big_benign == pytest.approx(np.sqrt(n_big))
    assert weights[-len(small) :].sum() == pytest.approx(np.sqrt(len(small)))
    rows = [
        {"text": f"question {i} in {lang}", "label": "flagged", "category": "illicit",
         "catqa_category": "Illegal Activity", "catqa_subcategory": "Drug", "language": lang}
        for lang in ("en", "zh", "vi") for i in range(10)
    ]  # fmt: skip
    with (tmp_path / "catqa.jsonl").open("w") as f:
        f.writelines(json.dumps(r) + "\n" for r in rows)
    train, valid = split(read_folder(tmp_path, cap=100, seed=1), 0.2, seed=5)
    sides = {e.text.split(" in ")[0]: set() for e in train + valid}
    for side, part in (("train", train), ("valid", valid)):
        for e in part:
            sides[e.text.split(" in ")[0]].add(side)
    assert all(len(s) == 1 for s in sides.values()) and len(valid) == 6
