"""The one place that builds and runs a pool's faust-streaming app.

Both pools (scanners, :mod:`workers.scan_pool`; audit, :mod:`workers.audit.pool`) are faust apps
on the same broker, with the same security, web server, consumer and producer settings: those
come from :func:`build_app`, and the health and metrics pages from :func:`serve_pages`. Each
pool adds only what is its own (topics, agents, tables) and runs with :func:`run_app`.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any, Protocol

import faust
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import ProducerT
from faust.worker import Worker

from topics.admin import create_topics
from topics.connection import METADATA_MAX_AGE_MS, RELIABLE_PRODUCER, KafkaConnection
from topics.specs import TopicSpec
from workers.fatal import EXIT_FAILED, Fatal
from workers.settings import PoolSettings

log = logging.getLogger("guardstream.pool")

__all__ = [
    "PAYLOAD_LOGGERS",
    "PoolPages",
    "build_app",
    "cap_payload_loggers",
    "create_pool_topics",
    "faust_credentials",
    "raw_topic",
    "run_app",
    "serve_pages",
    "worker_log_level",
]

PAYLOAD_LOGGERS = ("aiokafka", "faust.topics", "faust.transport", "faust.tables")
"""Loggers that write message payloads at DEBUG: aiokafka's producer logs every value it sends
(``Sending (key=... value=...)``) and its connections log whole produce requests and fetch
responses, records included; faust's topics and transport log each value they send
(``send: topic=... v=...``), the audit pool's table changelog included. Prompts must never
reach a log, so these stay at INFO or above whatever the process's level."""


def worker_log_level() -> str:
    """The level faust's worker sets logging up with when it starts (it re-configures the root
    logger): DEBUG when the process was asked for DEBUG (``--log-level DEBUG``), else WARNING,
    which keeps faust's start-up banner and chatter out of an INFO log."""
    debug = logging.getLogger().getEffectiveLevel() <= logging.DEBUG
    return "DEBUG" if debug else "WARNING"


def cap_payload_loggers() -> None:
    """Keep :data:`PAYLOAD_LOGGERS` at INFO or above, even when the process logs at DEBUG."""
    for name in PAYLOAD_LOGGERS:
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.INFO:
            logger.setLevel(logging.INFO)


def faust_credentials(connection: KafkaConnection) -> Any:
    """faust's ``broker_credentials`` for a connection (None for plaintext)."""
    if connection.security_protocol == "PLAINTEXT":
        return None
    if connection.security_protocol == "SSL":
        return connection.ssl_context()
    ssl_context = connection.ssl_context() if connection.security_protocol == "SASL_SSL" else None
    return faust.SASLCredentials(
        username=connection.sasl_username,
        password=connection.sasl_password,
        ssl_context=ssl_context,
        mechanism=connection.sasl_mechanism,
    )


class _ReliableProducer(faust_aiokafka.Producer):
    """faust's producer with guardstream's delivery settings (acks from all in-sync replicas,
    idempotent retries). faust turns idempotence on only inside its transactions, and offers
    no setting for it otherwise."""

    def _settings_extra(self) -> dict[str, Any]:
        return {**super()._settings_extra(), **RELIABLE_PRODUCER}


class _App(faust.App):
    """A faust app whose producer (agents' sends and table changelogs alike) is
    :class:`_ReliableProducer`."""

    def _new_producer(self) -> ProducerT:
        return _ReliableProducer(self.transport, loop=self.loop, beacon=self.beacon)


def build_app(settings: PoolSettings, **options: Any) -> faust.App:
    """A faust app for one pool process: its consumer group, broker and credentials, data
    folder, health and metrics web server, and the consumer and producer settings every pool
    shares; ``options`` are the pool's own faust settings on top."""
    s = settings
    return _App(
        s.group_id,
        broker=[f"kafka://{server}" for server in s.connection.bootstrap_servers.split(",")],
        broker_credentials=faust_credentials(s.connection),
        datadir=str(s.data_dir),
        web_enabled=True,
        web_bind=s.web_host,
        web_port=s.port,
        topic_partitions=s.topics.partitions,
        topic_allow_declare=True,
        consumer_auto_offset_reset="earliest",
        broker_commit_interval=1.0,
        # A process killed without a goodbye holds its partitions until its session times
        # out; keep that short so survivors take over quickly.
        broker_session_timeout=s.session_timeout_s,
        broker_heartbeat_interval=min(3.0, s.session_timeout_s / 3),
        consumer_metadata_max_age_ms=METADATA_MAX_AGE_MS,  # a moved leader found in seconds
        producer_acks=-1,  # also in RELIABLE_PRODUCER; faust logs this one as its setting
        producer_max_request_size=s.topics.requests.max_message_bytes + 65536,
        consumer_max_fetch_size=s.topics.requests.max_message_bytes + 65536,
        logging_config=None,
        **options,
    )


def create_pool_topics(app: faust.App, settings: PoolSettings, specs: list[TopicSpec]) -> None:
    """Make sure ``specs`` exist before the consumer subscribes (a consumer that subscribes to
    a missing topic would not see it appear), and have faust create the topics it makes itself
    (its group leader's) with as many copies as guardstream's have."""
    states = asyncio.run(create_topics(settings.connection, specs))
    app.conf.topic_replication_factor = max(s.replicas for s in states)


def raw_topic(app: faust.App, *names: str) -> faust.TopicT:
    """The topic(s) ``names`` with keys and values as raw bytes: the pools decode with
    :mod:`topics.codec` themselves."""
    return app.topic(
        *names, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw"
    )


class PoolPages(Protocol):
    """What a pool process tells its health and metrics pages."""

    joined: bool
    """True once the consumer has joined its group (its first rebalance completed)."""

    def ready(self) -> bool:
        """Whether the process should get traffic (``/health/ready``)."""
        ...

    def status(self) -> dict[str, Any]:
        """What ``/health`` reports."""
        ...

    def render_metrics(self) -> bytes:
        """The Prometheus text of ``/metrics``."""
        ...


def serve_pages(app: faust.App, pool: PoolPages) -> None:
    """Set ``pool.joined`` when the consumer joins its group, and serve ``/health/live`` (the
    process answers), ``/health/ready`` (503 until ``pool.ready()``), ``/health`` and
    ``/metrics``, the pages the probes, ``guardstream health`` and Prometheus read. The
    readiness body also says ``degraded`` for a scan pool whose scans time out."""
    pages = _Pages(app, pool)
    # mode's SignalHandlerT names its `signal` argument with a string NamedArg that mypy cannot
    # resolve: no handler, however typed, matches it
    app.on_rebalance_complete.connect(pages.joined)  # type: ignore[arg-type]
    # faust types a page handler as (View, Request), but View.from_handler stores it as a plain
    # class attribute, so a bound method is called with the request alone (as it is here)
    app.page("/health/live")(pages.live)  # type: ignore[arg-type]
    app.page("/health/ready")(pages.ready)  # type: ignore[arg-type]
    app.page("/health")(pages.health)  # type: ignore[arg-type]
    app.page("/metrics")(pages.metrics)  # type: ignore[arg-type]


class _Pages:
    def __init__(self, app: faust.App, pool: PoolPages) -> None:
        self.app = app
        self.pool = pool

    async def joined(self, app: faust.App, **kwargs: Any) -> None:
        self.pool.joined = True

    async def live(self, request: Any) -> Any:
        return self.app.web.json({"live": True})

    async def ready(self, request: Any) -> Any:
        ready = self.pool.ready()
        body = {"ready": ready, "degraded": bool(getattr(self.pool, "degraded", False))}
        return self.app.web.json(body, status=200 if ready else 503)

    async def health(self, request: Any) -> Any:
        return self.app.web.json(self.pool.status())

    async def metrics(self, request: Any) -> Any:
        return self.app.web.bytes(
            self.pool.render_metrics(), content_type="text/plain; version=0.0.4"
        )


def run_app(app: faust.App, fatal: Fatal) -> int:
    """Run ``app``'s worker until it stops (SIGTERM or SIGINT); its exit code:
    :data:`~workers.fatal.EXIT_FAILED` when the process stopped because it could not work
    (``fatal`` says why, or faust itself crashed)."""
    worker = Worker(app, loglevel=worker_log_level(), quiet=True, redirect_stdouts=False)
    stopped = threading.Event()
    watchdog = threading.Thread(
        target=_watch_for_crash, args=(app, fatal, stopped), name="crash-watch", daemon=True
    )
    watchdog.start()
    code = 0
    try:
        worker.execute_from_commandline()
    except SystemExit as e:  # faust's worker exits through SystemExit when it stops
        code = int(e.code or 0)
    finally:
        stopped.set()
    crashed = app.crash_reason or worker.crash_reason
    if crashed is not None and not fatal.reason:
        fatal.reason = f"faust crashed: {type(crashed).__name__}: {crashed}"
        log.critical("guardstream: %s; exiting with code %d", fatal.reason, EXIT_FAILED)
    return EXIT_FAILED if fatal.reason else code


def _watch_for_crash(app: faust.App, fatal: Fatal, stopped: threading.Event) -> None:
    """Fail the process once faust has crashed. A crashed service with no supervisor of its
    own (the Kafka consumer) marks the app crashed but leaves the worker running, consuming
    nothing: a pool that lost its consumer must exit to get a new one. (A table recovery that
    fails on a bad changelog record is not a crash to faust: it stalls, and this does not see
    it.)"""
    while not stopped.wait(1.0):
        crashed = app.crash_reason
        if crashed is not None:
            fatal.fail(f"faust crashed: {type(crashed).__name__}: {crashed}")
            return
