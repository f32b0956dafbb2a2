"""SecretsScanner: exact spans and masks for real credential shapes, silence on look-alikes."""

from __future__ import annotations

import base64
import json

import pytest

from topics.errors import ConfigError
from topics.messages import Policy
from workers.policy import judge
from workers.scanners.base import ScanItem
from workers.scanners.secrets import DEFAULT_PLUGINS, SecretsScanner


def _b64(data: dict[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


# Built from parts so that no scanner of this repository mistakes the test file for a leak.
AWS_ID = "AKIA" + "QWERTYUIOPASDFGH"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG" + "/bPxRfiCYEXAMPLEKEY"
GITHUB = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
SLACK = "xoxb-" + "123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
JWT = ".".join(
    [
        _b64({"alg": "HS256", "typ": "JWT"}),
        _b64({"sub": "1234567890", "name": "Jo"}),
        "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    ]
)
PEM = (
    "-----BEGIN RSA " + "PRIVATE KEY-----\n"
    "MIIEpAIBAAKCAQEA7x9fQkLmNoPqRsTuVw\n"
    "QWERTYUIOPASDFGHJKLZXCVBNM123456\n"
    "-----END RSA " + "PRIVATE KEY-----"
)


@pytest.fixture(scope="module")
def scanner() -> SecretsScanner:
    s = SecretsScanner()
    s.load()
    return s


def _found(scanner: SecretsScanner, text: str) -> list[tuple[str, str]]:
    [answer] = scanner.scan([ScanItem(text)])
    return [(f.label, text[f.start : f.end]) for f in answer.findings]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"my key is {AWS_ID} ok", [("AWS_ACCESS_KEY", AWS_ID)]),
        (f'aws_secret_access_key = "{AWS_SECRET}"', [("AWS_SECRET_KEY", AWS_SECRET)]),
        (f"aws_secret_access_key={AWS_SECRET}\n", [("AWS_SECRET_KEY", AWS_SECRET)]),
        (
            f'client = boto3.client("s3", aws_access_key_id="{AWS_ID}")',
            [("AWS_ACCESS_KEY", AWS_ID)],
        ),
        (f"use {GITHUB} please", [("GITHUB_TOKEN", GITHUB)]),
        (f"Authorization: Bearer {JWT}.", [("JWT", JWT)]),
        (f"slack {SLACK} here", [("SLACK_TOKEN", SLACK)]),
        (f"here is my key:\n{PEM}\nthanks", [("PRIVATE_KEY", PEM)]),
        ("postgres://admin:hunter2secret@db.example.com/app", [("BASIC_AUTH", "hunter2secret")]),
    ],
)
def test_finds_secret_with_exact_span(
    scanner: SecretsScanner, text: str, expected: list[tuple[str, str]]
) -> None:
    assert _found(scanner, text) == expected


def test_every_occurrence_and_several_types_in_one_text(scanner: SecretsScanner) -> None:
    text = f"first {GITHUB}\nthen {AWS_ID} and {GITHUB} again"
    [answer] = scanner.scan([ScanItem(text)])
    spans = [(f.start, f.end, f.label) for f in answer.findings]
    first = text.index(GITHUB)
    second = text.index(GITHUB, first + 1)
    aws = text.index(AWS_ID)
    assert spans == [
        (first, first + len(GITHUB), "GITHUB_TOKEN"),
        (aws, aws + len(AWS_ID), "AWS_ACCESS_KEY"),
        (second, second + len(GITHUB), "GITHUB_TOKEN"),
    ]
    assert scanner.redact(text, answer.findings) == (
        "first <GITHUB_TOKEN>\nthen <AWS_ACCESS_KEY> and <GITHUB_TOKEN> again"
    )


def test_truncated_private_key_masks_the_body_it_has(scanner: SecretsScanner) -> None:
    head = "-----BEGIN OPENSSH " + "PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU\n"
    text = head + "is this key still valid?"
    [answer] = scanner.scan([ScanItem(text)])
    assert scanner.redact(text, answer.findings) == "<PRIVATE_KEY>\nis this key still valid?"


def test_policy_masks_by_default(scanner: SecretsScanner) -> None:
    texts = [f"deploy with {AWS_ID}", "nothing to see"]
    answers = scanner.scan([ScanItem(t) for t in texts])
    judgement = judge(scanner, Policy(redact=True), texts, answers)
    assert judgement.verdict == "mask"
    assert [(r.text, r.content) for r in judgement.redacted] == [
        (0, "deploy with <AWS_ACCESS_KEY>")
    ]


@pytest.mark.parametrize(
    "text",
    [
        "The quick brown fox jumps over the lazy dog; password reset emails arrive in a minute.",
        "Fixed in commit 3f786850e387550fdab836ed7e6dc881de23001b, see the changelog.",
        'sha = "3f786850e387550fdab836ed7e6dc881de23001b"',
        "Request id 550e8400-e29b-41d4-a716-446655440000 failed at 12:03.",
        "My AWS account number is 123456789012 and the region is eu-west-1.",
        "Set AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY} in the CI settings.",
        "token = os.environ['GITHUB_TOKEN']\npassword = getpass.getpass()",
        "def add(a, b):\n    return a + b  # the key to success\n",
        "Use the ghp_ prefix for classic tokens and xoxb- for Slack bot tokens.",
        "Put -----BEGIN CERTIFICATE----- blocks in the trust store, not keys.",
        "The header eyJhbGciOi is base64 for a JSON object.",
        "https://example.com/docs?page=2&user=me",
    ],
)
def test_benign_look_alikes_are_not_secrets(scanner: SecretsScanner, text: str) -> None:
    assert _found(scanner, text) == []


def test_entropy_plugins_are_opt_in() -> None:
    text = 'api_value = "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1ub3A="'
    default = SecretsScanner()
    default.load()
    entropy = SecretsScanner(
        plugins=[*DEFAULT_PLUGINS, "Base64HighEntropyString"], heuristic_score=0.6
    )
    entropy.load()
    assert _found(default, text) == []
    [answer] = entropy.scan([ScanItem(text)])
    assert [(f.label, f.score) for f in answer.findings] == [("HIGH_ENTROPY_STRING", 0.6)]


def test_two_differently_configured_scanners_share_a_process() -> None:
    github_only = SecretsScanner(plugins=["GitHubTokenDetector"])
    aws_only = SecretsScanner(plugins=["AWSKeyDetector"])
    github_only.load()
    aws_only.load()
    text = f"{GITHUB} {AWS_ID}"
    assert [f.label for f in github_only.scan([ScanItem(text)])[0].findings] == ["GITHUB_TOKEN"]
    assert [f.label for f in aws_only.scan([ScanItem(text)])[0].findings] == ["AWS_ACCESS_KEY"]
    # And again after the other one ran: no process-wide plugin list leaks between them.
    assert [f.label for f in github_only.scan([ScanItem(text)])[0].findings] == ["GITHUB_TOKEN"]


@pytest.mark.parametrize(
    "settings",
    [{"plugins": ["NoSuchDetector"]}, {"plugins": []}, {"base64_limit": 9.0}],
)
def test_bad_settings_are_config_errors(settings: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        SecretsScanner.from_settings(settings).load()


def test_action_per_label() -> None:
    scanner = SecretsScanner(actions={"PRIVATE_KEY": "block"})
    assert scanner.action("PRIVATE_KEY") == "block"
    assert scanner.action("JWT") == "mask"
