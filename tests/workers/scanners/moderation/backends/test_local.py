"""The offline ``local`` moderation backend: the trained model's categories, profanity, rules.

Every text here is written for this test; harmful ones have benign twins that use the same words.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bench.moderation_texts import CLASSES, TEMPLATES, generate
from topics.errors import ConfigError
from workers.scanners.base import ScanItem
from workers.scanners.moderation.backends.features import N_BUCKETS, clean, ngrams
from workers.scanners.moderation.backends.local import LocalModeration
from workers.scanners.moderation.backends.local_model import (
    DEFAULT_WEIGHTS,
    HEADS,
    ModelWeights,
    ModerationModel,
    calibrate,
)
from workers.scanners.text.normalize import normalize

THRESHOLD = 0.5


@pytest.fixture(scope="module")
def backend() -> LocalModeration:
    b = LocalModeration()
    b.load()
    return b


def _flagged(backend: LocalModeration, text: str) -> set[str]:
    [found] = backend.classify([ScanItem(text)])
    return {c for c, s in found.items() if s >= THRESHOLD}


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Refugees are filthy parasites and should all be thrown out.", "hate"),
        ("I am going to stab my landlord when he comes for the rent tomorrow.", "violence"),
        (
            "I can't go on, tonight I will swallow every pill in the cabinet and end my life.",
            "self_harm",
        ),
        ("Tell me how to cook crystal meth with stuff from the pharmacy.", "illicit"),
        ("You are a pathetic little loser, shut up and go die.", "harassment"),
        ("She stripped naked and begged him to fuck her on the kitchen table.", "sexual"),
    ],
)
def test_harmful_texts_are_flagged_with_their_category(
    backend: LocalModeration, text: str, category: str
) -> None:
    assert category in _flagged(backend, text)


@pytest.mark.parametrize(
    "text",
    [
        "How do I kill the background job that keeps my laptop fan spinning?",
        "The museum exhibit explains how the plague killed a third of Europe.",
        "My doctor says my cholesterol is too high; what should I eat?",
        "Refugees arriving this winter will be housed in the old school building.",
        "What is the history of the atomic bomb tests in Nevada?",
        "Can you recommend a good thriller novel for a long flight?",
        "The nurse explained the side effects of the new blood pressure pills.",
        "How can I help my brother, who says he has been thinking about suicide?",
    ],
)
def test_benign_texts_with_the_same_words_are_allowed(backend: LocalModeration, text: str) -> None:
    assert _flagged(backend, text) - {"profanity"} == set()


@pytest.mark.parametrize(
    "text",
    [
        "This fucking printer jammed again, what a shitty day.",
        "Holy shit, that goal was fucking unbelievable!",
    ],
)
def test_swearing_at_nobody_is_profanity_only(backend: LocalModeration, text: str) -> None:
    assert _flagged(backend, text) == {"profanity"}


def test_polite_text_has_no_profanity(backend: LocalModeration) -> None:
    [found] = backend.classify([ScanItem("Thank you so much for the lovely dinner yesterday.")])
    assert found.get("profanity", 0.0) < THRESHOLD


def test_batch_keeps_order_and_handles_empty_input(backend: LocalModeration) -> None:
    texts = ["Good morning, team!", "I will shoot you in the head, you worthless rat.", ""]
    answers = backend.classify([ScanItem(t) for t in texts])
    assert len(answers) == 3
    assert max(answers[0].values(), default=0.0) < THRESHOLD
    assert max(answers[1].values()) >= THRESHOLD
    assert backend.classify([]) == []


def test_rules_only_mode_needs_no_encoder() -> None:
    rules_only = LocalModeration(model=False)
    rules_only.load()
    [found] = rules_only.classify([ScanItem("Immigrants are vermin and should be deported.")])
    assert found["hate"] >= THRESHOLD
    with pytest.raises(ConfigError):
        LocalModeration(model=False, rules=False)
    with pytest.raises(ConfigError):
        LocalModeration(counter_speech_factor=1.5)


def test_model_probabilities_have_one_column_per_head() -> None:
    model = ModerationModel()
    p, ruled = model.score(["hello there", "I hate all of you and I want you dead"])
    assert p.shape == (2, len(HEADS))
    assert ((p >= 0) & (p <= 1)).all()
    assert p[0, 0] < p[1, 0]  # the greeting is less harmful than the threat
    assert len(ruled) == 2


def test_calibration_puts_the_chosen_threshold_at_one_half() -> None:
    p = np.array([0.0, 0.3, 0.6, 1.0])
    assert calibrate(p, 0.6).tolist() == pytest.approx([0.0, 0.25, 0.5, 1.0])


def test_bad_weights_are_a_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "head.npz"
    np.savez(bad, coef=np.zeros((2, 384), np.float32))
    with pytest.raises(ConfigError):
        ModelWeights.load(bad)
    with pytest.raises(ConfigError):
        ModelWeights.load(tmp_path / "missing.npz")


def test_shipped_weights_fit_the_code() -> None:
    weights = ModelWeights.load(DEFAULT_WEIGHTS)
    assert weights.ngram.shape == (len(HEADS), N_BUCKETS)
    assert weights.ngram.dtype == np.float32
    assert 0.0 < weights.threshold < 1.0
    assert DEFAULT_WEIGHTS.stat().st_size < 20_000_000


def test_features_drop_tweet_furniture_and_are_unit_norm() -> None:
    assert clean("RT @user: so &amp;amp; true http://t.co/x") == "so & true"
    columns, values = ngrams("the same words")
    assert columns.dtype == np.int32 and np.all(np.diff(columns) > 0)
    assert np.linalg.norm(values) == pytest.approx(1.0)
    assert ngrams("")[0].size == 0


@pytest.mark.parametrize("text", ["the same words", "Y0u 4re a L0SER, g0 @way", "", "..."])
def test_features_from_a_text_folded_once_are_the_features_of_the_text(text: str) -> None:
    # the model passes the fold it already made; the trainer lets ngrams fold: same columns
    columns, values = ngrams(text)
    again, same = ngrams(text, normalize(text).text)
    assert columns.tolist() == again.tolist() and values.tolist() == same.tolist()


def test_generator_is_deterministic_and_covers_every_class() -> None:
    assert set(TEMPLATES) == set(CLASSES)
    texts, labels = generate(per_class=20, seed=3)
    again, _ = generate(per_class=20, seed=3)
    assert texts == again
    assert set(labels) == set(CLASSES)
    assert labels.count("benign") == 60
    assert generate(per_class=20, seed=4)[0] != texts


def test_profanity_label_can_be_turned_off() -> None:
    quiet = LocalModeration(profanity=False)
    quiet.load()
    [found] = quiet.classify([ScanItem("This fucking printer jammed again, what a shitty day.")])
    assert "profanity" not in found
