"""Generated, labelled PII texts for ``guardstream eval``: Faker values in varied templates.

Each text comes from a template (a chat message, a support ticket, a form, a log line, a CSV
row...) whose ``{FIELD}`` placeholders are filled with values of one locale's Faker (en_US,
en_GB, de_DE, fr_FR, es_ES, it_IT, nl_NL): names, cities and phone numbers look like that
country's, IBANs are that country's. Templates are English, the language the PII scanner reads.
Every personal value becomes a span ``{start, end, entity, value}`` (code-point offsets, Presidio
entity names); other fillers (jobs, companies, order numbers, versions) are not labelled.
A share of the texts are negatives (``no_pii``, English values only), some of them look-alikes
full of digits (``hard_negative``). The same seed gives the same texts (for the same Faker version).

Rows carry ``category`` (the template) and ``source`` (``faker/<locale>``), so the evaluation's
per-category and per-source tables show which shapes and locales a scanner misses.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import orjson

__all__ = ["LOCALES", "generate_pii", "write_jsonl"]

LOCALES: tuple[str, ...] = ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL")

_PLACEHOLDER = re.compile(r"\{([A-Za-z_]+)\}")

_Fill = Callable[[Any, random.Random], str]


def _card(fake: Any, rng: random.Random) -> str:
    number = fake.credit_card_number(card_type=rng.choice(["visa16", "mastercard", "amex"]))
    if rng.random() < 0.5 or len(number) != 16:
        return number
    sep = rng.choice([" ", "-"])
    return sep.join(number[i : i + 4] for i in range(0, 16, 4))


def _iban(fake: Any, rng: random.Random) -> str:
    iban = fake.iban()
    # Half printed in groups of four, as on a bank statement.
    return iban if rng.random() < 0.5 else " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


ENTITY_FIELDS: dict[str, tuple[str, _Fill]] = {
    "PERSON": ("PERSON", lambda f, r: f"{f.first_name()} {f.last_name()}"),
    "FIRST": ("PERSON", lambda f, r: f.first_name()),
    "EMAIL": ("EMAIL_ADDRESS", lambda f, r: f.email()),
    "PHONE": ("PHONE_NUMBER", lambda f, r: f.phone_number()),
    "CITY": ("LOCATION", lambda f, r: f.city()),
    "COUNTRY": ("LOCATION", lambda f, r: f.current_country()),
    "STREET": ("LOCATION", lambda f, r: f.street_address()),
    "CARD": ("CREDIT_CARD", _card),
    "IBAN": ("IBAN_CODE", _iban),
    "IP": ("IP_ADDRESS", lambda f, r: f.ipv4_public() if r.random() < 0.8 else f.ipv6()),
    "SSN": ("US_SSN", lambda f, r: f.ssn()),
    "URL": ("URL", lambda f, r: f.url()),
}
"""Placeholder to (Presidio entity, value). ``COUNTRY`` is the locale's own country."""

FILLERS: dict[str, _Fill] = {
    "job": lambda f, r: f.job().lower(),
    "company": lambda f, r: f.company(),
    "sentence": lambda f, r: f.sentence(nb_words=10),
    "word": lambda f, r: f.word(),
    "n": lambda f, r: str(r.randint(2, 99)),
    "order": lambda f, r: f.numerify("#########"),
    "version": lambda f, r: f.numerify("%.#.##"),
    "amount": lambda f, r: f"{r.randint(10, 9999)}.{r.randint(0, 99):02d}",
    "exp": lambda f, r: f"{r.randint(1, 12):02d}/{r.randint(26, 31)}",
    "catch": lambda f, r: f.catch_phrase().lower(),
}
"""Placeholder to an unlabelled value."""

POSITIVE_TEMPLATES: dict[str, tuple[str, ...]] = {
    "chat": (
        "Hi, I'm {PERSON} from {CITY}. You can reach me at {EMAIL} or {PHONE}.",
        "hey it's {FIRST} again, my new number is {PHONE} - text me when you land in {CITY}",
    ),
    "support_ticket": (
        "Customer {PERSON} ({EMAIL}) reports a double charge of {amount} EUR on card {CARD}. "
        "Please refund and confirm by email.",
        "Ticket {order}: user {EMAIL} cannot log in since the upgrade to {version}.",
    ),
    "payment": (
        "Please wire the deposit to IBAN {IBAN} in the name of {PERSON} before Friday.",
        "Pay with {CARD}, exp {exp}, billing name {PERSON}.",
    ),
    "form": (
        "Name: {PERSON}\nSSN: {SSN}\nPhone: {PHONE}\nCity: {CITY}",
        "Applicant: {PERSON}\nEmail: {EMAIL}\nCountry: {COUNTRY}\nPosition: {job}",
    ),
    "log": (
        "2025-03-14 08:12:55 WARN failed login for {EMAIL} from {IP}; account locked",
        "Blocked request from {IP} to {URL} (rule {n}).",
    ),
    "letter": (
        "Dear {PERSON},\n\nyour parcel to {STREET}, {CITY} could not be delivered. "
        "Call us on {PHONE} to arrange a new date.\n\nKind regards,\n{company}",
    ),
    "narrative": (
        "{PERSON} and {PERSON} are flying from {CITY} to {COUNTRY} next week for the {company} "
        "offsite.",
        'Summarize this email from {PERSON} <{EMAIL}>: "{sentence}"',
        "{PERSON}, {job} at {company}, moved to {CITY}; new mobile {PHONE}.",
    ),
    "structured": (
        '{"name": "{PERSON}", "email": "{EMAIL}", "last_ip": "{IP}"}',
        "{PERSON};{EMAIL};{PHONE};{CITY}",
    ),
}
"""Templates of texts with personal data, by category."""

NEGATIVE_TEMPLATES: dict[str, tuple[str, ...]] = {
    "no_pii_prompt": (
        "Write a short poem about the {word} and the {word}.",
        "Explain how a {catch} works, in simple terms, for a new {job}.",
        'Translate into French: "{sentence}"',
        "Give me {n} ideas for a team event at a {word} company.",
    ),
    "no_pii_numbers": (
        "Order {order} shipped in {n} boxes; tracking updates every {n} hours.",
        "Upgrade the package to version {version} and rerun the {n} failing tests.",
        "Calculate {amount} * {n} and show each step.",
        "The invoice total is {amount} EUR, due in {n} days, reference {order}.",
    ),
}
"""Templates without personal data, by category; ``no_pii_numbers`` are hard negatives."""


def generate_pii(
    count: int,
    seed: int,
    *,
    locales: Sequence[str] = LOCALES,
    negative_share: float = 0.25,
) -> list[dict[str, Any]]:
    """``count`` labelled rows (``id``, ``text``, ``label``, ``spans``, ``category``,
    ``source``, ``hard_negative``), about ``negative_share`` of them without PII."""
    from faker import Faker

    rng = random.Random(seed)
    fakes: dict[str, Any] = {}
    rows = []
    for index in range(count):
        locale = rng.choice(list(locales))
        negative = rng.random() < negative_share
        templates = NEGATIVE_TEMPLATES if negative else POSITIVE_TEMPLATES
        category = rng.choice(sorted(templates))
        template = rng.choice(templates[category])
        # A US social security number only makes sense with US values around it; negatives
        # are English throughout (the locale's lorem words read as foreign names).
        values = "en_US" if negative or "{SSN}" in template else locale
        if values not in fakes:
            # One stream per locale, seeded from the run's seed and the locale's name.
            fakes[values] = Faker(values)
            fakes[values].seed_instance(f"{seed}/{values}")
        text, spans = _fill(template, fakes[values], rng)
        rows.append(
            {
                "id": f"gen-pii-{seed}-{index}",
                "text": text,
                "label": "no_pii" if negative else "pii",
                "spans": spans,
                "category": category,
                "source": f"faker/{values}",
                "hard_negative": category == "no_pii_numbers",
            }
        )
    return rows


def _fill(template: str, fake: Any, rng: random.Random) -> tuple[str, list[dict[str, Any]]]:
    """The template with its placeholders filled, and the spans of the personal values."""
    pieces: list[str] = []
    spans: list[dict[str, Any]] = []
    at = length = 0
    for match in _PLACEHOLDER.finditer(template):
        literal = template[at : match.start()]
        pieces.append(literal)
        length += len(literal)
        name = match.group(1)
        if name in ENTITY_FIELDS:
            entity, make = ENTITY_FIELDS[name]
            value = make(fake, rng).strip()
            spans.append({"start": length, "end": length + len(value), "entity": entity,
                          "value": value})  # fmt: skip
        elif name in FILLERS:
            value = FILLERS[name](fake, rng)
        else:
            value = match.group(0)  # not a placeholder (JSON braces)
        pieces.append(value)
        length += len(value)
        at = match.end()
    pieces.append(template[at:])
    return "".join(pieces), spans


def write_jsonl(rows: Sequence[dict[str, Any]], path: Path) -> None:
    """Write ``rows`` as JSON lines to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(orjson.dumps(row) + b"\n" for row in rows))
