"""Words that look like a person's name to a named-entity model but name nobody.

A first name that refers to a person is personal data, so the PII scanner keeps every one-word
PERSON finding unless the word is known not to be a name where it stands (:class:`NameJudge`):

- a technology, product or cloud name, or a calendar word (:data:`TECH_NAMES`,
  :data:`CALENDAR`), or a word shaped like one: an acronym ("EKS"), a word with digits ("S3",
  "C4") or with capitals inside ("GitHub", "macOS"; not "McKenzie");
- a common English word that is no known name ("Oracle", "Pixel", "Chrome": WordNet's lemmas,
  which spaCy's English lemmatizer ships, less the first names and surnames of
  :class:`~workers.scanners.pii.names.NameLexicon`); and a word that is also a verb, an
  adjective or an adverb ("Bill", "Mark", "Grace") at the start of a sentence, where
  capitals say nothing, unless a verb of a person follows ("Mark said ...");
- a word inside code: in backticks, in a fenced or indented block, or joined to an identifier
  (``User.name``, ``Ada_v2``, ``Sophie()``);
- a place: a country or state the lexicon knows, or a word after "in", "near", "capital of",
  "visit"... ("What is the capital of France?");
- the name of a thing: after an article or a noun such as "project", "codename", "class"
  ("our project codename is Apollo", "the Atlas service").

The lists here are the project's own, written from common knowledge of the field; the over-
masking set of ``bench.pii_clean`` is written apart and wider, and ``python -m bench.pii_audit
--measure`` reports the rate on its words these lists lack.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Protocol

import regex


class NameLexicon(Protocol):
    """What the judge asks of :class:`workers.scanners.pii.names.NameLexicon` (a protocol,
    since that module imports this one)."""

    @property
    def first(self) -> frozenset[str]: ...
    @property
    def last(self) -> frozenset[str]: ...
    @property
    def places(self) -> frozenset[str]: ...

    def is_first(self, word: str) -> bool: ...
    def is_last(self, word: str) -> bool: ...


__all__ = ["CALENDAR", "PLACE_HEADS", "TECH_NAMES", "NameJudge", "is_listed", "load_judge"]

TECH_NAMES = frozenset(
    """
    kafka zookeeper python java javascript typescript golang go rust ruby perl php scala kotlin
    swift haskell elixir erlang clojure lua julia fortran cobol pascal matlab excel word
    powerpoint outlook access onenote sharepoint teams onedrive office windows linux ubuntu
    debian fedora centos redhat rhel alpine arch macos ios ipados android chromeos unix bsd
    freebsd docker podman kubernetes helm istio envoy linkerd consul vault nomad terraform
    pulumi ansible puppet chef salt jenkins circleci travis github gitlab bitbucket git svn
    mercurial jira confluence trello asana notion slack zoom webex skype discord telegram
    whatsapp signal postgres postgresql mysql mariadb sqlite oracle mssql redis memcached
    mongodb cassandra couchdb dynamodb elasticsearch opensearch kibana logstash grafana
    prometheus loki tempo jaeger zipkin datadog splunk sentry newrelic airflow spark hadoop
    hive flink storm beam kinesis pulsar rabbitmq activemq nats celery snowflake databricks
    bigquery redshift athena glue lambda fargate cloudformation cloudwatch cloudfront route53
    azure aws gcp heroku vercel netlify cloudflare akamai fastly digitalocean linode openstack
    react angular vue svelte ember jquery bootstrap tailwind django flask fastapi rails
    laravel symfony spring express nestjs nextjs nuxt node nodejs deno bun npm yarn pnpm pip
    conda poetry maven gradle bazel cmake make webpack vite babel eslint prettier pytest
    junit jest mocha cypress selenium playwright postman swagger openapi graphql grpc rest
    pandas numpy scipy sklearn matplotlib seaborn plotly pytorch torch tensorflow keras jax
    jupyter colab vscode vim neovim emacs intellij pycharm eclipse xcode chrome chromium
    firefox safari edge opera photoshop illustrator lightroom figma sketch canva blender unity
    unreal godot tableau looker powerbi qlik salesforce hubspot zendesk sap netsuite workday
    shopify stripe paypal twilio sendgrid mailchimp okta auth0 keycloak nginx apache tomcat
    haproxy traefik caddy bash zsh powershell cmd arduino raspberry chatgpt gpt openai llama
    mistral gemini copilot bert roberta whisper mixtral falcon bard dalle midjourney
    huggingface langchain llamaindex litellm presidio spacy nltk gensim ollama vllm onnx ray
    dask maya houdini nuke
    cuda nvidia amd intel qualcomm ryzen xeon iphone ipad macbook imac airpods pixel galaxy
    kindle alexa echo playstation xbox nintendo switch thinkpad surface spotify netflix
    youtube instagram tiktok linkedin facebook twitter reddit pinterest snapchat uber lyft
    airbnb google microsoft apple amazon meta ibm dell lenovo samsung sony tesla
    """.split()
)
"""Technology, product, platform and cloud names (case-folded) that a named-entity model tags
as a person; several are first names too ("Julia", "Ruby", "Alexa"), and in a text they name
the product far more often than a person (a person's "Julia" in running text is still found by
the first-name recognizer's cues: "my friend Julia", "Julia said")."""

CALENDAR = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april "
    "may june july august september october november december christmas easter "
    "thanksgiving halloween ramadan diwali hanukkah".split()
)
"""Weekdays, months and holidays (several are first names: "April", "June", "August")."""

PLACE_HEADS = frozenset(
    "saint sainte san santa santo são st st. ste ste. fort port mount lake cape costa el los "
    "las puerto porto bad sankt".split()
)
"""First words of place names ("Santa Cruz", "El Salvador", "Sainte Lucie"), case-folded."""

_STOP = frozenset(
    "a an the i me my we our you your he him his she her it its they them their this that "
    "these those who whom what which when where why how is are was were be been am do does "
    "did have has had will would shall should can could may might must not no yes ok okay "
    "and or but if then so as at by for from in into of on onto to with without about over "
    "under again all any each every some such only own same than too very just also here "
    "there hi hello hey dear thanks thank please sorry".split()
)
# Verbs a person does in running text: "Mark said", "Grace thinks", "Will and I".
_PERSON_VERB = regex.compile(
    r"[ \t]+(?:said|says|asked|asks|told|tells|thinks|thought|wants|wanted|wrote|writes|sent|"
    r"sends|replied|called|calls|emailed|texted|mentioned|suggested|agreed|needs|needed|"
    r"and[ \t]+I|here\b|is[ \t]+my|was[ \t]+my)\b"
)
_ARTICLE_AFTER = regex.compile(r"[ \t]+(?:the|a|an|this|that|these|those|its|their)\b")
_SENTENCE_START = regex.compile(r"(?:^|[.!?:;\n][\"'\u201d)\]]*[ \t]*|^[ \t>*#-]+)$")
# A word glued to code: a dot, underscore, bracket or scope sign on either side.
_CODE_BEFORE = regex.compile(r"(?:[\w)\]]\.|[_$@#/\\=<({\[:]|::)$")
_CODE_AFTER = regex.compile(r"\.[\w(]|[_$(\[{<:=/\\]|[ \t]*=[^=]")
_FENCE = regex.compile(r"(?s)(```|~~~).*?(?:\1|\Z)")
_INLINE_CODE = regex.compile(r"`[^`\n]+`")
_INDENTED = regex.compile(r"(?m)^(?: {4}|\t)\S.*$")
# Words before a place: "in Lisbon", "the capital of Chad", "visit Florence", "to Madison".
_PLACE_BEFORE = regex.compile(
    r"(?i:\b(?:in|near|around|across|throughout|into|visit(?:ed|ing|s)?|"
    r"capital[ \t]+of|city[ \t]+of|country[ \t]+of|state[ \t]+of|region[ \t]+of|"
    r"history[ \t]+of|population[ \t]+of|north[ \t]+of|south[ \t]+of|east[ \t]+of|"
    r"west[ \t]+of|outside[ \t]+of|parts[ \t]+of|trip[ \t]+to|flights?[ \t]+to|"
    r"weather[ \t]+in|through|language[ \t]+of|currency[ \t]+of|flag[ \t]+of|map[ \t]+of)"
    r"[ \t]+(?:the[ \t]+)?(?:\p{Lu}[\p{L}'\u2019-]*[ \t]+){0,2})$"
    # the second word of a place ("Saint Lucia", "San Marino", "Costa Rica")
    r"|(?:\b(?:Saint|Sainte|San|Santa|Santo|São|St\.?|Ste\.?|Fort|Port|Mount|Lake|Cape|Costa|"
    r"El|Los|Las|Puerto|Porto|Bad|Sankt)[ \t]+)$"
)
# Words before the name of a thing: "codename Apollo", "the Atlas project", "class Victor".
_THING_BEFORE = regex.compile(
    r"(?i:\b(?:code[ \t]*name[ds]?|project|class|module|package|library|app|tool|service|"
    r"model|repo|repository|branch|server|host|bot|plugin|framework|product|brand|the|a|an)"
    r"[ \t]+(?:is[ \t]+|was[ \t]+|called[ \t]+|named[ \t]+)?)$"
)
# ... and after one: "Lisbon or Porto", "Florence airport", "Madison, Wisconsin".
_PLACE_AFTER = regex.compile(
    r"^(?:[ \t]+(?:airport|city|centre|center|county|province|region|coast|harbour|harbor)\b"
    r"|,[ \t]+\p{Lu}\p{Ll}+[ \t]*(?:[?.!]|$))"
)
_INNER_CAPITAL = regex.compile(r"\p{Ll}\p{Lu}|^\p{Lu}{2,}\p{Ll}")
_NAME_PREFIX = regex.compile(r"^(?:Mc|Mac|O'|O\u2019|De|Di|Da|La|Le|Van|Von|Fitz)\p{Lu}")


def is_listed(word: str) -> bool:
    """A technology or product name, or a calendar word (case-insensitive)."""
    folded = word.casefold()
    return folded in TECH_NAMES or folded in CALENDAR


def looks_technical(word: str) -> bool:
    """An acronym, a word with digits, or capitals inside a word ("EKS", "S3", "GitHub")."""
    if any(c.isdigit() for c in word):
        return True
    letters = [c for c in word if c.isalpha()]
    if len(letters) >= 2 and all(c.isupper() for c in letters):
        return True
    return _INNER_CAPITAL.search(word) is not None and _NAME_PREFIX.match(word) is None


def in_code(text: str, start: int, end: int) -> bool:
    """``[start, end)`` lies in inline code, a code block, or is part of an identifier."""
    if _CODE_BEFORE.search(text, max(0, start - 2), start) or _CODE_AFTER.match(text, end):
        return True
    if "`" in text and any(s < end and start < e for s, e in _code_spans(text)):
        return True
    line_start = text.rfind("\n", 0, start) + 1
    return _INDENTED.match(text, line_start) is not None


def _alone_on_line(text: str, start: int, end: int) -> bool:
    # A signature: the word alone on a line below some text ("Thanks!\nMark").
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    after = text[end : len(text) if line_end < 0 else line_end]
    return line_start > 0 and not text[line_start:start].strip(" \t>") and not after.strip(" \t,.!")


@functools.lru_cache(maxsize=16)
def _code_spans(text: str) -> tuple[tuple[int, int], ...]:
    # Found once per text (the judge asks for each word of it), not once per word.
    return tuple(m.span() for pattern in (_INLINE_CODE, _FENCE) for m in pattern.finditer(text))


def at_sentence_start(text: str, start: int) -> bool:
    """The word at ``start`` begins the text, a line or a sentence."""
    return _SENTENCE_START.search(text, max(0, start - 6), start) is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class NameJudge:
    """Tells a word that is no one's name from a name, in its text (see the module docstring)."""

    lexicon: NameLexicon
    common: frozenset[str]
    """Case-folded English words (any part of speech) that no name list holds."""
    usual: frozenset[str]
    """Case-folded English verbs, adjectives, adverbs and function words, names or not: a
    capitalised one at a sentence start is likely the word itself."""
    english: frozenset[str]
    """Every case-folded English word of the lemma tables and the function words."""

    def not_a_name(self, text: str, start: int, end: int, *, cued: bool = False) -> bool:
        """True when the one word at ``[start, end)`` is known not to name a person there.
        ``cued``: words around it say it is a person's ("my friend Julia", "Ray said"), so a
        product name that is also a known first name counts as the name."""
        word = text[start:end].strip()
        folded = word.casefold()
        listed = is_listed(word) and not (cued and self.lexicon.is_first(word))
        if not word or listed or looks_technical(word) or folded in _STOP:
            return True
        if folded in self.common or in_code(text, start, end):
            return True
        if folded in self.lexicon.places or self.is_place_here(text, start, end):
            return True
        if _THING_BEFORE.search(text, max(0, start - 24), start):
            return True
        if at_sentence_start(text, start) and (
            folded in self.usual or (self.is_english(word) and not self.lexicon.is_first(word))
        ):
            # Capitals at a sentence start say nothing: "Server at 10.0.0.1 is down", "Mark
            # the task"; a surname or a name that is also a word still is one before a verb
            # of a person ("Smith said", "Mark said") or alone on a signature line.
            return _PERSON_VERB.match(text, end) is None and not _alone_on_line(text, start, end)
        # An English verb before an article is an order, not a name: "Mark the task as done",
        # "Bill the client", "Sue the vendor".
        return folded in self.usual and _ARTICLE_AFTER.match(text, end) is not None

    def is_place_here(self, text: str, start: int, end: int) -> bool:
        """The words around ``[start, end)`` make it a place ("capital of X", "X airport")."""
        before = _PLACE_BEFORE.search(text, max(0, start - 24), start) is not None
        return before or _PLACE_AFTER.match(text[end : end + 40]) is not None

    def is_english(self, word: str) -> bool:
        """An English word (WordNet's lemmas and function words), also inflected ("spelled",
        "servers"), name or not."""
        folded = word.casefold()
        return any(form in self.english for form in _base_forms(folded))

    def is_first_name(self, word: str) -> bool:
        """A first name the lexicon knows that is no common English word."""
        folded = word.casefold()
        return self.lexicon.is_first(word) and folded not in self.usual and not is_listed(word)


def load_judge(lexicon: NameLexicon, nlp: Any | None = None) -> NameJudge:
    """A :class:`NameJudge` with English words from the lemma tables of ``nlp``'s lemmatizer
    (spaCy's English pipelines ship WordNet's lemmas); none when it has no such tables."""
    by_pos: dict[str, set[str]] = {}
    try:
        index = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_index") if nlp else None
    except (KeyError, ValueError, AttributeError):
        index = None
    for pos in ("noun", "verb", "adj", "adv"):
        words = index.get(pos, []) if index is not None else []
        by_pos[pos] = {w.casefold() for w in words if w.isalpha()}
    names = lexicon.first | lexicon.last
    every = set().union(*by_pos.values())
    usual = by_pos["verb"] | by_pos["adj"] | by_pos["adv"] | _STOP
    return NameJudge(
        lexicon=lexicon,
        common=frozenset(every - names),
        usual=frozenset(usual),
        english=frozenset(every | _STOP),
    )


def _base_forms(word: str) -> list[str]:
    """``word`` and what it may be inflected from: enough to look up "spelled" or "servers"
    in a list of lemmas (a name that happens to end so is still checked as itself)."""
    forms = [word]
    for ending, base in (("ies", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"),
                         ("ing", ""), ("ing", "e"), ("led", "l"), ("ted", "t")):  # fmt: skip
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            forms.append(word[: len(word) - len(ending)] + base)
    return forms
