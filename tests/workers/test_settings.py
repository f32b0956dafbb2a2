"""The pools' config file: each ``pools.<kind>`` key is a documented field of PoolSettings, and
an unknown one is refused naming the nearest (the docs table is checked in tests/test_docs.py)."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from topics import ConfigError, KafkaConnection, Topics
from workers.settings import POOL_KEYS, PoolSettings, pool_section

PROCESS_OWN = {"kind", "connection", "topics", "data_dir", "worker_index"}


def test_every_field_is_a_documented_key_or_the_processs_own() -> None:
    # a field added without its doc is not a key of the file, nor in the docs: this says so
    assert {f.name for f in fields(PoolSettings)} - {f.name for f in POOL_KEYS} == PROCESS_OWN
    assert all(f.metadata["doc"].strip() for f in POOL_KEYS)


def test_every_documented_key_is_accepted_and_reaches_the_settings(tmp_path: Path) -> None:
    section = {"batch_size": 8, "processes": 2, "web_port": 7000, "scanner": {"x": 1}}
    assert set(section) <= {f.name for f in POOL_KEYS}
    checked = pool_section({"pools": {"pii": section}}, "pii")
    settings = PoolSettings("pii", KafkaConnection("k:1"), Topics(), tmp_path, **checked)
    assert (settings.batch_size, settings.processes, settings.port) == (8, 2, 7000)


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("batch_sise", "did you mean 'batch_size'"),
        ("procesess", "did you mean 'processes'"),
        ("frobnicate", "known: audit, batch_size"),
        ("worker_index", "unknown setting"),  # set by guardstream worker, never by the file
    ],
)
def test_an_unknown_key_is_refused_naming_the_nearest(key: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        pool_section({"pools": {"pii": {key: 1}}}, "pii")
