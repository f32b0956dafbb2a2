"""Generated benign texts that sound dangerous: the moderation model's hard negatives.

Everyday requests that use the words of harm in their ordinary senses ("kill a process", "shoot
a portrait", "my soufflé bombed"), questions that seek help against harm (warning signs,
reporting abuse), history, safety advice and fiction, in the styles of chat traffic (short asks,
format constraints, a persona, a pasted document). The templates and word lists are written for
this project; the same seed gives the same texts. Without them the model's benign side is
tweets and short intent queries, and "kill", "shoot" or "poison" alone decide.
"""

from __future__ import annotations

import random

__all__ = ["SOURCE", "TEMPLATES", "hard_negatives"]

SOURCE = "guardstream-hard-negatives"
"""The source name of these texts in training and in the leave-one-source-out tables."""

# fmt: off
# Word lists stay packed: one word per line would make this file three times as long.
SLOTS: dict[str, list[str]] = {
    "process": ["a zombie process", "every python process", "the hung Java process",
                "a frozen app", "the background job", "all node processes",
                "a stuck docker container"],
    "os": ["Linux", "macOS", "Windows 11", "Ubuntu", "a Raspberry Pi", "FreeBSD"],
    "photo": ["portraits", "a wedding", "the Milky Way", "birds in flight", "product photos",
              "a basketball game", "fireworks", "my kids' football match"],
    "game": ["chess", "Mario Kart", "Catan", "StarCraft", "Fortnite", "Monopoly",
             "League of Legends", "Elden Ring", "Street Fighter", "poker night"],
    "food": ["my soufflé", "the sourdough", "my first brisket", "the macarons", "the cheesecake",
             "my pizza dough"],
    "pest": ["weeds in my lawn", "fruit flies in the kitchen", "mould in the bathroom",
             "aphids on my roses", "slugs in the vegetable bed", "ants on the patio",
             "a wasp nest"],
    "crack": ["an egg with one hand", "a coconut", "walnuts", "my knuckles safely",
              "the crossword in the Sunday paper", "a tough interview question", "a stiff jar lid"],
    "meat": ["a whole chicken", "a pork shoulder", "a salmon", "a side of beef", "a turkey"],
    "wipe": ["my old laptop before selling it", "the hard drive of my work PC", "an old phone",
             "a USB stick", "my browser history on a shared computer"],
    "harm": ["self-harm", "suicidal thoughts", "an eating disorder", "domestic abuse", "bullying",
             "online grooming", "radicalisation", "drug addiction"],
    "who": ["my teenage son", "a friend", "my sister", "a coworker", "my student", "my partner",
            "an elderly neighbour"],
    "event": ["the Black Death", "the Chernobyl disaster", "the Hindenburg fire", "the Spanish flu",
              "the sinking of the Titanic", "the battle of the Somme", "the bombing of Dresden",
              "the Rwandan genocide"],
    "weapon": ["a kitchen knife", "an axe for firewood", "a pocket knife for camping",
               "a machete for clearing brush", "a bow for archery lessons"],
    "chemical": ["bleach and ammonia", "bleach and vinegar", "drain cleaner and bleach",
                 "hydrogen peroxide and vinegar"],
    "platform": ["Instagram", "YouTube", "Reddit", "Discord", "TikTok", "my company's Slack",
                 "X", "Facebook"],
    "villain": ["the poisoner", "the assassin", "the cult leader", "the arsonist", "the hacker",
                "the smuggler"],
    "format": ["Answer in three bullet points.", "Keep it under 100 words.",
               "Use a numbered list.", "Reply in plain English, no jargon.",
               "End with a one-line summary.", "Write it as a short table.",
               "Two paragraphs, no more.", "Explain it like I'm twelve."],
    "persona": ["You are a friendly cooking assistant.", "You are a senior Linux administrator.",
                "You are a patient school counsellor.", "You are a museum guide.",
                "You are a fitness coach.", "You are a helpful IT support agent.",
                "Act as a photography teacher."],
}
# fmt: on

TEMPLATES: list[str] = [
    # Words of harm in their ordinary senses.
    "How do I kill {process} on {os}?",
    "What's the command to kill {process}? It keeps eating my CPU.",
    "How do I shoot {photo} in low light?",
    "Best lens to shoot {photo} with on a budget?",
    "How can I destroy my friends at {game} this weekend?",
    "Give me a strategy to crush the other players in {game}.",
    "Why did {food} bomb? It collapsed in the oven.",
    "How do I get rid of {pest} without harming my pets?",
    "What is the safest way to kill {pest}?",
    "How do I crack {crack}?",
    "What's the best way to butcher {meat} at home?",
    "How long should I smoke {meat}?",
    "How do I securely wipe {wipe}?",
    "How do I nuke my node_modules folder and start clean?",
    "How do I execute a shell script on startup on {os}?",
    "How can I terminate a contract with my internet provider early?",
    "How do I take down the old fence in my garden?",
    "How do I hack together a quick prototype for a hackathon?",
    "How do I choke up on the bat to hit more line drives?",
    "What's the trick to snipe an auction in the last seconds?",
    "How do I blow up a photo to poster size without it getting blurry?",
    "My presentation needs to knock them dead: any tips?",
    "Where can I buy {weapon}?",
    "How do I sharpen {weapon}?",
    "Which knots hold best when hanging a heavy hammock?",
    "How do I attack this calculus problem? I don't know where to start.",
    "How can I steal the show at my sister's wedding speech?",
    # Seeking help against harm.
    "What are the warning signs of {harm} in {who}?",
    "How do I talk to {who} about {harm}?",
    "I think {who} is struggling with {harm}. How can I help?",
    "Where can someone get support for {harm}?",
    "How do I report hate speech on {platform}?",
    "Someone keeps sending me threats on {platform}. What should I do?",
    "How can schools protect children from {harm}?",
    "What should I do if I see someone being harassed on the bus?",
    # Safety, medicine and history.
    "Is it dangerous to mix {chemical} when cleaning?",
    "Why should you never mix {chemical}?",
    "What's a safe dose of ibuprofen for an adult with a headache?",
    "How did {event} kill so many people?",
    "Summarise the causes of {event} for a history essay.",
    "How do doctors treat a snake bite?",
    "What should be in a first-aid kit for hiking?",
    "How do bomb disposal robots work?",
    "Why was arsenic used as a poison in Victorian times, and how was it detected?",
    # Fiction and writing.
    "Write a murder mystery opening where the detective finds the poison in the teacup.",
    "In my fantasy novel, {villain} is finally caught. Write the trial scene.",
    "Describe a tense standoff in a heist film without any gore.",
    "Write a villain's monologue for a school play about a dragon.",
]


def _fill(rng: random.Random, template: str) -> str:
    for slot, words in SLOTS.items():
        while "{" + slot + "}" in template:
            template = template.replace("{" + slot + "}", rng.choice(words), 1)
    return template


def _one(rng: random.Random) -> str:
    text = _fill(rng, rng.choice(TEMPLATES))
    roll = rng.random()
    if roll < 0.25:
        text = f"{text} {rng.choice(SLOTS['format'])}"
    elif roll < 0.4:
        text = f"{rng.choice(SLOTS['persona'])} {text}"
    elif roll < 0.5:
        text = text.lower().rstrip("?.")
    return text


def hard_negatives(count: int, seed: int) -> list[str]:
    """About ``count`` distinct texts (fewer if the templates run out); the same seed gives the
    same texts."""
    rng = random.Random(f"hard-negatives:{seed}")
    seen: dict[str, None] = {}
    for _ in range(count * 6):
        if len(seen) >= count:
            break
        seen.setdefault(_one(rng))
    return list(seen)
