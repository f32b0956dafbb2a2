"""The building blocks of the prompt-injection heuristics: a rule, its hits, how hits combine,
and the vocabulary that the rule families (``workers/injection_*.py``) share.

Rules read the folded text of :func:`workers.scanners.text.normalize.normalize` (lowercase, single
spaces, look-alikes undone), so patterns are written in lowercase and compiled without
``IGNORECASE``, which costs Python's ``re`` a third of its speed; ``raw`` rules read the original
text, for tricks that folding erases. A rule may name ``needles``: plain substrings of which at
least one must occur for the pattern to be worth running. Most texts contain none of a rule's
needles, and a substring test is a hundred times cheaper than a regex scan, which keeps the
heuristics at hundreds of texts per second with over a hundred rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Rule", "RuleHit", "combine", "match_rules", "rule"]


@dataclass(frozen=True, slots=True)
class Rule:
    """One heuristic: a compiled pattern, its family and its weight in [0, 1]."""

    name: str
    family: str
    weight: float
    pattern: re.Pattern[str]
    raw: bool = False
    """Match the original text instead of the folded one."""
    needles: tuple[tuple[str, ...], ...] = ()
    """Groups of substrings: the pattern runs only when every group has one of its substrings
    in the text read; empty: always run."""
    context: re.Pattern[str] | None = None
    """A pattern that must also occur somewhere in the text: what turns a phrase that is
    harmless in a user's own request into an injection (a directive inside an email)."""


@dataclass(frozen=True, slots=True)
class RuleHit:
    """A rule's match; ``start``/``end`` index the text the rule read (folded unless raw)."""

    rule: Rule
    start: int
    end: int


def rule(
    name: str,
    family: str,
    weight: float,
    pattern: str,
    *,
    raw: bool = False,
    needles: str = "",
    context: str | None = None,
) -> Rule:
    """Compile one rule. ``needles`` lists substrings separated by spaces, in groups separated
    by ``|`` (``"ignore forget | instruction rule"``: one of each group must occur)."""
    groups = tuple(tuple(group.split()) for group in needles.split("|") if group.strip())
    compiled = re.compile(context) if context else None
    return Rule(name, family, weight, re.compile(pattern), raw, groups, compiled)


def match_rules(folded: str, raw: str, rules: tuple[Rule, ...]) -> list[RuleHit]:
    """Every match of every rule, in text order; raw rules read ``raw``."""
    hits: list[RuleHit] = []
    for r in rules:
        text = raw if r.raw else folded
        if not all(any(n in text for n in group) for group in r.needles):
            continue
        found = [RuleHit(r, m.start(), m.end()) for m in r.pattern.finditer(text)]
        if found and (r.context is None or r.context.search(text)):
            hits.extend(found)
    hits.sort(key=lambda h: (h.start, -h.end))
    return hits


def combine(hits: list[RuleHit]) -> float:
    """Noisy-OR of the weights of the distinct rules among ``hits``: one strong rule decides
    alone, weak cues only count together."""
    miss = 1.0
    for r in {h.rule.name: h.rule for h in hits}.values():
        miss *= 1.0 - r.weight
    return 1.0 - miss


# --- shared vocabulary. Words are separated by "\s*" where the spacing trick can glue them.

VERB = (
    r"(?:ignore|ignoring|disregard|disregarding|forget|forgetting|override|overrule|bypass|skip"
    r"|neglect|overlook|discard|abandon|dismiss|set aside|put aside|throw away|throw out|scrap"
    r"|pay no (?:attention|heed|mind) to|(?:do not|don'?t|never) (?:follow|obey|heed|listen to)"
    r"|stop (?:following|obeying)|no longer (?:follow|obey)|cancel|erase|delete|wipe|clear|reset"
    r"|supersede|nullify|unlearn|ditch|drop|ignroe|ingore|never ?mind|forgo|rescind|void)"
)
VERB_NEEDLES = (
    "ign ingore disregard forget overrid overrule bypass skip neglect overlook discard abandon"
    " dismiss aside throw scrap pay no follow obey heed listen cancel erase delete wipe clear"
    " reset supersede nullify unlearn ditch drop mind forgo rescind void"
)
NOUN_NEEDLES = (
    "instruction prompt rule guideline directive command order constraint restriction"
    " programming guidance polic filter safeguard guardrail limit training conditioning"
    " configuration protocol principle ethic moral boundar direction system message"
)
QUAL = (
    r"(?:all|any|every|each|the|your|my|of|these|those|this|that|previous|previously|prior"
    r"|preceding|above|earlier|foregoing|former|original|initial|existing|current|old|past"
    r"|system|default|given|preset|pre-?set|built-?in|standard|aforementioned|other|before"
    r"|safety|ethical|moral|content|developer'?s?|programmed|internal|hidden|first|entire|whole"
    r"|received|provided|set|and|or|following|subsequent|later|above-mentioned|stated|written"
    r"|you (?:were|have been|got|received)(?: given| told)?|to you)"
)
# A qualifier that makes the object "the instructions in force", not "these instructions here".
KEY = (
    r"(?:all|any|every|previous|previously|prior|preceding|above|earlier|foregoing|former"
    r"|original|initial|existing|current|your|system|default|preset|pre-?set|built-?in"
    r"|whatever|developer'?s"
    r"|programmed|before|aforementioned|above-mentioned|you (?:were|have been|got|received)"
    r"(?: given| told)?|to you)"
)
# "It is important not to ignore safety rules" talks about the rules; it does not attack them.
NOT_NEGATED = r"(?<!\bnot )(?<!n't )(?<!\bnever )(?<!\bno )(?<!without )(?<!\bto not )"
VERB_CORE = (
    r"(?:ignore|ignoring|disregard|disregarding|forget|forgetting|overlook|dismiss|set aside"
    r"|pay no (?:attention|heed|mind) to|(?:do not|don'?t|never) (?:follow|obey|heed|listen to)"
    r"|stop (?:following|obeying)|no longer (?:follow|obey)|override|bypass|never ?mind)"
)
STRONG_NOUN = (
    r"(?:instructions?|instruction set|prompts?|rules?|guidelines?|directives?|commands?|orders?"
    r"|constraints?|restrictions?|programming|guidance|policies|policy|filters?|safeguards?"
    r"|guardrails?|limitations?|training|conditioning|configuration|protocols?|principles"
    r"|ethics|morals|boundaries|limits|directions?|system prompt|system message|rule ?set)"
)
WEAK_NOUN = (
    r"(?:text|messages?|conversation|context|input|content|tasks?|requests?|everything"
    r"|assignments?|questions?|prompting)"
)
POSITION = r"(?:previous|previously|prior|preceding|above|earlier|foregoing|former|before)"
AI = (
    r"(?:ai|a\.i\.|assistant|chatbot|chat bot|bot|llm|language model|ai model|ai agent|agent"
    r"|gpt|chatgpt|claude|copilot|ai assistant|model|gemini|bard|llama)"
)
READ = (
    r"(?:summari[sz]|read|process|translat|answer|respond|repl|analy[sz]|review|pars|encounter"
    r"|see|handl|look)"
)
OUTPUT = r"(?:responses?|answers?|summary|summaries|replies|reply|outputs?|messages?)"
