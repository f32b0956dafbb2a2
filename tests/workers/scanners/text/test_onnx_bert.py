"""onnx_bert: the built graph is valid ONNX, its cache is keyed, built once under concurrency,
written atomically, and falls back to memory when it cannot be written."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from topics.errors import ConfigError
from workers.scanners.text import onnx_bert
from workers.scanners.text.embeddings import DEFAULT_MODEL, resolve_model_dir


def test_public_api() -> None:
    for name in onnx_bert.__all__:
        assert hasattr(onnx_bert, name), name


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"GUARDSTREAM_HOME": "/srv/gs", "XDG_CACHE_HOME": "/x"}, Path("/srv/gs/onnx")),
        ({"XDG_CACHE_HOME": "/x"}, Path("/x/guardstream/onnx")),
        ({}, Path.home() / ".cache" / "guardstream" / "onnx"),
    ],
)
def test_default_cache_dir_follows_the_environment(environ: dict, expected: Path) -> None:
    assert onnx_bert.default_cache_dir(environ) == expected


def test_graph_key_changes_with_model_and_precision() -> None:
    keys = {
        onnx_bert.graph_key(fingerprint, precision)
        for fingerprint in ("a" * 64, "b" * 64)
        for precision in onnx_bert.PRECISIONS
    }
    assert len(keys) == 4
    assert all(k.endswith(("-fp32.onnx", "-int8.onnx")) for k in keys)


def test_built_graph_is_valid_onnx() -> None:
    import onnx

    graph = onnx.load_model_from_string(onnx_bert.build(resolve_model_dir(DEFAULT_MODEL), "fp32"))
    onnx.checker.check_model(graph)
    assert [i.name for i in graph.graph.input] == ["input_ids", "attention_mask"]
    assert [o.name for o in graph.graph.output] == ["embeddings"]


def test_unknown_precision_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="precision"):
        onnx_bert.build(resolve_model_dir(DEFAULT_MODEL), "fp16")  # type: ignore[arg-type]


@pytest.fixture
def fake_build(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Replace the (seconds-long) real build with a slow fake that records its calls."""
    calls: list[str] = []

    def build(model_dir: Path, precision: str) -> bytes:
        calls.append(precision)
        time.sleep(0.2)  # long enough for the other threads to arrive while it builds
        return b"graph:" + precision.encode()

    monkeypatch.setattr(onnx_bert, "build", build)
    return calls


def test_concurrent_loads_build_once_and_leave_no_temp_files(
    tmp_path: Path, fake_build: list[str]
) -> None:
    results: list[Path | bytes] = []

    def load() -> None:
        results.append(onnx_bert.cached_graph(tmp_path, "f" * 64, "fp32", tmp_path / "cache"))

    threads = [threading.Thread(target=load) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert fake_build == ["fp32"]
    assert len(set(results)) == 1 and isinstance(results[0], Path)
    assert results[0].read_bytes() == b"graph:fp32"
    leftovers = [p.name for p in (tmp_path / "cache").iterdir() if p.name.endswith(".tmp")]
    assert not leftovers
    # A second precision is another file; the first is read back, not rebuilt.
    onnx_bert.cached_graph(tmp_path, "f" * 64, "int8", tmp_path / "cache")
    onnx_bert.cached_graph(tmp_path, "f" * 64, "fp32", tmp_path / "cache")
    assert fake_build == ["fp32", "int8"]


def test_unwritable_cache_builds_in_memory(tmp_path: Path, fake_build: list[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert onnx_bert.cached_graph(tmp_path, "f" * 64, "fp32", blocker / "onnx") == b"graph:fp32"
