"""Fixtures shared by every test: the session's Kafka broker and per-test topics; and the tiers.

A test that uses the ``kafka`` fixture (directly or through ``topics`` or another fixture) is
marked ``broker`` here; tests that start a broker, a LiteLLM proxy or pool processes of their
own carry ``pytestmark = pytest.mark.broker`` (or ``proxy``) themselves. ``make test-fast``
runs the rest: ``pytest -m "not broker and not proxy"``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest

from tests.kafka_source import kafka_bootstrap
from topics import KafkaConnection, Topics
from topics.admin import create_topics

# LiteLLM must not try to download its model cost map: there is no network here.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


SLOW_FIXTURES = frozenset({"kafka", "broker", "cluster", "secure"})
"""Fixtures that need the session's broker or start brokers of their own (the chaos tests'
``broker`` and ``cluster``, the security tests' ``secure``): their tests are marked ``broker``."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that needs the broker through its fixtures."""
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.broker)


@pytest.fixture(scope="session")
def kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KafkaConnection]:
    """A connection to the session's real Kafka broker."""
    with kafka_bootstrap(tmp_path_factory.mktemp("kafka")) as (bootstrap, source):
        print(f"\nKafka for this session: {bootstrap} ({source})")
        yield KafkaConnection(bootstrap)


@pytest.fixture
async def topics(kafka: KafkaConnection) -> AsyncIterator[Topics]:
    """The contract's topics under a prefix of this test's own, created on the broker."""
    names = Topics(prefix=f"test-{uuid.uuid4().hex[:10]}", partitions=3)
    await create_topics(kafka, names.all())
    yield names
