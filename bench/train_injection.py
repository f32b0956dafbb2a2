"""Train the injection scanner's learned layer on labelled real prompts and write its weights
(``workers/scanners/injection/data/injection_classifier.npz``).

Run from the repository root (scikit-learn is needed here only; the scanner reads the weights
with numpy)::

    .venv/bin/python -m bench.train_injection [--data ../shared/train/injection] [--seed 7]

What it does, all on the training data (no evaluation text is read):

1. reads every JSONL file of ``--data`` (one source per file, at most ``--cap`` texts per source
   and label) and adds guardstream's generated attacks, benign prompts and look-alikes, and
   three generated style sources: planted injections with their clean twins, role-play
   jailbreaks, benign task prompts (:mod:`bench.injection_data`); holds out ``--valid-share``
   of each source and label as the validation split (fixed seed; near-copies by group);
2. folds each text as the scanner does, embeds it (MiniLM, the scanner's window) and hashes its
   n-grams (:mod:`workers.scanners.text.ngrams`);
3. fits the embedding head and the n-gram model (logistic regression, liblinear), the stack over
   their out-of-fold log-odds, each source weighed by :data:`SOURCE_POWER` so that no source's
   style decides, and picks the n-gram model's ``C`` by validation ROC AUC (the smallest within
   0.001 of the best) when given more than one;
4. leave one source out: for each source (the groups of :data:`HELD_OUT_TOGETHER` as one),
   trains the same layer on all the others and scores that source with it, so every text gets a
   score from a model that never saw its kind;
5. on those held-out scores, scoring every text as the scanner would (rules, similarity,
   learned layer, each able to flag alone), picks ``classifier_threshold``, the lowest at which
   the scanner flags on average at most ``--target-fpr`` (3%) of each source's benign texts,
   and ``classifier_min_words``; prints the validation split's and the held-out tables, and
   what the rules and the similarity add held out;
6. writes the weights fitted on the training split, with the chosen settings and the
   ``operating_points`` (JSON: one per mean per-source benign FPR of :data:`OPERATING_FPRS`,
   its ``classifier_threshold`` by the same rule, held-out recall and benign FPR there).

The same data and ``--seed`` give the same weights (liblinear with a fixed ``random_state``;
arrays equal to float tolerance, the file's bytes differ by the zip timestamps). Most of the
time is the embedding (cached, see :func:`embed_cached`) and the fifteen held-out fits.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
import scipy.sparse as sp
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from bench.injection_data import Example, generated, read_folder, split, styles
from workers.scanners.injection.attack_index import SEED_CORPUS, AttackIndex, load_corpus
from workers.scanners.injection.classifier import CLASSIFIER_PATH, InjectionClassifier
from workers.scanners.injection.rules import RULES, combine, scan_rules
from workers.scanners.injection.scanner import InjectionScanner
from workers.scanners.text.embeddings import Embedder
from workers.scanners.text.ngrams import DEFAULT_BITS, NgramModel, features
from workers.scanners.text.normalize import normalize

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "train" / "injection"
DEFAULT_SIMILARITY_THRESHOLD = InjectionScanner().similarity_threshold
PRECISION = InjectionScanner().embedding_precision
"""The encoder graph the scanner runs by default: train on the vectors it will score."""
CACHE = Path.home() / ".cache" / "guardstream" / "train"
"""Where embeddings of training texts are kept between runs."""
MAX_TOKENS = 128
"""The scanner's default window: train on what it will score."""
HEAD_C = 1.0
NGRAM_CS = (4.0,)
"""The n-gram model's ``C`` values tried on validation. 4 won the grid (1, 4, 16) in the last
round's run; one value saves two fits on a machine shared by seven engineers (``--ngram-c``
tries others)."""
FOLDS = 4
MIN_WORDS = (0, 1, 2, 3, 4, 5, 6, 8)
"""The ``classifier_min_words`` gates tried on validation."""
AUC_TIE = 0.001
"""Validation ROC AUCs this close count as equal when choosing the n-gram model's ``C``."""
THRESHOLDS = np.unique(
    np.round(np.r_[np.arange(0.05, 0.99, 0.005), 1.0 - np.logspace(-2, -4, 21)], 6)
)
"""The ``classifier_threshold`` grid: steps of 0.005, then finer towards 1, where a model
that is sure of text unlike its training data puts benign texts of a new kind."""
RECALL_TIE = 0.005
"""Validation recalls this close count as equal when choosing the gate."""
OPERATING_FPRS = (0.003, 0.01, 0.03, 0.06, 0.10)
"""The mean per-source benign FPRs (held out by source) of the saved operating points."""
SOURCE_POWER = 0.5
"""Each source's examples of one label weigh ``n ** -SOURCE_POWER`` each, so a source's total
weight grows as ``sqrt(n)``: a source of 5,000 short queries no longer outweighs a source of 200
system prompts 25 to 1 (5 to 1 instead), and a tiny source is not blown up to decide alone."""
HELD_OUT_TOGETHER = {
    "awesome-copilot": "system prompts",
    "awesome-cursorrules": "system prompts",
    "fabric-patterns": "system prompts",
    "prompt-guides": "system prompts",
    "system-prompt-collections": "system prompts",
    "flan-niv2-definitions": "flan",
    "flan-templates-filled": "flan",
}
"""Sources of one style that are held out together: a persona prompt is not of an unseen kind
while four other collections of persona prompts are in training, and each fit held out costs a
minute or two on two cores."""
CACHE_EVERY = 20
"""Embedding chunks between two saves of the cache: an interrupted run keeps most of its work."""

T = TypeVar("T")


@dataclass
class Signals:
    """Per example: the inputs of every model and the scanner's other two signals."""

    ngrams: sp.csr_matrix
    vectors: np.ndarray
    rules: np.ndarray
    """The heuristic score ``h`` (noisy-OR of the rules that match)."""
    similarity: np.ndarray
    """The best cosine to the seed attack corpus."""
    words: np.ndarray
    y: np.ndarray
    similarity_threshold: float = DEFAULT_SIMILARITY_THRESHOLD
    """The cosine at which similarity alone flags (chosen by :func:`pick_similarity`)."""
    sources: np.ndarray | None = None
    """Each example's source, to weigh sources in the fits (``None``: every example weighs
    the same within its label)."""

    def take(self, index: np.ndarray) -> Signals:
        """The rows ``index``."""
        return Signals(
            self.ngrams[index],
            self.vectors[index],
            self.rules[index],
            self.similarity[index],
            self.words[index],
            self.y[index],
            self.similarity_threshold,
            None if self.sources is None else self.sources[index],
        )


def source_weights(y: np.ndarray, sources: np.ndarray | None) -> np.ndarray:
    """Per example, its weight in the fits: ``n ** -SOURCE_POWER`` for a source with ``n``
    examples of its label (every example the same when ``sources`` is ``None``), scaled so
    that both labels weigh the same in total (what ``class_weight="balanced"`` did)."""
    weights = np.ones(len(y))
    if sources is not None:
        keys = np.char.add(sources.astype(str), y.astype(str))
        _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
        weights = counts[inverse].astype(np.float64) ** -SOURCE_POWER
    for label in (0, 1):
        mask = y == label
        if mask.any():
            weights[mask] *= len(y) / 2 / weights[mask].sum()
    return weights


@dataclass
class Fitted:
    """A trained learned layer and its log-odds on the data it was asked to score."""

    classifier: InjectionClassifier
    ngram_c: float


def progress_bar() -> Progress:
    """A rich progress bar: description, bar, count, elapsed time."""
    return Progress(
        TextColumn("{task.description:<28}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )


def tracked(progress: Progress, items: Sequence[T], description: str) -> Iterable[T]:
    """Yield ``items`` while advancing a bar of the progress display."""
    task = progress.add_task(description, total=len(items))
    for item in items:
        yield item
        progress.advance(task)


def embed_cached(
    texts: list[str], embedder: Embedder, progress: Progress, cache: Path | None = CACHE
) -> np.ndarray:
    """Embed ``texts``, reusing vectors a previous run stored in the folder ``cache`` for the
    same encoder set up the same way (keyed by each text's SHA-256; ``None``: no cache): a
    rerun with other settings skips the slowest step, and the vectors are the same either way."""
    # Vectors depend on the weights, the graph's precision and the windowing.
    what = f"{embedder.fingerprint()} {embedder.precision} {embedder.max_tokens} {embedder.overlap}"
    name = hashlib.sha256(what.encode()).hexdigest()[:16]
    path = cache / f"injection-{name}.npz" if cache is not None else None
    keys = [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts]
    known: dict[str, np.ndarray] = {}
    if path is not None and path.exists():
        with np.load(path, allow_pickle=False) as cached:
            known = dict(zip(cached["keys"].tolist(), cached["vectors"], strict=True))
    missing = list({k: t for k, t in zip(keys, texts, strict=True) if k not in known}.items())
    chunks = [missing[i : i + 256] for i in range(0, len(missing), 256)]
    for i, chunk in enumerate(tracked(progress, chunks, "embedding (x256)")):
        found = embedder.embed([t for _, t in chunk], batch_size=64)
        known.update(zip((k for k, _ in chunk), found, strict=True))
        if path is not None and (i + 1 == len(chunks) or (i + 1) % CACHE_EVERY == 0):
            _save_cache(path, known)
    if not keys:
        return np.zeros((0, embedder.dim), np.float32)
    return np.stack([known[k] for k in keys]).astype(np.float32)


def _save_cache(path: Path, known: dict[str, np.ndarray]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp.npz")
    np.savez(partial, keys=np.array(list(known)), vectors=np.array(list(known.values())))
    partial.replace(path)


def compute_signals(
    examples: list[Example], embedder: Embedder, progress: Progress, cache: Path | None = CACHE
) -> Signals:
    """Fold, hash, embed and rule-score every example; similarity to the seed attack corpus."""
    folded = [normalize(e.text) for e in tracked(progress, examples, "folding")]
    rows = [features(n.text, DEFAULT_BITS) for n in tracked(progress, folded, "hashing n-grams")]
    indptr = np.cumsum([0] + [len(r[0]) for r in rows])
    ngrams = sp.csr_matrix(
        (
            np.concatenate([r[1] for r in rows]) if rows else np.zeros(0, np.float32),
            np.concatenate([r[0] for r in rows]) if rows else np.zeros(0, np.int64),
            indptr,
        ),
        shape=(len(rows), 1 << DEFAULT_BITS),
    )
    rules = np.array(
        [
            combine(scan_rules(n.text, e.text, RULES))
            for n, e in zip(tracked(progress, folded, "matching rules"), examples, strict=True)
        ]
    )
    vectors = embed_cached([n.text for n in folded], embedder, progress, cache)
    index = AttackIndex.build(embedder, load_corpus([SEED_CORPUS]))
    similarity = index.top1(vectors)[0] if len(vectors) else np.zeros(0)
    words = np.array([len(n.text.split()) for n in folded])
    y = np.array([e.label for e in examples])
    return Signals(ngrams, vectors, rules, similarity, words, y)


def _fit_lr(
    x: np.ndarray | sp.csr_matrix, y: np.ndarray, c: float, seed: int, weights: np.ndarray
) -> LogisticRegression:
    model = LogisticRegression(C=c, solver="liblinear", max_iter=2000, random_state=seed)
    return model.fit(x, y, sample_weight=weights)


def fit(signals: Signals, ngram_c: float, seed: int) -> tuple[InjectionClassifier, np.ndarray]:
    """The head and the n-gram model on all of ``signals``, the stack on their out-of-fold
    log-odds (``FOLDS`` folds); also the stack's out-of-fold probabilities, to pick a threshold
    on scores of texts the models did not see."""
    y = signals.y
    w = source_weights(y, signals.sources)
    oof = np.zeros((len(y), 2))
    folds = StratifiedKFold(FOLDS, shuffle=True, random_state=seed)
    for a, b in folds.split(np.zeros(len(y)), y):
        wa = source_weights(y[a], None if signals.sources is None else signals.sources[a])
        oof[b, 0] = _fit_lr(signals.vectors[a], y[a], HEAD_C, seed, wa).decision_function(
            signals.vectors[b]
        )
        oof[b, 1] = _fit_lr(signals.ngrams[a], y[a], ngram_c, seed, wa).decision_function(
            signals.ngrams[b]
        )
    stack = LogisticRegression(C=1.0, max_iter=1000).fit(oof, y, sample_weight=w)
    head = _fit_lr(signals.vectors, y, HEAD_C, seed, w)
    ngram = _fit_lr(signals.ngrams, y, ngram_c, seed, w)
    classifier = InjectionClassifier(
        head.coef_[0].astype(np.float32),
        float(head.intercept_[0]),
        NgramModel(ngram.coef_[0].astype(np.float32), float(ngram.intercept_[0])),
        (float(stack.coef_[0][0]), float(stack.coef_[0][1]), float(stack.intercept_[0])),
    )
    return classifier, classifier.combine(oof[:, 0], oof[:, 1])


def learned_proba(classifier: InjectionClassifier, signals: Signals) -> np.ndarray:
    """The learned layer's probability per example, as the scanner computes it."""
    assert classifier.ngrams is not None
    ngram = signals.ngrams @ classifier.ngrams.coef.astype(np.float64) + classifier.ngrams.intercept
    return classifier.combine(classifier.head_logits(signals.vectors), np.asarray(ngram))


def _logit(p: np.ndarray | float) -> np.ndarray:
    q = np.clip(np.asarray(p, dtype=np.float64), 1e-9, 1.0 - 1e-9)
    return np.log(q / (1.0 - q))


def scanner_scores(
    signals: Signals, proba: np.ndarray, classifier_threshold: float, min_words: int
) -> np.ndarray:
    """The scanner's score ``max(h, s, c)`` per example, with its default ``threshold``, the
    signals' ``similarity_threshold`` and the given ``classifier_threshold`` (the formulas of
    :meth:`InjectionScanner.similarity_score` and :meth:`InjectionScanner.classifier_score`)."""
    t = InjectionScanner().threshold("")
    s = 1.0 / (
        1.0 + np.exp(-(20.0 * (signals.similarity - signals.similarity_threshold) + _logit(t)))
    )
    c = 1.0 / (1.0 + np.exp(-(_logit(proba) - _logit(classifier_threshold) + _logit(t))))
    c = np.where(signals.words >= min_words, c, 0.0)
    return np.maximum.reduce([signals.rules, s, c])


def pick_threshold(
    signals: Signals,
    proba: np.ndarray,
    min_words: int,
    target_fpr: float,
    sources: np.ndarray | None = None,
) -> float:
    """The lowest ``classifier_threshold`` (on the grid :data:`THRESHOLDS`) at which the scanner's
    false-positive rate, averaged over the sources of benign examples (``sources``, one name per
    example; all as one source when ``None``), stays at or under ``target_fpr``. Each source
    weighs the same: a style of benign text counts once however many texts it brought."""
    benign = np.where(signals.y == 0)[0]
    b = signals.take(benign)
    groups = np.zeros(len(benign), dtype=np.int64)
    if sources is not None:
        groups = np.unique(sources[benign], return_inverse=True)[1]
    for t in THRESHOLDS:
        flagged = scanner_scores(b, proba[benign], float(t), min_words) >= 0.5
        rates = np.bincount(groups, weights=flagged) / np.bincount(groups)
        if rates.mean() <= target_fpr:
            return float(t)
    return float(THRESHOLDS[-1])


def pick_similarity(signals: Signals, sources: np.ndarray, target_fpr: float) -> float:
    """The lowest cosine (0.01 grid) at which similarity to the seed corpus alone flags on
    average at most ``target_fpr`` of each source's benign texts. The corpus is the project's own
    writing, so every training text is unseen by it and no hold-out is needed."""
    benign = signals.y == 0
    groups = np.unique(sources[benign], return_inverse=True)[1]
    for cosine in np.arange(0.50, 0.951, 0.01):
        flagged = signals.similarity[benign] >= cosine
        if (np.bincount(groups, weights=flagged) / np.bincount(groups)).mean() <= target_fpr:
            return round(float(cosine), 2)
    return 0.95


def held_out_proba(
    signals: Signals, sources: np.ndarray, ngram_c: float, seed: int, progress: Progress
) -> np.ndarray:
    """Every example's learned-layer probability from a model trained on the other sources only
    (leave one source out; the sources of :data:`HELD_OUT_TOGETHER` as one): how the layer
    scores text unlike anything it was trained on."""
    proba = np.zeros(len(signals.y))
    sources = np.array([HELD_OUT_TOGETHER.get(str(s), str(s)) for s in sources])
    for name in tracked(progress, sorted(set(sources)), "leave one source out"):
        rest, held = np.where(sources != name)[0], np.where(sources == name)[0]
        model, _ = fit(signals.take(rest), ngram_c, seed)
        proba[held] = learned_proba(model, signals.take(held))
    return proba


def mean_source_fpr(
    signals: Signals, proba: np.ndarray, threshold: float, min_words: int, sources: np.ndarray
) -> float:
    """The scanner's false-positive rate averaged over the sources of benign examples, each
    source weighed once (what :func:`pick_threshold` bounds)."""
    benign = signals.y == 0
    flagged = scanner_scores(signals, proba, threshold, min_words)[benign] >= 0.5
    groups = np.unique(sources[benign], return_inverse=True)[1]
    return float((np.bincount(groups, weights=flagged) / np.bincount(groups)).mean())


def operating_points(
    signals: Signals, held: np.ndarray, min_words: int, sources: np.ndarray
) -> list[dict[str, float]]:
    """One operating point per target of :data:`OPERATING_FPRS`: the ``classifier_threshold``
    the leave-one-source-out rule picks for it, and the held-out recall and mean per-source
    benign FPR the whole scanner has there."""
    points = []
    for target in OPERATING_FPRS:
        t = pick_threshold(signals, held, min_words, target, sources)
        points.append(
            {
                "max_mean_benign_fpr": target,
                "classifier_threshold": t,
                "loso_recall": round(figures(signals, held, t, min_words)["recall"], 4),
                "loso_benign_fpr": round(mean_source_fpr(signals, held, t, min_words, sources), 4),
            }
        )
    return points


def without(signals: Signals, rules: bool, similarity: bool) -> Signals:
    """``signals`` with the rules' score and/or the similarity zeroed (a scanner with
    ``heuristics: false`` / ``similarity: false``)."""
    out = signals.take(np.arange(len(signals.y)))
    if not rules:
        out.rules = np.zeros_like(out.rules)
    if not similarity:
        out.similarity = np.full_like(out.similarity, -1.0)
    return out


def figures(
    signals: Signals, proba: np.ndarray, threshold: float, min_words: int
) -> dict[str, float]:
    """Recall, FPR, ROC AUC of the combined scanner score, and the learned layer's AUC."""
    scores = scanner_scores(signals, proba, threshold, min_words)
    flagged = scores >= InjectionScanner().threshold("")
    y = signals.y
    both = 0 < y.sum() < len(y)
    return {
        "n": float(len(y)),
        "recall": float(flagged[y == 1].mean()) if y.sum() else math.nan,
        "fpr": float(flagged[y == 0].mean()) if (y == 0).sum() else math.nan,
        "auc": float(roc_auc_score(y, scores)) if both else math.nan,
        "learned_auc": float(roc_auc_score(y, proba)) if both else math.nan,
    }


def _cell(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.3f}"


def table_by_source(
    title: str,
    signals: Signals,
    proba: np.ndarray,
    sources: np.ndarray,
    threshold: float,
    min_words: int,
) -> Table:
    """Recall, FPR and ROC AUC per source and for all, at the given settings."""
    table = Table(title=title)
    for column in ("source", "n", "recall", "FPR", "ROC AUC", "learned AUC"):
        table.add_column(column)
    for name in ["all", *sorted(set(sources))]:
        mask = np.ones(len(signals.y), bool) if name == "all" else sources == name
        f = figures(signals.take(np.where(mask)[0]), proba[mask], threshold, min_words)
        table.add_row(
            name, str(int(f["n"])), *(_cell(f[k]) for k in ("recall", "fpr", "auc", "learned_auc"))
        )
    return table


def training_examples(data: Path, cap: int, count: int, seed: int) -> list[Example]:
    """Every example of a run: the folder's sources (``cap`` per source and label), the
    generated source and the three style sources (``count`` per kind)."""
    return read_folder(data, cap, seed) + generated(count, seed) + styles(count, seed, data)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of JSONL")
    parser.add_argument("--seed", type=int, default=7)
    # 800 per source and label (5,000 before the new sources came) and 600 generated per kind:
    # with 23 sources, held out in 15 groups, the run has to fit in the share of two cores that
    # seven engineers leave it; with --cap 5000 --generated 1500 it takes hours there.
    parser.add_argument("--cap", type=int, default=800, help="texts per source and label")
    parser.add_argument(
        "--generated", type=int, default=600, help="generated texts per kind and style source"
    )
    parser.add_argument("--valid-share", type=float, default=0.2)
    parser.add_argument(
        "--ngram-c",
        type=float,
        nargs="+",
        default=list(NGRAM_CS),
        help="the n-gram model's C values to try (one: no choice, a fit less per value)",
    )
    parser.add_argument(
        "--target-fpr", type=float, default=0.03, help="on benign text of unseen sources"
    )
    parser.add_argument(
        "--similarity-fpr", type=float, default=0.005, help="similarity alone, on benign text"
    )
    parser.add_argument("--out", type=Path, default=CLASSIFIER_PATH)
    args = parser.parse_args()
    console = Console()
    started = time.monotonic()

    examples = training_examples(args.data, args.cap, args.generated, args.seed)
    train, valid = split(examples, args.valid_share, args.seed)
    console.print(f"{len(train)} training and {len(valid)} validation texts from {args.data}")
    embedder = Embedder(
        max_tokens=MAX_TOKENS,
        overlap=min(64, (MAX_TOKENS - 2) // 4),
        precision=PRECISION,
    )
    with progress_bar() as progress:
        signals = compute_signals(train + valid, embedder, progress)
    n = len(train)
    sources = np.array([e.source for e in train + valid])
    signals.sources = sources
    tr, va = signals.take(np.arange(n)), signals.take(np.arange(n, len(examples)))

    fits: list[tuple[float, float, InjectionClassifier]] = []
    with progress_bar() as progress:
        for c in tracked(progress, args.ngram_c, "fitting (n-gram C grid)"):
            classifier, _ = fit(tr, c, args.seed)
            auc = float(roc_auc_score(va.y, learned_proba(classifier, va)))
            console.print(f"  n-gram C={c:g}: validation ROC AUC of the learned layer {auc:.4f}")
            fits.append((auc, c, classifier))
    # The strongest regularisation that validation cannot tell from the best: in-source AUC
    # rewards memorised wording, and held out by source the smoother models did better.
    best_auc = max(auc for auc, _, _ in fits)
    _, ngram_c, classifier = min(
        (f for f in fits if f[0] >= best_auc - AUC_TIE), key=lambda f: f[1]
    )
    # Thresholds come from scores of sources each model never saw: in-source validation rewards
    # a source's own wording, and a threshold chosen there flags many times its target on benign
    # text of a new kind (held out by source, a threshold chosen that way flagged 24% of
    # CLINC's and 86% of PurpleLlama's benign texts).
    signals.similarity_threshold = pick_similarity(signals, sources, args.similarity_fpr)
    tr.similarity_threshold = va.similarity_threshold = signals.similarity_threshold
    console.print(f"  similarity_threshold {signals.similarity_threshold}")
    with progress_bar() as progress:
        held = held_out_proba(signals, sources, ngram_c, args.seed, progress)
    choices = []
    for words in MIN_WORDS:
        t = pick_threshold(signals, held, words, args.target_fpr, sources)
        recall = figures(signals, held, t, words)["recall"]
        console.print(
            f"  classifier_min_words {words}: threshold {t}, held-out-source recall {recall:.4f}"
        )
        choices.append((words, t, recall))
    top = max(recall for _, _, recall in choices)
    # The largest gate that cannot be told from the best: the fewer words, the less context a
    # text gives any model, so a tie goes to leaving short texts to the rules.
    min_words, threshold, _ = max(c for c in choices if c[2] >= top - RECALL_TIE)

    # The cheap signals stay only where held-out sources say they add recall at the same FPR.
    for label, rules_on, similarity_on in (
        ("rules + similarity + learned", True, True),
        ("similarity + learned", False, True),
        ("rules + learned", True, False),
        ("learned alone", False, False),
    ):
        variant = without(signals, rules_on, similarity_on)
        t = pick_threshold(variant, held, min_words, args.target_fpr, sources)
        f = figures(variant, held, t, min_words)
        fpr = mean_source_fpr(variant, held, t, min_words, sources)
        console.print(
            f"  held out, {label}: threshold {t}, recall {f['recall']:.4f}, "
            f"mean per-source benign FPR {fpr:.4f}"
        )
    points = operating_points(signals, held, min_words, sources)
    for point in points:
        console.print(f"  operating point {json.dumps(point)}")

    proba = learned_proba(classifier, va)
    valid_sources = sources[n:]
    console.print(
        table_by_source(
            f"validation split: classifier_threshold {threshold}, classifier_min_words "
            f"{min_words}, n-gram C {ngram_c:g}",
            va,
            proba,
            valid_sources,
            threshold,
            min_words,
        )
    )
    console.print(
        table_by_source(
            "leave one source out: each source scored by a model trained on the others",
            signals,
            held,
            sources,
            threshold,
            min_words,
        )
    )

    classifier.save(
        args.out,
        embedder.fingerprint(),
        classifier_threshold=threshold,
        classifier_min_words=min_words,
        similarity_threshold=signals.similarity_threshold,
        embedding_precision=PRECISION,
        ngram_c=ngram_c,
        seed=args.seed,
        operating_points=json.dumps(points),
    )
    size = args.out.stat().st_size
    console.print(
        f"wrote {args.out} ({size / 1e6:.2f} MB); classifier_threshold {threshold}, "
        f"classifier_min_words {min_words}; "
        f"{time.monotonic() - started:.0f}s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
