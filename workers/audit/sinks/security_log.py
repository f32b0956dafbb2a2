"""The security event log: one JSON line per audit record, filtered by level, rotated by size.

Levels: ``INFO`` for a request nothing was found in, ``WARNING`` for one that was flagged or
masked, or that a scanner would have blocked but nobody enforced (``logging_only``: the line
says ``"would_block": true`` and its decision stays ``allow``, what really happened),
``ERROR`` for one that was blocked or whose scanners failed or timed out. With
``log_level: WARNING`` only flagged and blocked requests are written, as the users' guide's
``security_logging`` setting promises. Texts appear only with ``include_request_data``, and then
only as the audit record has them: masked, never raw unless raw capture is on. Rotated files
older than ``retention_days`` (default 30, as the audit topic) are deleted.
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import time
from pathlib import Path
from typing import ClassVar

import orjson

from topics.errors import ConfigError
from topics.messages import AuditRecord
from workers.audit.sinks.base import Sink, would_block

__all__ = ["SecurityLogSink", "level_of"]

_LEVELS = {
    "DEBUG": logging.DEBUG,
    "INFO": logging.INFO,
    "WARNING": logging.WARNING,
    "ERROR": logging.ERROR,
}


def level_of(record: AuditRecord) -> int:
    """The log level of an audit record."""
    if record.decision == "block" or record.timed_out or record.failed:
        return logging.ERROR
    if record.decision == "mask" or any(o.findings for o in record.outcomes):
        return logging.WARNING
    return logging.INFO


class SecurityLogSink(Sink):
    """JSON lines to ``log_file``, rotated at ``max_bytes`` keeping ``backup_count`` old files."""

    name: ClassVar[str] = "security_log"

    def __init__(
        self,
        log_file: str,
        log_level: str = "WARNING",
        include_request_data: bool = False,
        max_bytes: int = 10 * 1024 * 1024,
        backup_count: int = 5,
        retention_days: float = 30.0,
    ) -> None:
        if retention_days <= 0:
            raise ConfigError(f"retention_days must be more than 0, not {retention_days!r}")
        self.retention_s = retention_days * 86_400
        if log_level.upper() not in _LEVELS:
            raise ConfigError(f"log_level must be one of {', '.join(_LEVELS)}, not {log_level!r}")
        self.level = _LEVELS[log_level.upper()]
        self.include_request_data = include_request_data
        path = Path(log_file)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=max_bytes, backupCount=backup_count, encoding="utf-8"
        )
        self._handler.setFormatter(logging.Formatter("%(message)s"))
        self._path = path
        self._forget_old()

    def write(self, records: list[AuditRecord]) -> None:
        for record in records:
            level = level_of(record)
            if level < self.level:
                continue
            line = orjson.dumps(self._event(record, level)).decode()
            self._handler.emit(
                logging.LogRecord("guardstream.security", level, "", 0, line, None, None)
            )
        self._handler.flush()
        self._forget_old()

    def _forget_old(self) -> None:
        """Delete rotated files (``security.log.1``...) last written before the retention."""
        cutoff = time.time() - self.retention_s
        for old in self._path.parent.glob(f"{self._path.name}.*"):
            with contextlib.suppress(OSError):
                if old.stat().st_mtime < cutoff:
                    old.unlink()

    def _event(self, record: AuditRecord, level: int) -> dict:
        event = {
            "ts": record.completed_ms,
            "level": logging.getLevelName(level),
            "request_id": record.request_id,
            "phase": record.phase,
            "mode": record.mode,
            "decision": record.decision,
            "would_block": would_block(record),
            "key_alias": record.caller.key_alias,
            "team": record.caller.team,
            "user": record.caller.user,
            "model": record.caller.model,
            "scanners": {o.scanner: o.verdict or o.status for o in record.outcomes},
            "findings": [
                {
                    "scanner": o.scanner,
                    "label": f.label,
                    "text": f.text,
                    "start": f.start,
                    "end": f.end,
                    "score": f.score,
                }
                for o in record.outcomes
                for f in o.findings
            ],
            "timed_out": record.timed_out,
            "failed": record.failed,
            "texts_sha256": record.texts_sha256,
        }
        if self.include_request_data:
            event["texts"] = (
                record.raw_texts if record.raw_texts is not None else record.redacted_texts
            )
        return event

    def close(self) -> None:
        self._handler.close()
