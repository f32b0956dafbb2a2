"""Content moderation (hate, harassment, violence, self-harm, sexual, illicit, profanity).

One scanner, several backends (:mod:`.backends`): ``local`` (offline, the default),
``openai``, ``llama_guard`` and ``llm_guard``. Every backend's categories are mapped to one
taxonomy (:mod:`.backends.taxonomy`), whose names are the findings' labels; each finding
spans the whole text, since a category describes the text rather than a part of it.
"""

from __future__ import annotations

from typing import Any, ClassVar

from topics.errors import ConfigError, GuardstreamError, ScannerError
from topics.messages import Action
from workers.scanners.bands import Band, band_for, check_sensitivity
from workers.scanners.base import LabelFinding, ScanItem, Scanner, TextFindings
from workers.scanners.moderation.backends import Backend, backend_class
from workers.scanners.moderation.backends.taxonomy import CATEGORIES

__all__ = ["ModerationScanner"]


class ModerationScanner(Scanner):
    """Moderates texts through the configured backend; blocks by default, except swearing.

    Settings: ``backend`` (``local``, ``openai``, ``llama_guard`` or ``llm_guard``),
    ``options`` (the backend's keyword arguments: ``base_url``, ``api_key``, timeouts,
    ``retries``, ``model``... see each backend class), ``actions`` and ``thresholds`` per
    category (``{"profanity": "block"}``, ``{"profanity": 0.8}``) used when the request's policy
    names neither the category nor ``moderation``, and ``sensitivity`` (``strict``,
    ``balanced``, the default, or ``permissive``: :data:`workers.scanners.bands.SENSITIVITIES`).

    With the local backend's trained model, a category that blocks by default is judged by the
    score band of ``sensitivity`` (:meth:`band`): blocked above the model's operating point for
    that sensitivity, logged in the band below. A category named in ``actions`` or
    ``thresholds`` here, or in the request's policy, keeps the plain threshold and action; so
    does every category of a backend without operating points (the rules alone, the remote
    ones, weights trained before them), at 0.5.

    ``profanity`` is logged, not blocked, unless configured: swearing at nobody ("this fucking
    printer") is allowed by most moderation policies, and abuse that swears is also flagged
    under its own category (harassment, hate).
    """

    name: ClassVar[str] = "moderation"
    default_action: ClassVar[Action] = "block"
    default_actions: ClassVar[dict[str, Action]] = {"profanity": "log"}

    def __init__(
        self,
        backend: str = "local",
        options: dict[str, Any] | None = None,
        actions: dict[str, Action] | None = None,
        thresholds: dict[str, float] | None = None,
        sensitivity: str = "balanced",
    ) -> None:
        unknown = sorted({*(actions or {}), *(thresholds or {})} - set(CATEGORIES))
        if unknown:
            raise ConfigError(f"moderation: unknown categories {unknown}; known: {CATEGORIES}")
        try:
            self.backend: Backend = backend_class(backend)(**(options or {}))
        except TypeError as e:
            raise ConfigError(f"moderation: bad options for backend {backend!r}: {e}") from e
        self.actions = dict(actions or {})
        self.thresholds = dict(thresholds or {})
        self.sensitivity = check_sensitivity(sensitivity)
        self._band: Band | bool | None = False  # False: not read from the backend yet

    def action(self, label: str) -> Action:
        """The configured action for a category, else ``log`` for profanity, ``block`` for the
        rest."""
        return self.actions.get(label) or self.default_actions.get(label, self.default_action)

    def threshold(self, label: str) -> float:
        """The configured minimum score for a category, else 0.5."""
        return self.thresholds.get(label, self.default_threshold)

    def band(self, label: str) -> Band | None:
        """The score band of :attr:`sensitivity` for a category that blocks by default and is
        not configured here; ``None`` when the backend has no operating points."""
        if label in self.actions or label in self.thresholds or self.action(label) != "block":
            return None
        if self._band is False:
            self._band = band_for(self.sensitivity, self.backend.operating_scores())
        return self._band if isinstance(self._band, Band) else None

    def load(self) -> None:
        """Load the backend's model or open its HTTP client."""
        self.backend.load()

    def scan(self, items: list[ScanItem]) -> list[TextFindings]:
        """One whole-text finding per category the backend found in each text."""
        try:
            answers = self.backend.classify(items)
        except GuardstreamError:
            raise
        except Exception as e:  # a backend bug must still answer `error`, not kill the pool
            raise ScannerError(f"moderation {self.backend.name}: {e!r}") from e
        if len(answers) != len(items):
            raise ScannerError(f"moderation {self.backend.name}: {len(answers)} answers")
        return [
            TextFindings(
                [
                    LabelFinding(0, len(item.text), category, score)
                    for category, score in sorted(found.items())
                ]
            )
            for item, found in zip(items, answers, strict=True)
        ]

    def close(self) -> None:
        """Close the backend."""
        self.backend.close()
