"""Everything on one machine without Docker: a local Kafka broker (:mod:`workers.local.broker`)
from Kafka's jars fetched once (:mod:`workers.local.jars`), and the whole stack behind
``guardstream up`` (:mod:`workers.local.stack`). Development tooling: not in the worker image."""

__all__: list[str] = []
