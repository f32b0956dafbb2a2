"""The numpy BERT encoder that guardstream shipped before issue 14, kept for the bench only.

``workers/scanners/text/embeddings.py`` ran all-MiniLM-L6-v2 in float32 numpy until the
encoder moved to onnxruntime (:mod:`workers.scanners.text.onnx_bert`). This copy of that forward
pass is the baseline that ``python -m bench.encoder`` measures the new encoder against in the
same run, and the source of
the reference vectors in ``tests/workers/scanners/text/data/numpy_embeddings.json`` (written by
``python -m bench.encoder_reference``). It does not ship: nothing under ``workers/`` imports it.
Tokenisation and windows are the same as the shipped
:class:`workers.scanners.text.embeddings.Embedder`'s; the forward pass in
:meth:`NumpyEmbedder.encode_ids` is what differs.
"""

from __future__ import annotations

import numpy as np
from safetensors.numpy import load_file

from topics.errors import ConfigError
from workers.scanners.text.embeddings import (
    DEFAULT_MODEL,
    Embedder,
    Window,
    load_tokenizer,
    resolve_model_dir,
)

__all__ = ["NumpyEmbedder"]


def _erf(x: np.ndarray) -> np.ndarray:
    # Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): BERT's GELU is the exact erf form, and
    # numpy has no erf of its own.
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    return sign * (1.0 - poly * np.exp(-a * a))


def _gelu(x: np.ndarray) -> np.ndarray:
    return (0.5 * x * (1.0 + _erf(x / np.float32(np.sqrt(2.0))))).astype(np.float32)


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


class NumpyEmbedder:
    """A BERT sentence encoder (mean pooling, unit-norm output) run in numpy: the shipped
    ``workers.scanners.text.embeddings.Embedder`` as it was before issue 14, same constructor
    and methods.

    ``model`` is a folder or an installed package name (see :func:`resolve_model_dir`);
    ``max_tokens`` bounds one window including ``[CLS]``/``[SEP]`` (256 for all-MiniLM-L6-v2);
    longer texts are split into windows that overlap by ``overlap`` tokens.
    """

    def __init__(self, model: str = DEFAULT_MODEL, max_tokens: int = 256, overlap: int = 64):
        if not 0 <= overlap < max_tokens - 2:
            raise ConfigError(f"overlap {overlap} must be in [0, max_tokens - 2)")
        self.model_dir = resolve_model_dir(model)
        self.max_tokens = max_tokens
        self.overlap = overlap
        config, self._tokenizer, self._cls, self._sep = load_tokenizer(self.model_dir)
        try:
            weights = load_file(str(self.model_dir / "model.safetensors"))
        except Exception as e:  # safetensors raises plain Exception too
            raise ConfigError(f"cannot load embedding model from {self.model_dir}: {e}") from e
        self._heads = int(config["num_attention_heads"])
        self._layers = int(config["num_hidden_layers"])
        self._eps = float(config.get("layer_norm_eps", 1e-12))
        self.dim = int(config["hidden_size"])
        self._w = self._prepare(weights)
        self._fingerprint: str | None = None

    def _prepare(self, w: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        # Pre-transpose dense weights and fuse Q, K and V into one matmul per layer.
        out = {k: v.astype(np.float32) for k, v in w.items() if k.startswith("embeddings.")}
        for i in range(self._layers):
            p = f"encoder.layer.{i}."
            a = p + "attention.self."
            out[p + "qkv.w"] = np.ascontiguousarray(
                np.concatenate([w[a + n + ".weight"] for n in ("query", "key", "value")]).T
            )
            out[p + "qkv.b"] = np.concatenate(
                [w[a + n + ".bias"] for n in ("query", "key", "value")]
            )
            for name in ("attention.output.dense", "intermediate.dense", "output.dense"):
                out[p + name + ".w"] = np.ascontiguousarray(w[p + name + ".weight"].T)
                out[p + name + ".b"] = w[p + name + ".bias"]
            for name in ("attention.output.LayerNorm", "output.LayerNorm"):
                out[p + name + ".w"] = w[p + name + ".weight"]
                out[p + name + ".b"] = w[p + name + ".bias"]
        return out

    # the shipped encoder's own fingerprint and windows: only the forward pass differs
    fingerprint = Embedder.fingerprint
    windows = Embedder.windows

    def encode_ids(self, batch: list[list[int]]) -> np.ndarray:
        """Embed token-id sequences (with special tokens) as one padded batch: (n, dim)."""
        n, length = len(batch), max(len(ids) for ids in batch)
        ids = np.zeros((n, length), dtype=np.int64)
        mask = np.zeros((n, length), dtype=np.float32)
        for row, seq in enumerate(batch):
            ids[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1.0
        w = self._w
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:length][None]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = _layer_norm(
            x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self._eps
        )
        heads, size = self._heads, self.dim // self._heads
        # Padding keys get a large negative bias so softmax gives them no weight.
        bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        scale = np.float32(1.0 / np.sqrt(size))
        for i in range(self._layers):
            p = f"encoder.layer.{i}."
            qkv = x @ w[p + "qkv.w"] + w[p + "qkv.b"]
            qkv = qkv.reshape(n, length, 3, heads, size).transpose(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]
            scores = (q @ k.transpose(0, 1, 3, 2)) * scale + bias
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            ctx = (scores @ v).transpose(0, 2, 1, 3).reshape(n, length, self.dim)
            attn = ctx @ w[p + "attention.output.dense.w"] + w[p + "attention.output.dense.b"]
            x = _layer_norm(
                attn + x,
                w[p + "attention.output.LayerNorm.w"],
                w[p + "attention.output.LayerNorm.b"],
                self._eps,
            )
            hidden = _gelu(x @ w[p + "intermediate.dense.w"] + w[p + "intermediate.dense.b"])
            out = hidden @ w[p + "output.dense.w"] + w[p + "output.dense.b"]
            x = _layer_norm(
                out + x, w[p + "output.LayerNorm.w"], w[p + "output.LayerNorm.b"], self._eps
            )
        pooled = (x * mask[:, :, None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)

    def embed_windows(self, windows: list[Window], batch_size: int = 32) -> np.ndarray:
        """Embed windows in batches of ``batch_size``, grouped by length so that padding (to the
        longest of each batch) stays small; rows come back in the order given."""
        out = np.zeros((len(windows), self.dim), dtype=np.float32)
        order = sorted(range(len(windows)), key=lambda i: len(windows[i].ids))
        for at in range(0, len(order), batch_size):
            chunk = order[at : at + batch_size]
            out[chunk] = self.encode_ids([windows[i].ids for i in chunk])
        return out

    def embed(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """One unit vector per text (its first window: up to ``max_tokens`` tokens)."""
        firsts: dict[int, Window] = {}
        for window in self.windows(texts):
            firsts.setdefault(window.text_index, window)
        return self.embed_windows([firsts[i] for i in range(len(texts))], batch_size)
