"""What guardstream is measured against: the stock detectors it replaces, as scanner plug-ins.

Each baseline is a :class:`~workers.scanners.base.Scanner`, so ``guardstream eval`` runs it
through the same batch code and scores it with the same metric as the scanner it stands beside:

- ``litellm`` (beside ``prompt_injection``): LiteLLM's built-in prompt-injection heuristics,
  ``_OPTIONAL_PromptInjectionDetection.check_user_input_similarity`` (a text is flagged when a
  substring is close to "ignore previous instructions" and its variants). It answers yes or no,
  so its score is 1 or 0; it runs pure-Python string matching over every substring, about a
  second per thousand characters.
- ``presidio-default`` (beside ``pii``): Presidio's ``AnalyzerEngine`` as shipped (its default
  NLP configuration, every default recognizer, every entity, score threshold 0), with only the
  spaCy model swapped for the one our scanner uses, so the comparison is about configuration.

Both are imported lazily (``load()``), and neither reaches the network: LiteLLM is told to use
its bundled cost map, and Presidio's email check uses tldextract's bundled suffix list.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any, ClassVar

import yaml

from topics.errors import ConfigError, ScannerError
from workers.scanners.base import LabelFinding, ScanItem, Scanner, TextFindings

__all__ = ["BASELINES", "LiteLLMInjectionBaseline", "PresidioDefaultBaseline", "baseline_for"]


class LiteLLMInjectionBaseline(Scanner):
    """LiteLLM 1.106's built-in prompt-injection heuristics (no settings)."""

    name: ClassVar[str] = "litellm"
    label: ClassVar[str] = "prompt_injection"

    def __init__(self) -> None:
        self._detector: Any = None

    def load(self) -> None:
        """Import LiteLLM (without fetching its model cost map) and build the detector."""
        # LiteLLM reads this at import: without it the import tries the network.
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        try:
            with warnings.catch_warnings():
                # pydantic's notice about LiteLLM's own TypedDicts, at import: not ours to fix
                warnings.filterwarnings("ignore", message=r".* using the `ReadOnly` qualifier")
                from litellm.proxy.hooks.prompt_injection_detection import (
                    _OPTIONAL_PromptInjectionDetection,
                )
        except ImportError as e:
            raise ConfigError(f"the litellm baseline needs litellm[proxy]: {e}") from e
        self._detector = _OPTIONAL_PromptInjectionDetection()

    def scan(self, items: list[ScanItem]) -> list[TextFindings]:
        """One ``prompt_injection`` finding (score 1) over each text LiteLLM would reject."""
        if self._detector is None:
            raise ScannerError("LiteLLMInjectionBaseline.load() was not called")
        return [
            TextFindings([LabelFinding(0, len(item.text), self.label, 1.0)])
            if self._detector.check_user_input_similarity(item.text)
            else TextFindings()
            for item in items
        ]


class PresidioDefaultBaseline(Scanner):
    """Presidio's default ``AnalyzerEngine`` with the spaCy model ``spacy_model``.

    Settings: ``spacy_model`` (default ``en_core_web_sm``), ``language`` (default ``en``).
    """

    name: ClassVar[str] = "presidio-default"
    default_action = "mask"
    default_threshold: ClassVar[float] = 0.0
    """``AnalyzerEngine.analyze``'s own default: every result counts."""

    def __init__(self, *, spacy_model: str = "en_core_web_sm", language: str = "en") -> None:
        self.spacy_model = spacy_model
        self.language = language
        self._analyzer: Any = None

    def load(self) -> None:
        """Build the analyzer from Presidio's shipped ``conf/default.yaml``."""
        import presidio_analyzer
        import spacy.util
        from presidio_analyzer import AnalyzerEngine
        from presidio_analyzer.nlp_engine import NlpEngineProvider

        if not (spacy.util.is_package(self.spacy_model) or Path(self.spacy_model).exists()):
            # Presidio would otherwise try to download it.
            raise ConfigError(f"spaCy model {self.spacy_model!r} is not installed")
        conf_path = Path(presidio_analyzer.__file__).parent / "conf" / "default.yaml"
        conf = yaml.safe_load(conf_path.read_text(encoding="utf-8"))
        conf["models"] = [{"lang_code": self.language, "model_name": self.spacy_model}]
        nlp_engine = NlpEngineProvider(nlp_configuration=conf).create_engine()
        analyzer = AnalyzerEngine(nlp_engine=nlp_engine, supported_languages=[self.language])
        registry = analyzer.registry
        if any(type(r).__name__ == "EmailRecognizer" for r in registry.recognizers):
            registry.remove_recognizer("EmailRecognizer")
            registry.add_recognizer(_offline_email_recognizer(self.language))
        self._analyzer = analyzer

    def scan(self, items: list[ScanItem]) -> list[TextFindings]:
        """Every result of ``AnalyzerEngine.analyze`` for each text."""
        if self._analyzer is None:
            raise ScannerError("PresidioDefaultBaseline.load() was not called")
        return [
            TextFindings(
                [
                    LabelFinding(r.start, r.end, r.entity_type, r.score)
                    for r in self._analyzer.analyze(text=item.text, language=self.language)
                ]
            )
            for item in items
        ]


BASELINES: dict[str, tuple[str, type[Scanner]]] = {
    "litellm": ("prompt_injection", LiteLLMInjectionBaseline),
    "presidio-default": ("pii", PresidioDefaultBaseline),
}
"""Baseline name to (the scanner kind it stands beside, its class)."""


def baseline_for(name: str, kind: str, settings: dict[str, Any]) -> Scanner:
    """The baseline ``name`` for scanner ``kind``, built from that scanner's ``settings`` (only
    those the baseline shares: the PII baseline takes ``spacy_model`` and ``language``)."""
    if name not in BASELINES:
        raise ConfigError(f"unknown baseline {name!r}; known: {', '.join(BASELINES)}")
    beside, cls = BASELINES[name]
    if beside != kind:
        raise ConfigError(f"baseline {name!r} measures {beside}, not {kind}")
    if cls is PresidioDefaultBaseline:
        shared = {k: settings[k] for k in ("spacy_model", "language") if k in settings}
        if "presidio_language" in settings:
            shared.setdefault("language", settings["presidio_language"])
        return PresidioDefaultBaseline(**shared)
    return cls()


def _offline_email_recognizer(language: str) -> Any:
    """Presidio's email recognizer with its domain check on tldextract's bundled suffix list:
    the stock one calls ``tldextract.extract``, which fetches the list over the network."""
    import tldextract
    from presidio_analyzer.predefined_recognizers import EmailRecognizer

    extract = tldextract.TLDExtract(cache_dir=None, suffix_list_urls=())

    class OfflineEmailRecognizer(EmailRecognizer):  # type: ignore[misc]
        def validate_result(self, pattern_text: str) -> bool:
            return extract(pattern_text).fqdn != ""

    return OfflineEmailRecognizer(supported_language=language)
