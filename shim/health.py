"""``GET /health/guardrails`` on the proxy's own port: are the pools behind this guardrail
consuming, and is the guardrail deciding by verdicts or by its fail policy?

The route sits behind the proxy's own key check (LiteLLM's ``user_api_key_auth``: the master
key or a virtual key), as LiteLLM's detailed ``/health`` routes do: pool members, lag and
fail-open counts tell an attacker when the guardrail lets requests through unscanned. Liveness
stays open, as LiteLLM leaves it: ``/health/liveliness`` is LiteLLM's own and needs no key.

The answer never waits for Kafka: a background task refreshes the pools' consumer groups
(members, lag) every ``interval_s``, and the shim counts timeouts, errors and fail-policy
decisions as it makes them; a request reads both. The status is 200 when Kafka answered the
last refresh and every scanner has a consuming member and is waited for, else 503. A scanner
whose pool stopped answering (:class:`~shim.liveness.PoolWatch`) shows ``"skipped"``: why and
for how long requests have applied ``on_timeout`` to it without waiting. Each scanner's
``scan_rate`` (:mod:`topics.rates`, read at the same refresh) says how many bytes per second a
process of its pool scans, and the pool scanned lately.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Iterable
from typing import Any

from shim.liveness import PoolWatch
from topics import BrokerUnavailable, KafkaConnection, Topics
from topics.groups import GroupState, describe_pools
from topics.rates import PoolRate, read_rates

__all__ = ["GuardrailHealth", "mount"]

log = logging.getLogger("guardstream.shim")

_RECENT_S = 300.0
"""How far back the counts of timeouts, errors and fail-policy decisions look."""


class GuardrailHealth:
    """What one guardrail instance knows about its pools and its own decisions."""

    def __init__(
        self,
        name: str,
        connection: KafkaConnection,
        topics: Topics,
        scanners: Iterable[str],
        *,
        interval_s: float = 10.0,
        max_lag: int = 1000,
        watch: PoolWatch | None = None,
    ) -> None:
        self.name = name
        self.connection = connection
        self.topics = topics
        self.scanners = tuple(scanners)
        self.interval_s = interval_s
        self.max_lag = max_lag
        self.watch = watch
        """The reply client's per-scanner liveness: told of each refresh's group members."""
        self._groups: dict[str, GroupState] = {}
        self._rates: dict[str, PoolRate] = {}
        self._checked_at = 0.0
        self._kafka_error = "not checked yet"
        self._events: deque[tuple[float, str, str]] = deque(maxlen=10_000)
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start refreshing in the background, on the running loop; idempotent."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._refresh_forever())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def note(self, timed_out: Iterable[str], failed: Iterable[str], fail_policy: str) -> None:
        """Count one decision's missing scanners and its fail policy (``open``/``closed``)."""
        now = time.monotonic()
        self._events.extend((now, "timeout", s) for s in timed_out)
        self._events.extend((now, "error", s) for s in failed)
        if fail_policy:
            self._events.append((now, f"fail_{fail_policy}", ""))

    def report(self) -> tuple[bool, dict[str, Any]]:
        """Whether all is well, and the body that says so, from what is already known."""
        self.start()
        now = time.monotonic()
        recent = [(kind, scanner) for at, kind, scanner in self._events if now - at < _RECENT_S]
        scanners = {}
        healthy = not self._kafka_error
        for scanner in self.scanners:
            group = self._groups.get(scanner)
            members = len(group.members) if group else 0
            lag = group.lag if group else None
            skip = self.watch.state(scanner) if self.watch else None
            if skip is not None:  # what requests do now, whatever the last refresh saw
                status, healthy = "down", False
            elif self._kafka_error:
                status = "unknown"
            elif not members:
                status, healthy = "down", False
            elif lag is not None and lag > self.max_lag:
                status = "lagging"
            elif ("timeout", scanner) in recent or ("error", scanner) in recent:
                status = "degraded"
            else:
                status = "ok"
            scanners[scanner] = {
                "status": status,
                "members": members,
                "lag": lag,
                "timeouts_5m": recent.count(("timeout", scanner)),
                "errors_5m": recent.count(("error", scanner)),
                "skipped": None
                if skip is None
                else {"reason": skip.reason, "for_s": round(now - skip.since, 1)},
                "scan_rate": rate.as_dict() if (rate := self._rates.get(scanner)) else None,
            }
        body = {
            "guardrail": self.name,
            "status": "healthy" if healthy else "unhealthy",
            "kafka": self._kafka_error or "ok",
            "checked_s_ago": round(now - self._checked_at, 1) if self._checked_at else None,
            "scanners": scanners,
            "fail_open_5m": recent.count(("fail_open", "")),
            "fail_closed_5m": recent.count(("fail_closed", "")),
        }
        return healthy, body

    async def _refresh_forever(self) -> None:
        while True:
            try:
                groups = await describe_pools(self.connection, self.topics, self.scanners)
            except BrokerUnavailable as e:
                self._kafka_error = f"unreachable: {e}"[:300]
            except Exception as e:  # a health probe must never take the proxy down
                log.warning("guardstream: health refresh failed: %s", e)
                self._kafka_error = f"health refresh failed: {type(e).__name__}"
            else:
                self._groups = {g.kind: g for g in groups}
                if self.watch is not None:
                    _tell(self.watch, groups)
                self._kafka_error = ""
                self._checked_at = time.monotonic()
                await self._refresh_rates()
            await asyncio.sleep(self.interval_s)

    async def _refresh_rates(self) -> None:
        try:
            self._rates = await read_rates(self.connection, self.topics, int(time.time() * 1000))
        except Exception as e:  # the rates are informative: keep the last ones
            log.warning("guardstream: reading the pools' scan rates failed: %s", e)


def _tell(watch: PoolWatch, groups: Iterable[GroupState]) -> None:
    """Give ``watch`` the groups' members: a pool whose group emptied is not waited for."""
    for group in groups:
        if watch.members(group.kind, len(group.members)) == "down":
            log.warning(
                "guardstream: the %s pool's consumer group has no members; requests do not "
                "wait for it and apply on_timeout to it until it answers again",
                group.kind,
            )


def mount(app: Any, health: GuardrailHealth) -> None:
    """Serve ``GET /health/guardrails`` on ``app`` (LiteLLM's FastAPI app) for every
    guardrail instance mounted; the route is added once, behind the proxy's key check."""
    from fastapi import Depends
    from fastapi.responses import JSONResponse
    from litellm.proxy.auth.user_api_key_auth import user_api_key_auth

    registered: list[GuardrailHealth] = getattr(app.state, "guardstream_health", [])
    app.state.guardstream_health = [*registered, health]
    if registered:
        return

    async def guardrails_health() -> JSONResponse:
        reports = [h.report() for h in app.state.guardstream_health]
        healthy = all(ok for ok, _ in reports)
        body = {
            "status": "healthy" if healthy else "unhealthy",
            "guardrails": [report for _, report in reports],
        }
        return JSONResponse(body, status_code=200 if healthy else 503)

    app.add_api_route(
        "/health/guardrails",
        guardrails_health,
        methods=["GET"],
        include_in_schema=False,
        dependencies=[Depends(user_api_key_auth)],
    )
