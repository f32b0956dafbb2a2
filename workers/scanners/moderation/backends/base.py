"""What a moderation backend is, and the HTTP plumbing the remote ones share.

A backend turns a batch of texts into, per text, the taxonomy categories it found with a score
in [0, 1]. :class:`HttpBackend` posts JSON with connect and read timeouts, retries 5xx, 429 and
connection failures with exponential backoff a bounded number of times within an overall
deadline, and raises :class:`~topics.errors.ScannerTimeout` when time ran out or
:class:`~topics.errors.ScannerError` for anything else (bad status, bad JSON, wrong shape).

The client is synchronous on purpose: the pool already calls ``scan()`` in a worker thread, and
a backend that needs several calls at once (one per text) runs them in a small thread pool
rather than starting an event loop inside that thread.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar

import httpx

from topics.errors import ConfigError, ScannerError, ScannerTimeout
from workers.scanners.base import ScanItem

__all__ = ["Backend", "Categories", "HttpBackend", "PerTextHttpBackend", "expect"]

Categories = dict[str, float]
"""Taxonomy category -> score in [0, 1], for one text; empty when nothing was found."""

_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class Backend:
    """Base class of moderation backends."""

    name: ClassVar[str] = ""

    def load(self) -> None:
        """Build the model or client; called once before the first :meth:`classify`."""

    def classify(self, items: list[ScanItem]) -> list[Categories]:
        """One :data:`Categories` per item, in order."""
        raise NotImplementedError

    def operating_scores(self) -> dict[float, float]:
        """Target mean benign FPR to the score (on this backend's scale) of its operating point
        there (:mod:`workers.scanners.bands`); empty (the default) for a backend that has none."""
        return {}

    def close(self) -> None:
        """Release what :meth:`load` built."""


class HttpBackend(Backend):
    """A backend behind an HTTP API.

    Options: ``base_url`` (required), ``api_key`` (sent as a Bearer token when set),
    ``connect_timeout`` and ``read_timeout`` (seconds, per attempt), ``retries`` (extra attempts
    after the first), ``backoff`` (first wait in seconds, doubled each retry) and ``deadline``
    (seconds for one call, retries included).
    """

    def __init__(
        self,
        base_url: str = "",
        api_key: str | None = None,
        connect_timeout: float = 1.0,
        read_timeout: float = 5.0,
        retries: int = 2,
        backoff: float = 0.1,
        deadline: float = 10.0,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ConfigError(f"moderation backend {self.name!r} needs base_url (http[s]://...)")
        if retries < 0 or backoff < 0 or deadline <= 0:
            raise ConfigError("moderation: retries, backoff and deadline must be positive")
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = httpx.Timeout(read_timeout, connect=connect_timeout)
        self.retries = retries
        self.backoff = backoff
        self.deadline = deadline
        self._client: httpx.Client | None = None

    def load(self) -> None:
        """Open the connection pool."""
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        # trust_env=False: proxies or netrc from the environment must not redirect a worker.
        self._client = httpx.Client(timeout=self.timeout, headers=headers, trust_env=False)

    def close(self) -> None:
        """Close the connection pool."""
        if self._client is not None:
            self._client.close()
            self._client = None

    def post(self, path: str, body: dict[str, Any]) -> Any:
        """POST ``body`` as JSON to ``base_url + path`` and return the decoded JSON reply."""
        if self._client is None:
            self.load()
        assert self._client is not None
        url = f"{self.base_url}{path}"
        give_up_at = time.monotonic() + self.deadline
        wait = self.backoff
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            left = give_up_at - time.monotonic()
            if left <= 0:
                raise ScannerTimeout(f"{self.name}: no answer from {url} in {self.deadline}s")
            timeout = httpx.Timeout(
                min(self.timeout.read or left, left),
                connect=min(self.timeout.connect or left, left),
            )
            try:
                reply = self._client.post(url, json=body, timeout=timeout)
            except httpx.TimeoutException as e:
                if last or time.monotonic() + wait >= give_up_at:
                    raise ScannerTimeout(f"{self.name}: {url} timed out: {e!r}") from e
            except httpx.TransportError as e:
                if last or time.monotonic() + wait >= give_up_at:
                    raise ScannerError(f"{self.name}: cannot reach {url}: {e!r}") from e
            else:
                if reply.status_code in _RETRY_STATUSES and not last:
                    if time.monotonic() + wait >= give_up_at:
                        raise ScannerTimeout(f"{self.name}: {url} kept failing until deadline")
                elif reply.status_code >= 400:
                    raise ScannerError(f"{self.name}: {url} answered HTTP {reply.status_code}")
                else:
                    try:
                        return reply.json()
                    except ValueError as e:
                        raise ScannerError(f"{self.name}: {url} answered non-JSON") from e
            time.sleep(wait)
            wait *= 2
        raise AssertionError("unreachable")  # the last attempt returns or raises


class PerTextHttpBackend(HttpBackend):
    """An HTTP backend whose API judges one text per call: :meth:`classify` makes one call per
    text, at most ``concurrency`` at a time. Subclasses implement :meth:`classify_one`.
    Options besides :class:`HttpBackend`'s: ``concurrency``.
    """

    def __init__(self, concurrency: int = 4, **http: Any) -> None:
        super().__init__(**http)
        if concurrency < 1:
            raise ConfigError(f"{self.name}: concurrency must be at least 1")
        self.concurrency = concurrency

    def classify(self, items: list[ScanItem]) -> list[Categories]:
        """One call per text, at most ``concurrency`` in flight."""
        if len(items) <= 1:
            return [self.classify_one(i) for i in items]
        with ThreadPoolExecutor(min(self.concurrency, len(items))) as pool:
            return list(pool.map(self.classify_one, items))

    def classify_one(self, item: ScanItem) -> Categories:
        """The categories of one text."""
        raise NotImplementedError


def expect(condition: bool, backend: str, what: str) -> None:
    """Raise :class:`ScannerError` naming ``what`` was wrong in ``backend``'s reply."""
    if not condition:
        raise ScannerError(f"{backend}: unexpected reply: {what}")
