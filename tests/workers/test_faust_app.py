"""The pools' faust app: its producer writes with acks from all in-sync replicas, idempotently."""

from __future__ import annotations

from pathlib import Path

from topics import KafkaConnection, Topics
from workers.faust_app import build_app
from workers.settings import PoolSettings


async def test_the_pools_producer_is_idempotent_and_waits_for_all_replicas(
    kafka: KafkaConnection, tmp_path: Path
) -> None:
    settings = PoolSettings("secrets", kafka, Topics(prefix="unused"), tmp_path)
    app = build_app(settings)
    producer = app.producer._new_producer()  # the aiokafka client faust sends with
    try:
        await producer.start()
        assert producer._txn_manager is not None, "idempotence is off"
        assert producer._sender._acks == -1
    finally:
        await producer.stop()
