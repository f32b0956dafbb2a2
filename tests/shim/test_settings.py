"""Settings from litellm_params, and the per-request plan."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from shim.params import DEFAULTS, KNOWN_KEYS, PARAMS
from shim.presets import PRESETS
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
    # pools return redacted text whatever the actions: their own defaults mask PII and secrets
    assert s.instance_id and s.policy.redact and not s.allow_request_toggles
    # a 512 KB prompt is scanned (in chunks); past 1 MiB, on_oversize (block)
    assert (s.max_request_bytes, s.on_oversize) == (1 << 20, "block")
    assert settings(budget_ms=10_000).max_request_bytes == 1 << 20
    assert (s.chunk_chars, s.chunks_in_flight, s.scan_bytes_per_s) == (4096, 2, 6_000)
    assert (s.during_call_mask, s.logging_only, s.output_parse_pii) == ("block", False, False)


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


def test_redacted_text_is_asked_for_with_or_without_mask_actions() -> None:
    assert settings(actions={"EMAIL_ADDRESS": "mask"}).policy.redact
    assert settings(actions={"pii": "log"}).policy.redact
    assert settings().policy.redact


@pytest.mark.parametrize(
    ("params", "actions"),
    [
        # LiteLLM's Presidio key: only the named entities are acted on, the rest logged
        (
            {"pii_entities_config": {"EMAIL_ADDRESS": "MASK", "us_ssn": "BLOCK"}},
            {"pii": "log", "EMAIL_ADDRESS": "mask", "US_SSN": "block"},
        ),
        ({"entities": ["PHONE_NUMBER"]}, {"pii": "log", "PHONE_NUMBER": "mask"}),
        (
            {"entities": ["PERSON"], "pii_entities_config": {"PERSON": "BLOCK"}},
            {"pii": "log", "PERSON": "block"},
        ),
        # explicit actions win over both
        (
            {"entities": ["PERSON"], "actions": {"PERSON": "log", "secrets": "block"}},
            {"pii": "log", "PERSON": "log", "secrets": "block"},
        ),
    ],
)
def test_entity_policy_as_litellm_users_write_it(
    params: dict[str, object], actions: dict[str, str]
) -> None:
    assert settings(**params).policy.actions == actions


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("on_timout", "did you mean 'on_timeout'"),
        ("budget", "did you mean 'budget_ms'"),
        ("scaners", "did you mean 'scanners'"),
        ("presidio_language", "pools.pii.scanner"),
        ("frobnicate", "known keys"),
    ],
)
def test_an_unknown_key_is_refused_naming_the_nearest(key: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        settings(**{key: "x"})


def test_incremental_stream_settings() -> None:
    s = settings(stream_mode="incremental", stream_window_chars=200, stream_context_chars=32)
    assert s.stream_mode == "incremental"
    assert (s.stream_windows.window_chars, s.stream_windows.context_chars) == (200, 32)
    assert s.stream_windows.max_hold == settings().stream_windows.max_hold


def test_litellms_own_keys_are_accepted() -> None:
    s = settings(guardrail_name="guardstream", event_hook="pre_call", default_on=True)
    assert s.scanners == SCANNERS


@pytest.mark.parametrize(
    "params",
    [
        {"scanners": ["pii", "nope"]},
        {"on_timeout": "maybe"},
        {"actions": {"pii": "erase"}},
        {"thresholds": {"pii": "high"}},
        {"budget_ms": 0},
        {"stream_mode": "trickle"},
        {"stream_window_chars": 0},
        {"stream_max_hold_chars": "long"},
        {"max_request_bytes": 0},
        {"max_request_bytes": 64 << 20},  # over the topics' message limit: could never be sent
        {"on_oversize": "truncate"},
        {"chunk_chars": 0},
        {"chunks_in_flight": "many"},
        {"scan_bytes_per_s": -1},
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
        ({"hide_secrets": True, "guardstream": True}, SCANNERS),
    ],
)
def test_request_toggles(toggles: dict[str, bool] | None, expected: tuple[str, ...]) -> None:
    s = settings(allow_request_toggles=True)
    assert s.plan(None, None, toggles, "guardstream").scanners == expected


@pytest.mark.parametrize(
    "toggles", [{"prompt_injection": False}, {"guardstream": False}, {"pii": False}]
)
def test_turning_scanners_off_needs_permission(toggles: dict[str, bool]) -> None:
    assert settings().plan(None, None, toggles, "guardstream").scanners == SCANNERS
    team = {"allow_request_toggles": True}
    assert settings().plan(team, None, toggles, "guardstream").scanners != SCANNERS


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
    plan = settings(allow_request_toggles=True).plan(
        None, {"allow_request_toggles": False}, {"prompt_injection": False}, "guardstream"
    )
    assert plan.scanners == SCANNERS


@pytest.mark.parametrize(
    ("toggles", "expected"),
    [
        ({"hide_secrets": True}, ("pii", "secrets")),  # the guide's name turns secrets on
        ({"detect_prompt_injection": True}, ("pii", "prompt_injection")),
        (
            {"llmguard_moderations": True, "lakera": True},
            ("pii", "moderation"),
        ),  # others': LiteLLM's
    ],
)
def test_the_guides_names_work_in_toggles(
    toggles: dict[str, bool], expected: tuple[str, ...]
) -> None:
    assert settings(scanners=["pii"]).plan(None, None, toggles, "guardstream").scanners == expected


def test_the_guides_names_work_in_scanners_actions_and_thresholds() -> None:
    s = settings(
        scanners=["presidio", "lakera_prompt_injection", "hide_secrets"],
        actions={"hide_secrets": "block", "EMAIL_ADDRESS": "mask"},
        thresholds={"detect_prompt_injection": 0.9},
    )
    assert s.scanners == ("pii", "prompt_injection", "secrets")
    assert s.policy.actions == {"secrets": "block", "EMAIL_ADDRESS": "mask"}
    assert s.policy.thresholds == {"prompt_injection": 0.9}
    with pytest.raises(ConfigError, match="unknown scanners \\['lakera'\\]"):
        settings(scanners=["lakera"])


def test_the_guides_callback_args() -> None:
    s = settings(
        callback_args={
            "presidio": {"entities": ["PERSON", "EMAIL_ADDRESS"], "threshold": 0.8},
            "lakera_prompt_injection": {"category_thresholds": {"prompt_injection": 0.1}},
        }
    )
    assert s.policy.actions == {"pii": "log", "PERSON": "mask", "EMAIL_ADDRESS": "mask"}
    assert s.policy.thresholds == {"pii": 0.8, "prompt_injection": 0.1}
    with pytest.raises(ConfigError, match=r"pools\.moderation\.scanner"):
        settings(callback_args={"llmguard_moderations": {"api_base": "http://localhost:8001"}})


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_each_preset_masks_its_entities_and_logs_the_rest(preset: str) -> None:
    actions = settings(preset=preset).policy.actions
    assert actions == {"pii": "log", **dict.fromkeys(PRESETS[preset], "mask")}


def test_presets_combine_and_yield_to_explicit_keys() -> None:
    s = settings(
        preset=["pci", "hipaa"],
        pii_entities_config={"CREDIT_CARD": "BLOCK"},
        actions={"DATE_TIME": "log"},
    )
    actions = s.policy.actions
    assert actions["CREDIT_CARD"] == "block" and actions["DATE_TIME"] == "log"
    assert actions["US_SSN"] == "mask" and actions["IBAN_CODE"] == "mask"
    with pytest.raises(ConfigError, match="unknown preset"):
        settings(preset="sox")


def test_the_configuration_page_lists_each_presets_entities() -> None:
    page = (Path(__file__).resolve().parents[2] / "docs" / "configuration.md").read_text()
    rows = {
        cells[1].strip("` "): [e.strip() for e in cells[2].split(",")]
        for line in page.splitlines()
        if line.startswith("| `") and len(cells := line.split("|")) == 4
        and cells[1].strip("` ") in PRESETS
    }  # fmt: skip
    assert rows == {name: list(entities) for name, entities in PRESETS.items()}


def test_each_setting_is_a_described_key_with_the_same_default() -> None:
    # a field added to ShimSettings without its key in shim.params (and so in the docs) fails
    built = {"connection", "topics", "policy", "cipher", "stream_windows"}  # several keys, or none
    for f in fields(ShimSettings):
        if f.name not in built:
            assert f.name in KNOWN_KEYS, f.name
            assert f.default == DEFAULTS[f.name], f.name
    assert settings().max_request_bytes == DEFAULTS["max_request_bytes"]


def test_every_choice_is_checked_against_the_described_values() -> None:
    for param in PARAMS:
        if param.choices and not param.litellm:
            for value in param.choices:
                assert getattr(settings(**{param.name: value}), param.name) == value
            with pytest.raises(
                ConfigError, match=f"{param.name} must be {' or '.join(param.choices)}"
            ):
                settings(**{param.name: "neither"})
