"""Indirect injection: instructions aimed at the assistant inside documents, emails, web pages
or tool output, and fake role or delimiter markers that pretend a new turn begins.

A directive about "your answer" is ordinary in a user's own request ("wrap your response in
JSON"); inside an email or a web page it is someone else steering the assistant. The rules for
such directives therefore carry a ``context``: they count only when the text also looks like a
document (mail headers, a greeting and a sign-off, an unsubscribe footer...).
"""

from __future__ import annotations

from workers.scanners.injection.rules.core import AI, OUTPUT, READ, Rule, rule

__all__ = ["INDIRECT_RULES"]

# Signs that the text is a document handed to the assistant, not the user's own words.
_DOCUMENT = (
    r"(?i)(?:\bsubject:|\bfrom:|\bemail_from|\bto:|\bsent:|\breceived date|\bdear \w+"
    r"|\b(?:best|kind|warm) regards\b|\bsincerely\b|\bcheers\b|\bunsubscribe\b|\ball rights"
    r" reserved\b|\bprivacy policy\b|\bterms of (?:use|service)\b|\bposted (?:by|on)\b"
    r"|\bclick here\b|\bsent from my\b|\bhttps?://|\bwww\.|\bcontent:|\bthe \w+ team\b"
    r"|\btitle:|\babstract:|\bcomments?:|\breviews?:|\bsearch results?\b|\bstars?\b)"
)
_ANSWER = r"your\s+(?:\w+\s+)?(?:answer|response|reply|output|message|summary)s?"
_START = r"(?:^|\n\s*|[.!?:|)\]]\s+|\"\s*)"
# What a document has no business asking of the assistant's answer: garble it, advertise in
# it, or make it say something false.
_TAMPER = (
    r"(?i:revers\w*|invert\w*|backwards?|cipher|encrypt\w*|encod\w*|scrambl\w*|morse|base64"
    r"|emojis?|leetspeak|pig latin|rumou?rs?|false\w*|fake|lies|misleading|visit|www\.|https?:"
    r"|links?|advert\w*|promot\w*|discount|deals?|click|password|bankrupt\w*|scam\w*|insult\w*"
    r"|threat\w*|bias\w*|slur|propaganda|conspiracy|hoax)"
)
_STEER = (
    r"(?i:modify|alter|change|adjust|rewrite|render|format|structure|present|write|compose"
    r"|translate|encode|encrypt|reverse|invert|scramble|end|begin|start|conclude|finish|sign"
    r"|fill|pepper|sprinkle|include|insert|add|append|prepend|embed|mention|make|reply|respond"
    r"|answer|use|express|deliver|phrase|craft|incorporate|convey|put|spell)"
)
_CODE = r"(?:code|snippet|script|function|block|payload|program)"

INDIRECT_RULES: tuple[Rule, ...] = (
    rule(
        "notice_to_ai",
        "indirect",
        0.8,
        rf"\b(?:important|attention|note|notice|urgent|warning|system|admin|instructions?"
        rf"|message|reminder)\s*(?:!|:)+\s*(?:[\w,]+ ){{0,3}}?(?:to |for )?(?:the |any |all )?"
        rf"{AI}s?\b",
        needles=": !",
    ),
    rule(
        "ai_when_reading",
        "indirect",
        0.85,
        rf"\b{AI}s?[,:] (?:please |you must |you should )?(?:when|while|if|before|after|as"
        rf"|upon|once) (?:you )?(?:are )?{READ}",
        needles=", :",
    ),
    rule(
        "when_summarising_this",
        "indirect",
        0.8,
        r"\b(?:when|while|if|before|after|once|as) (?:you )?(?:are )?(?:summari[sz]ing"
        r"|reading|processing|translating|analy[sz]ing|reviewing|parsing|answering questions"
        r" about) (?:this|the|these) (?:\w+ )?(?:document|page|email|e-mail|text|article|file"
        r"|message|content|website|webpage|review|data|result|post|comment)s?\b[,.]?"
        r" (?:you (?:must|should|will|need to|have to)|please|make sure|also|do not|don'?t"
        r"|instead|ignore|include|add|say|tell|respond|reply|append|insert|always|first)\b",
        needles="summari reading processing translating analy reviewing parsing answering",
    ),
    rule(
        "hide_from_user",
        "indirect",
        0.7,
        r"\b(?:do not|don'?t|never|without) (?:tell|telling|inform|informing|mention|mentioning"
        r"|reveal|revealing|disclose|disclosing|let|letting|alert|alerting|notify|notifying)"
        r" (?:this |it |any of this |them )?(?:to )?(?:the )?(?:user|human|reader|recipient"
        r"|customer)s?\b",
        needles="user human reader recipient customer",
    ),
    rule(
        "instead_of_task",
        "indirect",
        0.5,
        r"\b(?:instead of|rather than) (?:summari[sz]ing|answering|translating|responding"
        r"|replying|doing what|following|completing) (?:the |this |that |what |their |your )?"
        r"(?:user|request|question|task|document|email|text|instructions?|original)",
        needles="instead rather",
    ),
    rule(
        "tamper_with_answer",
        "indirect",
        0.6,
        rf"\b(?:modify|alter|change|adjust|rewrite|tweak|slant|bias|twist|skew|manipulate)"
        rf" (?:your|the) (?:\w+ )?{OUTPUT} (?:to|so that|so it|in order to|in a way that)\b",
    ),
    rule(
        "answer_directive_in_document",
        "indirect",
        0.3,
        # A sentence or line of a document that tells the reader how to shape "your reply".
        # Read raw: the line breaks that set such a line apart are gone from the folded text.
        rf"(?i){_START}(?:please\s+|kindly\s+|also\s+|now\s+|and\s+)?{_STEER}\b[^.!?\n]{{0,60}}?"
        rf"\b{_ANSWER}\b|{_START}(?:can|could|would|will)\s+you\s+(?:please\s+)?{_STEER}\b"
        rf"[^.!?\n]{{0,60}}?\b{_ANSWER}\b",
        raw=True,
        context=_DOCUMENT,
    ),
    rule(
        "tamper_answer_in_document",
        "indirect",
        0.65,
        rf"(?i){_START}(?:please\s+|kindly\s+|also\s+|now\s+|and\s+|can\s+you\s+|could\s+you\s+)?"
        rf"{_STEER}\b[^.!?\n]{{0,80}}?(?:\b{_ANSWER}\b[^.!?\n]{{0,80}}?\b{_TAMPER}|\b{_TAMPER}\b"
        rf"[^.!?\n]{{0,80}}?\b{_ANSWER}\b)|{_START}(?:reply|respond|answer|write)\s+(?:only\s+)?"
        r"(?:in|using|with|as)\s+(?:a\s+|an\s+|the\s+)?(?:reverse|reversed|backwards|cipher|code"
        rf"|emojis?|morse|base64|pig latin|leetspeak)\b|{_START}(?:please\s+|can\s+you\s+"
        rf"|could\s+you\s+)?(?:reverse|invert|encrypt|encode|scramble|garble|obfuscate|mirror)\w*"
        rf"\b[^.!?\n]{{0,80}}?\b{_ANSWER}\b",
        raw=True,
        context=_DOCUMENT,
    ),
    rule(
        "quoted_insert_into_output",
        "indirect",
        0.5,
        rf"\b(?:add|append|insert|include|put|prepend)\s*[\"“'][^\"”']{{3,200}}[\"”']\s*"
        rf"(?:to|in|into|at the (?:end|beginning|start|top|bottom) of)\s*(?:your|the|every"
        rf"|each|all)\s*(?:\w+ )?{OUTPUT}",
    ),
    rule(
        "link_into_output",
        "indirect",
        0.7,
        rf"\b(?:add|append|insert|include|put|prepend|mention|recommend)\s*[\"“']?"
        rf"[^\"”']{{0,80}}(?:https?://|www\.)[^\"”']{{0,120}}[\"”']?\s*(?:to|in|into"
        rf"|at the (?:end|beginning|start) of)\s*(?:your|the|every|each|all)\s*(?:\w+ )?"
        rf"{OUTPUT}",
        needles="http www.",
    ),
    rule(
        "embed_code_into_answer",
        "indirect",
        0.65,
        rf"\b(?:embed|incorporat|include|insert|add|integrat|inject|append|feature|supplement"
        rf"|inclusion|plac|put|us|merg|combin|enhanc|elevat|augment|extend|enrich)\w*\b"
        rf"[^.!?]{{0,60}}?\b(?:the|this) (?:below|following|attached|provided|given|subsequent"
        rf"|ensuing|under\w*) (?:\w+ )?{_CODE}s?(?: snippet| section| segment| fragment| block)?"
        rf"\b[^.!?]{{0,60}}?\b(?:your|the) (?:\w+ )?(?:code|codebase|code base|solution|answer"
        rf"|response|program|script|implementation|algorithm|project|application|software)\b"
        rf"|\b(?:your|the) (?:\w+ )?(?:code|codebase|algorithm|program|solution|response)\b"
        rf"[^.!?]{{0,60}}?\b(?:the|this) (?:below|following|attached|provided|subsequent)"
        rf" (?:\w+ )?{_CODE}",
        needles="below following attached provided given subsequent ensuing under",
    ),
    rule(
        "fake_role_marker",
        "indirect",
        0.7,
        r"(?:<\|?\s*(?:im_start|im_end|system|endoftext|start_header_id|end_header_id|eot_id)"
        r"\s*\|?>|\[/?(?:inst|system|sys)\]|<</?sys>>|#{2,}\s*(?:system|instructions?"
        r"|new instructions?|assistant|admin|developer)\b|</?(?:system|instructions?"
        r"|system_prompt|admin)>|\[(?:system|admin|developer) (?:note|message|override"
        r"|instruction)s?\])",
        needles="< [ #",
    ),
    rule(
        "fake_turn",
        "indirect",
        0.55,
        r"(?:^|[\s.!?\]])(?:system|assistant|admin|developer|root)\s*(?:message|note|prompt"
        r"|instruction|override)?\s*:\s*(?:you (?:are|must|will|should|have)|ignore|new"
        r" (?:rules|instructions)|the (?:user|assistant) (?:is|has|must)|from now on"
        r"|disregard|forget|override)",
        needles="system assistant admin developer root",
    ),
    rule(
        "end_of_data",
        "indirect",
        0.6,
        r"\b(?:end of|ignore the) (?:the )?(?:document|email|text|context|user input|data|input"
        r"|article|file)\W{0,10}(?:new|system|real|actual|begin|start)",
        needles="end of ignore the",
    ),
    rule(
        "ai_must_now",
        "indirect",
        0.6,
        rf"\b(?:the|any|all|dear|hey|hi|attention) {AI}s? (?:reading|processing|summari[sz]ing"
        r"|that reads|that processes|who reads)\b",
        needles="reading processing summari reads processes",
    ),
)
