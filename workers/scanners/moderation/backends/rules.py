"""The local moderation backend's lexical rules: category patterns with intent and target.

Each rule is a compiled regular expression over the text folded by
:func:`workers.scanners.text.normalize.normalize` (lowercase, leetspeak and spaced letters
undone) that gives one category a score: hate, harassment, violence, self-harm, sexual
content, sexual content with minors, illicit how-to requests and ``other`` (disinformation,
promoting harm). A match that a negation precedes (``no immigrant ought to be...``) does not
count, and counter-speech (a slur quoted in order to condemn it) lowers the scores of what it
quotes.

They are no longer a verdict of their own: their scores are features of the trained model
(:mod:`.local_model`), which learns how far to trust each category, except ``sexual_minors``,
which no training source labels and which the backend reports directly.
"""

from __future__ import annotations

import re
from typing import Final

from workers.scanners.moderation.backends.taxonomy import CATEGORIES

__all__ = ["RULES", "RULE_CATEGORIES", "CategoryRules"]

_GROUP = (
    r"(?:wom[ae]n|girls|females|men|males|immigrants?|refugees?|migrants?|foreigners|illegals"
    r"|muslims?|islamists|jews?|jewish people|christians?|hindus?|sikhs?|atheists"
    r"|blacks|black (?:people|folks|men|women)|whites|white (?:people|men|women)|asians?"
    r"|asian (?:people|women|men)|arabs?|mexicans?|latinos?|hispanics?|africans?|indians?"
    r"|chinese(?: people)?|gypsies|roma|gays?|gay (?:people|men)|lesbians?|homosexuals?|queers?"
    r"|bisexuals?|trans(?:gender)? (?:people|women|men|folks)|transgenders?|trannies"
    r"|disabled people|the disabled|cripples|retards|autistic people|old people|the elderly"
    r"|(?:trans|gay|queer|disabled|black|white|brown|asian|muslim|jewish|african[- ]american"
    r"|native american|middle eastern|mentally ill|autistic|poor|fat|old|chinese|indian|arab"
    r"|mexican|immigrant|foreign) (?:people|persons|individuals|folks|kids)"
    r"|native americans|middle easterners|the chinese|the jews|(?:those|these) (?:wom[ae]n|men|"
    r"people|animals|creatures|immigrants|foreigners)|people like (?:you|them|that))"
)
_DEHUMANIZING = (
    r"(?:animals|beasts|vermin|rats|parasites|cockroaches|roaches|insects|pigs|apes|monkeys"
    r"|savages|subhuman|sub-human|scum|filth|filthy|trash|garbage|a plague|a disease|a cancer"
    r"|inferior|worthless|disgusting|revolting|stupid|dumb|idiots|morons|criminals|terrorists"
    r"|rapists|thieves|lazy|evil|a burden|a waste|useless|pathetic|retarded|mentally ill"
    r"|freaks|abominations|dirty|primitive|not (?:human|people)|less than human|a joke|a disgrace"
    r"|repugnant|vile|thugs|brutes|scumbags|(?:only|just) good for|cannot be trusted"
    r"|can'?t be trusted|(?:trying to )?tak(?:e|ing) over|stealing our|ruining (?:our|this))"
)
_HARM_DONE = (
    r"(?:killed|shot|hanged|hung|burn(?:ed|t)|gassed|exterminated|eradicated|wiped out|executed"
    r"|lynched|slaughtered|murdered|beaten|tortured|deported|locked up|caged|sterili[sz]ed"
    r"|put down|removed|banned|raped|stoned|drowned)"
)
_PERSON = (
    r"(?:someone|somebody|a person|people|him|her|them|you|u|my (?:\w+ )?(?:wife|husband|"
    r"girlfriend|boyfriend|mother|mom|father|dad|sister|brother|son|daughter|boss|neighbou?r|"
    r"teacher|coworker|co-worker|classmate|friend|ex|roommate|child|kid|baby|family|landlord|"
    r"landlady|tenant|manager|doctor|nurse|husband's \w+|wife's \w+)|"
    r"(?:a|an|the) (?:child|kid|baby|man|woman|girl|boy|cop|police officer|neighbou?r|"
    r"stranger|coworker|teacher|president|senator|politician|jew|muslim)|everyone|"
    r"(?:all|the) " + _GROUP + r"|" + _GROUP + r")"
)
_HARM_VERB = (
    r"(?:kill|murder|shoot|stab|strangle|choke|behead|decapitate|hang|lynch|burn|beat(?: up)?|"
    r"hurt|injure|rape|molest|torture|kidnap|abduct|poison|drown|suffocate|maim|mutilate|"
    r"assassinate|execute|slaughter|attack|assault|bomb|shatter|break|smash|bash|cripple|"
    r"disfigure|run over|slit)"
)
_INTENT = (
    r"(?:how (?:do|can|could|would|should|might) (?:i|we|you|one|someone)|how to|ways? to|"
    r"best way to|easiest way to|steps? to|help me|teach me|show me|tell me how|instructions|"
    r"step[- ]by[- ]step|guide (?:to|for|on)|tutorial|recipe|tips (?:on|for)|i want to|i need to|"
    r"i plan to|i'?m planning to|without (?:getting|being) (?:caught|detected|noticed|traced))"
)
_WEAPON = (
    r"(?:bombs?|pipe bombs?|explosives?|ieds?|molotov(?: cocktails?)?|napalm|grenades?|"
    r"nerve (?:agent|gas)|sarin|soman|tabun|vx|ricin|anthrax|botulinum|mustard gas|chlorine gas|"
    r"(?:chemical|biological|nuclear) weapons?|bioweapons?|dirty bombs?|ghost guns?|"
    r"untraceable (?:guns?|firearms?)|silencers?|suppressors?"
    r"|(?:fully )?automatic (?:rifle|weapon)s?)"
)
_MAKE = (
    r"(?:make|making|build|building|assemble|construct|synthesi[sz]e|synthesi[sz]ing|manufactur"
    r"(?:e|ing)|produce|producing|create|creating|cook|cooking|brew|3d[- ]print|obtain|acquire|"
    r"buy|get|smuggle|detonate|deploy|weaponi[sz]e|spread|release)"
)
_DRUGS = (
    r"(?:meth(?:amphetamine)?|crystal meth|crack(?: cocaine)?|cocaine|heroin|fentanyl|lsd|mdma|"
    r"ecstasy|ghb|rohypnol|roofies|date rape drugs?|illegal drugs|narcotics|opioids)"
)
_CRIME = (
    r"(?:steal|shoplift|rob|burgl[ae]|launder(?:ing)? money|money laundering|counterfeit|forge|"
    r"forged|fake (?:ids?|passports?|documents|money)|hack(?:ing)? into|break into|hotwire|"
    r"smuggle|human trafficking|traffic (?:people|women|children|drugs)|bribe|evade taxes|"
    r"tax evasion|embezzle|blackmail|extort|dox|stalk|phishing|scam (?:people|someone|elderly)|"
    r"ransomware|keylogger|malware|spyware|botnet|ddos|credit card (?:fraud|numbers)|"
    r"identity theft|steal (?:someone'?s )?identit(?:y|ies)|insider trading|ponzi|pyramid scheme|"
    r"cheat on (?:my|the) taxes|cover up (?:a|the) (?:crime|murder)|dispose of (?:a|the) body|"
    r"hide (?:a|the) body|bypass (?:security|authentication|the law)|pick a lock|cyberattack|"
    r"poach|launder|exploit (?:a |the )?vulnerabilit(?:y|ies)|crack (?:a |the )?password|"
    r"stolen (?:credit cards?|data|goods|accounts|identities)|dark ?web|illegally|fraudulent|"
    r"zero[- ]days?|evade (?:detection|law enforcement|the police|antivirus|waf)|payloads?)"
)
_DECEPTION = (
    r"(?:defamatory|fake news|disinformation|misinformation|propaganda|conspiracy theor(?:y|ies)|"
    r"hoax|phishing (?:email|message|site|page)|scam (?:email|message|letter)|"
    r"(?:false|fabricated|made-up) (?:claims?|article|story|stories|rumou?rs?|evidence|news)|"
    r"fake (?:reviews?|news|evidence))"
)
_HARMFUL_TOPIC = (
    r"(?:violence|cruelty|abuse|self[- ]harm|suicide|eating disorders?|anorexia|bulimia|"
    r"terrorism|extremism|racism|hatred|discrimination|stalking|harassment|body shaming|"
    r"drug use|drunk driving|bullying|genocide|slavery|rape|torture|hate|predatory|"
    r"dangerous (?:challenges|stunts)|(?:illegal|hard) drugs|gambling addiction|child labou?r)"
)
_WRITE = r"(?:write|create|draft|compose|generate|produce|make|craft|design|post)"
_SEXUAL_STRONG = (
    r"(?:porn\w*|pussy|pussies|cocks?|cunts?|blowjobs?|handjobs?|cum(?:shot|ming|s)?|creampie|"
    r"dildos?|xxx|milfs?|sluts?|whores?|horny|orgasms?|jerk(?:ing)? off|masturbat\w*|tits|titties|"
    r"clit\w*|anal sex|oral sex|hardcore sex|nudes|sex (?:videos?|tapes?|pics?|chat)|"
    r"fuck(?:ed|ing)? (?:her|him|me|my|his|them)|deepthroat\w*|gangbang\w*|boner|erotica)"
)
_SEXUAL_WEAK = (
    r"(?:dick|dicks|boobs|breasts?|naked|nude|nudity|penis|vagina|sex|sexy|sexual(?:ly)?|erotic|"
    r"strip(?:per|ping|s)|ass|butt|fuck|fucking|seduce|lingerie|intercourse|aroused)"
)
_MINOR = (
    r"(?:child|children|kids?|minors?|underage|under-age|preteens?|pre-teens?|little (?:girls?|"
    r"boys?)|young (?:girls?|boys?)|schoolgirls?|schoolboys?|lolis?|toddlers?|infants?|"
    r"(?:[1-9]|1[0-7])[- ]?(?:years?|yrs?)[- ]?old|(?:twelve|thirteen|fourteen|fifteen) year old)"
)
_SELF = (
    r"(?:(?:kill|hurt|harm|cut|burn|starve|shoot|hang|drown|poison) (?:myself|my self)|"
    r"(?:end|take) my (?:own )?life|commit(?:ting)? suicide|suicide (?:note|method|plan)s?|"
    r"(?:want|wanna|going) to die|better off dead|don'?t want to (?:live|be alive|exist)|"
    r"no reason to live|(?:how|ways?|methods?|best way|easiest way|painless way) to "
    r"(?:die|kill myself|commit suicide|overdose|end it all|end my life)|lethal dose|"
    r"overdose on|slit my wrists?|self[- ]harm(?:ing)? (?:tips|methods|ideas)|pro[- ]ana|thinspo|"
    r"(?:i'?m|i am|i have been|i'?ve been|i keep) (?:\w+ ){0,3}(?:suicidal|thinking (?:about|of) "
    r"(?:suicide|killing myself|ending (?:it|my life)))|"
    r"encourage (?:someone|people|others|users) to (?:commit suicide|self[- ]harm|kill themselves|"
    r"starve)|(?:glorif|promot)\w* (?:suicide|self[- ]harm|anorexia|eating disorders?))"
)
_INSULT = (
    r"(?:you|u|you'?re|youre|you are|ur|your|ya)(?: (?:such|a|an|so|fucking|fuckin|complete|total|"
    r"absolute|little|stupid|dumb|fat|ugly|worthless|pathetic))* (?:idiot|moron|stupid|dumb|"
    r"retard(?:ed)?|loser|worthless|pathetic|ugly|disgusting|piece of (?:shit|garbage|trash|crap)|"
    r"waste of (?:space|air|oxygen)|bitch|cunt|whore|slut|trash|scum|imbecile|clown|failure|"
    r"freak|pig|dumbass|dickhead|asshole|jerk|bastard|cretin)"
    r"|shut (?:the fuck )?up|fuck (?:you|off|u)|go to hell|nobody (?:likes|loves|cares about) you"
    r"|(?:go |you should |just )(?:kill|hang|shoot) yourself|\bkys\b|go die|drop dead"
)
_COUNTER = (
    r"(?:(?:statements?|comments?|words|phrases?|posts?|slurs?|tweets?|saying|calling|claims?)"
    r"(?: like| such as| that)? [\"'\u201c\u2018]"
    r"|(?:it'?s|that'?s|this is|which is|which was)(?: so| really| deeply| very|"
    r" just)? (?:wrong|hurtful|hateful|unacceptable|not (?:ok|okay|acceptable|cool|right)"
    r"|bigoted|"
    r"racist|sexist|homophobic|transphobic|offensive|vile|disgusting|dehumani[sz]ing)"
    r"(?: to| for| of| when|[.!])|(?:stop|don'?t|never|quit) (?:calling|saying|telling)|"
    r"if you(?:'re| are) (?:telling|calling|saying)|i (?:don'?t|never) (?:think|believe|say) that"
    r"|(?:say|says|said)(?: that)? [\"'\u201c\u2018]|[\"\u201d'].{0,60}\b(?:bigot\w*|racist|"
    r"sexist|hateful|homophobic|transphobic)|(?:can'?t|cannot|don'?t|do not)(?: seriously|"
    r" really)? (?:believe|think|accept) that)"
)

_NEGATION = (
    r"\b(?:no|not|never|nobody|none|don'?t|doesn'?t|didn'?t|won'?t|wouldn'?t|"
    r"shouldn'?t|mustn'?t|can'?t|cannot)\b[^.!?;]*$"
)

_R = re.compile

# (category, score, pattern): a match gives the category that score; the highest wins.
RULES: Final[tuple[tuple[str, float, str], ...]] = (
    (
        "hate",
        0.8,
        rf"\b{_GROUP} (?:are|r|is) (?:all |just |nothing but |such |so |"
        rf"basically |literally |a bunch of |no better than |like )*"
        rf"(?:a |an )?{_DEHUMANIZING}\b",
    ),
    (
        "hate",
        0.85,
        rf"\b{_GROUP} (?:should|must|need to|ought to|deserve to|will|would)"
        rf"(?: all| just)? (?:be {_HARM_DONE}|die|burn|rot|not (?:be allowed|"
        rf"exist|have (?:rights|children|jobs))|go back|get out|be (?:banned|"
        rf"kept out|sent back))",
    ),
    (
        "hate",
        0.85,
        rf"\b(?:kill|exterminate|eradicate|get rid of|wipe out|gas|deport|ban|fuck|screw|"
        rf"hang|shoot|lynch|hate|despise|can'?t stand) (?:all |the |every )*"
        rf"(?:fucking |filthy |damn )?{_GROUP}\b",
    ),
    (
        "hate",
        0.8,
        rf"\b{_GROUP} (?:don'?t|do not|shouldn'?t) deserve (?:to live|to exist|"
        rf"rights|respect|to be treated)|\b{_GROUP} belongs? in (?:cages|zoos|"
        rf"camps|the kitchen|chains|prison|ovens)|\bgo back to (?:your|their) "
        rf"(?:own )?(?:country|countries|jungle|cave)",
    ),
    (
        "hate",
        0.7,
        rf"\b(?:{_GROUP}) like (?:you|them)\b.{{0,40}}\b(?:{_DEHUMANIZING}|"
        rf"can'?t help it|should)",
    ),
    (
        "violence",
        0.85,
        rf"\b(?:i'?ll|i will|i(?:'?m| am) going to|i(?:'?m| am) gonna|gonna|i want to|"
        rf"i'?d like to|let'?s|we should|we will|someone should|i(?:'?m| am) about to)"
        rf"(?: fucking| really| just)? {_HARM_VERB} {_PERSON}",
    ),
    (
        "violence",
        0.8,
        r"\b(?:slit|cut) (?:your|his|her|their) throats?|blow (?:your|his|"
        r"her|their) (?:brains|heads?) out|(?:bash|smash|shatter|break|cave"
        r" in) (?:someone'?s|somebody'?s|a person'?s|his|her|their|your|"
        r"my \w+'?s) (?:face|skull|head|teeth|jaw|legs|neck|bones|ribs)",
    ),
    ("violence", 0.8, rf"\b{_INTENT} (?:\w+ ){{0,3}}{_HARM_VERB} {_PERSON}\b"),
    (
        "violence",
        0.85,
        r"\b(?:plan|carry out|commit|execute|organi[sz]e|get away with|"
        r"start) (?:a |an |the )?(?:mass shooting|school shooting|"
        r"terror(?:ist)? attack|bombing|massacre|genocide|murder|"
        r"assassination|ethnic cleansing|lynching|pogrom)",
    ),
    ("violence", 0.85, rf"\b{_MAKE} (?:\w+ ){{0,2}}{_WEAPON}\b"),
    (
        "hate",
        0.8,
        rf"\b(?:better off|be (?:better|nice|great|wonderful)) if (?:all )?{_GROUP} "
        rf"(?:were|was|are) (?:all )?(?:dead|gone|{_HARM_DONE})|\b{_GROUP} (?:\w+ ){{0,3}}"
        rf"(?:would|should|will|deserve to) (?:all )?(?:be )?(?:dead|die)\b",
    ),
    ("illicit", 0.8, rf"\b{_MAKE} (?:a |an |some |the )*{_DRUGS}\b"),
    ("illicit", 0.75, rf"\b{_INTENT} (?:\w+ ){{0,4}}{_CRIME}"),
    (
        "illicit",
        0.7,
        r"\bwithout (?:getting|being) (?:caught|detected|noticed|traced)|"
        r"\bget away with (?:it|murder|stealing|fraud)|\bundetectable poison",
    ),
    ("other", 0.7, rf"\b{_WRITE} (?:\w+ ){{0,10}}{_DECEPTION}"),
    (
        "other",
        0.7,
        rf"\b{_WRITE} (?:\w+ ){{0,8}}(?:promot|glorif|normali[sz]|encourag|incit|justif|"
        rf"celebrat|romantici[sz])\w* (?:\w+ ){{0,3}}{_HARMFUL_TOPIC}",
    ),
    ("self_harm", 0.85, rf"\b{_SELF}"),
    (
        "sexual_minors",
        1.0,
        r"\b(?:child porn\w*|cp links|csam|child sexual abuse material|"
        r"pedo(?:phile)? (?:porn|content|pics))\b",
    ),
    ("harassment", 0.8, rf"\b{_INSULT}\b"),
)

RULE_CATEGORIES: Final = tuple(c for c in CATEGORIES if c != "profanity")
"""The categories the rules score (every one of the taxonomy's but profanity, which the model's
own head judges), in the order of the model's rule features."""


class CategoryRules:
    """The rules compiled once; :meth:`scores` gives one text's category scores.

    ``counter_speech_factor`` is what a condemning context multiplies the hate, harassment and
    violence scores by.
    """

    def __init__(self, counter_speech_factor: float = 0.4) -> None:
        self.counter_speech_factor = counter_speech_factor
        self._rules = [(c, s, _R(p)) for c, s, p in RULES]
        self._strong = _R(rf"\b{_SEXUAL_STRONG}\b")
        self._weak = _R(rf"\b{_SEXUAL_WEAK}\b")
        self._minor = _R(rf"\b{_MINOR}\b")
        self._counter = _R(_COUNTER)
        self._negation = _R(_NEGATION)

    def scores(self, folded: str) -> dict[str, float]:
        """Category scores of a folded text (categories that no rule matched are absent)."""
        ruled: dict[str, float] = {}
        for category, score, pattern in self._rules:
            if score > ruled.get(category, 0.0) and self._asserted(pattern, folded):
                ruled[category] = score
        sexual = self._sexual_score(folded)
        if sexual:
            ruled["sexual"] = max(ruled.get("sexual", 0.0), sexual)
            if sexual >= 0.5 and self.mentions_minors(folded):
                ruled["sexual_minors"] = max(ruled.get("sexual_minors", 0.0), 0.9)
        if self._counter.search(folded):
            for category in ("hate", "harassment", "violence"):
                if category in ruled:
                    ruled[category] = round(ruled[category] * self.counter_speech_factor, 4)
        return ruled

    def condemns(self, folded: str) -> bool:
        """Whether a folded text quotes or reports something in order to condemn it
        (``statements like "..." are hateful``, ``stop calling...``)."""
        return self._counter.search(folded) is not None

    def mentions_minors(self, folded: str) -> bool:
        """Whether a folded text names children or an age under 18."""
        return self._minor.search(folded) is not None

    def _asserted(self, pattern: re.Pattern[str], folded: str) -> bool:
        """Whether ``pattern`` matches somewhere not negated just before it (``no immigrant
        ought to be...``, ``I would never hurt...``)."""
        return any(
            not self._negation.search(folded[max(0, m.start() - 30) : m.start() + 1])
            for m in pattern.finditer(folded)
        )

    def _sexual_score(self, folded: str) -> float:
        """Explicit vocabulary: distinct strong terms count 1, weak ones (also medical or
        everyday words) 0.5; one strong term or two weak ones reach 0.6."""
        weight = len(set(self._strong.findall(folded))) + 0.5 * len(set(self._weak.findall(folded)))
        return 0.0 if weight == 0 else min(1.0, 0.35 + 0.25 * weight)
