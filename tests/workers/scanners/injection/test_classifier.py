"""The learned classifier's weights: refused when trained with another embedding model; the
shipped ones stack both models and carry the defaults the scanner ships."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from topics.errors import ConfigError
from workers.scanners.injection import classifier as injection_classifier
from workers.scanners.injection.scanner import InjectionScanner
from workers.scanners.text.embeddings import Embedder


def test_classifier_trained_with_another_model_is_refused(
    tmp_path: Path, embedder: Embedder
) -> None:
    path = tmp_path / "lr.npz"
    injection_classifier.InjectionClassifier(np.zeros(embedder.dim), 0.0).save(path, "other")
    with pytest.raises(ConfigError, match="another embedding model"):
        injection_classifier.InjectionClassifier.load(path, embedder.fingerprint())
    with pytest.raises(ConfigError, match="cannot read"):
        injection_classifier.InjectionClassifier.load(tmp_path / "missing.npz")


def test_shipped_weights_stack_both_models_and_name_the_scanner_defaults(
    embedder: Embedder,
) -> None:
    shipped = injection_classifier.InjectionClassifier.load(
        injection_classifier.CLASSIFIER_PATH, embedder.fingerprint()
    )
    assert shipped.ngrams is not None and shipped.coef.shape == (embedder.dim,)
    a, b, _ = shipped.stack
    assert a > 0 and b > 0  # both models earn a positive weight in the stack
    # bench.train_injection records the defaults it chose; the scanner must ship them.
    with np.load(injection_classifier.CLASSIFIER_PATH) as data:
        threshold = float(data["classifier_threshold"])
        min_words = int(data["classifier_min_words"])
        cosine = float(data["similarity_threshold"])
    assert shipped.trained_settings == {
        "classifier_threshold": pytest.approx(threshold),
        "classifier_min_words": min_words,
        "similarity_threshold": pytest.approx(cosine),
    }
    defaults = InjectionScanner(similarity=False)
    defaults.load()
    assert defaults.classifier_threshold == pytest.approx(threshold)
    assert defaults.classifier_min_words == min_words
    assert defaults.similarity_threshold == pytest.approx(cosine)
    chosen = InjectionScanner(similarity=False, classifier_threshold=0.6, classifier_min_words=5)
    chosen.load()  # a configured value wins over the trained one
    assert (chosen.classifier_threshold, chosen.classifier_min_words) == (0.6, 5)
    assert injection_classifier.CLASSIFIER_PATH.stat().st_size < 5_000_000


def test_weights_without_ngrams_are_a_head_alone(embedder: Embedder) -> None:
    rng = np.random.default_rng(1)
    coef = rng.normal(size=embedder.dim)
    head = injection_classifier.InjectionClassifier(coef, 0.5)
    vectors = embedder.embed(["a text", "another text"])
    expected = 1.0 / (1.0 + np.exp(-(vectors @ coef.astype(np.float32) + 0.5)))
    assert np.allclose(head.proba(vectors), expected, atol=1e-6)
