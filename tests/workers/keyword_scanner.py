"""A small, fast, deterministic scanner plug-in for testing the pool machinery (batching,
dead letters, crashes), loaded through ``--scanner-class`` like an operator's own plug-in.

It finds the word ``forbidden`` (label ``KEYWORD``), sleeps on ``SLOW:<seconds>`` (in one piece,
like a scanner with no checkpoints) or ``CRAWL:<seconds>`` (in 20 ms steps with a checkpoint
after each, like the built-in scanners), and raises on ``POISON`` so that a poisonous text can
be told from its batch. ``ENGINE_EXIT`` makes it call ``sys.exit`` in the scan thread, as a
native engine or library may on a fatal error: the scan thread is lost, not one scan.
``delay_s`` (``--option delay_s=2``) makes a whole pool slow: it sleeps that long before each
batch, whatever the texts, so one request can be answered fast by one pool and late by another.
``CONSUMER_FAULT`` breaks the pool's Kafka consumer from the inside: its next fetch raises, as
a client-library bug or an unrecoverable broker error would, so faust's fetcher service
crashes with nothing to restart it (what the pool's crash watchdog is for).
"""

from __future__ import annotations

import gc
import re
import sys
import time
from typing import Any

from workers.scanners.base import LabelFinding, ScanItem, Scanner, TextFindings, checkpoint

_WORD = re.compile(r"\bforbidden\b", re.IGNORECASE)
_SLOW = re.compile(r"SLOW:(\d+(?:\.\d+)?)")
_CRAWL = re.compile(r"CRAWL:(\d+(?:\.\d+)?)")


class KeywordScanner(Scanner):
    name = "keyword"
    default_action = "block"

    def __init__(self, label: str = "KEYWORD", delay_s: float = 0.0) -> None:
        self.label = label
        self.delay_s = delay_s
        self.batches: list[int] = []

    def scan(self, items: list[ScanItem]) -> list[TextFindings]:
        self.batches.append(len(items))
        time.sleep(self.delay_s)
        answers = []
        for item in items:
            if "ENGINE_EXIT" in item.text:
                sys.exit(3)
            if "CONSUMER_FAULT" in item.text:
                _break_the_consumer()
            if "POISON" in item.text:
                raise ValueError("poisonous text")
            slow = _SLOW.search(item.text)
            if slow:
                time.sleep(float(slow.group(1)))
            crawl = _CRAWL.search(item.text)
            if crawl:
                until = time.monotonic() + float(crawl.group(1))
                while time.monotonic() < until:
                    time.sleep(0.02)
                    checkpoint()
            found = [
                LabelFinding(m.start(), m.end(), self.label, 0.9) for m in _WORD.finditer(item.text)
            ]
            answers.append(TextFindings(found))
        return answers


class SecondKeywordScanner(KeywordScanner):
    """The same scanner as a second kind (its own pool and consumer group), for tests that
    need two pools answering one request differently (one slow, or one stopped)."""

    name = "keyword2"


def _break_the_consumer() -> None:
    """Make every later fetch of this process's faust consumer raise, inside aiokafka's own
    fetcher, where a real fetch error comes from. (A plug-in has no handle on the app: the
    one faust app of the process is found among the live objects.)"""
    import faust

    (app,) = [o for o in gc.get_objects() if isinstance(o, faust.App)]
    fetcher = app.consumer._thread._ensure_consumer()._fetcher

    async def fetched_records(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the fetch failed (test fault)")

    fetcher.fetched_records = fetched_records
