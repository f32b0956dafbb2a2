"""Embedder in onnxruntime: its vectors match the numpy encoder that shipped before it, on the
project's own texts (vectors pinned in ``tests/workers/scanners/text/data/numpy_embeddings.json`` by
``python -m bench.encoder_reference``), and bad settings are configuration errors."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest

from topics.errors import ConfigError
from workers.scanners.text import embeddings
from workers.scanners.text.embeddings import DEFAULT_PRECISION, Embedder

FIXTURE = Path(__file__).resolve().parent / "data" / "numpy_embeddings.json"


@pytest.fixture(scope="module")
def reference() -> dict:
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    raw = base64.b64decode(data["vectors_f32le_base64"])
    data["vectors"] = np.frombuffer(raw, dtype="<f4").reshape(len(data["texts"]), data["dim"])
    return data


def _cosines(embedder: Embedder, reference: dict) -> np.ndarray:
    assert embedder.fingerprint() == reference["model_fingerprint"], (
        "the installed model is not the one the fixture was computed with"
    )
    return np.sum(embedder.embed(reference["texts"]) * reference["vectors"], axis=1)


def test_public_api() -> None:
    assert embeddings.__all__ == [
        "DEFAULT_MODEL",
        "DEFAULT_PRECISION",
        "Embedder",
        "Window",
        "load_tokenizer",
        "resolve_model_dir",
    ]


def test_fixture_covers_short_long_and_empty_texts(reference: dict) -> None:
    embedder = Embedder(max_tokens=reference["max_tokens"])
    lengths = [len(w.ids) for w in embedder.windows(reference["texts"]) if w.start == 0]
    assert min(lengths) == 2 and max(lengths) == reference["max_tokens"]
    assert sum(n < 40 for n in lengths) >= 20


def test_fp32_graph_matches_the_numpy_encoder(reference: dict) -> None:
    cosines = _cosines(Embedder(max_tokens=reference["max_tokens"], precision="fp32"), reference)
    assert cosines.min() >= 0.99, cosines.min()
    assert cosines.mean() >= 0.9999, cosines.mean()  # measured: 0.99999+ on every text


def test_int8_graph_stays_close_to_the_numpy_encoder(reference: dict) -> None:
    # Not the default (see embeddings.DEFAULT_PRECISION); this bounds how far the
    # opt-in int8 graph may drift, so a worse quantiser setting shows here.
    cosines = _cosines(Embedder(max_tokens=reference["max_tokens"], precision="int8"), reference)
    assert cosines.min() >= 0.93, cosines.min()
    assert cosines.mean() >= 0.98, cosines.mean()


def test_default_precision_is_fp32() -> None:
    assert DEFAULT_PRECISION == "fp32"
    assert Embedder().precision == "fp32"


@pytest.mark.parametrize("precision", ["fp32", "int8"])
def test_vectors_do_not_depend_on_batch_size_or_order(reference: dict, precision: str) -> None:
    embedder = Embedder(max_tokens=128, precision=precision)  # type: ignore[arg-type]
    texts = reference["texts"][:12]
    whole = embedder.embed(texts, batch_size=32)
    pairs = embedder.embed(texts[::-1], batch_size=2)[::-1]
    assert np.allclose(whole, pairs, atol=1e-5)


@pytest.mark.parametrize(
    ("settings", "match"),
    [
        ({"precision": "fp16"}, "precision"),
        ({"threads": 0}, "threads"),
        ({"max_tokens": 1024, "overlap": 64}, "max_tokens"),
        ({"max_tokens": 32, "overlap": 30}, "overlap"),
    ],
)
def test_bad_settings_are_config_errors(settings: dict, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        Embedder(**settings)


def test_unwritable_cache_still_loads(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    embedder = Embedder(max_tokens=64, overlap=8, cache_dir=blocker / "onnx")
    assert embedder.embed(["still works"]).shape == (1, embedder.dim)


@pytest.mark.parametrize(
    ("lengths", "batch_size", "expected"),
    [
        ([10, 12, 11, 30], 32, [[0, 2, 1], [3]]),  # 30 is too long to pad the others to
        ([10, 10, 10], 2, [[0, 1], [2]]),
        ([128] * 9, 32, [[0, 1, 2, 3, 4, 5, 6, 7], [8]]),  # 1024 padded tokens at most
        ([], 32, []),
    ],
)
def test_batches_group_similar_lengths(
    lengths: list[int], batch_size: int, expected: list[list[int]]
) -> None:
    assert embeddings._batches(lengths, batch_size) == expected


def test_damaged_cache_file_is_rebuilt(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    first = Embedder(max_tokens=64, overlap=8, cache_dir=tmp_path)
    [cached] = list(tmp_path.glob("*.onnx"))
    cached.write_bytes(b"not a graph")
    again = Embedder(max_tokens=64, overlap=8, cache_dir=tmp_path)
    assert "rebuilding" in caplog.text
    assert cached.stat().st_size > 1_000_000
    assert np.allclose(first.embed(["same text"]), again.embed(["same text"]), atol=1e-6)
