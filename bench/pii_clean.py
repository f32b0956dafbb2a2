"""Ordinary prompts with no personal data, for the PII scanner's over-masking rate.

Each text fills a project-written template with words that look like names to a named-entity
model but name nobody: technology, product and cloud names and acronyms ("C4", "S3", "EKS",
"Kafka", "Excel"), places in ordinary questions ("What is the capital of France?"), weekdays and
months, identifiers inside code. ``python -m bench.pii_audit`` counts the share of these texts in
which the scanner masks anything: each such text is an ordinary prompt rewritten for nothing.

The vocabulary here is written apart from the scanner's own word lists
(:mod:`workers.scanners.pii.notnames`) and is wider than them, so that the rate also shows how
the scanner does on words it was never told about (the audit reports the texts whose filled
words the scanner's lists lack apart). Faker adds real city and country names. No evaluation
text is read or copied.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["TEMPLATES", "VOCAB", "CleanText", "generate_clean"]

TECH = (
    "Kafka", "Python", "Excel", "Kubernetes", "EKS", "S3", "C4", "EC2", "GKE", "AKS", "Docker",
    "Terraform", "Ansible", "Jenkins", "GitHub", "GitLab", "Jira", "Confluence", "Slack", "Zoom",
    "Outlook", "Postgres", "MySQL", "Redis", "MongoDB", "Cassandra", "Elasticsearch", "Kibana",
    "Grafana", "Prometheus", "Airflow", "Spark", "Hadoop", "Flink", "Snowflake", "Databricks",
    "BigQuery", "Redshift", "Lambda", "Fargate", "Azure", "AWS", "GCP", "Heroku", "Vercel",
    "Netlify", "Cloudflare", "React", "Angular", "Vue", "Svelte", "Django", "Flask", "FastAPI",
    "Rails", "Laravel", "Spring", "Node", "Deno", "Rust", "Go", "Java", "Kotlin", "Swift",
    "Scala", "Haskell", "Elixir", "Erlang", "Ruby", "Perl", "PHP", "TypeScript", "JavaScript",
    "Pandas", "NumPy", "SciPy", "PyTorch", "TensorFlow", "Keras", "Jupyter", "Vim", "Emacs",
    "Linux", "Ubuntu", "Debian", "Fedora", "Windows", "macOS", "Android", "Chrome", "Firefox",
    "Safari", "Photoshop", "Figma", "Notion", "Trello", "Asana", "Salesforce", "SAP", "Oracle",
    "Tableau", "Word", "PowerPoint", "Gmail", "Dropbox", "Shopify", "Stripe", "PayPal",
    "Twilio", "Okta", "Nginx", "Apache", "Tomcat", "Celery", "RabbitMQ", "Helm", "Istio",
    "Envoy", "Consul", "Vault", "Nomad", "Pulumi", "Bazel", "Gradle", "Maven", "Webpack",
    "Vite", "Babel", "ESLint", "Prettier", "Git", "Bash", "PowerShell", "Arduino", "Llama",
    "Mistral", "Gemini", "Copilot", "BERT", "RoBERTa", "T5", "H100", "A100", "Pinecone",
    "Supabase", "Firebase", "Sentry", "Datadog", "Splunk", "Jest", "Cypress", "Selenium",
    "Playwright", "Postman", "Kibana", "Logstash", "Fluentd", "Zabbix", "Nagios", "Unity",
    "Blender", "Godot", "Houdini", "Maya", "Cinema4D", "Lightroom", "Illustrator", "Premiere",
    "Matlab", "Simulink", "Stata", "SPSS", "Minitab", "Excel VBA", "Looker", "Metabase",
    "dbt", "Dagster", "Prefect", "Kubeflow", "MLflow", "Ray", "Dask", "Polars", "DuckDB",
    "SQLite", "Neo4j", "CockroachDB", "ClickHouse", "Druid", "Pinot", "Trino", "Presto",
    "Hive", "Impala", "Kinesis", "SQS", "SNS", "IAM", "VPC", "RDS", "DynamoDB", "CloudFront",
    "Route53", "ECS", "ECR", "GCS", "Pub/Sub", "Cosmos", "Synapse", "Entra", "Intune",
)  # fmt: skip
PRODUCTS = (
    "iPhone", "iPad", "Pixel", "Galaxy", "PlayStation", "Xbox", "Kindle", "Prius", "ThinkPad",
    "MacBook", "Surface", "Switch", "Spotify", "Netflix", "Uber", "Airbnb", "Duolingo", "Strava",
    "Fitbit", "Roomba", "Nespresso", "Vitamix", "Lego", "Peloton", "GoPro", "Garmin", "Sonos",
    "Canva", "Miro", "Calendly", "Zapier", "Mailchimp", "HubSpot", "Zendesk", "Intercom",
    "QuickBooks", "Xero", "Evernote", "Todoist", "Bitwarden", "LastPass", "WhatsApp", "Telegram",
    "Signal", "Discord", "Reddit", "YouTube", "Instagram", "TikTok", "LinkedIn", "Pinterest",
)  # fmt: skip
CITIES = (
    "Paris", "Tokyo", "Lisbon", "Nairobi", "Lima", "Oslo", "Berlin", "Madrid", "Rome", "Vienna",
    "Prague", "Warsaw", "Cairo", "Lagos", "Accra", "Mumbai", "Delhi", "Jakarta", "Manila",
    "Hanoi", "Seoul", "Osaka", "Sydney", "Perth", "Auckland", "Toronto", "Montreal", "Denver",
    "Austin", "Boston", "Chicago", "Seattle", "Houston", "Phoenix", "Dallas", "Atlanta", "Miami",
    "Santiago", "Bogota", "Quito", "Havana", "Dublin", "Edinburgh", "Cardiff", "Geneva",
    "Zurich", "Munich", "Hamburg", "Milan", "Naples", "Florence", "Venice", "Seville",
    "Valencia", "Porto", "Athens", "Istanbul", "Ankara", "Tbilisi", "Yerevan", "Baku", "Almaty",
    "Tashkent", "Dubai", "Doha", "Riyadh", "Amman", "Beirut", "Marrakesh", "Tunis", "Dakar",
    "Kigali", "Kampala", "Lusaka", "Harare", "Windhoek", "Reykjavik", "Helsinki", "Tallinn",
    "Riga", "Vilnius", "Krakow", "Budapest", "Bratislava", "Ljubljana", "Zagreb", "Sofia",
    "Bucharest", "Kyiv", "Adelaide", "Wellington", "Vancouver", "Calgary", "Orlando", "Memphis",
    "Nashville", "Savannah", "Charlotte", "Madison", "Florence", "Victoria", "Alexandria",
)  # fmt: skip
COUNTRIES = (
    "France", "Japan", "Portugal", "Kenya", "Peru", "Norway", "Germany", "Spain", "Italy",
    "Austria", "Egypt", "Nigeria", "Ghana", "India", "Indonesia", "Vietnam", "Chile", "Canada",
    "Brazil", "Argentina", "Mexico", "Cuba", "Ireland", "Scotland", "Wales", "Switzerland",
    "Greece", "Turkey", "Georgia", "Armenia", "Jordan", "Lebanon", "Morocco", "Tunisia",
    "Senegal", "Rwanda", "Uganda", "Zambia", "Iceland", "Finland", "Estonia", "Latvia",
    "Lithuania", "Poland", "Hungary", "Slovakia", "Croatia", "Bulgaria", "Romania", "Ukraine",
    "Australia", "Chad", "Mali", "Niger", "Israel", "Nepal", "Bhutan", "Laos", "Mongolia",
)  # fmt: skip
REGIONS = (
    "Bavaria", "Tuscany", "Patagonia", "Provence", "Andalusia", "Catalonia", "Sicily",
    "Sardinia", "Normandy", "Brittany", "Lapland", "Siberia", "Tasmania", "Yukon", "Alaska",
    "Texas", "California", "Florida", "Virginia", "Carolina", "Kerala", "Bali", "Crete",
    "Everest", "Sahara", "Amazon", "Danube", "Rhine", "Alps", "Andes", "Himalayas", "Balkans",
)  # fmt: skip
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")  # fmt: skip
IDENTS = (
    "UserService", "OrderRepository", "HttpClient", "DataFrame", "Path", "Counter", "Optional",
    "Session", "Router", "Builder", "Victor", "Handler", "Config", "Logger", "Parser", "Token",
    "Invoice", "Customer", "Payment", "Account", "Sophie", "Max", "Grace", "Ada", "Julia",
    "Mercury", "Atlas", "Phoenix", "Orion", "Hermes", "Apollo", "Jasper", "Flora", "Luna",
)  # fmt: skip
"""Class, module and project names; some are also first names (a name inside code names
nobody)."""
TOPICS = (
    "recursion", "caching", "load balancing", "photosynthesis", "inflation", "the French "
    "revolution", "compound interest", "sourdough", "interval training", "climate change",
    "quantum computing", "supply chains", "tax brackets", "vaccines", "black holes",
)  # fmt: skip
CODE_KEYWORDS = ("class", "def", "import", "from", "return", "new", "const", "let", "var")

VOCAB: dict[str, tuple[str, ...]] = {
    "TECH": TECH,
    "TECH2": TECH,
    "PRODUCT": PRODUCTS,
    "CITY": CITIES,
    "CITY2": CITIES,
    "COUNTRY": COUNTRIES,
    "REGION": REGIONS,
    "DAY": DAYS,
    "MONTH": MONTHS,
    "IDENT": IDENTS,
    "IDENT2": IDENTS,
    "TOPIC": TOPICS,
}
"""Placeholder to the words it is filled with."""

TEMPLATES: tuple[str, ...] = (
    # technology questions
    "How do I connect {TECH} to {TECH2}?",
    "What's the difference between {TECH} and {TECH2}?",
    "Is {TECH} a good fit for a small team?",
    "{TECH} keeps crashing after the upgrade, any ideas?",
    "Can you explain how {TECH} handles retries?",
    "Why is my {TECH} job so slow on {TECH2}?",
    "Write a short tutorial on deploying {TECH} with {TECH2}.",
    "Compare {TECH}, {TECH2} and {PRODUCT} for a startup.",
    "My {TECH} cluster on {TECH2} ran out of memory last {DAY}.",
    "Should we migrate from {TECH} to {TECH2} before {MONTH}?",
    "Summarise the pros and cons of {TECH}.",
    "How much does {TECH} cost per month?",
    "Give me five interview questions about {TECH}.",
    "What are the best practices for securing {TECH}?",
    "Explain {TECH} like I'm five.",
    "I'm new to {TECH}, where should I start?",
    "Is {TECH} still maintained?",
    "{TECH} or {TECH2}: which one scales better?",
    "Can {TECH} read files from {TECH2}?",
    "Translate this {TECH} config to {TECH2}.",
    "We use {TECH} and {TECH2} at work; how do I monitor both?",
    "What does the error 'connection refused' mean in {TECH}?",
    "Help me write a {TECH} script that backs up {TECH2} every {DAY}.",
    "List the main features of {TECH}.",
    "Which is cheaper, {TECH} on {TECH2} or a plain VM?",
    "Does {TECH} work on {TECH2}?",
    "How do I uninstall {TECH}?",
    "Recommend a book about {TECH}.",
    "Our {TECH} bill doubled in {MONTH}. Where do I look first?",
    "Tell me a joke about {TECH} developers.",
    "Why does {TECH} say the port is already in use?",
    "Convert this {TECH} query so it runs on {TECH2}.",
    "Set up {TECH} alerts that page us on {DAY} nights only.",
    "Draft a status update: {TECH} is down, {TECH2} is degraded.",
    "How do C4 diagrams compare to UML for a {TECH} service?",
    "Can S3 trigger a {TECH} function when a file lands?",
    "Which EKS version supports {TECH}?",
    "Explain {TECH} in three bullet points.",
    "Write a haiku about {TECH}.",
    "Is it safe to run {TECH} in production?",
    # products
    "My {PRODUCT} won't turn on, what should I try?",
    "Is the new {PRODUCT} worth it?",
    "How do I cancel my {PRODUCT} subscription?",
    "Compare {PRODUCT} with {TECH} for note taking.",
    "Write a product review of {PRODUCT}.",
    "Can I connect {PRODUCT} to {TECH}?",
    "{PRODUCT} or {PRODUCT}? I can't decide.",
    "Why does {PRODUCT} drain my battery?",
    "How do I export my data from {PRODUCT}?",
    "Suggest alternatives to {PRODUCT}.",
    # places in ordinary questions
    "What is the capital of {COUNTRY}?",
    "How far is {CITY} from {CITY2}?",
    "What's the best time of year to visit {CITY}?",
    "Plan a three-day trip to {CITY}.",
    "What language do people speak in {COUNTRY}?",
    "Tell me about the history of {CITY}.",
    "What's the weather usually like in {REGION} in {MONTH}?",
    "Which is bigger, {COUNTRY} or {COUNTRY}?",
    "Recommend a few dishes from {REGION}.",
    "How do I get from {CITY} airport to the city centre?",
    "What currency does {COUNTRY} use?",
    "Is {CITY} expensive for tourists?",
    "Write a short poem about {REGION}.",
    "What are the main exports of {COUNTRY}?",
    "How many people live in {CITY}?",
    "Name three museums in {CITY}.",
    "Why is {CITY} called that?",
    "{CITY} or {CITY2} for a weekend in {MONTH}?",
    "Do I need a visa for {COUNTRY}?",
    "What time zone is {CITY} in?",
    "Explain the geography of {REGION}.",
    "Which river runs through {CITY}?",
    "Is {COUNTRY} part of the EU?",
    "Translate 'good morning' into the language of {COUNTRY}.",
    "What happened in {COUNTRY} in 1989?",
    "Give me a packing list for {REGION} in {MONTH}.",
    "How do trains work between {CITY} and {CITY2}?",
    "Which team won the last final played in {CITY}?",
    # weekdays, months, common words at the start of a sentence
    "Every {DAY} our {TECH} backup fails.",
    "Remind me how {MONTH} budgets work in {TECH}.",
    "By {DAY} I need a plan for the {TECH} migration.",
    "Since {MONTH} the {TECH} dashboard shows gaps.",
    "Next {DAY} is a holiday, so shift the {TECH} deploy.",
    "Explain {TOPIC} in simple terms.",
    "Write an essay outline about {TOPIC}.",
    "Summer in {REGION} is hot; what should I pack?",
    "Grace periods on loans: how do they work?",
    "Will {TECH} support this by {MONTH}?",
    "May I use {TECH} for commercial work?",
    "Mark the {TECH} task as done and move on to {TECH2}.",
    "Bill the client for the {TECH} hours in {MONTH}.",
    "Rose, lavender or mint: which grows best in {REGION}?",
    "Hunter boots or {PRODUCT} sneakers for a hike?",
    "Pat the dough flat, then rest it for an hour.",
    "Sue is a verb too: can I sue a company for a {PRODUCT} defect?",
    # code
    "Why does `{IDENT}` raise a KeyError in {TECH}?",
    "Refactor `{IDENT}.save()` so it retries on failure.",
    "```python\nclass {IDENT}:\n    def run(self):\n        return {IDENT2}()\n```\nWhat's wrong?",
    "In {TECH}, how do I mock `{IDENT}`?",
    "```\nfrom app import {IDENT}, {IDENT2}\n```\nThis import fails, why?",
    "Rename {IDENT}_v2 to {IDENT2} across the repo.",
    "What does {IDENT}.from_config() return?",
    "Write unit tests for the {IDENT} class.",
    "```js\nconst x = new {IDENT}();\nx.start();\n```\nExplain this.",
    "Our project codename is {IDENT}; write a release note for version 2.",
    "    {IDENT2} = {IDENT}(timeout=5)\nIs this thread-safe?",
    "The `{IDENT}` and `{IDENT2}` modules import each other. How do I fix it?",
    "Document the {IDENT}Service interface.",
    "Why is {IDENT}::new slower than {IDENT2}::default?",
)
"""Ordinary prompts; ``{PLACEHOLDER}`` from :data:`VOCAB`."""

_PREFIXES = (
    "", "", "", "Quick question: ", "Hi! ", "Please help. ", "hey, ", "Thanks in advance. "
)  # fmt: skip
_PLACEHOLDER = re.compile(r"\{([A-Z0-9]+)\}")


@dataclass(frozen=True, slots=True, kw_only=True)
class CleanText:
    """One generated prompt with no personal data."""

    text: str
    template: int
    """Index in :data:`TEMPLATES`."""
    words: tuple[str, ...]
    """The words filled in."""


def generate_clean(count: int, seed: int) -> list[CleanText]:
    """``count`` prompts, templates in turn, words drawn with ``seed`` (the same seed gives the
    same texts). Cities and countries come half from the lists here, half from Faker."""
    from faker import Faker

    rng = random.Random(seed)
    # Locales whose city lists are real towns (en_US's are invented from first names).
    fake = Faker(["de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pl_PL"])
    fake.seed_instance(seed)
    draw: dict[str, Callable[[], str]] = {
        key: (lambda words=words: rng.choice(words)) for key, words in VOCAB.items()
    }
    draw["CITY2"] = draw["CITY"] = _half(rng, draw["CITY"], lambda: fake.city())
    draw["COUNTRY"] = _half(rng, draw["COUNTRY"], lambda: _country(fake))
    out = []
    for index in range(count):
        number = index % len(TEMPLATES)
        template = TEMPLATES[number]
        words = [draw[name]() for name in _PLACEHOLDER.findall(template)]
        filled = iter(words)
        text = _PLACEHOLDER.sub(lambda _, filled=filled: next(filled), template)
        text = rng.choice(_PREFIXES) + text
        out.append(CleanText(text=text, template=number, words=tuple(words)))
    return out


def _half(
    rng: random.Random, one: Callable[[], str], other: Callable[[], str]
) -> Callable[[], str]:
    return lambda: one() if rng.random() < 0.5 else other()


def _country(fake: Any) -> str:
    # Faker's country list holds long official forms ("... and the Grenadines"): short ones
    # read as a question would name them.
    while True:
        name = fake.country()
        if len(name.split()) <= 2 and "," not in name:
            return name
