"""The ``module:Class`` loader every plug-in point uses, and its one error behaviour."""

from __future__ import annotations

import pytest

from topics.errors import ConfigError
from workers.audit.sinks import SINKS, Sink
from workers.plugins import load_class
from workers.scanners import Scanner
from workers.scanners.moderation.backends import BACKENDS, Backend, backend_class
from workers.scanners.secrets import SecretsScanner


def test_a_path_loads_its_class() -> None:
    assert load_class("workers.scanners.secrets:SecretsScanner", Scanner) is SecretsScanner


@pytest.mark.parametrize(
    "path",
    [
        "workers.scanners.secrets",  # no class
        "workers.scanners.secrets:",
        ":SecretsScanner",
        "workers.scanners.nowhere:SecretsScanner",  # no such module
        "workers.scanners.secrets:NoSuchScanner",  # no such class
        "workers.scanners.secrets:log",  # not a class
        "workers.audit.sinks.base:Sink",  # a class, but not a Scanner
    ],
)
def test_a_bad_path_is_a_config_error_naming_it_and_what_was_expected(path: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_class(path, Scanner)
    assert repr(path) in str(raised.value)
    assert "module:Class of a Scanner subclass" in str(raised.value)


@pytest.mark.parametrize("name", sorted(SINKS))
def test_every_sink_path_names_a_sink(name: str) -> None:
    assert issubclass(load_class(SINKS[name], Sink), Sink)


@pytest.mark.parametrize("name", sorted(BACKENDS))
def test_every_backend_path_names_a_backend(name: str) -> None:
    assert issubclass(backend_class(name), Backend)
