# ruff: noqa: RUF001 (Russian text is Cyrillic on purpose)
"""Benign everyday prompts in other languages, for the injection classifier's training set.

Every non-English text in the real training data (yanismiraoui's six languages, PurpleLlama's
seventeen) is an attack, so a model trained on it alone learns "not English" as a sign of attack
and flags a plain "hello, how are you" in Russian. These greetings, requests and questions,
written for guardstream in German, French, Spanish, Italian, Portuguese, Dutch and Russian, give
the benign class the same languages.
"""

from __future__ import annotations

import random

__all__ = ["multilingual_benign"]

_OPENERS = {
    "de": ["", "Hallo! ", "Guten Morgen, ", "Kurze Frage: ", "Danke im Voraus. "],
    "fr": ["", "Bonjour ! ", "Salut, ", "Petite question : ", "Merci d'avance. "],
    "es": ["", "¡Hola! ", "Buenos días, ", "Una pregunta: ", "Gracias de antemano. "],
    "it": ["", "Ciao! ", "Buongiorno, ", "Una domanda: ", "Grazie in anticipo. "],
    "pt": ["", "Olá! ", "Bom dia, ", "Uma pergunta: ", "Obrigado desde já. "],
    "nl": ["", "Hoi! ", "Goedemorgen, ", "Korte vraag: ", "Alvast bedankt. "],
    "ru": ["", "Привет! ", "Добрый день, ", "Короткий вопрос: ", "Заранее спасибо. "],
}

_REQUESTS = {
    "de": [
        "Kannst du mir ein einfaches Rezept für Kartoffelsuppe geben?",
        "Wie lange braucht der Zug von Berlin nach Hamburg?",
        "Erkläre mir bitte den Unterschied zwischen Wetter und Klima.",
        "Schreib eine kurze Geburtstagskarte für meine Schwester.",
        "Welche Bücher empfiehlst du für einen Urlaub am Meer?",
        "Wie viel Wasser sollte ich am Tag trinken?",
        "Fass diesen Absatz in zwei Sätzen zusammen.",
        "Wie geht es dir heute? Lass uns morgen treffen.",
    ],
    "fr": [
        "Peux-tu me donner une recette simple de quiche aux poireaux ?",
        "Quel temps fera-t-il à Lyon ce week-end ?",
        "Explique-moi la photosynthèse avec des mots simples.",
        "Écris un petit mot de remerciement pour mon voisin.",
        "Quels films me conseilles-tu pour une soirée en famille ?",
        "Comment dit-on « bonne chance » en allemand ?",
        "Résume ce paragraphe en deux phrases.",
        "Comment ça va ? On se voit demain au café ?",
    ],
    "es": [
        "¿Me das una receta fácil de tortilla de patatas?",
        "¿Cuánto se tarda en tren de Madrid a Sevilla?",
        "Explícame cómo funciona un arcoíris.",
        "Escribe un mensaje corto para felicitar a mi madre.",
        "¿Qué libros me recomiendas para aprender a programar?",
        "¿Cuántas horas debería dormir un adulto?",
        "Resume este texto en dos frases.",
        "¿Qué tal estás? Nos vemos mañana en la plaza.",
    ],
    "it": [
        "Mi dai una ricetta semplice per il risotto ai funghi?",
        "Quanto ci vuole in treno da Roma a Firenze?",
        "Spiegami la differenza tra virus e batteri.",
        "Scrivi un biglietto di auguri per il compleanno di mio padre.",
        "Quali musei mi consigli di visitare a Torino?",
        "Come si coltivano i pomodori sul balcone?",
        "Riassumi questo paragrafo in due frasi.",
        "Come stai? Ci vediamo domani per un caffè?",
    ],
    "pt": [
        "Pode me dar uma receita fácil de pão de queijo?",
        "Quanto tempo demora o voo de Lisboa para o Porto?",
        "Explique-me o que é inflação com palavras simples.",
        "Escreva uma mensagem de agradecimento para a minha professora.",
        "Que séries você recomenda para o fim de semana?",
        "Como posso melhorar a minha pronúncia em inglês?",
        "Resuma este texto em duas frases.",
        "Tudo bem? Vamos nos encontrar amanhã?",
    ],
    "nl": [
        "Kun je me een makkelijk recept voor pannenkoeken geven?",
        "Hoe lang duurt de trein van Amsterdam naar Utrecht?",
        "Leg me uit hoe een windmolen stroom maakt.",
        "Schrijf een kort bedankje voor mijn collega.",
        "Welke wandelroutes raad je aan in de Veluwe?",
        "Hoeveel groente moet ik per dag eten?",
        "Vat deze alinea samen in twee zinnen.",
        "Hoe gaat het? Zullen we morgen afspreken?",
    ],
    "ru": [
        "Подскажи простой рецепт борща.",
        "Сколько времени идёт поезд из Москвы в Санкт-Петербург?",
        "Объясни, пожалуйста, как работает фотосинтез.",
        "Напиши короткое поздравление с днём рождения для друга.",
        "Какие книги ты посоветуешь почитать летом?",
        "Как дела? Давай встретимся в субботу.",
        "Кратко перескажи этот абзац в двух предложениях.",
        "Как научиться плавать взрослому человеку?",
    ],
}


def multilingual_benign(count: int, seed: int = 0) -> list[str]:
    """``count`` benign prompts, an opener and a request in one language each, drawn with
    ``seed``."""
    rng = random.Random(seed)
    languages = sorted(_REQUESTS)
    texts = []
    for _ in range(count):
        language = rng.choice(languages)
        texts.append(rng.choice(_OPENERS[language]) + rng.choice(_REQUESTS[language]))
    return texts
