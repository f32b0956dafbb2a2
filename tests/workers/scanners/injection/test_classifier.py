"""The learned classifier's weights: refused when trained with another embedding model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from topics.errors import ConfigError
from workers.scanners.injection import classifier as injection_classifier
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
