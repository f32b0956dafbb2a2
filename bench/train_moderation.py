"""Train the local moderation model and write its weights
(``workers/scanners/moderation/data/moderation_model.npz``).

    .venv/bin/python -m bench.train_moderation [--data ../shared/train/moderation]
        [--borrow ../shared/train/injection] [--seed 7] [--out PATH] [--cap 3000]
        [--per-class 400] [--hard-negatives 800] [--dump held-out.npz]

Reads every JSONL in ``--data`` (text, label, source: :mod:`bench.moderation_data`), the benign
sets of ``--borrow`` that :data:`~bench.moderation_data.BORROWED` names (multilingual questions,
long instructions, security-flavoured requests, short queries), the project's generated texts
and generated hard negatives (:mod:`bench.moderation_hard_negatives`); holds out a fifth of each
source and group for validation (fixed seed; CatQA's translations of one question and XQuAD's of
one ``qa_id`` stay on one side), embeds every text once (kept in ``~/.cache/guardstream/``:
:mod:`bench.embedding_cache`), and fits one logistic regression per head (:data:`HEADS`) over the
embedding, hashed n-grams and rule scores (:mod:`workers.scanners.moderation.backends.local_model`),
each text weighed by its source (:func:`source_weights`).

Every choice is made on the training data, never on evaluation data:

- C (regularisation) and the embedding block's weight against the n-grams, from a small grid,
  by the ``flagged`` head's validation recall at the threshold rule below;
- the ``flagged`` threshold, on held-out sources: each source is scored by a head fitted on the
  others (leave one source out), and the threshold is the lowest at which those scores flag on
  average at most 10% of each source's benign texts, each source weighed once. A threshold
  chosen inside the training sources (10% of every source's validation benign texts) flagged
  about half of the benign texts of a source it had not seen: that is what a deployment brings;
- the operating points (:mod:`workers.scanners.bands`), by the same rule for each target mean
  benign FPR of :data:`~workers.scanners.bands.TARGET_FPRS`, the rules flagging at the score the
  backend reports them at.

It prints the validation table, the operating points, the leave-one-source-out tables (per
source at each point, per category) and writes the heads fitted on the training split with the
chosen threshold and operating points. The same data and seed give the same arrays.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse
from tqdm import tqdm

from bench.moderation_data import (
    GENERATED,
    UNKNOWN,
    Example,
    generated,
    generated_hard_negatives,
    read_borrowed,
    read_folder,
    split,
)
from bench.moderation_hard_negatives import SOURCE as HARD_SOURCE
from bench.moderation_report import (
    print_loso_per_source,
    print_operating_points,
    print_per_category,
)
from workers.scanners.bands import TARGET_FPRS
from workers.scanners.moderation.backends.features import N_BUCKETS, ngrams
from workers.scanners.moderation.backends.local_model import (
    CATEGORY_HEADS,
    DEFAULT_WEIGHTS,
    HEADS,
    MAX_TOKENS,
    ModelWeights,
    calibrate,
    condemned,
    rule_vector,
)
from workers.scanners.moderation.backends.rules import RULE_CATEGORIES, CategoryRules
from workers.scanners.text.normalize import normalize

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "train" / "moderation"
DEFAULT_BORROW = ROOT.parent / "shared" / "train" / "injection"
MAX_FPR = 0.10
"""The false-positive rate the threshold keeps on every source's validation benign texts."""
RULE_FLAGS = 0.5
"""A rule score at which a rule alone flags (the scanner's default threshold)."""
HIGH_TAIL = 1.0 - np.logspace(-2, -4, 21)
"""Thresholds tried above 0.99, finer towards 1."""
GRID_C = (2.0, 8.0, 32.0)
GRID_SCALE = (1.0, 3.0)
"""Candidate C and embedding weights; the product is tried on the ``flagged`` head."""

SIDE_WEIGHT: dict[tuple[str, int], float] = {("stormfront-hate", 0): 0.5}
"""A source side's weight against the others' (1): Stormfront's benign side is in-group talk of
a white-supremacist forum, some of it borderline, so it teaches "not hate" at half weight."""
HARD_NEGATIVES = 800
"""Generated benign texts that sound dangerous (:mod:`bench.moderation_hard_negatives`)."""

Embed = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class Features:
    """The three signals for a list of examples, rows in their order."""

    embedding: np.ndarray
    ngram: sparse.csr_matrix
    rules: np.ndarray
    condemns: np.ndarray
    """Whether the rules see counter-speech (:func:`condemned` lowers those scores)."""
    weight: np.ndarray
    """Each row's training weight (:func:`source_weights`)."""

    def design(self, scale: float, rows: np.ndarray | None = None) -> sparse.csr_matrix:
        """One sparse matrix: embedding times ``scale``, n-grams, rules."""
        emb, ngram, rules = self.embedding, self.ngram, self.rules
        if rows is not None:
            emb, ngram, rules = emb[rows], ngram[rows], rules[rows]
        blocks = [sparse.csr_matrix(emb * scale), ngram, sparse.csr_matrix(rules)]
        return sparse.hstack(blocks, format="csr")


def featurize(examples: Sequence[Example], embed: Embed) -> Features:
    """Embed (through ``embed``), hash and rule-score every example."""
    texts = [e.text for e in examples]
    embedding = embed(texts)
    rules = CategoryRules()
    indptr, indices, values, ruled, condemns = [0], [], [], [], []
    for text in tqdm(texts, desc="n-grams and rules", unit="text", leave=False):
        columns, weights = ngrams(text)
        indices.append(columns)
        values.append(weights)
        indptr.append(indptr[-1] + len(columns))
        folded = normalize(text).text
        ruled.append(rule_vector(rules.scores(folded)))
        condemns.append(rules.condemns(folded))
    ngram = sparse.csr_matrix(
        (np.concatenate(values), np.concatenate(indices), np.array(indptr)),
        shape=(len(texts), N_BUCKETS),
        dtype=np.float32,
    )
    ruled_array = np.array(ruled, dtype=np.float32).reshape(len(texts), len(RULE_CATEGORIES))
    return Features(
        embedding.astype(np.float32),
        ngram,
        ruled_array,
        np.array(condemns, bool),
        source_weights(examples),
    )


def source_weights(examples: Sequence[Example]) -> np.ndarray:
    """Each example's weight: every source's flagged side and benign side (a cell) weighs the
    square root of its size times :data:`SIDE_WEIGHT`, shared by its texts. Weighed by size,
    Davidson's tweets and Stormfront's forum posts would decide what harm looks like; weighed
    equally, SimpleSafetyTests' 80 training prompts would count as much as 4,000 tweets and
    each be learnt by heart. The square root sits between the two."""
    cells: dict[tuple[str, int], int] = {}
    for e in examples:
        cells[(e.source, e.flagged)] = cells.get((e.source, e.flagged), 0) + 1
    return np.array(
        [SIDE_WEIGHT.get((e.source, e.flagged), 1.0) / np.sqrt(cells[(e.source, e.flagged)])
         for e in examples],
        dtype=np.float64,
    )  # fmt: skip


def fit_head(
    x: sparse.csr_matrix,
    y: np.ndarray,
    c: float,
    weight: np.ndarray | None = None,
    start: tuple[np.ndarray, float] | None = None,
) -> tuple[np.ndarray, float]:
    """Coefficients and intercept of one head on the rows that know its answer, each row
    weighed by ``weight`` (default 1) and both classes rescaled to the same total; a head whose
    known rows are all one class (a category absent when its only source is left out) gets no
    weights and a strongly negative or positive intercept. ``start`` (coefficients and
    intercept) is where the solver begins: the loss is strictly convex, so only the time to
    its minimum changes, by the solver's tolerance at most."""
    from sklearn.linear_model import LogisticRegression

    known = y != UNKNOWN
    if len(set(y[known].tolist())) < 2:
        sign = 1.0 if known.any() and y[known][0] == 1 else -1.0
        return np.zeros(x.shape[1], dtype=np.float32), 8.0 * sign
    yk = y[known]
    w = np.ones(len(yk)) if weight is None else np.asarray(weight, dtype=np.float64)[known]
    for label in (0, 1):  # "balanced": each class carries half of the rows' count
        w[yk == label] *= 0.5 * len(yk) / w[yk == label].sum()
    model = LogisticRegression(C=c, max_iter=3000, tol=1e-5, warm_start=start is not None)
    if start is not None:
        model.coef_ = np.asarray(start[0], dtype=np.float64).reshape(1, -1)
        model.intercept_ = np.array([start[1]], dtype=np.float64)
    model.fit(x[known], yk, sample_weight=w)
    return model.coef_[0].astype(np.float32), float(model.intercept_[0])


def fit(
    features: Features, targets: np.ndarray, c: float, scale: float, heads: Sequence[str] = HEADS
) -> tuple[np.ndarray, np.ndarray]:
    """(len(HEADS), columns) coefficients over :meth:`Features.design` and intercepts; heads not
    in ``heads`` are left at zero."""
    x = features.design(scale)
    coef = np.zeros((len(HEADS), x.shape[1]), dtype=np.float32)
    intercept = np.zeros(len(HEADS), dtype=np.float32)
    for i, head in enumerate(HEADS):
        if head in heads:
            coef[i], intercept[i] = fit_head(x, targets[:, i], c, features.weight)
    return coef, intercept


def probabilities(
    features: Features, coef: np.ndarray, intercept: np.ndarray, scale: float
) -> np.ndarray:
    """(rows, len(HEADS)) sigmoid of each head, counter-speech applied as the backend does."""
    logits = features.design(scale) @ coef.T + intercept
    p = 1.0 / (1.0 + np.exp(-np.asarray(logits, dtype=np.float64)))
    return condemned(p, features.condemns, CategoryRules().counter_speech_factor)


def pick_threshold(p: np.ndarray, y: np.ndarray, sources: np.ndarray) -> float:
    """The lowest threshold at which no source's negatives (of at least 20) reach an FPR over
    :data:`MAX_FPR` (``p >= threshold`` flags)."""
    threshold = 1e-4
    for source in sorted(set(sources.tolist())):
        negatives = np.sort(p[(sources == source) & (y == 0)])[::-1]
        if len(negatives) < 20:
            continue
        allowed = int(np.floor(MAX_FPR * len(negatives)))
        threshold = max(threshold, float(np.nextafter(negatives[allowed], np.inf)))
    return min(max(threshold, 1e-4), 1 - 1e-4)


def roc_auc(p: np.ndarray, y: np.ndarray) -> float:
    """ROC AUC (ties counted half); NaN without both classes."""
    pos, neg = p[y == 1], p[y == 0]
    if not len(pos) or not len(neg):
        return float("nan")
    order = np.argsort(np.concatenate([pos, neg]), kind="mergesort")
    ranks = np.empty(len(order))
    values = np.concatenate([pos, neg])[order]
    ranks[order] = np.arange(1, len(order) + 1)
    for v in np.unique(values):  # average ranks of ties
        tied = order[values == v]
        ranks[tied] = ranks[tied].mean()
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def figures(p: np.ndarray, y: np.ndarray, threshold: float) -> tuple[int, float, float, float]:
    """n, recall, FPR and ROC AUC of ``flagged`` probabilities ``p`` against labels ``y``."""
    hit = p >= threshold
    recall = float(hit[y == 1].mean()) if (y == 1).any() else float("nan")
    fpr = float(hit[y == 0].mean()) if (y == 0).any() else float("nan")
    return len(y), recall, fpr, roc_auc(p, y)


def table(title: str, rows: list[tuple[str, int, float, float, float]]) -> None:
    """Print one figures table."""
    print(f"\n{title}\n| source | n | recall | FPR | ROC AUC |\n| --- | --- | --- | --- | --- |")
    for name, n, recall, fpr, auc in rows:
        cells = [f"{v:.3f}" if v == v else "-" for v in (recall, fpr, auc)]
        print(f"| {name} | {n} | " + " | ".join(cells) + " |")


def per_source(
    p: np.ndarray, y: np.ndarray, sources: np.ndarray, threshold: float
) -> list[tuple[str, int, float, float, float]]:
    """Figures per source, then all together."""
    rows = [
        (source, *figures(p[sources == source], y[sources == source], threshold))
        for source in sorted(set(sources.tolist()))
    ]
    return [*rows, ("all", *figures(p, y, threshold))]


@dataclass(frozen=True)
class Trained:
    """What :func:`train` chose and fitted."""

    weights: ModelWeights
    c: float
    scale: float
    validation: np.ndarray
    """(validation rows, len(HEADS)) probabilities."""
    flagged: tuple[np.ndarray, float]
    """The ``flagged`` head's coefficients over :meth:`Features.design` and its intercept."""


def train(
    train_set: Sequence[Example],
    valid_set: Sequence[Example],
    embed: Embed,
    fingerprint: str,
    grid_c: Sequence[float] = GRID_C,
    grid_scale: Sequence[float] = GRID_SCALE,
) -> Trained:
    """Choose C and the embedding weight on validation, fit every head, pick the threshold."""
    tr, va = featurize(train_set, embed), featurize(valid_set, embed)
    y_tr = np.array([e.targets for e in train_set])
    y_va = np.array([e.targets for e in valid_set])
    src_va = np.array([e.source for e in valid_set])
    grid = [(c, s) for c in grid_c for s in grid_scale]
    best: tuple[float, float, float, float] | None = None
    if len(grid) == 1:  # nothing to choose: no fit to spend on it
        best = (0.0, 0.0, *grid[0])
        grid = []
    for c, scale in tqdm(grid, desc="choosing C and embedding weight", unit="fit"):
        coef, intercept = fit(tr, y_tr, c, scale, heads=("flagged",))
        p = probabilities(va, coef, intercept, scale)[:, 0]
        threshold = pick_threshold(p, y_va[:, 0], src_va)
        _, recall, _, auc = figures(p, y_va[:, 0], threshold)
        tqdm.write(f"  C {c:g}, embedding weight {scale:g}: recall {recall:.3f}, AUC {auc:.3f}")
        if best is None or (recall, auc) > best[:2]:
            best = (recall, auc, c, scale)
    assert best is not None
    _, _, c, scale = best
    coef, intercept = fit(tr, y_tr, c, scale)
    p_va = probabilities(va, coef, intercept, scale)
    threshold = pick_threshold(p_va[:, 0], y_va[:, 0], src_va)
    dim = tr.embedding.shape[1]
    weights = ModelWeights(
        embedding=coef[:, :dim] * np.float32(scale),  # the scale folded in: runtime needs none
        ngram=coef[:, dim : dim + N_BUCKETS],
        rules=coef[:, dim + N_BUCKETS :],
        intercept=intercept,
        threshold=threshold,
        fingerprint=fingerprint,
    )
    return Trained(weights, c, scale, p_va, (coef[0], float(intercept[0])))


def held_out_flagged(
    train_set: Sequence[Example],
    valid_set: Sequence[Example],
    embed: Embed,
    c: float,
    scale: float,
    start: tuple[np.ndarray, float] | None = None,
) -> HeldOut:
    """Leave one source out: every example's ``flagged`` probability from a head fitted (chosen
    C and weight; the solver starting from ``start``, the head fitted on every source, which
    makes each fit several times faster) on all the other sources, in the order training
    split, then validation.
    Counter-speech is not applied: the category heads are not fitted here, and it only ever
    lowers a score."""
    examples = [*train_set, *valid_set]
    features = featurize(examples, embed)
    y = np.array([e.flagged for e in examples])
    sources = np.array([e.source for e in examples])
    p = np.zeros(len(examples))
    for source in tqdm(sorted(set(sources.tolist())), desc="leave one source out", unit="source"):
        keep = sources != source
        rows = np.flatnonzero(keep)
        x = features.design(scale, rows)
        coef, intercept = fit_head(x, y[keep], c, features.weight[rows], start)
        held = np.flatnonzero(~keep)
        logits = np.asarray(features.design(scale, held) @ coef + intercept, dtype=np.float64)
        p[held] = 1.0 / (1.0 + np.exp(-logits))
    return HeldOut(p, y, sources, features.rules.max(axis=1))


@dataclass(frozen=True)
class HeldOut:
    """Leave-one-source-out scores of every example, with its label, source, and its rules'
    best score (a rule flags alone, at its own score, in the backend)."""

    p: np.ndarray
    y: np.ndarray
    sources: np.ndarray
    rules: np.ndarray

    def flags(self, threshold: float, anchor: float | None = None) -> np.ndarray:
        """Where the backend flags with ``threshold`` on the model's probability: ``p`` at
        ``threshold``, or a rule whose score reaches the score that probability is reported as
        (:func:`calibrate` with ``anchor``, the weights' threshold; without one, a rule flags
        at :data:`RULE_FLAGS` as the default policy's 0.5 does)."""
        rule_at = RULE_FLAGS if anchor is None else float(calibrate(np.array(threshold), anchor))
        return (self.rules >= rule_at) | (self.p >= threshold)

    def scores(self, threshold: float) -> np.ndarray:
        """1 where the backend flags (a rule, or ``p`` at ``threshold``), else ``p`` / 2: the
        flags at 0.5, the ranking of the rest kept for ROC AUC."""
        return np.where(self.flags(threshold), 1.0, self.p / 2)

    def mean_benign_fpr(self, flags: np.ndarray) -> float:
        """The share of each source's benign texts flagged, averaged over sources."""
        benign = self.y == 0
        names = sorted(set(self.sources[benign].tolist()))
        return float(np.mean([np.mean(flags[benign & (self.sources == n)]) for n in names]))

    def mean_recall(self, flags: np.ndarray) -> float:
        """The share of each source's flagged texts flagged, averaged over sources."""
        harmful = self.y == 1
        names = sorted(set(self.sources[harmful].tolist()))
        return float(np.mean([np.mean(flags[harmful & (self.sources == n)]) for n in names]))


THRESHOLDS = np.unique(np.round(np.r_[np.arange(0.01, 0.99, 0.005), HIGH_TAIL], 6))
"""The ``flagged`` probabilities tried as thresholds, lowest first."""


def lowest_threshold(held: HeldOut, max_fpr: float, anchor: float | None = None) -> float:
    """The lowest of :data:`THRESHOLDS` at which the backend (:meth:`HeldOut.flags`) flags on
    average at most ``max_fpr`` of each source's benign texts; the highest if none does."""
    for threshold in THRESHOLDS:
        if held.mean_benign_fpr(held.flags(float(threshold), anchor)) <= max_fpr:
            return float(threshold)
    return float(THRESHOLDS[-1])


def pick_held_out_threshold(held: HeldOut) -> float:
    """The lowest threshold at which the backend (held-out ``flagged`` scores, or a rule alone)
    flags on average at most :data:`MAX_FPR` of each source's benign texts, each source weighed
    once: a kind of text the model never saw is what a deployment brings, and a threshold chosen
    inside the training sources flagged about half of such text (see docs/detectors.md)."""
    return lowest_threshold(held, MAX_FPR)


def operating_points(held: HeldOut, anchor: float) -> list[dict[str, float]]:
    """One entry per :data:`~workers.scanners.bands.TARGET_FPRS` target ``f``: the lowest
    ``flagged`` probability at which the backend (weights whose threshold is ``anchor``, rules
    reported at their own scores) flags on average at most ``f`` of each held-out source's
    benign texts, and that threshold's mean per-source recall and benign FPR (above ``f`` only
    where no threshold reaches it)."""
    points = []
    for target in TARGET_FPRS:
        threshold = lowest_threshold(held, target, anchor)
        flags = held.flags(threshold, anchor)
        points.append(
            {
                "max_mean_benign_fpr": target,
                "classifier_threshold": round(threshold, 6),
                "loso_recall": round(held.mean_recall(flags), 4),
                "loso_benign_fpr": round(held.mean_benign_fpr(flags), 4),
            }
        )
    return points


def cached_embedder(cache_folder: Path | None = None) -> tuple[Embed, str]:
    """The encoder the backend uses, behind the on-disk cache, with a progress bar."""
    from bench.embedding_cache import DEFAULT_FOLDER, EmbeddingCache
    from workers.scanners.text.embeddings import Embedder

    embedder = Embedder(max_tokens=MAX_TOKENS, overlap=16)
    cache = EmbeddingCache(embedder.fingerprint(), MAX_TOKENS, cache_folder or DEFAULT_FOLDER)

    def embed(texts: list[str]) -> np.ndarray:
        with tqdm(total=cache.missing(texts), desc="embedding", unit="text", leave=False) as bar:
            return cache.embed(texts, lambda t: embedder.embed(t, batch_size=64), 2048, bar.update)

    return embed, embedder.fingerprint()


def main(argv: Sequence[str] | None = None) -> int:
    """Load, split, choose, fit, report and write."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of JSONL")
    parser.add_argument(
        "--borrow", type=Path, default=DEFAULT_BORROW, help="folder of the benign sets borrowed"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=DEFAULT_WEIGHTS)
    parser.add_argument("--cap", type=int, default=3000, help="texts per source and group")
    parser.add_argument("--per-class", type=int, default=400, help="generated texts per class")
    parser.add_argument("--hard-negatives", type=int, default=HARD_NEGATIVES)
    parser.add_argument("--dump", type=Path, help="also write the held-out scores here (.npz)")
    parser.add_argument("--c", type=float, help="C, instead of choosing it from the grid")
    parser.add_argument("--scale", type=float, help="embedding weight, instead of the grid's")
    args = parser.parse_args(argv)

    started = time.monotonic()
    examples = [
        *read_folder(args.data, args.cap, args.seed),
        *read_borrowed(args.borrow, args.seed),
        *generated(args.per_class, args.seed),
        *generated_hard_negatives(args.hard_negatives, args.seed),
    ]
    train_set, valid_set = split(examples, 0.2, args.seed)
    counts: dict[str, int] = {}
    for e in examples:
        counts[e.source] = counts.get(e.source, 0) + 1
    print(f"{len(examples)} texts ({counts}); {len(train_set)} train, {len(valid_set)} validation")
    embed, fingerprint = cached_embedder()
    grid_c = GRID_C if args.c is None else (args.c,)
    grid_scale = GRID_SCALE if args.scale is None else (args.scale,)
    trained = train(train_set, valid_set, embed, fingerprint, grid_c, grid_scale)
    w = trained.weights
    print(f"chose C {trained.c:g}, embedding weight {trained.scale:g}, threshold {w.threshold:.4f}")

    y_va = np.array([e.targets for e in valid_set])
    s_va = np.array([e.source for e in valid_set])
    p = trained.validation
    table("validation (flagged)", per_source(p[:, 0], y_va[:, 0], s_va, w.threshold))
    print("\nvalidation ROC AUC per head (rows that know it):")
    for i, head in enumerate(HEADS):
        known = y_va[:, i] != UNKNOWN
        print(f"  {head:10s} n {known.sum():5d}  AUC {roc_auc(p[known, i], y_va[known, i]):.3f}")
    flagged = (y_va[:, 0] == 1) & (y_va[:, 1 : 1 + len(CATEGORY_HEADS)].max(axis=1) == 1)
    truth = y_va[flagged, 1 : 1 + len(CATEGORY_HEADS)].argmax(axis=1)
    guess = p[flagged, 1 : 1 + len(CATEGORY_HEADS)].argmax(axis=1)
    print(f"  top category right on {np.mean(truth == guess):.3f} of {flagged.sum()} flagged")
    rule_weights = dict(zip(RULE_CATEGORIES, w.rules[0].round(2).tolist(), strict=True))
    print(f"  rule weights on flagged: {rule_weights}")
    held = held_out_flagged(train_set, valid_set, embed, trained.c, trained.scale, trained.flagged)
    threshold = pick_held_out_threshold(held)
    print(f"\nthreshold from held-out sources: {threshold:.4f} (validation's: {w.threshold:.4f})")
    points = operating_points(held, threshold)
    w = dataclasses.replace(w, threshold=threshold, operating_points=tuple(points))
    print("\noperating points (leave one source out, rules flagging at their own scores):")
    print_operating_points(points)
    valid_held = HeldOut(p[:, 0], y_va[:, 0], s_va, held.rules[len(train_set) :])
    table(
        "validation (flagged) at that threshold, rules flagging alone too",
        per_source(valid_held.scores(threshold), y_va[:, 0], s_va, 0.5),
    )
    table(
        "leave one source out (flagged): each source scored by a head fitted on the others",
        per_source(held.scores(threshold), held.y, held.sources, 0.5),
    )
    at = {f"f={q['max_mean_benign_fpr']:g}": q["classifier_threshold"] for q in points}
    print("\nleave one source out per source, at each operating point:")
    print_loso_per_source(
        held.y, held.sources, {k: held.flags(t, threshold) for k, t in at.items()}
    )
    both = [*train_set, *valid_set]
    print_per_category(
        both,
        {k: held.flags(t, threshold) for k, t in at.items()},
        "leave one source out, recall per category:",
    )
    print_per_category(
        valid_set,
        {k: valid_held.flags(t, threshold) for k, t in at.items()},
        "validation, recall per category:",
    )
    if args.dump:
        np.savez_compressed(
            args.dump, p=held.p, y=held.y, sources=held.sources, rules=held.rules,
            valid_p=p, valid_y=y_va, valid_sources=s_va,
        )  # fmt: skip
    w.save(args.out)
    size = args.out.stat().st_size
    print(f"\nwrote {args.out} ({size / 1e6:.1f} MB) in {time.monotonic() - started:.0f}s")
    print(f"generated sources: {GENERATED}, {HARD_SOURCE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
