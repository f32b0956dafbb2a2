"""all-MiniLM-L6-v2's encoder written in JAX, for fine-tuning only (the ``train`` extra).

The same computation as the ONNX graph the pools run (:func:`workers.scanners.text.onnx_bert.
bert_graph`): embeddings and LayerNorm, post-LN BERT layers with exact GELU and an additive
-10000 mask on padding keys, mean pooling over real tokens, unit length. Parameters are the
safetensors tensors under their own names (a dict of arrays), so fine-tuned layers are written
back under the same names and the project's graph builder reads them unchanged.

Split in two for training the top layers only: :func:`lower` runs the frozen bottom layers once
per text (their output is cached), :func:`upper` the trained ones and the pooling.
"""

from __future__ import annotations

from collections.abc import Mapping

import jax
import jax.numpy as jnp
import numpy as np

__all__ = ["EPS", "HEADS", "MASK_FILL", "layer_names", "lower", "pooled", "upper"]

HEADS = 12
EPS = 1e-12
MASK_FILL = -10000.0
"""What BERT (and the ONNX graph) adds to the attention scores of padding keys."""

Params = Mapping[str, jax.Array | np.ndarray]


def layer_names(i: int) -> list[str]:
    """The tensor names of encoder layer ``i``."""
    p = f"encoder.layer.{i}."
    parts = (
        "attention.self.query",
        "attention.self.key",
        "attention.self.value",
        "attention.output.dense",
        "attention.output.LayerNorm",
        "intermediate.dense",
        "output.dense",
        "output.LayerNorm",
    )
    return [p + part + suffix for part in parts for suffix in (".weight", ".bias")]


def _layer_norm(x: jax.Array, weight: jax.Array, bias: jax.Array) -> jax.Array:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / jnp.sqrt(var + EPS) * weight + bias


def _linear(params: Params, name: str, x: jax.Array) -> jax.Array:
    # torch stores dense weights (out, in)
    return x @ jnp.asarray(params[name + ".weight"]).T + params[name + ".bias"]


def _layer(params: Params, i: int, x: jax.Array, mask_add: jax.Array) -> jax.Array:
    p = f"encoder.layer.{i}."
    b, t, h = x.shape
    size = h // HEADS

    def heads(name: str) -> jax.Array:
        return _linear(params, p + "attention.self." + name, x).reshape(b, t, HEADS, size)

    q, k, v = heads("query"), heads("key"), heads("value")
    scores = jnp.einsum("bqhd,bkhd->bhqk", q, k) / np.float32(np.sqrt(size)) + mask_add
    ctx = jnp.einsum("bhqk,bkhd->bqhd", jax.nn.softmax(scores, axis=-1), v).reshape(b, t, h)
    attn = _linear(params, p + "attention.output.dense", ctx)
    x = _layer_norm(
        attn + x,
        params[p + "attention.output.LayerNorm.weight"],
        params[p + "attention.output.LayerNorm.bias"],
    )
    inner = jax.nn.gelu(_linear(params, p + "intermediate.dense", x), approximate=False)
    out = _linear(params, p + "output.dense", inner)
    return _layer_norm(
        out + x, params[p + "output.LayerNorm.weight"], params[p + "output.LayerNorm.bias"]
    )


def _mask_add(mask: jax.Array) -> jax.Array:
    return (1.0 - mask.astype(jnp.float32))[:, None, None, :] * MASK_FILL


def lower(params: Params, ids: jax.Array, mask: jax.Array, layers: int) -> jax.Array:
    """Hidden states after the embeddings and the first ``layers`` encoder layers:
    (batch, tokens, hidden)."""
    t = ids.shape[1]
    emb = (
        jnp.asarray(params["embeddings.word_embeddings.weight"])[ids]
        + jnp.asarray(params["embeddings.position_embeddings.weight"])[:t]
        + jnp.asarray(params["embeddings.token_type_embeddings.weight"])[0]
    )
    x = _layer_norm(emb, params["embeddings.LayerNorm.weight"], params["embeddings.LayerNorm.bias"])
    add = _mask_add(mask)
    for i in range(layers):
        x = _layer(params, i, x, add)
    return x


def upper(params: Params, x: jax.Array, mask: jax.Array, first: int, last: int) -> jax.Array:
    """Encoder layers ``first`` to ``last - 1`` over hidden states ``x``, then :func:`pooled`."""
    add = _mask_add(mask)
    for i in range(first, last):
        x = _layer(params, i, x, add)
    return pooled(x, mask)


def pooled(x: jax.Array, mask: jax.Array) -> jax.Array:
    """Mean over real tokens, then unit length (sentence-transformers' Pooling + Normalize)."""
    m = mask.astype(jnp.float32)[..., None]
    mean = (x * m).sum(1) / jnp.maximum(m.sum(1), 1e-9)
    return mean / jnp.maximum(jnp.linalg.norm(mean, axis=-1, keepdims=True), 1e-12)
