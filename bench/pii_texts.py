"""Labelled texts for ``bench.pii_audit``: one family per recognizer or pattern of the PII scanner.

Each family plants a Faker value in a sentence written here, either with the cue words its
pattern looks for ("my zip code is 30301") or without them ("I'm in the 30301 area"), and has
benign look-alikes: sentences with the same cue words and no personal data ("zip the 2024 logs",
"turned 90 degrees", "call me back later"). A planted value is a span ``(start, end, entity)`` in
code points; every personal value of a text is labelled, so that a finding outside the spans is a
false hit. The family of a text names the pattern it was written for, as ``ENTITY/pattern``
(the name :data:`workers.scanners.pii.recognizers.PATTERN_KEY` carries).

No evaluation text is read or copied: the sentences are the project's own, the values Faker's.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["FAMILIES", "AuditText", "Family", "Planted", "generate"]

LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pl_PL", "sv_SE")
NAME_LOCALES = (*LOCALES, "pt_BR", "tr_TR", "cs_CZ", "en_IN", "fi_FI", "hr_HR")
ADDRESS_LOCALES = (*LOCALES, "da_DK", "no_NO", "pt_PT", "en_CA", "en_AU")


@dataclass(frozen=True, slots=True)
class Planted:
    """A personal value planted in a text."""

    start: int
    end: int
    entity: str
    """Presidio's entity name."""
    value: str


@dataclass(frozen=True, slots=True)
class AuditText:
    """One generated text."""

    text: str
    family: str
    """The pattern the text was written for, ``ENTITY/pattern``."""
    kind: str
    """``cue`` (planted with the pattern's cue words), ``plain`` (planted without them) or
    ``lookalike`` (the cue words, no personal data)."""
    spans: tuple[Planted, ...] = ()


@dataclass(frozen=True, slots=True)
class Family:
    """Templates of one family; ``{FIELD}`` placeholders are filled from :data:`FIELDS`."""

    cue: tuple[str, ...]
    plain: tuple[str, ...] = ()
    lookalike: tuple[str, ...] = ()


def _phone_intl(fake: Any, rng: random.Random) -> str:
    code = rng.choice(["1", "44", "49", "33", "34", "39", "31", "48", "45", "46", "353", "61"])
    sep = rng.choice([" ", " ", "-", "."])
    groups = [str(rng.randint(10, 999)), str(rng.randint(100, 9999)), str(rng.randint(1000, 9999))]
    return f"+{code} " + sep.join(groups)


def _nhs(fake: Any, rng: random.Random) -> str:
    while True:
        digits = [rng.randint(0, 9) for _ in range(9)]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        check = 0 if check == 11 else check
        if check != 10:
            number = "".join(map(str, digits)) + str(check)
            return number if rng.random() < 0.3 else f"{number[:3]} {number[3:6]} {number[6:]}"


def _card(fake: Any, rng: random.Random) -> str:
    kinds = ["visa16", "visa13", "visa19", "mastercard", "amex", "discover", "diners", "jcb16",
             "jcb15", "maestro"]  # fmt: skip
    number = fake.credit_card_number(card_type=rng.choice(kinds))
    if rng.random() < 0.5 or len(number) != 16:
        return number
    return rng.choice([" ", "-"]).join(number[i : i + 4] for i in range(0, 16, 4))


def _licence(fake: Any, rng: random.Random) -> str:
    shape = rng.choice(["?#######", "#########", "?############", "?###-###-##-###", "??######",
                        "?##-##-####", "########"])  # fmt: skip
    return fake.bothify(shape).upper()


_BRAND_HEADS = ("Bright", "North", "Blue", "Silver", "Green", "Iron", "Clear", "Red", "Stone",
                "Swift", "Oak", "Lumen", "Harbor", "Quill")  # fmt: skip
_BRAND_TAILS = ("leaf", "wind", "field", "bridge", "path", "wave", "forge", "point", "gate",
                "line", "works", "stack", "mark", "craft")  # fmt: skip
_SECTORS = ("Logistics", "Analytics", "Labs", "Foods", "Partners", "Systems", "Media", "Dental",
            "Builders", "Insurance")  # fmt: skip


def _brand(fake: Any, rng: random.Random) -> str:
    if rng.random() < 0.5:
        return rng.choice(_BRAND_HEADS) + rng.choice(_BRAND_TAILS)
    return f"{fake.last_name()} {rng.choice(_SECTORS)}"


def _firm(fake: Any, rng: random.Random) -> str:
    a, b, c = fake.last_name(), fake.last_name(), fake.last_name()
    return rng.choice([f"{a}, {b} and {c}", f"{a} & {b}", f"{a}-{b}", f"{a}, {b} & {c}"])


def _address(fake: Any, rng: random.Random) -> str:
    street = fake.street_address()
    pick = rng.random()
    if pick < 0.4:
        return street
    if pick < 0.8:
        return f"{street}, {fake.postcode()} {fake.city()}"
    return f"{street}\n{fake.postcode()} {fake.city()}"


_SYLLABLES = ("ka", "ro", "vi", "len", "tas", "mor", "bel", "di", "qua", "zen", "ho", "rim",
              "sa", "tul", "ne", "pra", "go", "wel", "xi", "dor")  # fmt: skip


def _invented(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


def _name(part: str) -> Callable[[Any, random.Random], str]:
    """A name from Faker's lists, or (one time in three) an invented one: the lexicon of
    :mod:`workers.scanners.pii.names` is built from Faker's lists, and real names are not all
    in them."""

    def make(fake: Any, rng: random.Random) -> str:
        invent = rng.random() < 1 / 3
        first = _invented(rng) if invent else fake.first_name()
        last = _invented(rng) if invent else fake.last_name()
        return {"first": first, "last": last, "full": f"{first} {last}"}[part]

    return make


_Fill = Callable[[Any, random.Random], str]

FIELDS: dict[str, tuple[str, tuple[str, ...], _Fill]] = {
    "AGE": ("AGE", ("en_US",), lambda f, r: str(r.randint(2, 97))),
    "ZIP": ("ZIP_CODE", ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL",
                         "pl_PL", "en_CA"), lambda f, r: f.postcode()),
    "DL": ("US_DRIVER_LICENSE", ("en_US",), _licence),
    "PHONE": ("PHONE_NUMBER", LOCALES, lambda f, r: f.phone_number()),
    "INTL": ("PHONE_NUMBER", ("en_US",), _phone_intl),
    "PERSON": ("PERSON", NAME_LOCALES, _name("full")),
    "LOWER": ("PERSON", NAME_LOCALES, lambda f, r: _name("full")(f, r).lower()),
    "FIRST": ("PERSON", NAME_LOCALES, _name("first")),
    "FIRST2": ("PERSON", NAME_LOCALES, _name("first")),
    "first": ("PERSON", NAME_LOCALES, lambda f, r: _name("first")(f, r).lower()),
    "LAST": ("PERSON", NAME_LOCALES, _name("last")),
    "CITY": ("LOCATION", LOCALES, lambda f, r: f.city()),
    "COUNTRY": ("LOCATION", ("en_US",), lambda f, r: f.country()),
    "ADDRESS": ("LOCATION", ADDRESS_LOCALES, _address),
    "COMPANY": ("ORGANIZATION", ("en_US", "en_GB", "de_DE", "fr_FR", "it_IT", "nl_NL"),
                lambda f, r: f.company()),
    "BRAND": ("ORGANIZATION", ("en_US", "en_GB", "de_DE", "nl_NL"), _brand),
    "FIRM": ("ORGANIZATION", ("en_US", "en_GB"), _firm),
    "CARD": ("CREDIT_CARD", ("en_US",), _card),
    "NHS": ("UK_NHS", ("en_GB",), _nhs),
}  # fmt: skip
"""Placeholder to (entity, Faker locales, value)."""

FILLERS: dict[str, Callable[[Any, random.Random], str]] = {
    "n": lambda f, r: str(r.randint(2, 99)),
    "big": lambda f, r: str(r.randint(100, 9999)),
    "year": lambda f, r: str(r.randint(1995, 2026)),
    "job": lambda f, r: f.job().lower(),
    "Job": lambda f, r: f.job(),
    "version": lambda f, r: f"{r.randint(1, 9)}.{r.randint(0, 20)}.{r.randint(0, 99)}",
    "price": lambda f, r: f"{r.randint(1, 999)}.{r.randint(0, 99):02d}",
    "digits16": lambda f, r: f.numerify("################"),
    "digits10": lambda f, r: f.numerify("##########"),
}
"""Placeholder to an unlabelled value (no personal data)."""

FAMILIES: dict[str, Family] = {
    "AGE/aged": Family(
        cue=("Patient aged {AGE} presents with a dry cough.", "At the age of {AGE} she took up "
             "running.", "Male, age {AGE}, non-smoker, no allergies."),
        plain=("I am {AGE} and thinking about a career change.", "Age: {AGE}"),
        lookalike=("The cheese is aged {n} months in a cave.", "Whisky aged {n} years in oak.",
                   "Logs aged {n} days are deleted by the cron job."),
    ),
    "AGE/years old": Family(
        cue=("My grandfather is {AGE} years old and still drives.", "I'm a {AGE}-year-old "
             "{job} looking for advice.", "she is {AGE} yrs old"),
        plain=("My daughter just had her {AGE}th birthday.",),
        lookalike=("The house is {n} years old and needs a new roof.", "This {n} year old laptop "
                   "still runs Linux.", "The bug is {n} years old."),
    ),
    "AGE/y/o": Family(
        cue=("{AGE} y/o female, history of asthma.", "{AGE}yo here, is it too late to learn "
             "piano?", "{AGE} yo male with knee pain"),
        plain=("{AGE}, single, moving abroad next year.",),
        lookalike=("The app is {n} yo in internet years.",),
    ),
    "AGE/turned": Family(
        cue=("My son turned {AGE} last week.", "She turns {AGE} in June, any gift ideas?",
             "I'm turning {AGE} tomorrow."),
        plain=("We celebrated his {AGE}th last night.",),
        lookalike=("Turn {n} degrees to the left.", "The counter turned {n} after the reset.",
                   "Turn 2 pages back.", "Sales turned {n} percent higher.",
                   "The dial turned {n} clicks.", "It turned {n} tests red in CI."),
    ),
    "ZIP_CODE/zip code": Family(
        cue=("My zip code is {ZIP}.", "Postcode: {ZIP}", "postal code {ZIP}, if that helps",
             "zip {ZIP}"),
        plain=("I'm in the {ZIP} area.", "Deliveries to {ZIP} are delayed."),
        lookalike=("Please zip the {year} logs and upload them.", "zip {year} invoices into one "
                   "archive", "Zip the folder before sending.", "The post code review is at "
                   "{n}:00.", "Error code {big} after the upgrade."),
    ),
    "US_DRIVER_LICENSE/license number": Family(
        cue=("My driver's license number is {DL}.", "Driving licence: {DL}", "DL# {DL}",
             "driver license no. {DL}"),
        plain=("License {DL} was issued in {year}.", "ID: {DL}"),
        lookalike=("Driver license renewals take {n} business days.", "Download DL {version} "
                   "from the site.", "The driver's licence test costs {price} EUR.",
                   "Driver update {version} fixes the crash."),
    ),
    "PHONE_NUMBER/phone in context": Family(
        cue=("Call me on {PHONE} after six.", "My phone number is {PHONE}.", "Mobile: {PHONE}",
             "You can reach me at {PHONE}.", "text me at {PHONE}", "tel. {PHONE}"),
        plain=("{PHONE} is the best number for me.", "Here's my number {PHONE}, thanks!",
               "Contact details - {PHONE}"),
        lookalike=("call me back later", "Call {n} of the API failed.", "Release {year} {n} {n} "
                   "notes", "call me at {n} {n} tomorrow", "Phone version {version} is out.",
                   "Reach me at the office on Monday."),
    ),
    "PHONE_NUMBER/international": Family(
        cue=("Our office: {INTL}", "{INTL} (office hours only)", "Numbers: {INTL} and {PHONE}"),
        plain=(),
        lookalike=("Values: +{n} {n} {n} {n}", "The diff was +{big} -{n} lines.", "Score +{n} {n} "
                   "after the update", "Temperatures rose by +{n} {n} {n} degrees."),
    ),
    "PERSON/name is": Family(
        cue=("Hello, my name is {PERSON}.", "Name: {PERSON}", "Hi, the name is {PERSON} and I "
             "need help with my order."),
        plain=("I am {PERSON}, the new {job}.", "This is {PERSON} from accounts."),
        lookalike=("My name is not important.", "Name: TBD", "The file name is README.",
                   "Name: Project Roadmap"),
    ),
    "PERSON/my name is (lower case)": Family(
        cue=("hi my name is {LOWER} and i need help", "my name is {LOWER}"),
        plain=("hey its {LOWER} again",),
        lookalike=("my name is spelled wrong on the invoice", "my name is on the list"),
    ),
    "PERSON/calls me": Family(
        cue=("Everyone calls me {FIRST}.", "My mom calls me {FIRST} when she is angry."),
        plain=("People know me as {FIRST}.",),
        lookalike=("Nobody calls me back.", "He calls me every Monday."),
    ),
    "PERSON/title": Family(
        cue=("Dr. {LAST} will see you now.", "Please ask Mrs {PERSON} to sign.", "Mr {PERSON} "
             "called about the invoice.", "Prof. {PERSON} teaches the course."),
        plain=("{PERSON} will see you now.",),
        lookalike=("Dr. Pepper is my favourite drink.", "Mr. Clean works well on floors.",
                   "Dear Sir or Madam, please find the form attached."),
    ),
    "PERSON/name line": Family(
        cue=("Thanks for your help!\n{PERSON}", "Best,\n\n{PERSON}\n{Job}", "{PERSON}\n"
             "{ADDRESS}", "> {LOWER}\n> {job}"),
        plain=("Thanks for your help! {PERSON}",),
        lookalike=("Project Summary\nNext Steps", "Best regards\nThe Support Team", "Main Street\n"
                   "Old Town", "Due Date\n{n} Feb {year}", "Quarterly Report\nDraft"),
    ),
    "PERSON/greeting": Family(
        cue=("Dear {FIRST},\nthe files are attached.", "Hi {FIRST}, quick question about the "
             "report.", "Thanks {FIRST}!", "Hello {PERSON}, welcome aboard."),
        plain=("{FIRST}, the files are attached.",),
        lookalike=("Hi team, quick update.", "Dear Sir or Madam,", "Thanks Again for the help.",
                   "Hello World program in C"),
    ),
    "PERSON/speech": Family(
        cue=('"Where are you?" asked {FIRST}.', '"Sit down," said {FIRST} to {FIRST2}.',
             '"No," replied {PERSON}.'),
        plain=('{FIRST} said: "Sit down."',),
        lookalike=('"Fine," said Nothing and nobody.', "She said Monday works.",
                   "He replied Yes to all of it."),
    ),
    "PERSON/self-introduction": Family(
        cue=("My name is {FIRST}.", "Hi, I'm {FIRST} and I need help with my order.",
             "This is {FIRST} from accounts, calling about the refund.", "hello i am {first} "
             "and i have a question", "i'm {first}, new here", "this is {first} from the front "
             "desk", "Hey, {FIRST} here. Any news on the ticket?", "It's {FIRST} again, any "
             "update?", "I am {FIRST}, the new {job}.", "Hi, my name is {FIRST} {LAST}.",
             "my name's {first}", "Hello! I'm {FIRST}."),
        plain=("Sign the card from {FIRST}, your new neighbour.", "{FIRST} here, running late."),
        lookalike=("I'm fine, thanks.", "i'm stuck on the Kafka consumer lag", "This is Excel "
                   "2016, not the web version.", "It's Monday again.", "I'm new to Terraform.",
                   "this is Python, not Java", "I am Happy to help.", "It's Kubernetes all the "
                   "way down.", "im done with the S3 migration"),
    ),
    "PERSON/first name": Family(
        cue=("I asked {FIRST} to review the draft.", "Can you write a birthday message for my "
             "friend {FIRST}?", "My colleague {FIRST} thinks we should switch vendors.",
             "Tell {FIRST} that the meeting moved to Thursday.", "How do I tell {FIRST} I can't "
             "come to the wedding?", "Draft a reply to {FIRST} declining the offer.",
             "My daughter {FIRST} wants to learn the piano.", "Write a poem for {FIRST}'s "
             "retirement.", "I had lunch with {FIRST} and {FIRST2} yesterday.", "Please cc "
             "{FIRST} on the thread.", "Is it rude that {FIRST} never replies to my emails?",
             "My manager, {FIRST}, wants the report by noon."),
        plain=("{FIRST} said the invoice was late.", "{FIRST} and I are planning a surprise "
               "party.", "{FIRST} thinks the plan is fine, but I'm not sure.", "{FIRST} sent "
               "me the slides this morning."),
        lookalike=("Excel said the file was corrupt.", "Git said the merge failed.", "Terraform "
                   "thinks the plan has three changes.", "Tell Slack to mute the channel.",
                   "Kafka sent the event twice.", "My colleague in Marketing thinks we should "
                   "switch.", "Ask Python to print the list.", "S3 said access denied.",
                   "Monday said nothing new."),
    ),
    "PERSON/name pair": Family(
        cue=("I had lunch with {PERSON} yesterday.", "Please forward this to {PERSON} in "
             "accounting.", "{PERSON} approved the request.", "The report by {PERSON} is late."),
        plain=("ask {LOWER} about it",),
        lookalike=("We grew up in Jordan Valley.", "We visited Paris last May.",
                   "The Siberian Husky is a loyal dog.", "Read the Release Notes first."),
    ),
    "PERSON/NerPersonRecognizer": Family(
        cue=("Yesterday {PERSON} sent the contract.", "Talk to {PERSON} before noon.",
             "I met {PERSON} at the conference."),
        plain=(),
        lookalike=("I flew to Florence in May.", "The meeting is in Madison.",
                   "Paris is the capital of France."),
    ),
    "LOCATION/moved from": Family(
        cue=("I moved here from {CITY} last year.", "I live in {CITY}.", "We are based in "
             "{CITY}.", "Flying to {CITY} on Monday.", "I was born in {COUNTRY}.",
             "She is originally from {CITY}."),
        plain=("{CITY} is where my family lives.", "My hometown, {CITY}, is lovely."),
        lookalike=("Paris is the capital of France.", "I am in Excel right now.", "I'm from "
                   "Marketing, not Sales.", "We moved to Python {n}.", "Headed to Settings and "
                   "turned it off.", "stuck in Linux again", "based in React"),
    ),
    "ORGANIZATION/legal suffix": Family(
        cue=("I got an offer from {COMPANY}.", "{COMPANY} shipped the order late.",
             "Invoice to {COMPANY}, net {n} days."),
        plain=(),
        lookalike=("Our team is incorporated in the plan.", "Python, Java and Go Co. are "
                   "friends.", "Send the AG report.", "I love Ltd edition sneakers."),
    ),
    "ORGANIZATION/is a company": Family(
        cue=("{BRAND} is a small logistics company in the north.", "{BRAND} is a design studio."),
        plain=("I like {BRAND}, they build good tools.",),
        lookalike=("This is a great business idea.", "That is a group project.",
                   "Python is a popular language for data.", "Mine is a small business."),
    ),
    "ORGANIZATION/was founded": Family(
        cue=("{BRAND} was founded in {year}.", "{BRAND}, was established in {year}."),
        plain=("{BRAND} started in {year}.",),
        lookalike=("The Project was established in {year}.", "It was founded on trust.",
                   "The Republic was founded in {year}."),
    ),
    "ORGANIZATION/works at": Family(
        cue=("My sister works at {BRAND} in sales.", "I joined {BRAND} last spring.",
             "He is the CEO of {BRAND}."),
        plain=("I'm a {job} with {BRAND}.",),
        lookalike=("I work at Home on Mondays.", "He is the director of Engineering.",
                   "It works at Runtime only.", "I joined Zoom late."),
    ),
    "ORGANIZATION/firm line": Family(
        cue=("Regards,\n{PERSON}\n{FIRM}", "Please send it to\n{FIRM}\nlegal department"),
        plain=("Our lawyers are {FIRM}, ask them.",),
        lookalike=("Salt, Pepper and Oil\nmix well", "Rock-Paper\nScissors"),
    ),
    "ORGANIZATION/employer line": Family(
        cue=("{PERSON}\n{Job}\n{BRAND}\n{ADDRESS}",),
        plain=(),
        lookalike=("Agenda\nWelcome Notes\nBudget Review\nNext Steps",),
    ),
    "CREDIT_CARD/card number": Family(
        cue=("Please charge my card {CARD} today.", "Card number: {CARD}", "visa {CARD}",
             "cc# {CARD}"),
        plain=("Payment details {CARD} exp {n}/{n}",),
        lookalike=("Order {digits16} shipped.", "card number {digits16} failed the check",
                   "Gift card code {digits16}", "Tracking {digits16}"),
    ),
    "UK_NHS/NhsWithContextRecognizer": Family(
        cue=("My NHS number is {NHS}.", "Patient ID {NHS}, see the hospital notes.",
             "GP asked for {NHS}."),
        plain=("Reference {NHS} on the form.",),
        lookalike=("Call {digits10} for support.", "Order {digits10} is on its way.",
                   "Invoice {digits10} paid."),
    ),
    "LOCATION/AddressRecognizer": Family(
        cue=("Ship it to {ADDRESS}.", "My address is {ADDRESS}", "{PERSON}\n{ADDRESS}",
             "Deliver to: {ADDRESS}, thanks"),
        plain=(),
        lookalike=("Run the test suite {n} times before merging.", "Chapter {n} Section {n} "
                   "covers it.", "Room {n} is booked for the meeting.", "Version {n} Street "
                   "Fighter is a game.", "Python {n} and Java {n} are both fine.",
                   "Apartment {n} sounds nice, but the price is {price}."),
    ),
}  # fmt: skip
"""Templates by the pattern (``ENTITY/pattern``) they were written for."""

_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9]+)\}")


def generate(count: int, seed: int) -> list[AuditText]:
    """``count`` texts, families in turn; of each family's texts, 3 in 10 are look-alikes and 2
    in 10 plant the value without the cue words (when the family has such templates). The
    same seed gives the same texts (for the same Faker version)."""
    from faker import Faker

    rng = random.Random(seed)
    fakes: dict[str, Any] = {}

    def fake(locale: str) -> Any:
        if locale not in fakes:
            fakes[locale] = Faker(locale)
            fakes[locale].seed_instance(f"{seed}/{locale}")
        return fakes[locale]

    names = sorted(FAMILIES)
    # Kinds and templates in turn, not drawn: the shares are the same for every seed and size.
    slots = ["lookalike"] * 3 + ["plain"] * 2 + ["cue"] * 5
    turns: Counter[tuple[str, str]] = Counter()
    out = []
    for index in range(count):
        family = names[index % len(names)]
        spec = FAMILIES[family]
        kind = slots[(index // len(names)) % len(slots)]
        if not getattr(spec, kind):
            kind = "cue"
        templates = getattr(spec, kind)
        template = templates[turns[family, kind] % len(templates)]
        turns[family, kind] += 1
        text, spans = fill(template, fake, rng)
        out.append(AuditText(text, family, kind, tuple(spans)))
    return out


def fill(
    template: str, fake: Callable[[str], Any], rng: random.Random
) -> tuple[str, list[Planted]]:
    """``template`` with its placeholders filled, and the planted values' spans."""
    pieces: list[str] = []
    spans: list[Planted] = []
    at = length = 0
    for match in _PLACEHOLDER.finditer(template):
        literal = template[at : match.start()]
        pieces.append(literal)
        length += len(literal)
        name = match.group(1)
        if name in FIELDS:
            entity, locales, make = FIELDS[name]
            value = make(fake(rng.choice(locales)), rng).strip()
            spans.append(Planted(length, length + len(value), entity, value))
        else:
            value = FILLERS[name](fake("en_US"), rng)
        pieces.append(value)
        length += len(value)
        at = match.end()
    pieces.append(template[at:])
    return "".join(pieces), spans
