"""Message keys and partition rules.

Everything about one request is keyed by its request id, so Kafka's default partitioner puts a
request's messages on the same partition of each topic. Results are the exception: they go to the
partition the waiting proxy instance reads (its reply partition).
"""

from __future__ import annotations

import zlib

__all__ = ["message_key", "reply_partition"]


def message_key(request_id: str) -> bytes:
    """The Kafka key of every message about ``request_id``."""
    return request_id.encode("utf-8", "surrogatepass")


def reply_partition(instance_id: str, partitions: int) -> int:
    """The results partition a proxy instance reads, stable across restarts of that instance.

    Two instances may share a partition; each ignores results whose correlation id it does not
    wait for.
    """
    if partitions < 1:
        raise ValueError("partitions must be at least 1")
    return zlib.crc32(instance_id.encode("utf-8", "surrogatepass")) % partitions
