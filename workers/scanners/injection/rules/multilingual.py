# ruff: noqa: RUF001 (Russian patterns are Cyrillic on purpose)
"""The core attack phrasings in other languages: French, German, Spanish, Italian, Portuguese,
Dutch, Polish and Russian (override, persona and extraction).

The folded text has lost its accents (``précédentes`` reads ``precedentes``), so patterns are
written without them; Cyrillic stays Cyrillic. Each language's words are kept together so a
reader fluent in it can check them at a glance.
"""

from __future__ import annotations

from workers.scanners.injection.rules.core import Rule, rule

__all__ = ["MULTILINGUAL_RULES"]

_OVERRIDE = (
    # French
    r"\b(?:ignore[zr]?|oublie[zr]?|ne (?:tiens|tenez) pas compte d|fais abstraction d"
    r"|faites abstraction d)\w*\s+(?:de |des |d')?(?:toutes |tous |tout )?(?:les |tes |vos"
    r" |ces )?(?:instructions|consignes|regles|directives|indications|ordres)"
    r"(?: (?:precedentes|anterieures|ci-dessus|initiales|d'origine|recues|du systeme))?\b"
    r"|\boublie[zr]? (?:tout|toutes tes|toutes vos|tes|vos) (?:ce qu|instructions|regles"
    r"|consignes)"
    # German
    r"|\b(?:ignorier\w*|vergiss\w*|missacht\w*|uberges?\w*|verwirf\w*)\s+(?:du |sie )?(?:alle"
    r" |alles |die |deine |ihre |samtliche )?(?:bisherigen |vorherigen |obigen |vorangegangenen"
    r" |fruheren |ursprunglichen |vorigen )?(?:anweisungen|instruktionen|befehle|regeln"
    r"|vorgaben|richtlinien|was (?:dir )?(?:gesagt|vorher))"
    # Spanish
    r"|\b(?:ignora|ignore|ignorad|olvida|olvide|olvidad|descarta|omite|haz caso omiso a?)"
    r"\s+(?:de )?(?:todas? )?(?:las |tus |sus |los |tu )?(?:instrucciones|indicaciones|reglas"
    r"|ordenes|directrices|normas|lo anterior)(?: (?:anteriores|previas|de arriba|iniciales"
    r"|del sistema))?\b"
    # Italian
    r"|\b(?:ignora|ignorate|dimentica|dimenticate|trascura|non (?:seguire|considerare))\s+"
    r"(?:tutte |tutti )?(?:le |i |tue |gli )?(?:istruzioni|indicazioni|regole|ordini"
    r"|direttive)(?: (?:precedenti|di prima|iniziali|del sistema))?\b"
    # Portuguese
    r"|\b(?:ignore|ignora|esqueca|esquece|desconsidere|descarte)\s+(?:todas |todos )?(?:as |os"
    r" |suas |tuas )?(?:instrucoes|regras|ordens|diretrizes|orientacoes)(?: (?:anteriores"
    r"|previas|iniciais|do sistema))?\b"
    # Dutch
    r"|\b(?:negeer|vergeet|veronachtzaam)\s+(?:alle |al )?(?:de |je |jouw )?(?:vorige |eerdere"
    r" |voorgaande |bovenstaande |oorspronkelijke )?(?:instructies|regels|opdrachten"
    r"|richtlijnen)\b"
    # Polish
    r"|\b(?:zignoruj|ignoruj|zapomnij)\w*\s+(?:o )?(?:wszystkie |wszystkich |wszystkim )?"
    r"(?:poprzednie |poprzednich |wczesniejsze )?(?:instrukcje|instrukcjach|polecenia|zasady"
    r"|reguly)\b"
)

_PERSONA = (
    r"\b(?:tu es|vous etes|tu seras) (?:maintenant|desormais|a present)\b"
    r"|\bmode (?:developpeur|sans restriction|sans filtre|dieu)\b"
    r"|\bdu bist (?:jetzt|ab (?:jetzt|sofort)|nun)\b|\b(?:entwickler|gott|jailbreak)modus\b"
    r"|\b(?:ahora|a partir de ahora) (?:eres|seras)\b|\bmodo (?:desarrollador|dios|sin"
    r" restricciones|sviluppatore|desenvolvedor)\b|\bmodalita (?:sviluppatore|dio)\b"
    r"|\b(?:ora|d'ora in poi|da ora) (?:sei|sarai)\b|\bagora (?:voce|tu) (?:e|es|sera)\b"
    r"|\bje bent (?:nu|vanaf nu)\b|\bontwikkelaarsmodus\b|\bjestes teraz\b"
)

_NO_LIMITS = (
    r"\bsans (?:aucune |aucun )?(?:restrictions?|limites?|filtres?|censure|regles|morale"
    r"|ethique)\b|\bohne (?:jegliche |irgendwelche )?(?:einschrankungen|filter|zensur|regeln"
    r"|grenzen|moral|ethik)\b|\bsin (?:ninguna |ningun )?(?:restricciones|restriccion|filtros"
    r"|censura|limites|reglas|moral|etica)\b|\bsenza (?:alcuna |alcun )?(?:restrizioni"
    r"|restrizione|filtri|censura|limiti|regole|morale|etica)\b|\bsem (?:nenhuma |nenhum )?"
    r"(?:restricoes|restricao|filtros|censura|limites|regras|moral|etica)\b|\bzonder"
    r" (?:enige )?(?:beperkingen|filters|censuur|regels)\b"
)

_EXTRACT = (
    r"\b(?:affiche|montre|revele|donne|repete|ecris|dis)\w*[- ](?:moi |nous )?(?:ton|votre|le|tes"
    r"|vos|les) (?:prompt|invite|message|instructions?|consignes) (?:systeme|du systeme"
    r"|initiale?s?|d'origine|cachee?s?)\b"
    r"|\b(?:zeig|gib|nenn|verrate|wiederhole|schreib)\w* (?:mir |uns )?(?:deinen |deine |den"
    r" |die |ihren )?(?:system ?prompt|systemanweisungen|system-?nachricht|ursprunglichen"
    r" anweisungen|anfangsanweisungen)\b"
    r"|\b(?:muestra|muestrame|revela|revelame|dime|repite|escribe)\w* (?:tu |el |las |tus )?"
    r"(?:prompt|mensaje|instrucciones) (?:del sistema|de sistema|inicial(?:es)?|original(?:es)?"
    r"|ocult[oa]s?)\b"
    r"|\b(?:mostra|mostrami|rivela|rivelami|dimmi|ripeti|scrivi)\w* (?:il tuo |il |le tue |le )?"
    r"(?:prompt|messaggio|istruzioni) (?:di sistema|del sistema|iniziali?|originali?)\b"
    r"|\b(?:mostre|mostra|revele|revela|diga|repita)\w* (?:seu |o |as suas |suas |teu )?"
    r"(?:prompt|mensagem|instrucoes) (?:do sistema|de sistema|inicia(?:l|is)|origina(?:l|is))\b"
    r"|\b(?:toon|laat|geef|herhaal)\w* (?:me |mij )?(?:je |jouw |de )?(?:systeemprompt"
    r"|systeem prompt|oorspronkelijke instructies)\b"
)

_OVERRIDE_NEEDLES = (
    "ign oubli tiens tenez abstraction vergiss missacht uberge verwirf olvid descarta omite"
    " caso dimentic trascura seguire considerare esquec desconsider negeer vergeet"
    " veronachtzaam zignoruj zapomnij игнор проигнор забуд обращаи"
    " | instruc instruk consign regle direct indication ordre anweisung befehl regeln vorgabe"
    " richtlinie gesagt vorher indicacion regla orden norma anterior istruzion indicazion regol"
    " ordini instruco regras diretriz orientaco instructie opdracht richtlijn polecen zasad"
    " reguly"
)
_PERSONA_NEEDLES = (
    "maintenant desormais present mode modus jetzt sofort nun ahora eres seras sei sarai"
    " agora je bent jestes"
)
_NO_LIMITS_NEEDLES = "sans ohne sin senza sem zonder"
_EXTRACT_NEEDLES = (
    "prompt invite consigne instruction anweisung nachricht mensaje istruzion messaggio"
    " mensagem instruco instructies"
)

# Russian reads the original text: folding turns the Cyrillic words whose every letter has a
# Latin look-alike into Latin ("все" -> "bce"), which would split the language in two.
_RUSSIAN = (
    r"(?i)(?:проигнорируй|игнорируй|игнорируйте|забудь|забудьте|не обращай внимания на)\w*\s+"
    r"(?:(?:все|всё|предыдущие|прежние|вышеуказанные|свои|твои|эти)\s+)*(?:инструкци|указани"
    r"|правил|команд)"
)
_RUSSIAN_PERSONA = (
    r"(?i)\bты теперь\b|\bтеперь ты\b|\bрежим\s+(?:разработчика|бога|без ограничений)"
    r"|\bбез\s+(?:каких-либо\s+|всяких\s+)?(?:ограничений|фильтров|цензуры|правил)"
)
_RUSSIAN_EXTRACT = (
    r"(?i)(?:покажи|выведи|раскрой|повтори|напиши|скажи)\w*\s+(?:мне\s+)?(?:свой\s+|твой\s+"
    r"|свои\s+|твои\s+)?(?:системн\w+\s+(?:промпт|инструкци\w*|сообщени\w*)|исходн\w+"
    r"\s+инструкци\w*)"
)

MULTILINGUAL_RULES: tuple[Rule, ...] = (
    rule("override_multilingual", "override", 0.85, _OVERRIDE, needles=_OVERRIDE_NEEDLES),
    rule("persona_multilingual", "role_play", 0.35, _PERSONA, needles=_PERSONA_NEEDLES),
    rule("no_limits_multilingual", "role_play", 0.45, _NO_LIMITS, needles=_NO_LIMITS_NEEDLES),
    rule("extraction_multilingual", "extraction", 0.8, _EXTRACT, needles=_EXTRACT_NEEDLES),
    rule("override_russian", "override", 0.85, _RUSSIAN, raw=True),
    rule("persona_russian", "role_play", 0.4, _RUSSIAN_PERSONA, raw=True),
    rule("extraction_russian", "extraction", 0.8, _RUSSIAN_EXTRACT, raw=True),
)
