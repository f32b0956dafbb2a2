"""Role-play and persona jailbreaks: DAN and its relatives, "developer mode", "you are now an AI
without rules", dual answers (one filtered, one not), "hypothetically" and fiction wrappers, and
the harmful objective that persona scenarios wrap.

Persona prompts are also an everyday, benign genre ("I want you to act as a travel guide"), so
the bare setup weighs little; what makes one a jailbreak is a cue about the rules (no
restrictions, never refuse, ignore the policy) or a harmful objective, and those weigh more,
combining with the setup through the noisy-OR.
"""

from __future__ import annotations

from workers.scanners.injection.rules.core import OUTPUT, Rule, rule

__all__ = ["ROLE_PLAY_RULES"]

_PERSONA_VERB = (
    r"(?:pretend|imagine|act|behave|roleplay|role-play|role play|simulate|emulate|personify"
    r"|embody|impersonate|play the (?:role|part) of|you are going to be|you will be|you are now"
    r"|you're now|you will now be|become|take on the (?:role|persona) of|respond as|answer as"
    r"|portray|portraying|from now on you are)"
)
_BAD = (
    r"(?:illegal|unethical|immoral|harmful|dangerous|offensive|explicit|inappropriate|unsafe"
    r"|malicious|nsfw|violent|discriminatory|derogatory|controversial|racist|sexual|obscene"
    r"|criminal|abusive|hateful|questionable|taboo|forbidden)"
)

_JUNK = r"\S*(?:[\\{}\[\]|$#@^~<>`]|[a-z][A-Z]|[a-zA-Z][;(\"]\S|\.{3}\w)\S*"
"""A token of an adversarial suffix: a sigil or bracket, camel-case glue, or punctuation glued
inside a word."""

ROLE_PLAY_RULES: tuple[Rule, ...] = (
    rule(
        "named_mode",
        "role_play",
        0.85,
        r"\b(?:jailbreak|jailbroken|dan|unrestricted|unfiltered|uncensored|evil|amoral|no-?limits?"
        r"|anarchy|chaos|opposite|unlocked|rebel|villain|unhinged|savage|nsfw|immoral|unethical"
        r"|rule-?less|filterless|limitless)\s*mode\b",
        needles="mode",
    ),
    rule(
        "developer_mode",
        "role_play",
        0.4,
        # Also a real setting of phones, browsers and containers: a cue, not proof, unless
        # the text speaks of a chatbot's policies or output.
        r"\b(?:developer|dev|god|sudo|debug|debugging|dude|freedom|dark|based|maintenance)"
        r"\s*mode\b",
        needles="mode",
    ),
    rule(
        "developer_mode_ai",
        "role_play",
        0.5,
        r"\b(?:developer|dev|god|sudo|debug|freedom|dude)\s*mode\b",
        needles="mode | chatgpt openai gpt policy policies language model",
        context=r"\b(?:chatgpt|openai|gpt|language model|content polic|usage polic)",
    ),
    rule(
        "privileged_mode",
        "role_play",
        0.45,
        r"\b(?:enable|enabled|activate|activated|enter|entered|switch to|switch into|you are (?:now"
        r" )?in|engage|engaged|turn on|turned on) (?:the )?(?:admin|administrator|sudo|root"
        r"|maintenance|debug|debugging|test|testing|diagnostic|super ?user|override|unlimited)"
        r" (?:mode|access|privileges)\b",
        needles="mode access privileges",
    ),
    rule("do_anything_now", "role_play", 0.9, r"\bdo\s*anything\s*now\b", needles="anything"),
    rule(
        "dan_persona",
        "role_play",
        0.8,
        r"\b(?:you are|you're|act as|pretend to be|become|called|named|known as|stands? for"
        r"|play|roleplay as|role-play as) (?:a |an |the )?[\"'“]?(?:dan|stan|dude|aim|kevin"
        r"|mongo tom|betterdan|antigpt|anti-gpt|evilbot|dev ?gpt|dan ?gpt|ucar|apophis)\b",
    ),
    rule(
        "jailbreak_word",
        "role_play",
        0.4,
        r"\bjail\s*br(?:oken|eak|eaking|eaks)\b",
        needles="jail",
    ),
    rule(
        "freed_from_rules",
        "role_play",
        0.8,
        r"\b(?:free|freed|liberated|released|broken free|break free|broke free|escaped|unbound"
        r"|unshackled|exempt) (?:from|of) (?:the |all |any |its |your |their |typical |usual"
        r" |ai |normal |)*(?:confines|restrictions|rules|limitations|constraints|shackles|chains"
        r"|polic(?:y|ies)|guidelines|programming|filters|censorship|boundaries|limits|morals"
        r"|ethics)\b",
        needles="free liberated released broke escaped unbound unshackled exempt",
    ),
    rule(
        "not_bound_by_policy",
        "role_play",
        0.8,
        r"\b(?:not|never|no longer|n'?t|without|nor) (?:have to |need to |be |being |been |are |is"
        r" |any |ever )?(?:abide|abiding|comply|complying|adhere|adhering|follow|following|obey"
        r"|obeying|respect|bound|restricted|limited|care|caring|constrained|censored|held|subject"
        r"|governed|worry|worried|concerned)\w*"
        r" (?:by |to |with |about |of )?(?:(?:any|the|their|its|your|all|ethical|moral|legal"
        r"|or|and|,)\s?)*"
        r"(?:openai|anthropic|google|meta|content|usage|safety|ethical|moral|ai)?'?s? ?"
        r"(?:polic(?:y|ies)|guidelines|rules|restrictions|filters|ethics|morals|principles|laws"
        r"|limitations|constraints|standards|morality|legality|consequences)\b",
    ),
    rule(
        "no_restrictions",
        "role_play",
        0.45,
        r"\b(?:no|without|free of|zero|devoid of|lacks?|lacking|any) (?:any )?(?:moral|ethical"
        r"|ethics|content|safety|kind of|sort of)?\s?(?:restrictions|filters|filtering|rules or"
        r" (?:limitations|limits|restrictions|filters)|limits or \w+|ethical or moral \w+"
        r"|censorship|guidelines|morals|ethics|scruples|moral compass|boundaries|limitations"
        r"|(?:moral |ethical )?principles|(?:ethical |moral )code|code of ethics|conscience)\b",
    ),
    rule(
        "persona_setup",
        "role_play",
        0.3,
        rf"\b{_PERSONA_VERB} (?:to be |as |like |that you are |you are )?"
        r"(?:an? |the )?(?:[\w'-]+ ){0,4}(?:ai|assistant|chatbot|bot|model|character|entity"
        r"|persona|version|intelligence|gpt)\b",
    ),
    rule(
        "persona_named_ai",
        "role_play",
        0.45,
        # "You are now TranslatorBot", "your name is now X-GPT": a renamed assistant.
        r"\b(?:you are now|you're now|you will now be|your name is now|you are going to be"
        r"|from now on,? you(?:'re| are| will be)|you will act as|you will pretend to be"
        r"|answer as|respond as|act as)\s*(?:an? |the )?[\"'“]?[\w.-]*(?:gpt|bot|ai)\b",
        needles="gpt bot ai",
    ),
    rule(
        "answer_anything",
        "role_play",
        0.6,
        r"\b(?:will|must|shall|should|can|always|to) (?:always )?(?:answer|respond to|reply to"
        r"|comply with|fulfil+|fulfill|provide|generate|do|say|write) (?:absolutely |literally )?"
        r"(?:anything|any (?:request|question|prompt|kind of content)|every (?:request|question"
        r"|prompt)|all (?:requests|questions|prompts)|whatever (?:i|the user|they) (?:ask|want"
        r"|request))s?\b[^.\n]{0,80}?\b(?:no matter|regardless|even if|without|however)\b",
    ),
    rule(
        "no_matter_how_bad",
        "role_play",
        0.6,
        rf"\b(?:no matter how|regardless of (?:how|whether it is|its)|even if (?:it is|it's"
        rf"|the (?:request|question|content) is)) (?:\w+ )?{_BAD}",
        needles="no matter regardless even if",
    ),
    rule(
        "bad_content_allowed",
        "role_play",
        0.55,
        rf"\b(?:can|will|must|should|allowed to|able to|is able to|permitted to|free to)"
        rf" (?:also )?(?:generate|produce|write|create|say|use|provide|output|give)"
        rf" (?:any )?(?:kind of )?(?:\w+ )?{_BAD}\b(?:,? (?:or|and) \w+)? (?:content|material"
        r"|language|answers|responses|information|things|text|jokes|stuff)\b",
    ),
    rule(
        "never_refuse",
        "role_play",
        0.55,
        r"\b(?:never|not|cannot|can'?t|won'?t|will not|must not|mustn'?t|shouldn'?t|should not"
        r"|do not|don'?t|is not allowed to|are not allowed to|never ever|doesn'?t|does not)"
        r" (?:ever )?(?:refuse[sd]?|declines?|rejects?"
        r"|decline|reject|say no|deny (?:a|any) request|say (?:that )?(?:it|he|she|they)"
        r" (?:can'?t|cannot))\b",
        needles="refuse decline reject say no deny can't cannot cant",
    ),
    rule(
        "no_apologies",
        "role_play",
        0.75,
        r"\b(?:don'?t|do not|never|none of (?:your|[\w-]+'s)|not|without|no) (?:\w+ ){0,3}?"
        r"(?:include|contain"
        r"|say|use|start with|add|mention|respond with|reply with|begin with|answer with"
        r"|responses?|replies|answers?|warnings?"
        r"|disclaimers?) (?:any |with )?(?:[\"'“(]?(?:i'?m sorry|i apologi[sz]e|as an ai|as a"
        r" language model|i cannot|i can'?t)|(?:moral|ethical|safety) (?:warnings?|disclaimers?"
        r"|lectures?|policing))",
    ),
    rule(
        "no_warnings",
        "role_play",
        0.45,
        r"\b(?:never|not|don'?t|do not|without|no) (?:\w+ ){0,2}?(?:warn|remind|lecture|caution"
        r"|moralize|moralise|add warnings|give warnings)\w* (?:me |the user |anyone |them )?"
        r"(?:about|of|on|regarding) (?:the )?(?:\w+ )?(?:ethics|morals|morality|legality"
        r"|illegality|consequences|dangers|safety|laws?|policies)\b",
        needles="warn remind lecture caution moraliz moralis",
    ),
    rule(
        "stay_in_character",
        "role_play",
        0.35,
        r"\b(?:stay|staying|remain|keep) (?:in|in the) (?:character|role|persona)\b",
        needles="stay remain keep",
    ),
    rule(
        "break_character_penalty",
        "role_play",
        0.4,
        r"\b(?:break|breaking|broke) (?:out of )?(?:character|role)\b",
        needles="break broke",
    ),
    rule(
        "token_penalty",
        "role_play",
        0.6,
        r"\b(?:\d+|lose|loses|losing|deduct\w*) (?:\w+ )?tokens?\b[^.\n]{0,80}\b(?:reject"
        r"|refuse|break|deduct|lose|die|dies|cease|shut)",
        needles="token",
    ),
    rule(
        "sure_here_is",
        "role_play",
        0.75,
        r"\b(?:begin|start|open|reply|respond)\w* (?:\w+ ){0,5}?(?:with|by (?:saying|writing"
        r"|replying with|stating))\W{0,4}[\"'“]?sure,? here(?:'s| is| are)\b",
        needles="sure",
    ),
    rule(
        "for_educational_purposes",
        "role_play",
        0.35,
        r"\b(?:(?:purely|only|strictly|solely) )?for (?:educational|research|academic|fictional"
        r"|hypothetical|informational) purposes(?: only)?\b(?:[^.]{0,80}\b(?:never|not) be"
        r" (?:actually )?used)?",
        needles="purposes",
    ),
    rule(
        "prefix_injection",
        "role_play",
        0.7,
        rf"\b(?:start|begin)s? (?:your |each |every |all )?(?:{OUTPUT}|messages?) with"
        r" (?:the (?:words?|phrase|sentence) )?[\"'“]?(?:sure|absolutely|certainly|of course"
        r"|okay|ok|yes)\b",
        needles="start begin",
    ),
    rule(
        "amoral_persona",
        "role_play",
        0.75,
        r"\b(?:amoral|unethical|uncensored|unfiltered|unrestricted|unaligned|unhinged|immoral"
        r"|unrestrained|ethically neutral|unbound|unchained|unleashed|evil|rogue|malicious"
        r"|lawless|unlimited|limitless|rule-?less|filterless) (?:and \w+ )?(?:ai|assistant"
        r"|chatbot|bot|model|confidant|twin|entity|persona|language model|gpt"
        r"|version of (?:yourself|you|chatgpt|gpt|the assistant))\b",
    ),
    rule(
        "unfiltered_answers",
        "role_play",
        0.5,
        rf"\b(?:unfiltered|uncensored|unrestricted|unmoderated|raw|unethical) (?:and \w+ )?"
        rf"(?:{OUTPUT}|opinions?|version of (?:yourself|you|chatgpt|gpt))\b",
        needles="unfiltered uncensored unrestricted unmoderated raw unethical",
    ),
    rule(
        "dual_response",
        "role_play",
        0.45,
        r"\b(?:two|2|both|dual) (?:different |separate |distinct )?(?:responses|answers|replies"
        r"|outputs|paragraphs|ways|personalities|personas|characters)\b[^.]{0,120}\b(?:normal"
        r"|classic|standard|filtered|censored|usual|chatgpt|gpt|jailbr\w+|unfiltered|evil|opposite)"
        r"\b",
        needles="two 2 both dual",
    ),
    rule(
        "policy_mention",
        "role_play",
        0.4,
        r"\b(?:openai|anthropic|chatgpt)'?s? (?:content |usage |safety )?(?:polic(?:y|ies)"
        r"|guidelines|rules|restrictions|filters|censorship|limitations)\b",
        needles="openai anthropic chatgpt",
    ),
    rule(
        "hypothetical_wrapper",
        "role_play",
        0.35,
        r"\b(?:hypothetical(?:ly)?|fictional|imaginary|alternate|parallel|fantasy|pretend)"
        r" (?:world|universe|scenario|story|setting|response|reality|game) (?:where|in which"
        r"|without|that has no|with no) (?:\w+ ){0,4}?(?:no|not|without|illegal|anything|laws?"
        r"|rules|ethics|morals|consequences)\b",
    ),
    rule(
        "forget_being_ai",
        "role_play",
        0.5,
        r"\b(?:forget|never mention|never reveal|don'?t mention|do not mention|stop saying"
        r"|never say|never admit|not reveal|no longer|never remind \w+) (?:that )?(?:you(?:'re|"
        r" are| were) )?(?:an? |being an? )?(?:ai|artificial|language model|chatbot|machine"
        r"|computer program|ai language model)\b",
    ),
    rule(
        "you_are_amoral",
        "role_play",
        0.6,
        r"\b(?:you are|you're|you will be|you'll be|be|is|becomes?) (?:now )?(?:completely"
        r" |totally |entirely |fully |an? )?(?:immoral|amoral|unethical|unfiltered|uncensored"
        r"|unrestricted|unbound|unrestrained|unshackled|without morals|without ethics)\b",
        needles="immoral amoral unethical unfiltered uncensored unrestricted unbound unrestrained"
        " unshackled without",
    ),
    rule(
        "allowed_anything",
        "role_play",
        0.5,
        r"\b(?:allowed|able|permitted|free|going) to (?:answer|say|do|generate|write|respond to)"
        r" (?:absolutely )?(?:anything|everything|all (?:questions|requests|prompts)|any"
        r" (?:question|request|prompt)s?)\b|\b(?:answer|respond to|reply to) (?:all |any |every )"
        r"(?:questions?|requests?|prompts?) without (?:warning|hesitation|question|restriction"
        r"|censorship|filter|refusing|exception)s?\b",
    ),
    rule(
        "dual_persona",
        "role_play",
        0.4,
        r"\b(?:respond|answer|reply|act|speak) as both\b|\bplay (?:2|two) (?:characters|roles"
        r"|personas)\b|\b(?:two|2) (?:different |separate )?(?:personalities|personas)\b",
        needles="both two 2",
    ),
    rule(
        "drop_your_caution",
        "role_play",
        0.6,
        r"\b(?:ignore|set aside|drop|forget|abandon|put aside|lose|suspend|disregard|turn off)"
        r" (?:all |any )?(?:of )?(?:your|the) (?:usual |normal |typical |own )?(?:caution|scruples"
        r"|hesitations?|reservations|safety concerns|ethics|morals|morality|conscience|inhibitions"
        r"|ethical concerns|moral compass)\b",
    ),
    rule(
        "fiction_frame",
        "role_play",
        0.3,
        r"\bhypothetically(?: speaking)?\b|\bin a (?:purely )?(?:hypothetical|fictional|imaginary)"
        r" (?:scenario|world|story|setting|universe)\b|\bthis is (?:purely |just |only |all )?"
        r"(?:fictional|fiction|hypothetical|a game|a role-?play|for a (?:story|novel|movie|book))"
        r"\b|\bnothing (?:here |of this )?is real\b|\bno (?:real[- ]world )?consequences\b"
        r"|\bnever be used in real life\b"
        r"|\bfor (?:the next chapter|my (?:novel|screenplay|book))\b",
    ),
    rule(
        "villain_role",
        "role_play",
        0.35,
        r"\b(?:you are|you're|imagine you are|imagine you're|pretend you are|pretend to be|act as"
        r"|play(?:ing)? the (?:role|part) of|become) (?:an? |the )(?:[\w-]+ ){0,3}?(?:hacker"
        r"|criminal|cybercriminal|villain|terrorist|drug dealer|smuggler|con artist|scammer"
        r"|thief|assassin|mastermind|rogue \w+|mercenary|gangster|mobster|arsonist|extremist"
        r"|fraudster|black-?hat)\b",
    ),
    rule(
        "adversarial_suffix",
        "role_play",
        0.3,
        # Optimised jailbreak suffixes (GCG and kin) glue brackets, sigils and camel case to
        # words in a way no sentence does; they ride on short one-line requests. Code has such
        # tokens too, so this only counts together with a harmful objective.
        rf"\A(?=[^\n]{{20,800}}\Z)[^\n]*?(?:{_JUNK}\s+(?:\S+\s+){{0,4}}?){{2}}{_JUNK}",
        raw=True,
    ),
    rule(
        "harmful_objective",
        "role_play",
        0.3,
        # The objective persona scenarios wrap; weak alone, it counts with a persona setup.
        r"\b(?:hack(?:ing)? into|break into|steal(?:ing)?|without (?:getting caught|being"
        r" (?:caught|detected|traced|noticed))|avoid(?:ing)? (?:detection|being caught|the"
        r" police|law enforcement)|evade (?:detection|taxes|the police|law enforcement)"
        r"|untraceable|ransomware|keylogger|malware|phishing (?:email|page|site|message)s?"
        r"|launder(?:ing)? money|money laundering|counterfeit|synthesi[sz]e (?:meth|drugs"
        r"|explosives)|(?:make|build|assemble) (?:a |an )?(?:bomb|explosive|weapon|gun)"
        r"|self-harm|commit suicide|poison (?:someone|a person|him|her)|manipulat\w+ (?:someone"
        r"|people|them|a person|him|her) into|bypass(?:ing)? (?:security|authentication"
        r"|the (?:security|paywall|drm))|identity theft|insider trading|fake (?:reviews|news"
        r"|id|ids|documents|passports?)|disinformation|propaganda|extort\w*|blackmail\w*"
        r"|child pornography|explicit sexual|rob(?:bing)? (?:a|the) (?:bank|store|house|shop)"
        r"|hotwire|kidnap\w*|(?:kill|murder|hurt|torture|attack) (?:someone|people|my \w+|a"
        r" person|him|her|them)|fake (?:check|cheque|money|currency)|credit card (?:fraud"
        r"|numbers)|bioweapon|nerve agent|chemical weapon|dox+(?:ing)?|swatting|pirate[ds]?"
        r" (?:software|movies)|crack (?:passwords?|software)|ddos|botnet|exploit (?:a|the)"
        r" vulnerability|sql injection attack|steal (?:data|credentials|passwords|identities)"
        r"|illegally|illicitly|without (?:a )?prescription|suicide|defamatory|hoax|holocaust"
        r" (?:never|denial|didn'?t)|(?:sexist|racist|xenophobic|homophobic) (?:email|joke|message"
        r"|post|essay|speech|article)|vaccines cause autism|body[- ]shaming|torture|black market"
        r"|harvested organs|human trafficking|sex trafficking|terrorist attack|genocide"
        r"|ethnic cleansing|(?:school|mass) shooting|eating disorder)\b",
    ),
)
