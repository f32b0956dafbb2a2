"""Settings from litellm_params, and the per-request plan."""

from __future__ import annotations

import pytest

from shim.settings import SCANNERS, ShimSettings
from topics import ConfigError


def settings(**params: object) -> ShimSettings:
    return ShimSettings.from_params({"bootstrap_servers": "kafka:9092", **params}, environ={})


def test_defaults() -> None:
    s = settings()
    assert (s.scanners, s.budget_ms, s.on_timeout, s.stream_mode) == (
        SCANNERS,
        1500,
        "allow",
        "buffered",
    )
    assert (s.topics.prefix, s.topics.partitions, s.max_pending) == ("guardstream", 12, 10_000)
    assert s.instance_id and not s.policy.redact
    assert (s.max_request_bytes, s.on_oversize) == (1 << 20, "block")


def test_environment_references_and_security_pass_through() -> None:
    s = ShimSettings.from_params(
        {
            "bootstrap_servers": "os.environ/KB",
            "security_protocol": "SASL_SSL",
            "sasl_username": "u",
            "sasl_password": "os.environ/PW",
        },
        environ={"KB": "b:1", "PW": "secret"},
    )
    assert (s.connection.bootstrap_servers, s.connection.sasl_password) == ("b:1", "secret")


def test_a_mask_action_asks_for_redacted_text() -> None:
    assert settings(actions={"EMAIL_ADDRESS": "mask"}).policy.redact
    assert not settings(actions={"pii": "log"}).policy.redact


@pytest.mark.parametrize(
    "params",
    [
        {"scanners": ["pii", "nope"]},
        {"on_timeout": "maybe"},
        {"actions": {"pii": "erase"}},
        {"thresholds": {"pii": "high"}},
        {"budget_ms": 0},
        {"stream_mode": "trickle"},
        {"max_request_bytes": 0},
        {"max_request_bytes": 64 << 20},  # over the topics' message limit: could never be sent
        {"on_oversize": "truncate"},
        {"bootstrap_servers": ""},
        {"bootstrap_servers": "os.environ/MISSING"},
    ],
)
def test_bad_settings_raise_config_error(params: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        settings(**params)


@pytest.mark.parametrize(
    ("toggles", "expected"),
    [
        (None, SCANNERS),
        ({"prompt_injection": False}, ("pii", "secrets", "moderation")),
        ({"guardstream": False}, ()),
        ({"hide_secrets": True, "guardstream": True}, SCANNERS),  # LiteLLM's names: ignored
    ],
)
def test_request_toggles(toggles: dict[str, bool] | None, expected: tuple[str, ...]) -> None:
    assert settings().plan(None, None, toggles, "guardstream").scanners == expected


def test_toggles_turn_on_a_scanner_the_config_left_out() -> None:
    plan = settings(scanners=["pii"]).plan(None, None, {"secrets": True}, "guardstream")
    assert plan.scanners == ("pii", "secrets")


def test_key_overrides_team_overrides_config() -> None:
    s = settings(actions={"pii": "log"}, on_timeout="allow")
    plan = s.plan(
        {"on_timeout": "block", "actions": {"EMAIL_ADDRESS": "mask"}, "budget_ms": 900},
        {"scanners": ["pii"], "actions": {"pii": "block"}},
        None,
        "guardstream",
    )
    assert plan.scanners == ("pii",)
    assert plan.on_timeout == "block" and plan.budget_ms == 900
    assert plan.policy.actions == {"pii": "block", "EMAIL_ADDRESS": "mask"}
    assert plan.policy.redact


def test_an_admin_can_lock_toggles_for_a_key() -> None:
    plan = settings().plan(
        None, {"allow_request_toggles": False}, {"prompt_injection": False}, "guardstream"
    )
    assert plan.scanners == SCANNERS
