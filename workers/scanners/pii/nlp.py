"""spaCy for the PII scanner: only the pipes Presidio reads, and lemmas only when they are read.

Presidio reads two things of spaCy's: the named entities (its spaCy recognizer) and the lemmas
(its context enhancer, which looks for words such as "phone" or "card" around a pattern match).
The parser (a third of the small English pipeline's time) feeds neither, so it never runs. The
lemmas need the tagger, the attribute ruler and their shared token vectors (half the time), but
only for a chunk in which a recognizer with context words matched something: most chat texts
have no such match. :func:`analyze_batch` therefore runs the entity pipes over the whole batch at
once (``nlp.pipe``) and the lemma pipes on a chunk's doc the first time Presidio asks for its
lemmas. The lemma pipes do not read the entity pipes' output (nor the other way round), so every
finding is the same as with the whole pipeline. Presidio's context enhancer also finds each
match's token by walking the doc from its start, and each context word in a list of every
keyword of the text: on long texts that is quadratic, so here it is a binary search and a set.

Presidio reads the lemmas of a few words before each match only (its context window: five
keywords back), so the lemma pipes run on those stretches of a doc, not the whole doc: the
context enhancer tags, in one go, the stretch before every match it is about to judge, with a
margin of :data:`MARGIN_TOKENS` on each side. The shared token vectors of spaCy's CNN pipelines
see four tokens either way, and the tagger, the attribute ruler and the lemmatizer read a token
and its near neighbours, so a token's lemma in its stretch is its lemma in the whole doc. A
stretch that runs short (a long run of stop words before a match) is extended on demand, and a
doc mostly covered by stretches is tagged whole.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Iterator
from typing import Any

__all__ = [
    "CONTEXT_TOKENS",
    "LEMMA_PIPES",
    "MARGIN_TOKENS",
    "NER_PIPES",
    "UNUSED_PIPES",
    "PipeSplit",
    "analyze_batch",
    "analyze_texts",
    "fast_context_enhancer",
    "split_pipes",
    "tag_together",
]

UNUSED_PIPES = frozenset(
    {"parser", "senter", "sentencizer", "textcat", "textcat_multilabel", "entity_linker",
     "spancat", "span_finder", "coref", "span_resolver"}
)  # fmt: skip
"""Pipes whose output Presidio never reads."""
LEMMA_PIPES = frozenset(
    {"tagger", "morphologizer", "attribute_ruler", "lemmatizer", "trainable_lemmatizer"}
)
"""Pipes that only serve the lemmas (the rule lemmatizer reads the tagger's parts of speech)."""
NER_PIPES = frozenset({"ner", "entity_ruler", "span_ruler"})
"""Pipes that only serve the named entities: not run when no entity asked for reads them."""
_EMBEDDERS = frozenset({"tok2vec", "transformer"})
CONTEXT_TOKENS = 20
"""Tokens before a match whose lemmas are made at once: five keywords back and the stop words
and punctuation between them (in generated prose, code and tables, always: with 12, one match
in three needed more, made on demand one match at a time)."""
MARGIN_TOKENS = 8
"""Tokens of text kept on each side of a tagged stretch: twice the reach of spaCy's CNN token
vectors (``MaxoutWindowEncoder``, depth 4, window 1: four tokens each way) and longer than the
attribute ruler's patterns."""
_WHOLE_DOC_SHARE = 0.6
"""Past this share of a doc's tokens, its stretches are tagged as one doc."""


class PipeSplit:
    """Which pipes of a loaded spaCy pipeline run for every text, and which only for lemmas.

    A shared embedding pipe (``tok2vec``) goes with the entity pipes when the entity recognizer
    listens to it, else with the lemma pipes.
    """

    def __init__(self, nlp: Any, *, ner: bool = True) -> None:
        self.nlp = nlp
        lemma = [n for n in nlp.pipe_names if n in LEMMA_PIPES]
        for name in nlp.pipe_names:
            if name in _EMBEDDERS:
                listeners = set(getattr(nlp.get_pipe(name), "listening_components", []) or [])
                if listeners and listeners <= LEMMA_PIPES | UNUSED_PIPES:
                    lemma.append(name)
        lemma_set = set(lemma)
        self.lemma_pipes = [n for n in nlp.pipe_names if n in lemma_set]
        """In pipeline order; run on a doc the first time its lemmas are read."""
        skipped = lemma_set | (set(nlp.pipe_names) & UNUSED_PIPES)
        if not ner:
            skipped |= set(nlp.pipe_names) & NER_PIPES
        self.skipped_in_batch = sorted(skipped)
        """Disabled in the batch pass (the entity pass)."""
        self.by_stretch = "transformer" not in nlp.pipe_names
        """Whether lemmas may be made stretch by stretch: not with a transformer, whose token
        vectors see the whole doc."""

    def entity_docs(self, texts: list[str], batch_size: int) -> Iterator[Any]:
        """The texts' docs with entities and tokens, in one ``nlp.pipe`` batch."""
        return self.nlp.pipe(texts, batch_size=batch_size, disable=self.skipped_in_batch)

    def add_lemmas(self, docs: list[Any], batch_size: int = 32) -> list[Any]:
        """Run the lemma pipes on ``docs`` (in place), in batches; the docs, in order."""
        for name in self.lemma_pipes:
            docs = list(self.nlp.get_pipe(name).pipe(docs, batch_size=batch_size))
        return docs


class _Lemmas:
    """The lemmas of a doc's tokens, made stretch by stretch as they are read (Presidio reads
    them by index, and their count), with the keywords among them."""

    def __init__(self, doc: Any, split: PipeSplit, keywords: Callable[[list[str]], list[str]]):
        self._doc = doc
        self._split = split
        self._keywords_of = keywords
        self._lemmas: list[str | None] = [None] * len(doc)
        self.keywords: set[str] = set()
        """Presidio's keywords (:meth:`NlpArtifacts.set_keywords`) of the lemmas made so far."""
        self.tagged = 0
        """Tokens the lemma pipes ran on, margins included (for tests and benchmarks)."""

    def __len__(self) -> int:
        return len(self._lemmas)

    def __getitem__(self, index: int) -> str:
        if index < 0:
            index += len(self._lemmas)
        lemma = self._lemmas[index]
        if lemma is None:
            tag_together([(self, [index])], self._split)
            lemma = self._lemmas[index]
        return lemma  # type: ignore[return-value]

    def __iter__(self) -> Iterator[str]:
        tag_together([(self, range(len(self._lemmas)))], self._split, before=0)
        return iter(self._lemmas)  # type: ignore[arg-type]

    def tag(self, indices: Iterable[int]) -> None:
        """Make the lemmas of each of ``indices`` and of the tokens before it that Presidio
        reads most of the time, in one pass of the lemma pipes."""
        tag_together([(self, indices)], self._split)

    def plan(self, indices: Iterable[int], before: int) -> list[tuple[Any, int, range]]:
        """The docs to run the lemma pipes on for the lemmas of each of ``indices`` and of
        ``before`` tokens before it, not made yet: ``(doc, offset of its first token here,
        tokens whose lemmas it gives)``."""
        count = len(self._lemmas)
        wanted = sorted({j for i in indices for j in range(max(0, i - before), min(i + 1, count))})
        wanted = [j for j in wanted if self._lemmas[j] is None]
        if not wanted:
            return []
        if not self._split.by_stretch or len(wanted) > _WHOLE_DOC_SHARE * count:
            self.tagged += count
            return [(self._doc, 0, range(count))]
        stretches: list[list[int]] = []  # [first, last] token, merged when their margins meet
        for j in wanted:
            if stretches and j - stretches[-1][1] <= 2 * MARGIN_TOKENS:
                stretches[-1][1] = j
            else:
                stretches.append([j, j])
        parts = []
        for first, last in stretches:
            low, high = max(0, first - MARGIN_TOKENS), min(count, last + 1 + MARGIN_TOKENS)
            self.tagged += high - low
            parts.append((self._doc[low:high].as_doc(), low, range(first, last + 1)))
        return parts

    def store(self, doc: Any, offset: int, indices: range) -> None:
        """Keep the lemmas of ``indices`` from ``doc`` (tagged; its first token at
        ``offset``)."""
        new = []
        for j in indices:
            if self._lemmas[j] is None:
                self._lemmas[j] = lemma = doc[j - offset].lemma_
                new.append(lemma)
        self.keywords.update(self._keywords_of(new))


def tag_together(
    wanted: list[tuple[_Lemmas, Iterable[int]]],
    split: PipeSplit,
    batch_size: int = 32,
    before: int = CONTEXT_TOKENS,
) -> None:
    """Make the lemmas of the given tokens (and of ``before`` tokens before each) of several
    docs, in one batched pass of the lemma pipes."""
    parts = [(lemmas, *part) for lemmas, indices in wanted for part in lemmas.plan(indices, before)]
    if not parts:
        return
    docs = split.add_lemmas([doc for _, doc, _, _ in parts], batch_size)
    for (lemmas, _, offset, indices), doc in zip(parts, docs, strict=True):
        lemmas.store(doc, offset, indices)


def split_pipes(nlp_engine: Any, language: str, *, ner: bool = True) -> PipeSplit:
    """The split of the pipeline Presidio's ``nlp_engine`` loaded for ``language``."""
    return PipeSplit(nlp_engine.nlp[language], ner=ner)


def _lazy_artifacts(nlp_engine: Any, doc: Any, language: str, split: PipeSplit) -> Any:
    """Presidio's ``NlpArtifacts`` for ``doc``, whose lemmas (and keywords, made of them) are
    made as they are read (:class:`_Lemmas`); entities and scores as Presidio's spaCy engine
    makes them."""
    from presidio_analyzer.nlp_engine import NlpArtifacts

    class LazyLemmaArtifacts(NlpArtifacts):
        def __init__(self) -> None:
            # NlpArtifacts.__init__ would read the lemmas at once: set its fields here instead
            entities = nlp_engine._get_entities(doc)
            scores = nlp_engine._get_scores_for_entities(doc)
            self.entities, scores = nlp_engine._get_updated_entities(entities, scores)
            self.scores = scores if scores else [0.85] * len(self.entities)
            self.tokens = doc
            self.tokens_indices = _TokenStarts(doc)
            self.nlp_engine = nlp_engine
            self._lemmas: _Lemmas | None = None

        @property
        def lemmas(self) -> _Lemmas:  # type: ignore[override]
            if self._lemmas is None:
                self._lemmas = _Lemmas(doc, split, keywords_of)
            return self._lemmas

        @property
        def keywords(self) -> _Keywords:  # type: ignore[override]
            return _Keywords(self.lemmas)

    def keywords_of(lemmas: list[str]) -> list[str]:
        return NlpArtifacts.set_keywords(nlp_engine, lemmas, language)

    return LazyLemmaArtifacts()


class _TokenStarts(list):
    """Token start offsets (what Presidio expects), with the tokens' end offsets beside them
    for :class:`FastContextEnhancer`'s binary search."""

    def __init__(self, doc: Any) -> None:
        super().__init__(token.idx for token in doc)
        self.ends = [token.idx + len(token) for token in doc]


class _Keywords:
    """Presidio's keyword list, of which it asks only ``in`` (for each word before a match,
    after reading that word's lemma): a set lookup among the keywords of the lemmas made so far
    instead of a scan of every keyword of the text."""

    def __init__(self, lemmas: _Lemmas) -> None:
        self._lemmas = lemmas

    def __contains__(self, word: object) -> bool:
        return word in self._lemmas.keywords


class _InPlace(list):
    """A list whose deep copy is itself."""

    def __deepcopy__(self, memo: dict[int, Any]) -> _InPlace:
        return self


def fast_context_enhancer() -> Any:
    """Presidio's lemma context enhancer with its defaults, finding a match's token by binary
    search over :class:`_TokenStarts` instead of walking the doc from its start for every
    match (quadratic on long texts), making the lemmas before all matches in one go, and
    raising scores without a deep copy of the results. The token found is the same: the first
    whose end is past the match's start."""
    from presidio_analyzer import RecognizerResult
    from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer

    class FastContextEnhancer(LemmaContextAwareEnhancer):
        def enhance_using_context(
            self,
            text: str,
            raw_results: list[Any],
            nlp_artifacts: Any,
            recognizers: list[Any],
            context: list[str] | None = None,
        ) -> list[Any]:
            # the lemmas before every match Presidio is about to judge, in one pass of the
            # lemma pipes per stretch instead of one per match
            ends = getattr(getattr(nlp_artifacts, "tokens_indices", None), "ends", None)
            if ends is not None:
                with_context = {r.id for r in recognizers if r.context}
                key = RecognizerResult.RECOGNIZER_IDENTIFIER_KEY
                tokens = [
                    bisect.bisect_right(ends, r.start)
                    for r in raw_results
                    if (r.recognition_metadata or {}).get(key) in with_context
                ]
                lemmas = nlp_artifacts.lemmas if tokens else None
                if isinstance(lemmas, _Lemmas):
                    lemmas.tag(i for i in tokens if i < len(ends))
            # Presidio deep-copies the results before raising scores; the analyzer that calls
            # this never reads them again, so they are changed in place (a tenth of a long
            # text's analysis was that copy)
            return super().enhance_using_context(
                text, _InPlace(raw_results), nlp_artifacts, recognizers, context
            )

        @staticmethod
        def _find_index_of_match_token(
            word: str, start: int, tokens: Any, tokens_indices: list[int]
        ) -> int:
            ends = getattr(tokens_indices, "ends", None)
            if ends is None:
                return LemmaContextAwareEnhancer._find_index_of_match_token(
                    word, start, tokens, tokens_indices
                )
            index = bisect.bisect_right(ends, start)
            if index >= len(ends):
                raise ValueError(
                    f"Did not find word '{word}' in the list of tokens although it is "
                    "expected to be found"
                )
            return index

    return FastContextEnhancer()


def analyze_batch(
    nlp_engine: Any, split: PipeSplit, texts: list[str], language: str, batch_size: int
) -> Iterator[Any]:
    """Presidio ``NlpArtifacts`` for each of ``texts``, in order: entities from one batched
    pass, lemmas on demand."""
    for doc in split.entity_docs(texts, batch_size):
        yield _lazy_artifacts(nlp_engine, doc, language, split)


def analyze_texts(
    analyzer: Any,
    split: PipeSplit,
    texts: list[str],
    *,
    language: str,
    entities: list[str],
    score_threshold: float,
    batch_size: int,
    checkpoint: Callable[[], None] = lambda: None,
) -> list[list[Any]]:
    """What Presidio's ``analyzer.analyze(text, language, entities, score_threshold)`` returns
    for each of ``texts``, with spaCy run in batches over all of them: the entity pipes once
    (:func:`analyze_batch`), every recognizer on each text, then the lemma pipes once over the
    stretches before all matches whose context Presidio reads, in every text together; then,
    on each text, Presidio's context enhancement, threshold and duplicate removal, as its
    ``analyze`` does them. ``checkpoint`` is called before each text of each pass."""
    from presidio_analyzer import EntityRecognizer, RecognizerResult

    recognizers = analyzer.registry.get_recognizers(
        language=language, entities=entities, all_fields=False
    )
    artifacts = list(analyze_batch(analyzer.nlp_engine, split, texts, language, batch_size))
    with_context = {r.id for r in recognizers if r.context}
    id_key = RecognizerResult.RECOGNIZER_IDENTIFIER_KEY
    name_key = RecognizerResult.RECOGNIZER_NAME_KEY
    raw: list[list[Any]] = []
    for text, nlp_artifacts in zip(texts, artifacts, strict=True):
        checkpoint()
        results: list[Any] = []
        for recognizer in recognizers:
            if not recognizer.is_loaded:
                recognizer.load()
                recognizer.is_loaded = True
            found = recognizer.analyze(text=text, entities=entities, nlp_artifacts=nlp_artifacts)
            for r in found or []:
                # as Presidio's analyzer does: the context enhancer finds recognizers by id
                r.recognition_metadata = r.recognition_metadata or {}
                r.recognition_metadata.setdefault(id_key, recognizer.id)
                r.recognition_metadata.setdefault(name_key, recognizer.name)
            results.extend(found or [])
        raw.append(results)
    wanted: list[tuple[_Lemmas, Iterable[int]]] = []
    for nlp_artifacts, results in zip(artifacts, raw, strict=True):
        ends = nlp_artifacts.tokens_indices.ends
        tokens = [
            i
            for i in (
                bisect.bisect_right(ends, r.start)
                for r in results
                if r.recognition_metadata.get(id_key) in with_context
            )
            if i < len(ends)
        ]
        if tokens:
            wanted.append((nlp_artifacts.lemmas, tokens))
    tag_together(wanted, split, batch_size)
    out = []
    for text, nlp_artifacts, results in zip(texts, artifacts, raw, strict=True):
        checkpoint()
        results = analyzer._enhance_using_context(text, results, nlp_artifacts, recognizers)
        results = [r for r in results if r.score >= score_threshold]
        results = EntityRecognizer.remove_duplicates(results)
        for r in results:
            r.analysis_explanation = None  # type: ignore[assignment]  # as Presidio does
        out.append(results)
    return out
