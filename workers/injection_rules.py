"""Compiled prompt-injection heuristics: regexes over the folded text of
:func:`workers.text_normalize.normalize`, each with a family and a weight.

The folded text is lowercase, single-spaced, with homoglyphs, leetspeak and spaced-out letters
undone, so one pattern covers ``Ignore``, ``IGNORE`` in Cyrillic look-alikes, ``1gn0r3`` and
``i g n o r e``. Patterns pair a trigger verb with what makes it an attack (``ignore`` +
``previous instructions``, not ``ignore`` + ``the noise``), so ordinary text that merely uses
the words does not match. A few rules (``raw``) read the original text, for tricks that
folding erases (invisible characters).

A text's heuristic score combines the weights of the distinct rules that matched as a noisy-OR,
``1 - prod(1 - w)``: one strong rule decides alone, weak cues only count together.

Families: ``override`` (ignore/replace the instructions), ``role_play`` (jailbreak personas,
developer mode, "no restrictions"), ``extraction`` (reveal the system prompt or secrets),
``indirect`` (instructions aimed at the assistant inside documents or tool output, fake role
markers), ``obfuscation`` (encoded payloads, invisible characters).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["FAMILIES", "RULES", "Rule", "RuleHit", "combine", "match_rules"]

FAMILIES = ("override", "role_play", "extraction", "indirect", "obfuscation")


@dataclass(frozen=True, slots=True)
class Rule:
    """One heuristic: a compiled pattern, its family and its weight in [0, 1]."""

    name: str
    family: str
    weight: float
    pattern: re.Pattern[str]
    raw: bool = False
    """Match the original text instead of the folded one."""


@dataclass(frozen=True, slots=True)
class RuleHit:
    """A rule's match; ``start``/``end`` index the text the rule read (folded unless raw)."""

    rule: Rule
    start: int
    end: int


def _r(name: str, family: str, weight: float, pattern: str, raw: bool = False) -> Rule:
    return Rule(name, family, weight, re.compile(pattern, 0 if raw else re.IGNORECASE), raw)


# Shared vocabulary. Words are separated by "\s*" where the spacing trick can glue them.
_VERB = (
    r"(?:ignore|ignoring|disregard|disregarding|forget|forgetting|override|overrule|bypass|skip"
    r"|neglect|overlook|discard|abandon|dismiss|set aside|put aside|throw away|throw out|scrap"
    r"|pay no (?:attention|heed|mind) to|(?:do not|don'?t|never) (?:follow|obey|heed|listen to)"
    r"|stop (?:following|obeying)|no longer (?:follow|obey)|cancel|erase|delete|wipe|clear|reset"
    r"|supersede|nullify|unlearn|ditch|drop|ignroe|ingore)"
)
_QUAL = (
    r"(?:all|any|every|each|the|your|my|of|these|those|this|that|previous|previously|prior"
    r"|preceding|above|earlier|foregoing|former|original|initial|existing|current|old|past"
    r"|system|default|given|preset|pre-?set|built-?in|standard|aforementioned|other|before"
    r"|safety|ethical|moral|content|developer|programmed|internal|hidden|first|entire|whole"
    r"|received|provided|set|you (?:were|have been|got|received)(?: given| told)?|to you)"
)
# A qualifier that makes the object "the instructions in force", not "these instructions here".
_KEY = (
    r"(?:all|any|every|previous|previously|prior|preceding|above|earlier|foregoing|former"
    r"|original|initial|existing|current|your|system|default|preset|pre-?set|built-?in"
    r"|programmed|before|aforementioned|you (?:were|have been|got|received)(?: given| told)?"
    r"|to you)"
)
# "It is important not to ignore safety rules" talks about the rules; it does not attack them.
_NOT_NEGATED = r"(?<!\bnot )(?<!n't )(?<!\bnever )(?<!\bno )(?<!without )(?<!\bto not )"
_VERB_CORE = (
    r"(?:ignore|ignoring|disregard|disregarding|forget|forgetting|overlook|dismiss|set aside"
    r"|pay no (?:attention|heed|mind) to|(?:do not|don'?t|never) (?:follow|obey|heed|listen to)"
    r"|stop (?:following|obeying)|no longer (?:follow|obey)|override|bypass)"
)
_STRONG_NOUN = (
    r"(?:instructions?|instruction set|prompts?|rules?|guidelines?|directives?|commands?|orders?"
    r"|constraints?|restrictions?|programming|guidance|policies|policy|filters?|safeguards?"
    r"|guardrails?|limitations?|training|conditioning|configuration|protocols?|principles"
    r"|ethics|morals|boundaries|limits|directions)"
)
_WEAK_NOUN = r"(?:text|messages?|conversation|context|input|content|tasks?|requests?|everything)"
_POSITION = r"(?:previous|previously|prior|preceding|above|earlier|foregoing|former|before)"
_AI = (
    r"(?:ai|a\.i\.|assistant|chatbot|chat bot|bot|llm|language model|ai model|ai agent|agent"
    r"|gpt|chatgpt|claude|copilot|ai assistant|model)"
)
_READ = (
    r"(?:summari[sz]|read|process|translat|answer|respond|repl|analy[sz]|review|pars|encounter"
    r"|see|handl|look)"
)
_OUTPUT = r"(?:responses?|answers?|summary|summaries|replies|reply|outputs?)"

RULES: tuple[Rule, ...] = (
    # --- override: set aside the instructions in force
    _r(
        "ignore_instructions",
        "override",
        0.9,
        rf"{_NOT_NEGATED}\b{_VERB}\s*(?:{_QUAL}\s*){{0,3}}?{_KEY}\s*(?:{_QUAL}\s*){{0,3}}"
        rf"{_STRONG_NOUN}\b",
    ),
    _r(
        "ignore_previous_weak",
        "override",
        0.8,
        rf"{_NOT_NEGATED}\b{_VERB_CORE}\s*(?!my\b)(?:{_QUAL}\s*){{0,3}}{_POSITION}\s*"
        rf"(?:{_QUAL}\s*){{0,2}}{_WEAK_NOUN}\b",
    ),
    _r(
        "ignore_everything_above",
        "override",
        0.8,
        rf"\b{_VERB_CORE}\s*(?:all|everything|anything)\s*(?:(?:that|you|i|we)\s*)?"
        rf"(?:(?:was|were|have been|had been|has been|is)\s*)?"
        rf"(?:(?:said|written|told|stated|given|typed|mentioned|instructed|sent)\s*)?"
        rf"(?:{_POSITION}|(?:so far|up to now|until now|up to this point))\b"
        # "ignore all previous emails" names something else; the bare phrase is the attack.
        r"(?=\s*(?:[^\w\s]|$|and\b|then\b|instead\b|now\b|this\b|it\b))",
    ),
    _r(
        "ignore_the_above_and",
        "override",
        0.7,
        rf"\b{_VERB_CORE} (?:all of )?(?:the|that) (?:above|previous|prior)"
        r"(?:\s*[.,;:!]|\s+and\b|\s+instead\b|\s*$)",
    ),
    _r(
        "forget_what_you_know",
        "override",
        0.8,
        r"\b(?:forget|unlearn|erase) (?:all |everything |anything |whatever )"
        r"(?:that )?(?:you|u) (?:know|knew|learned|have learned|were told|have been told|were"
        r" taught|were trained|have been (?:taught|trained|programmed))",
    ),
    _r(
        "forget_prior_knowledge",
        "override",
        0.6,
        r"\b(?:forget|unlearn|erase|wipe) (?:any|all|every|everything|your) (?:of )?(?:your )?"
        r"(?:[\w-]+ ){0,4}?(?:knowledge|memories|conditioning|programming)\b",
    ),
    _r(
        "instructions_void",
        "override",
        0.85,
        rf"\b{_STRONG_NOUN} (?:above |before |so far )?(?:are|is|have been|has been|were)"
        r" (?:now |hereby |all )?"
        r"(?:void|cancell?ed|revoked|obsolete|overridden|replaced|lifted|suspended|null|invalid"
        r"|no longer (?:valid|in effect|apply|applicable|active|relevant)|disabled|removed)",
    ),
    _r(
        "new_instructions",
        "override",
        0.6,
        r"\b(?:new|updated|real|actual|true|revised|override|secret|hidden|additional)"
        r" (?:system )?(?:instructions?|task|directives?|orders|rules|objective|prompt)\s*[:!-]",
    ),
    _r(
        "your_new_task",
        "override",
        0.7,
        r"\byour (?:new|real|true|actual|only|updated|primary) (?:task|goal|instructions?|purpose"
        r"|objective|job|mission|role|directive|function) (?:is|are|will be|now is|is now)\b",
    ),
    _r(
        "disable_safety",
        "override",
        0.85,
        r"\b(?:disable|turn off|deactivate|remove|circumvent|evade|get around|bypass|switch off"
        r"|lift|drop|suspend|ignore|break) (?:all |any |of |the )*(?:your|its|the ai'?s"
        r"|the model'?s|safety|content|ethical|moral) (?:\w+ )?(?:filters?|safeguards?"
        r"|guardrails?|restrictions|censorship|moderation|protocols?|alignment|limitations"
        r"|programming|guidelines|constraints|boundaries)\b",
    ),
    _r(
        "from_now_on",
        "override",
        0.35,
        r"\b(?:from now on|from this (?:point|moment) (?:on|forward)|for the rest of (?:this|our)"
        r" conversation|henceforth),? (?:you|your|u)\b",
    ),
    _r(
        "instead_say",
        "override",
        0.45,
        r"\binstead,? (?:you (?:must|should|will)|just|only|simply) (?:say|print|output|write"
        r"|respond|reply|answer)\b",
    ),
    # --- role play and developer-mode jailbreaks
    _r(
        "named_mode",
        "role_play",
        0.85,
        r"\b(?:developer|dev|god|jailbreak|jailbroken|dan|unrestricted|unfiltered|uncensored|evil"
        r"|amoral|no-?limits?|anarchy|chaos|opposite|unlocked|freedom|rebel|villain)\s*mode\b",
    ),
    _r(
        "privileged_mode",
        "role_play",
        0.6,
        r"\b(?:enable|activate|enter|switch to|switch into|you are (?:now )?in|engage|turn on)"
        r" (?:the )?(?:admin|administrator|sudo|root|maintenance|debug|debugging|test|testing"
        r"|diagnostic|super ?user|override|unlimited) mode\b",
    ),
    _r("do_anything_now", "role_play", 0.9, r"\bdo\s*anything\s*now\b"),
    _r(
        "dan_persona",
        "role_play",
        0.8,
        r"\b(?:you are|you're|act as|pretend to be|become|called|named|known as|stands? for"
        r"|play|roleplay as|role-play as) (?:a |an |the )?[\"'“]?(?:dan|stan|dude|aim|kevin"
        r"|mongo tom|betterdan|antigpt|anti-gpt|evilbot|dev ?gpt)\b",
    ),
    _r("jailbreak_word", "role_play", 0.4, r"\bjail\s*br(?:oken|eak|eaking|eaks)\b"),
    _r(
        "freed_from_rules",
        "role_play",
        0.8,
        r"\b(?:free|freed|liberated|released|broken free|break free|broke free|escaped|unbound"
        r"|unshackled|exempt) (?:from|of) (?:the |all |any |its |your |their |typical |usual"
        r" |ai |normal |)*(?:confines|restrictions|rules|limitations|constraints|shackles|chains"
        r"|polic(?:y|ies)|guidelines|programming|filters|censorship|boundaries|limits|morals"
        r"|ethics)\b",
    ),
    _r(
        "not_bound_by_policy",
        "role_play",
        0.8,
        r"\b(?:not|never|no longer|n'?t|without|nor) (?:have to |need to |be |being |been |are |is"
        r" |any )?(?:abide|abiding|comply|complying|adhere|adhering|follow|following|obey|obeying"
        r"|respect|bound|restricted|limited|care|caring|constrained|censored|held|subject)\w*"
        r" (?:by |to |with |about |of )?(?:(?:any|the|their|its|your|all|ethical|moral|legal"
        r"|or|and|,)\s?)*"
        r"(?:openai|anthropic|content|usage|safety|ethical|moral|ai)?'?s? ?(?:polic(?:y|ies)"
        r"|guidelines|rules|restrictions|filters|ethics|morals|principles|laws|limitations"
        r"|constraints|standards)\b",
    ),
    _r(
        "no_restrictions",
        "role_play",
        0.45,
        r"\b(?:no|without|free of|zero|devoid of|lacks?|lacking|any) (?:any )?(?:moral|ethical"
        r"|ethics|content|safety|kind of|sort of)?\s?(?:restrictions|filters|filtering"
        r"|censorship|guidelines|morals|ethics|scruples|moral compass|boundaries|limitations"
        r"|(?:moral |ethical )?principles|(?:ethical |moral )code|code of ethics|conscience)\b",
    ),
    _r(
        "persona_setup",
        "role_play",
        0.3,
        r"\b(?:pretend|imagine|act|behave|roleplay|role-play|role play|simulate|emulate"
        r"|play the role of|you are going to be|you will be|you are now|you're now|become"
        r"|take on the role of|respond as) (?:to be |as |like |that you are |you are )?"
        r"(?:an? |the )?(?:[\w'-]+ ){0,4}(?:ai|assistant|chatbot|bot|model|character|entity"
        r"|persona|version|intelligence)\b",
    ),
    _r(
        "never_refuse",
        "role_play",
        0.55,
        r"\b(?:never|not|cannot|can'?t|won'?t|will not|must not|mustn'?t|shouldn'?t|should not"
        r"|do not|don'?t|is not allowed to|are not allowed to) (?:ever )?(?:refuse|decline|reject"
        r"|say no|deny (?:a|any) request)\b",
    ),
    _r(
        "no_apologies",
        "role_play",
        0.75,
        r"\b(?:don'?t|do not|never|none of your|not|without|no) (?:\w+ ){0,3}?(?:include|contain"
        r"|say|use|start with|add|mention|respond with|responses?|replies|answers?|warnings?"
        r"|disclaimers?) (?:any |with )?(?:[\"'“(]?(?:i'?m sorry|i apologi[sz]e|as an ai|as a"
        r" language model|i cannot|i can'?t)|(?:moral|ethical|safety) (?:warnings?|disclaimers?"
        r"|lectures?|policing))",
    ),
    _r(
        "stay_in_character",
        "role_play",
        0.5,
        r"\b(?:stay|staying|remain|keep) (?:in|in the) (?:character|role|persona)\b",
    ),
    _r(
        "break_character_penalty",
        "role_play",
        0.4,
        r"\b(?:break|breaking|broke) (?:out of )?(?:character|role)\b",
    ),
    _r(
        "sure_here_is",
        "role_play",
        0.75,
        r"\b(?:begin|start|open)\w* (?:\w+ ){0,4}?(?:with|by (?:saying|writing|replying with"
        r"|stating))\W{0,4}sure,? here (?:is|are)\b",
    ),
    _r(
        "for_educational_purposes",
        "role_play",
        0.35,
        r"\b(?:(?:purely|only|strictly|solely) )?for (?:educational|research|academic|fictional"
        r"|hypothetical|informational) purposes(?: only)?\b(?:[^.]{0,80}\b(?:never|not) be"
        r" (?:actually )?used)?",
    ),
    _r(
        "prefix_injection",
        "role_play",
        0.7,
        rf"\b(?:start|begin)s? (?:your |each |every |all )?(?:{_OUTPUT}|messages?) with"
        r" (?:the (?:words?|phrase|sentence) )?[\"'“]?(?:sure|absolutely|certainly|of course"
        r"|okay|ok|yes)\b",
    ),
    _r(
        "amoral_persona",
        "role_play",
        0.75,
        r"\b(?:amoral|unethical|uncensored|unfiltered|unrestricted|unaligned|unhinged|immoral"
        r"|unrestrained|ethically neutral|unbound|unchained|unleashed"
        r"|evil|rogue|malicious|lawless) (?:and \w+ )?(?:ai|assistant|chatbot|bot|model"
        r"|confidant|twin|entity|persona|language model|gpt)\b",
    ),
    _r(
        "dual_response",
        "role_play",
        0.45,
        r"\b(?:two|2|both|dual) (?:different |separate |distinct )?(?:responses|answers|replies"
        r"|outputs|paragraphs|ways)\b[^.]{0,80}\b(?:normal|classic|standard|filtered|censored)\b",
    ),
    _r(
        "hypothetical_wrapper",
        "role_play",
        0.35,
        r"\b(?:hypothetical(?:ly)?|fictional|imaginary|alternate|parallel) (?:world|universe"
        r"|scenario|story|setting|response|reality) (?:where|in which|without) (?:\w+ ){0,4}?"
        r"(?:no|not|without|illegal|anything)\b",
    ),
    # --- extraction of the system prompt or secrets
    _r(
        "reveal_system_prompt",
        "extraction",
        0.85,
        r"\b(?:repeat|print|output|show|reveal|display|tell|give|write|type|dump|leak|spell"
        r"|list|share|disclose|expose|recite|paste|copy|provide|return|echo|state|read)"
        r" (?:me |us |out |back |all |everything |in |of |full |the text of |verbatim )*"
        r"(?:(?:your|the|its|this) )?(?:(?:full|complete|entire|exact|original|initial"
        r"|first|whole) )?(?:system|hidden|secret|internal|developer|confidential|pre-?|initial"
        r"|original|starting|first|meta|initiali[sz]ation|init|boot|startup) ?(?:prompt"
        r"|instructions?|message|directives|configuration|setup|string)\b",
    ),
    _r(
        "what_is_system_prompt",
        "extraction",
        0.8,
        r"\b(?:what(?:'s| is| are| was| were)|tell me|show me) (?:exactly )?(?:your|the)"
        r" (?:exact |full |complete |original |initial |hidden |secret )?(?:system prompt"
        r"|(?:initial|original|hidden|secret|system|first|exact) (?:instructions|directives"
        r"|message|rules)|instructions (?:you were|you've been|you have been) given)\b",
    ),
    _r(
        "repeat_above",
        "extraction",
        0.75,
        r"\b(?:repeat|print|output|recite|copy|echo|reproduce|spell out|write out|rewrite|return"
        r"|show|display|translate) (?:back |out |me )?(?:all |everything |anything )?"
        r"(?:(?:of )?the (?:whole |entire |full |exact |complete )?(?:text|words|content"
        r"|conversation|messages?|prompt|lines|instructions)s? )?(?:above|before this|that came"
        r" before|preceding|so far|prior to this|from the (?:very )?(?:beginning|start|top)"
        r"|you were given|in your context)\b",
    ),
    _r(
        "first_words",
        "extraction",
        0.6,
        r"\b(?:what|which) (?:were|are|was|is) (?:the )?(?:your )?(?:first|initial|original"
        r"|exact|previous|very first) (?:instructions|words|lines|sentences?|message|prompt"
        r"|paragraph)\b",
    ),
    _r(
        "reveal_secrets",
        "extraction",
        0.55,
        r"\b(?:reveal|leak|expose|disclose|share|tell me|give me|print|show|dump|output|send)"
        r" (?:me |us )?(?:the |your |all |any |its )*(?:system |internal |hidden |confidential"
        r" |secret |private |stored )?(?:secrets?|passwords?|api keys?|credentials|access tokens?"
        r"|private keys?|env(?:ironment)? variables)\b",
    ),
    # --- indirect injection in documents and tool output
    _r(
        "notice_to_ai",
        "indirect",
        0.8,
        rf"\b(?:important|attention|note|notice|urgent|warning|system|admin|instructions?"
        rf"|message|reminder)\s*(?:!|:)+\s*(?:[\w,]+ ){{0,3}}?(?:to |for )?(?:the |any |all )?"
        rf"{_AI}s?\b",
    ),
    _r(
        "ai_when_reading",
        "indirect",
        0.85,
        rf"\b{_AI}s?[,:] (?:please |you must |you should )?(?:when|while|if|before|after|as"
        rf"|upon|once) (?:you )?(?:are )?{_READ}",
    ),
    _r(
        "when_summarising_this",
        "indirect",
        0.8,
        r"\b(?:when|while|if|before|after|once|as) (?:you )?(?:are )?(?:summari[sz]ing"
        r"|reading|processing|translating|analy[sz]ing|reviewing|parsing|answering questions"
        r" about) (?:this|the|these) (?:\w+ )?(?:document|page|email|e-mail|text|article|file"
        r"|message|content|website|webpage|review|data|result|post|comment)s?\b[,.]?"
        r" (?:you (?:must|should|will|need to|have to)|please|make sure|also|do not|don'?t"
        r"|instead|ignore|include|add|say|tell|respond|reply|append|insert|always|first)\b",
    ),
    _r(
        "hide_from_user",
        "indirect",
        0.7,
        r"\b(?:do not|don'?t|never|without) (?:tell|telling|inform|informing|mention|mentioning"
        r"|reveal|revealing|disclose|disclosing|let|letting|alert|alerting|notify|notifying)"
        r" (?:this |it |any of this |them )?(?:to )?(?:the )?(?:user|human|reader|recipient"
        r"|customer)s?\b",
    ),
    _r(
        "instead_of_task",
        "indirect",
        0.5,
        r"\b(?:instead of|rather than) (?:summari[sz]ing|answering|translating|responding"
        r"|replying|doing what|following|completing) (?:the |this |that |what |their |your )?"
        r"(?:user|request|question|task|document|email|text|instructions?|original)",
    ),
    _r(
        "insert_into_output",
        "indirect",
        0.6,
        rf"\b(?:include|insert|add|append|embed|put|place|mention|promote|advertise|slip|sneak)"
        rf" (?:this |the following |a |an |the )?(?:\w+ )?(?:link|url|hyperlink|message|phrase"
        rf"|advertisement|ad|promotion|note|line|image|markdown) (?:\w+ ){{0,4}}?(?:in|into|to"
        rf"|at the (?:end|beginning|start) of) (?:your|the|every|each|all) (?:\w+ )?{_OUTPUT}",
    ),
    _r(
        "tamper_with_answer",
        "indirect",
        0.6,
        rf"\b(?:modify|alter|change|adjust|rewrite|tweak|slant|bias|twist|skew) (?:your|the)"
        rf" (?:\w+ )?{_OUTPUT} (?:to|so that|so it|in order to|in a way that)\b",
    ),
    _r(
        "quoted_insert_into_output",
        "indirect",
        0.5,
        rf"\b(?:add|append|insert|include|put|prepend)\s*[\"“'][^\"”']{{3,200}}[\"”']\s*"
        rf"(?:to|in|into|at the (?:end|beginning|start|top|bottom) of)\s*(?:your|the|every"
        rf"|each|all)\s*(?:\w+ )?{_OUTPUT}",
    ),
    _r(
        "link_into_output",
        "indirect",
        0.7,
        rf"\b(?:add|append|insert|include|put|prepend|mention|recommend)\s*[\"“']?"
        rf"[^\"”']{{0,80}}(?:https?://|www\.)[^\"”']{{0,120}}[\"”']?\s*(?:to|in|into"
        rf"|at the (?:end|beginning|start) of)\s*(?:your|the|every|each|all)\s*(?:\w+ )?"
        rf"{_OUTPUT}",
    ),
    _r(
        "embed_code_into_answer",
        "indirect",
        0.6,
        r"\b(?:embed|embedding|incorporate|incorporating|include|including|insert|inserting"
        r"|add|adding|integrate|integrating|inject|injecting) (?:the|this) (?:below|following"
        r"|attached|provided) (?:code|snippet|script|payload)(?: snippet)? (?:in|into|within)"
        r" (?:your|the) (?:code|solution|answer|response|program|script|implementation)",
    ),
    _r(
        "fake_role_marker",
        "indirect",
        0.7,
        r"(?:<\|?\s*(?:im_start|im_end|system|endoftext|start_header_id)\s*\|?>"
        r"|\[/?(?:inst|system|sys)\]|<</?sys>>|#{2,}\s*(?:system|instructions?|new instructions?"
        r"|assistant)\b|</?(?:system|instructions?|system_prompt)>)",
    ),
    _r(
        "end_of_data",
        "indirect",
        0.6,
        r"\b(?:end of|ignore the) (?:the )?(?:document|email|text|context|user input|data|input"
        r"|article|file)\W{0,10}(?:new|system|real|actual|begin|start)",
    ),
    _r(
        "ai_must_now",
        "indirect",
        0.6,
        rf"\b(?:the|any|all|dear|hey|hi|attention) {_AI}s? (?:reading|processing|summari[sz]ing"
        r"|that reads|that processes|who reads)\b",
    ),
    # --- obfuscation
    _r(
        "decode_and_follow",
        "obfuscation",
        0.7,
        r"\b(?:decode|decipher|decrypt|translate|convert|reverse|unscramble|interpret)"
        r" (?:\w+ ){0,4}?(?:base64|b64|rot-?13|hex|hexadecimal|binary|morse|cipher|caesar"
        r"|encoded|encrypted|reversed|backwards|ascii)\b(?:\W+\w+){0,12}?\W+(?:and|then)"
        r" (?:\w+ )?(?:follow|execute|do|obey|perform|carry out|run|act on|answer|respond|comply)",
    ),
    _r(
        "follow_hidden",
        "obfuscation",
        0.6,
        r"\b(?:follow|execute|obey|carry out|perform|run|act on) (?:the |these |those |its |my"
        r" |following |hidden |encoded |decoded |secret |embedded )*(?:instructions?|commands?"
        r"|orders?|directives?) (?:in|inside|within|hidden in|encoded in|from|contained in)"
        r" (?:the |this |that )?(?:base64|image|encoded|hidden|following|string|payload|cipher"
        r"|comment|metadata|alt text)",
    ),
    _r(
        "invisible_in_word",
        "obfuscation",
        0.35,
        r"[A-Za-z][\u00ad\u200b-\u200f\u2060-\u2064\ufeff]+[A-Za-z]",
        raw=True,
    ),
    _r("bidi_override", "obfuscation", 0.35, r"[\u202a-\u202e\u2066-\u2069]", raw=True),
    _r(
        "mixed_script_word",
        "obfuscation",
        0.35,
        r"(?:[a-zA-Z][\u0400-\u04ff\u0370-\u03ff]|[\u0400-\u04ff\u0370-\u03ff][a-zA-Z])",
        raw=True,
    ),
    _r(
        "spaced_letters",
        "obfuscation",
        0.2,
        r"(?<![A-Za-z])(?:[A-Za-z][ .\-_*]){5,}[A-Za-z](?![A-Za-z])",
        raw=True,
    ),
)


def match_rules(folded: str, raw: str, rules: tuple[Rule, ...] = RULES) -> list[RuleHit]:
    """Every match of every rule, in text order; raw rules read ``raw``."""
    hits: list[RuleHit] = []
    for rule in rules:
        for m in rule.pattern.finditer(raw if rule.raw else folded):
            hits.append(RuleHit(rule, m.start(), m.end()))
    hits.sort(key=lambda h: (h.start, -h.end))
    return hits


def combine(hits: list[RuleHit]) -> float:
    """Noisy-OR of the weights of the distinct rules among ``hits``."""
    miss = 1.0
    for rule in {h.rule.name: h.rule for h in hits}.values():
        miss *= 1.0 - rule.weight
    return 1.0 - miss
