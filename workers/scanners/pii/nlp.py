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
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator
from typing import Any

__all__ = [
    "LEMMA_PIPES",
    "UNUSED_PIPES",
    "PipeSplit",
    "analyze_batch",
    "fast_context_enhancer",
    "split_pipes",
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
_EMBEDDERS = frozenset({"tok2vec", "transformer"})


class PipeSplit:
    """Which pipes of a loaded spaCy pipeline run for every text, and which only for lemmas.

    A shared embedding pipe (``tok2vec``) goes with the entity pipes when the entity recognizer
    listens to it, else with the lemma pipes.
    """

    def __init__(self, nlp: Any) -> None:
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
        self.skipped_in_batch = sorted(lemma_set | (set(nlp.pipe_names) & UNUSED_PIPES))
        """Disabled in the batch pass (the entity pass)."""

    def entity_docs(self, texts: list[str], batch_size: int) -> Iterator[Any]:
        """The texts' docs with entities and tokens, in one ``nlp.pipe`` batch."""
        return self.nlp.pipe(texts, batch_size=batch_size, disable=self.skipped_in_batch)

    def add_lemmas(self, doc: Any) -> None:
        """Run the lemma pipes on ``doc`` in place."""
        for name in self.lemma_pipes:
            doc = self.nlp.get_pipe(name)(doc)


def split_pipes(nlp_engine: Any, language: str) -> PipeSplit:
    """The split of the pipeline Presidio's ``nlp_engine`` loaded for ``language``."""
    return PipeSplit(nlp_engine.nlp[language])


def _lazy_artifacts(nlp_engine: Any, doc: Any, language: str, tag: Callable[[Any], None]) -> Any:
    """Presidio's ``NlpArtifacts`` for ``doc``, whose lemmas (and keywords, made of them) are
    computed on first read by ``tag``; entities and scores as Presidio's spaCy engine makes
    them."""
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
            self._lemmas: list[str] | None = None
            self._keywords: list[str] | None = None

        @property
        def lemmas(self) -> list[str]:  # type: ignore[override]
            if self._lemmas is None:
                tag(doc)
                self._lemmas = [token.lemma_ for token in doc]
            return self._lemmas

        @property
        def keywords(self) -> list[str]:  # type: ignore[override]
            if self._keywords is None:
                self._keywords = _Keywords(
                    NlpArtifacts.set_keywords(nlp_engine, self.lemmas, language)
                )
            return self._keywords

    return LazyLemmaArtifacts()


class _TokenStarts(list):
    """Token start offsets (what Presidio expects), with the tokens' end offsets beside them
    for :class:`FastContextEnhancer`'s binary search."""

    def __init__(self, doc: Any) -> None:
        super().__init__(token.idx for token in doc)
        self.ends = [token.idx + len(token) for token in doc]


class _Keywords(list):
    """Presidio's keyword list, whose ``in`` (asked for each word around each match) is a set
    lookup instead of a scan of every keyword of the text."""

    def __init__(self, words: list[str]) -> None:
        super().__init__(words)
        self._set = frozenset(words)

    def __contains__(self, word: object) -> bool:
        return word in self._set


def fast_context_enhancer() -> Any:
    """Presidio's lemma context enhancer with its defaults, finding a match's token by binary
    search over :class:`_TokenStarts` instead of walking the doc from its start for every
    match (quadratic on long texts). The token found is the same: the first whose end is past
    the match's start."""
    from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer

    class FastContextEnhancer(LemmaContextAwareEnhancer):
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
        yield _lazy_artifacts(nlp_engine, doc, language, split.add_lemmas)
