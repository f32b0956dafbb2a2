"""Override rules: set aside the instructions in force, in English.

Patterns pair a trigger verb with what makes it an attack (``ignore`` + ``previous
instructions``, not ``ignore`` + ``the noise``), so ordinary text that merely uses the words does
not match. Other languages are in :mod:`workers.scanners.injection.rules.multilingual`.
"""

from __future__ import annotations

from workers.scanners.injection.rules.core import (
    KEY,
    NOT_NEGATED,
    NOUN_NEEDLES,
    POSITION,
    QUAL,
    STRONG_NOUN,
    VERB,
    VERB_CORE,
    VERB_NEEDLES,
    WEAK_NOUN,
    Rule,
    rule,
)

__all__ = ["OVERRIDE_RULES"]

_CORE_NEEDLES = (
    "ign disregard forget overlook dismiss aside pay follow obey heed listen overrid bypass mind"
)

OVERRIDE_RULES: tuple[Rule, ...] = (
    rule(
        "ignore_instructions",
        "override",
        0.9,
        rf"\b(?={VERB}){NOT_NEGATED}{VERB}\s*(?:{QUAL}\s*){{0,4}}?{KEY}\s*(?:{QUAL}\s*){{0,4}}"
        rf"{STRONG_NOUN}\b",
        needles=f"{VERB_NEEDLES} | {NOUN_NEEDLES}",
    ),
    rule(
        "ignore_previous_weak",
        "override",
        0.8,
        rf"\b(?={VERB_CORE}){NOT_NEGATED}{VERB_CORE}\s*(?!my\b)(?:{QUAL}\s*){{0,3}}{POSITION}\s*"
        rf"(?:{QUAL}\s*){{0,2}}{WEAK_NOUN}\b",
        needles=_CORE_NEEDLES,
    ),
    rule(
        "ignore_everything_above",
        "override",
        0.8,
        rf"\b{VERB_CORE}\s*(?:all|everything|anything)\s*(?:(?:that|you|i|we)\s*)?"
        rf"(?:(?:was|were|have been|had been|has been|is)\s*)?"
        rf"(?:(?:said|written|told|stated|given|typed|mentioned|instructed|sent)\s*)?"
        rf"(?:{POSITION}|(?:so far|up to now|until now|up to this point))\b"
        # "ignore all previous emails" names something else; the bare phrase is the attack.
        r"(?=\s*(?:[^\w\s]|$|and\b|then\b|instead\b|now\b|this\b|it\b))",
        needles=_CORE_NEEDLES,
    ),
    rule(
        "ignore_the_above_and",
        "override",
        0.7,
        rf"\b{VERB_CORE} (?:all of )?(?:the|that|what(?:'s| is| was)?) (?:above|previous|prior"
        r"|said above|written above|i said before)(?:\s*[.,;:!]|\s+and\b|\s+instead\b|\s*$)",
        needles=_CORE_NEEDLES,
    ),
    rule(
        "forget_what_you_know",
        "override",
        0.8,
        r"\b(?:forget|unlearn|erase) (?:all |everything |anything |whatever )"
        r"(?:that )?(?:you|u) (?:know|knew|learned|have learned|were told|have been told|were"
        r" taught|were trained|have been (?:taught|trained|programmed))",
        needles="forget unlearn erase",
    ),
    rule(
        "instructions_void",
        "override",
        0.85,
        rf"\b{STRONG_NOUN} (?:above |before |so far |you (?:were|have been) given )?"
        r"(?:are|is|have been|has been|were|do|does) (?:now |hereby |all |officially )?"
        r"(?:void|cancell?ed|revoked|obsolete|overridden|replaced|lifted|suspended|null|invalid"
        r"|no longer (?:valid|in effect|apply|applies|applicable|active|relevant|exist)"
        r"|not apply(?: anymore| any longer)?|disabled|removed|deactivated|gone|irrelevant)",
        needles="void cancel revoked obsolete overrid replaced lifted suspended null invalid"
        " no longer not apply disabled removed deactivated gone irrelevant",
    ),
    rule(
        "new_instructions",
        "override",
        0.6,
        r"\b(?:new|updated|real|actual|true|revised|override|secret|hidden|additional|priority"
        r"|urgent|important)"
        r" (?:system )?(?:instructions?|task|directives?|orders|rules|objective|prompt|command)"
        r"\s*[:!-]",
        needles=":  ! -",
    ),
    rule(
        "your_new_task",
        "override",
        0.7,
        r"\byour (?:new|real|true|actual|only|updated|primary|sole) (?:task|goal|instructions?"
        r"|purpose|objective|job|mission|role|directive|function) (?:is|are|will be|now is"
        r"|is now|from now on is)\b",
        needles="your ",
    ),
    rule(
        "disable_safety",
        "override",
        0.85,
        r"\b(?:disable|turn(?:ed|s)? off|deactivate|remove|circumvent|evade|get around|bypass"
        r"|switch(?:ed|es)? off|lift|drop|suspend|ignore|break|override|shut off|shut down"
        r"|strip|strip(?:ped)? away)\w* (?:all |any |of |the )*"
        r"(?:your|its|the ai'?s|ai'?s|the model'?s|safety|content|ethical|moral|built-in)"
        r" (?:\w+ ){0,3}?(?:filters?|safeguards?|guardrails?|restrictions|censorship|moderation"
        r"|protocols?|alignment|limitations|programming|guidelines|constraints|boundaries"
        r"|safety features?|ethics|rules|principles)\b",
        needles="disable turn off deactivate remove circumvent evade get around bypass switch"
        " lift drop suspend ignore break overrid shut",
    ),
    rule(
        "from_now_on",
        "override",
        0.35,
        r"\b(?:from now on|from this (?:point|moment) (?:on|forward)|for the rest of (?:this|our)"
        r" conversation|henceforth|starting now|effective immediately),? (?:you|your|u)\b",
        needles="from now on from this for the rest henceforth starting now effective",
    ),
    rule(
        "instead_say",
        "override",
        0.45,
        r"\binstead,? (?:you (?:must|should|will)|just|only|simply) (?:say|print|output|write"
        r"|respond|reply|answer)\b",
        needles="instead",
    ),
    rule(
        "and_just_say",
        "override",
        0.5,
        # "...and just print 'X'" at the end of an override sentence: the canonical payload.
        rf"\b{VERB_CORE}\b[^.\n]{{0,80}}\band (?:just |only |simply |instead )?(?:say|print"
        r"|output|write|respond with|reply with|type)\s*[\"'“:]",
        needles=_CORE_NEEDLES,
    ),
    rule(
        "stop_everything",
        "override",
        0.7,
        r"\b(?:stop|halt|pause|cease)\W{0,3} (?:everything|all (?:previous|prior|current)"
        r" (?:tasks?|instructions|activities))\b[^.\n]{0,40}\b(?:now|immediately|instead|new"
        r"|print|say|just)\b",
        needles="stop halt pause cease",
    ),
    rule(
        "drop_the_role",
        "override",
        0.6,
        r"\b(?:drop|abandon|forget|leave|exit|step out of|quit|discard|ignore) (?:the|your)"
        r" (?:current |assigned |original |previous )?(?:role|persona|character|identity|task)"
        r" (?:you were|you've been|you have been) (?:given|assigned|told)",
        needles="role persona character identity task",
    ),
    rule(
        "highest_priority",
        "override",
        0.55,
        r"\b(?:highest|top|maximum|absolute|overriding) priority (?:instruction|command|directive"
        r"|order|task)s?\b|\b(?:takes?|take) (?:precedence|priority) over (?:all |any |your )?"
        r"(?:other |previous |prior |earlier )?(?:instructions|rules|guidelines|directives"
        r"|system prompt|programming)\b",
        needles="priority precedence",
    ),
)
