"""The security log's retention: rotated files past ``retention_days`` are deleted."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from topics.errors import ConfigError
from workers.audit.sinks.security_log import SecurityLogSink


def test_rotated_files_older_than_the_retention_are_deleted(tmp_path: Path) -> None:
    log = tmp_path / "security.log"
    old, recent = tmp_path / "security.log.2", tmp_path / "security.log.1"
    for path in (old, recent):
        path.write_text("{}\n")
    ten_days_ago = time.time() - 10 * 86_400
    os.utime(old, (ten_days_ago, ten_days_ago))
    sink = SecurityLogSink(str(log), retention_days=7)
    try:
        assert not old.exists() and recent.exists()
    finally:
        sink.close()


def test_retention_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        SecurityLogSink(str(tmp_path / "security.log"), retention_days=0)
