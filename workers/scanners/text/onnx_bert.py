"""Build an ONNX graph of a BERT sentence encoder from its safetensors weights, without torch.

No package on the registries we can reach ships all-MiniLM-L6-v2 as ONNX, and exporting with
torch would put torch (gigabytes) into the pool image. So :func:`bert_graph` writes the encoder
with ``onnx.helper`` from the checkpoint's tensors, in standard ONNX operators laid out as
Hugging Face's own export lays them out, and ends it in the sentence-transformers pooling of this
model: the mean of the last layer over real tokens, scaled to unit length. onnxruntime fuses
what pays on the CPU when it loads the graph (bias + GELU, the scaled query-key product).
``onnxruntime.transformers.optimizer`` was tried too: it needs sympy, gained nothing measurable
here, and its fused ``Attention`` gave wrong vectors on this graph, so it is not used.

Inputs ``input_ids`` and ``attention_mask`` (int64, batch x tokens, padding marked 0 in the
mask); output ``embeddings`` (float32, batch x hidden). :func:`quantize` makes the ``int8``
variant (dynamic quantisation of the matrix products).

Building takes seconds, so :func:`cached_graph` keeps the result in a folder keyed by a hash of
the model files, this builder's version, the precision and the onnxruntime version; it writes
beside and renames, under a lock, so processes that start together build once and never read
half a file. ``onnx`` is imported only to build: a process whose graph is cached needs
onnxruntime alone.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from topics.errors import ConfigError

if TYPE_CHECKING:
    import onnx

__all__ = [
    "GRAPH_VERSION",
    "PRECISIONS",
    "Precision",
    "bert_graph",
    "build",
    "cached_graph",
    "default_cache_dir",
    "graph_key",
    "quantize",
]

log = logging.getLogger(__name__)

Precision = Literal["fp32", "int8"]
PRECISIONS: tuple[Precision, ...] = ("fp32", "int8")

GRAPH_VERSION = 1
"""Bump when the graph this module writes changes, so cached graphs are rebuilt."""

_OPSET = 17  # the first with LayerNormalization as one op
_MASK_FILL = -10000.0  # what BERT adds to the scores of padding keys


def default_cache_dir(environ: Mapping[str, str]) -> Path:
    """Where built graphs go unless the caller says: ``$GUARDSTREAM_HOME/onnx``, else
    ``$XDG_CACHE_HOME/guardstream/onnx``, else ``~/.cache/guardstream/onnx`` (the folders
    :class:`workers.environment.Environment` uses for guardstream's other cached files)."""
    home = environ.get("GUARDSTREAM_HOME")
    if not home:
        cache = environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        home = str(Path(cache) / "guardstream")
    return Path(home) / "onnx"


def bert_graph(weights: Mapping[str, np.ndarray], config: Mapping[str, object]) -> onnx.ModelProto:
    """The float32 encoder, mean pooling and L2 normalisation as one graph.

    ``weights`` are the tensors of a Hugging Face ``BertModel`` checkpoint (names without the
    ``bert.`` prefix, as sentence-transformers saves them); ``config`` its ``config.json``.
    """
    from onnx import TensorProto, helper, numpy_helper

    hidden = int(config["hidden_size"])  # type: ignore[call-overload]
    heads = int(config["num_attention_heads"])  # type: ignore[call-overload]
    layers = int(config["num_hidden_layers"])  # type: ignore[call-overload]
    eps = float(config.get("layer_norm_eps", 1e-12))  # type: ignore[arg-type]
    if config.get("hidden_act", "gelu") != "gelu" or hidden % heads:
        raise ConfigError(
            "only BERT with exact GELU and hidden_size divisible by heads is supported"
        )
    size = hidden // heads

    nodes: list[onnx.NodeProto] = []
    inits: list[onnx.TensorProto] = []

    def const(name: str, value: np.ndarray | float | list[int]) -> str:
        array = np.asarray(value)
        if array.dtype == np.float64:
            array = array.astype(np.float32)
        inits.append(numpy_helper.from_array(array, name))
        return name

    def tensor(name: str) -> str:
        try:
            return const(name, np.ascontiguousarray(weights[name], dtype=np.float32))
        except KeyError as e:
            raise ConfigError(f"the checkpoint lacks tensor {name}") from e

    def linear(name: str, x: str, out: str) -> str:
        # MatMul then Add of the bias: the pair the fusions look for. Dense weights are stored
        # (out, in) by torch; the graph wants (in, out).
        w = np.ascontiguousarray(np.asarray(weights[name + ".weight"], dtype=np.float32).T)
        nodes.append(helper.make_node("MatMul", [x, const(name + ".w", w)], [out + "_mm"]))
        nodes.append(helper.make_node("Add", [out + "_mm", tensor(name + ".bias")], [out]))
        return out

    def layer_norm(name: str, x: str, out: str) -> str:
        nodes.append(
            helper.make_node(
                "LayerNormalization",
                [x, tensor(name + ".weight"), tensor(name + ".bias")],
                [out],
                axis=-1,
                epsilon=eps,
            )
        )
        return out

    # Embeddings: word + position (the first `tokens` rows) + token type 0, then LayerNorm.
    nodes += [
        helper.make_node("Shape", ["input_ids"], ["ids_shape"]),
        helper.make_node("Gather", ["ids_shape", const("one_i", np.array(1))], ["tokens"], axis=0),
        helper.make_node("Unsqueeze", ["tokens", const("axis0", [0])], ["tokens_1d"]),
        helper.make_node(
            "Slice",
            [tensor("embeddings.position_embeddings.weight"), const("zero_1d", [0]), "tokens_1d"],
            ["positions"],
        ),
        helper.make_node(
            "Gather", [tensor("embeddings.word_embeddings.weight"), "input_ids"], ["words"]
        ),
        helper.make_node("Add", ["words", "positions"], ["words_pos"]),
    ]
    token_type = np.asarray(weights["embeddings.token_type_embeddings.weight"][0], np.float32)
    nodes.append(helper.make_node("Add", ["words_pos", const("token_type0", token_type)], ["emb"]))
    x = layer_norm("embeddings.LayerNorm", "emb", "emb_ln")

    # The additive attention mask, (batch, 1, 1, tokens): 0 for real keys, -10000 for padding.
    nodes += [
        helper.make_node("Unsqueeze", ["attention_mask", const("axis1", [1])], ["mask_u1"]),
        helper.make_node("Unsqueeze", ["mask_u1", const("axis2", [2])], ["mask_u2"]),
        helper.make_node("Cast", ["mask_u2"], ["mask_f"], to=TensorProto.FLOAT),
        helper.make_node("Sub", [const("one_f", 1.0), "mask_f"], ["mask_inv"]),
        helper.make_node("Mul", ["mask_inv", const("mask_fill", _MASK_FILL)], ["mask_add"]),
    ]
    split_heads = const("split_heads", [0, 0, heads, size])
    merge_heads = const("merge_heads", [0, 0, hidden])
    scale = const("sqrt_head_size", float(np.sqrt(size)))

    for i in range(layers):
        p = f"encoder.layer.{i}."
        a = p + "attention.self."
        ctx = f"l{i}_"
        proj = {}
        for part, perm in (("query", [0, 2, 1, 3]), ("key", [0, 2, 3, 1]), ("value", [0, 2, 1, 3])):
            flat = linear(a + part, x, ctx + part)
            nodes.append(helper.make_node("Reshape", [flat, split_heads], [flat + "_4d"]))
            nodes.append(helper.make_node("Transpose", [flat + "_4d"], [flat + "_t"], perm=perm))
            proj[part] = flat + "_t"
        nodes += [
            helper.make_node("MatMul", [proj["query"], proj["key"]], [ctx + "qk"]),
            helper.make_node("Div", [ctx + "qk", scale], [ctx + "qk_scaled"]),
            helper.make_node("Add", [ctx + "qk_scaled", "mask_add"], [ctx + "qk_masked"]),
            helper.make_node("Softmax", [ctx + "qk_masked"], [ctx + "probs"], axis=-1),
            helper.make_node("MatMul", [ctx + "probs", proj["value"]], [ctx + "ctx"]),
            helper.make_node("Transpose", [ctx + "ctx"], [ctx + "ctx_t"], perm=[0, 2, 1, 3]),
            helper.make_node("Reshape", [ctx + "ctx_t", merge_heads], [ctx + "ctx_flat"]),
        ]
        attn = linear(p + "attention.output.dense", ctx + "ctx_flat", ctx + "attn")
        nodes.append(helper.make_node("Add", [attn, x], [ctx + "attn_res"]))
        x = layer_norm(p + "attention.output.LayerNorm", ctx + "attn_res", ctx + "attn_ln")

        inner = linear(p + "intermediate.dense", x, ctx + "inner")
        # BERT's GELU, the exact erf form: x * 0.5 * (1 + erf(x / sqrt(2))).
        nodes += [
            helper.make_node(
                "Div", [inner, const(ctx + "sqrt2", float(np.sqrt(2.0)))], [ctx + "g_div"]
            ),
            helper.make_node("Erf", [ctx + "g_div"], [ctx + "g_erf"]),
            helper.make_node("Add", [ctx + "g_erf", const(ctx + "g_one", 1.0)], [ctx + "g_add"]),
            helper.make_node("Mul", [inner, ctx + "g_add"], [ctx + "g_mul"]),
            helper.make_node("Mul", [ctx + "g_mul", const(ctx + "g_half", 0.5)], [ctx + "gelu"]),
        ]
        out = linear(p + "output.dense", ctx + "gelu", ctx + "out")
        nodes.append(helper.make_node("Add", [out, x], [ctx + "out_res"]))
        x = layer_norm(p + "output.LayerNorm", ctx + "out_res", ctx + "out_ln")

    # Mean over real tokens, then unit length (sentence-transformers' Pooling + Normalize).
    nodes += [
        helper.make_node("Unsqueeze", ["attention_mask", const("axis_last", [-1])], ["pool_m"]),
        helper.make_node("Cast", ["pool_m"], ["pool_mf"], to=TensorProto.FLOAT),
        helper.make_node("Mul", [x, "pool_mf"], ["pool_masked"]),
        helper.make_node("ReduceSum", ["pool_masked", "axis1"], ["pool_sum"], keepdims=0),
        helper.make_node("ReduceSum", ["pool_mf", "axis1"], ["pool_count"], keepdims=0),
        helper.make_node("Max", ["pool_count", const("min_count", 1e-9)], ["pool_count_c"]),
        helper.make_node("Div", ["pool_sum", "pool_count_c"], ["pooled"]),
        helper.make_node("ReduceL2", ["pooled"], ["pool_norm"], axes=[-1], keepdims=1),
        helper.make_node("Max", ["pool_norm", const("min_norm", 1e-12)], ["pool_norm_c"]),
        helper.make_node("Div", ["pooled", "pool_norm_c"], ["embeddings"]),
    ]

    graph = helper.make_graph(
        nodes,
        "sentence_bert",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "tokens"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "tokens"]),
        ],
        [helper.make_tensor_value_info("embeddings", TensorProto.FLOAT, ["batch", hidden])],
        initializer=inits,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", _OPSET)],
        producer_name="guardstream.workers.scanners.text.onnx_bert",
    )
    model.ir_version = 8  # readable by every onnxruntime since 1.14
    return model


def quantize(model: onnx.ModelProto, folder: Path) -> onnx.ModelProto:
    """Dynamic int8 quantisation of the graph's matrix products with constant weights: weights
    to int8 once, per output channel, activations per batch. ``folder`` holds the quantiser's
    scratch files.

    Per channel, because one scale per weight matrix cost too much here: on the project's own
    texts it kept a mean cosine of 0.96 to the float model (min 0.84), per channel 0.99 (min
    0.97). The embedding tables stay float: a lookup, not a product.
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    source, target = folder / "fp32.onnx", folder / "int8.onnx"
    onnx.save_model(model, source)
    # The quantiser logs on the root logger itself: every tensor at INFO, and advice to
    # pre-process at WARNING. A pool's log needs neither; a filter on the root logger drops
    # only what is logged there directly, not what the pool's own loggers pass up to it.
    quiet = _BelowError()
    logging.root.addFilter(quiet)
    try:
        quantize_dynamic(
            source,
            target,
            op_types_to_quantize=["MatMul"],
            weight_type=QuantType.QInt8,
            per_channel=True,
            extra_options={"MatMulConstBOnly": True},
        )
    finally:
        logging.root.removeFilter(quiet)
    return onnx.load_model(target)


class _BelowError(logging.Filter):
    """Drops records below ERROR."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.ERROR


def build(model_dir: Path, precision: Precision) -> bytes:
    """The serialised graph for the model in ``model_dir`` at ``precision``: build and, for
    ``int8``, quantise (a few seconds)."""
    from safetensors.numpy import load_file

    if precision not in PRECISIONS:
        raise ConfigError(f"embedding precision must be one of {PRECISIONS}, not {precision!r}")
    try:
        config = json.loads((model_dir / "config.json").read_text())
        weights = load_file(str(model_dir / "model.safetensors"))
    except Exception as e:  # safetensors raises plain Exception too
        raise ConfigError(f"cannot read the embedding model in {model_dir}: {e}") from e
    model = bert_graph(weights, config)
    if precision == "int8":
        with tempfile.TemporaryDirectory(prefix="guardstream-onnx-") as scratch:
            model = quantize(model, Path(scratch))
    return model.SerializeToString()


def graph_key(fingerprint: str, precision: Precision) -> str:
    """The cache file's name for a model (its files' hash) at a precision: a change of model,
    of this builder or of onnxruntime (whose quantiser writes the int8 graph) names another."""
    import onnxruntime

    digest = hashlib.sha256(
        f"{fingerprint}/{GRAPH_VERSION}/{onnxruntime.__version__}/{precision}".encode()
    ).hexdigest()
    return f"bert-{digest[:24]}-{precision}.onnx"


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive advisory lock on ``path`` (created if missing): processes that start
    together wait for the first one's build instead of each building the same graph."""
    import fcntl

    with open(path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def cached_graph(
    model_dir: Path, fingerprint: str, precision: Precision, cache_dir: Path
) -> Path | bytes:
    """The graph for ``model_dir``: the path of its cached file (built now if missing), or,
    when ``cache_dir`` cannot be written, the graph itself, built in memory."""
    path = cache_dir / graph_key(fingerprint, precision)
    if path.is_file():
        return path
    with contextlib.ExitStack() as stack:
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            stack.enter_context(_locked(cache_dir / ".build.lock"))
        except OSError as e:
            log.warning(
                "onnx graph cache %s is not writable (%s); building in memory", cache_dir, e
            )
            return build(model_dir, precision)
        if path.is_file():  # another process built it while we waited
            return path
        started = time.monotonic()
        graph = build(model_dir, precision)
        # Write beside and rename: a reader never sees half a file, a crash leaves no graph.
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            tmp.write_bytes(graph)
            os.replace(tmp, path)
        except OSError as e:
            tmp.unlink(missing_ok=True)
            log.warning("cannot write onnx graph cache %s (%s); using it from memory", path, e)
            return graph
        log.info("built %s in %.1fs", path, time.monotonic() - started)
        return path
