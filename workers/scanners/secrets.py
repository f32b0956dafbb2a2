"""Secrets (API keys, tokens, private keys) in prompts and responses, with detect-secrets' plugins.

LiteLLM's ``hide_secrets`` runs the same plugins, but through detect-secrets' process-wide
settings (``transient_settings``), which cache one plugin list for the whole process: two
differently configured users of it conflict. This scanner never touches those settings: it owns
its plugin instances and applies detect-secrets' heuristic filters itself, line by line, the way
``SecretsCollection.scan_file`` does (never ``scan_line``, whose eager ad-hoc mode reports
ordinary words as secrets). Two scanners with different plugins therefore work side by side, and
no prompt is written to a temporary file.

Findings are exact character spans of each secret value (every occurrence on the line it was
found on), labelled with the plugin's secret type in upper snake case (``AWS_ACCESS_KEY``,
``GITHUB_TOKEN``, ``PRIVATE_KEY``...). A private key's span covers its whole PEM block, not only
the ``BEGIN`` line that detect-secrets reports.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

from detect_secrets.plugins.base import BasePlugin, RegexBasedDetector

from topics.errors import ConfigError, ScannerError
from topics.messages import Action
from workers.scanners.base import LabelFinding, ScanItem, Scanner, TextFindings

__all__ = ["DEFAULT_PLUGINS", "HEURISTIC_PLUGINS", "AWSSecretAssignmentDetector", "SecretsScanner"]


class AWSSecretAssignmentDetector(RegexBasedDetector):
    """An AWS secret access key assigned without quotes, as in ``~/.aws/credentials`` or an
    ``.env`` file (detect-secrets' own AWS plugin finds only quoted ones)."""

    secret_type = "AWS Secret Key"
    denylist = (
        re.compile(
            r"aws.{0,20}?(?:secret|key).{0,20}?(?:=|:)[ \t]*([0-9a-zA-Z/+]{40})(?![0-9a-zA-Z/+=])",
            flags=re.IGNORECASE,
        ),
    )


DEFAULT_PLUGINS: tuple[str, ...] = (
    "ArtifactoryDetector",
    "AWSKeyDetector",
    "AWSSecretAssignmentDetector",
    "AzureStorageKeyDetector",
    "BasicAuthDetector",
    "CloudantDetector",
    "DiscordBotTokenDetector",
    "GitHubTokenDetector",
    "GitLabTokenDetector",
    "IbmCloudIamDetector",
    "IbmCosHmacDetector",
    "JwtTokenDetector",
    "MailchimpDetector",
    "NpmDetector",
    "OpenAIDetector",
    "PrivateKeyDetector",
    "PypiTokenDetector",
    "SendGridDetector",
    "SlackDetector",
    "SoftlayerDetector",
    "SquareOAuthDetector",
    "StripeDetector",
    "TelegramBotTokenDetector",
    "TwilioKeyDetector",
)
"""detect-secrets' plugins that match a vendor's token format. Left out by default: the keyword
and entropy plugins (:data:`HEURISTIC_PLUGINS`), which flag ordinary quoted words and hashes in
prose and code, and ``IPPublicDetector`` (an address is not a secret; PII covers it)."""

HEURISTIC_PLUGINS: frozenset[str] = frozenset(
    {"KeywordDetector", "Base64HighEntropyString", "HexHighEntropyString"}
)
"""Plugins that guess from a variable name or a string's entropy; their findings score lower
(:attr:`SecretsScanner.heuristic_score`) and pass through all of detect-secrets' filters."""

# detect-secrets reports a type name; findings carry these labels instead.
_LABELS: dict[str, str] = {
    "AWS Access Key": "AWS_ACCESS_KEY",
    "JSON Web Token": "JWT",
    "Base64 High Entropy String": "HIGH_ENTROPY_STRING",
    "Hex High Entropy String": "HIGH_ENTROPY_STRING",
    "Secret Keyword": "SECRET_KEYWORD",
    "Basic Auth Credentials": "BASIC_AUTH",
}
_AWS_KEY_ID = re.compile(r"(?:A3T[A-Z0-9]|ABIA|ACCA|AKIA|ASIA)[0-9A-Z]{16}")
_PEM_BEGIN = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----")
_PEM_END = re.compile(r"-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----")
_PEM_BODY = re.compile(r"(?:\r?\n[ \t]*[A-Za-z0-9+/=]{16,})*")
_TOKEN = re.compile(r"[A-Za-z0-9_\-.]+")
_TOKEN_TAIL = re.compile(r"[A-Za-z0-9_\-.+/=]*")
_VERIFY_FILTER = "detect_secrets.filters.common.is_ignored_due_to_verification_policies"
_FILENAME = "prompt.txt"
"""What the plugins are told they scan: a plain text file (the keyword plugin then requires
quotes around values, its least noisy mode)."""


def _label(secret_type: str) -> str:
    """Upper snake case of a detect-secrets type name: ``GitHub Token`` -> ``GITHUB_TOKEN``."""
    if secret_type in _LABELS:
        return _LABELS[secret_type]
    return re.sub(r"[^A-Za-z0-9]+", "_", secret_type).strip("_").upper()


class SecretsScanner(Scanner):
    """Finds credentials with detect-secrets' plugins; masks them by default.

    Settings (keyword arguments, from the pool's ``scanner:`` section):

    - ``plugins``: detect-secrets plugin class names to run (default :data:`DEFAULT_PLUGINS`).
      Naming ``KeywordDetector``, ``Base64HighEntropyString`` or ``HexHighEntropyString`` turns
      on those noisier guessers.
    - ``base64_limit``, ``hex_limit``: Shannon entropy above which a quoted string counts, for
      the two entropy plugins (detect-secrets' defaults 4.5 and 3.0).
    - ``heuristic_score``: the score of a finding from a heuristic plugin (format-matching
      plugins score 1.0), so that a policy threshold above it keeps only the sure findings.
    - ``actions``: per-label actions overriding ``mask`` (``{"PRIVATE_KEY": "block"}``).
    """

    name: ClassVar[str] = "secrets"
    default_action: ClassVar[Action] = "mask"

    def __init__(
        self,
        plugins: list[str] | None = None,
        base64_limit: float = 4.5,
        hex_limit: float = 3.0,
        heuristic_score: float = 0.6,
        actions: dict[str, Action] | None = None,
    ) -> None:
        self.plugin_names = list(DEFAULT_PLUGINS if plugins is None else plugins)
        if not self.plugin_names:
            raise ConfigError("secrets: 'plugins' is empty; name at least one plugin")
        for limit_name, limit in (("base64_limit", base64_limit), ("hex_limit", hex_limit)):
            if not 0.0 <= limit <= 8.0:
                raise ConfigError(f"secrets: {limit_name} must be in [0, 8], got {limit}")
        self.base64_limit = base64_limit
        self.hex_limit = hex_limit
        self.heuristic_score = heuristic_score
        self.actions = dict(actions or {})
        self._plugins: list[Any] = []
        self._secret_filters: list[Callable[[str], bool]] = []

    def action(self, label: str) -> Action:
        """The configured action for ``label``, else ``mask``."""
        return self.actions.get(label, self.default_action)

    def load(self) -> None:
        """Instantiate the plugins; unknown names are a :class:`ConfigError` listing known ones."""
        from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
        from detect_secrets.filters import heuristic
        from detect_secrets.settings import get_settings

        # Plugins verify a found key against its vendor's API when the process-wide settings
        # enable verification: a worker must never send a user's secret over the network.
        if _VERIFY_FILTER in get_settings().filters:
            raise ConfigError(
                "secrets: detect-secrets verification is enabled process-wide; it would send "
                "found secrets to their vendors. Remove the verification filter."
            )
        plugins: list[type[BasePlugin]] = list(get_mapping_from_secret_type_to_class().values())
        known: dict[str, Callable[..., BasePlugin]] = {p.__name__: p for p in plugins}
        known[AWSSecretAssignmentDetector.__name__] = AWSSecretAssignmentDetector
        unknown = [n for n in self.plugin_names if n not in known]
        if unknown:
            raise ConfigError(
                f"secrets: unknown plugins {unknown}; known: {', '.join(sorted(known))}"
            )
        limits = {
            "Base64HighEntropyString": self.base64_limit,
            "HexHighEntropyString": self.hex_limit,
        }
        self._plugins = [
            known[n](limit=limits[n]) if n in limits else known[n]() for n in self.plugin_names
        ]
        # Shape filters apply to every plugin: a templated or sequential value is never a key.
        self._secret_filters = [
            heuristic.is_sequential_string,
            heuristic.is_potential_uuid,
            heuristic.is_templated_secret,
            heuristic.is_prefixed_with_dollar_sign,
            heuristic.is_not_alphanumeric_string,
        ]

    def scan(self, items: list[ScanItem]) -> list[TextFindings]:
        """Findings per item: one per occurrence of each secret value."""
        if not self._plugins:
            self.load()
        try:
            return [TextFindings(self._scan_text(item.text)) for item in items]
        except (ValueError, TypeError, re.error) as e:
            raise ScannerError(f"secrets: detect-secrets failed: {e}") from e

    def _scan_text(self, text: str) -> list[LabelFinding]:
        from detect_secrets.filters import heuristic

        found: dict[tuple[int, int], LabelFinding] = {}
        for line_start, line in _lines(text):
            if not line.strip():
                continue
            for plugin in self._plugins:
                heuristic_plugin = type(plugin).__name__ in HEURISTIC_PLUGINS
                secrets = plugin.analyze_line(filename=_FILENAME, line=line, line_number=1)
                for secret in secrets:
                    value = secret.secret_value
                    if not value or any(f(value) for f in self._secret_filters):
                        continue
                    # Filters that judge the surrounding line (`id = ...`, `x = f(...)`) are
                    # meant for guessers; a vendor-format token in a function call is real.
                    if heuristic_plugin and (
                        heuristic.is_likely_id_string(value, line, plugin)
                        or heuristic.is_indirect_reference(line)
                    ):
                        continue
                    label = _label(secret.type)
                    if label == "AWS_ACCESS_KEY" and not _AWS_KEY_ID.fullmatch(value):
                        label = "AWS_SECRET_KEY"
                    score = self.heuristic_score if heuristic_plugin else 1.0
                    for start, end in _occurrences(plugin, line, value):
                        span = (line_start + start, line_start + end)
                        if label == "PRIVATE_KEY":
                            span = _pem_block(text, *span)
                        elif label == "JWT":
                            # detect-secrets' JWT pattern ends lazily, before the signature.
                            span = (span[0], _jwt_end(text, span[1]))
                        previous = found.get(span)
                        if previous is None or previous.score < score:
                            found[span] = LabelFinding(span[0], span[1], label, score)
        return sorted(found.values(), key=lambda f: (f.start, f.end))


def _lines(text: str) -> Iterator[tuple[int, str]]:
    """Each line of ``text`` (without its line break) with the offset it starts at."""
    at = 0
    for raw in text.splitlines(keepends=True):
        yield at, raw.rstrip("\r\n")
        at += len(raw)


def _occurrences(plugin: Any, line: str, value: str) -> Iterator[tuple[int, int]]:
    """Spans of ``value`` in ``line``: where the plugin's own patterns matched it when it has
    them (so ``pass`` in ``://u:pass@`` is not also found inside ``password``), else every
    occurrence."""
    spans: set[tuple[int, int]] = set()
    for regex in getattr(plugin, "denylist", ()):
        for match in regex.finditer(line):
            groups = [i for i in range(1, (match.re.groups or 0) + 1) if match.group(i)]
            for i in groups or [0]:
                if match.group(i) != value:
                    continue
                # Some patterns capture only a token's prefix (GitHub's `(ghp|gho|...)_...`):
                # when the whole match is itself one token, the whole match is the secret.
                whole = i and _TOKEN.fullmatch(match.group(0))
                spans.add(match.span(0) if whole else match.span(i))
    if not spans:
        start = line.find(value)
        while start >= 0:
            spans.add((start, start + len(value)))
            start = line.find(value, start + len(value))
    yield from sorted(spans)


def _jwt_end(text: str, end: int) -> int:
    """The end of a JWT whose match stops at ``end``: over the signature, not a final dot."""
    tail = _TOKEN_TAIL.match(text, end)
    stop = tail.end() if tail else end
    while stop > end and text[stop - 1] == ".":
        stop -= 1
    return stop


def _pem_block(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a ``BEGIN ... PRIVATE KEY`` match to its whole block: to the ``END`` line when
    there is one, else over the base64 lines that follow (a truncated paste is still a key)."""
    line_start = text.rfind("\n", 0, start) + 1
    begin = _PEM_BEGIN.search(text, line_start, end + 16)
    if begin is None:
        return start, end
    close = _PEM_END.search(text, begin.end())
    if close is not None:
        return begin.start(), close.end()
    body = _PEM_BODY.match(text, begin.end())
    return begin.start(), body.end() if body else begin.end()
