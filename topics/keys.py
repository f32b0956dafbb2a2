"""Message keys and partition rules.

Everything about one request is keyed by its request id, so Kafka's default partitioner puts a
request's messages on the same partition of each topic. Results are the exception: they go to the
partition the waiting proxy instance reads (its reply partition).

A long request is scanned in chunks (:mod:`shim.chunks`): each chunk is a scan request of its
own with the id ``<request id>#c<k>`` (:func:`chunk_id`), so its messages are keyed by that id and
the chunks of one request spread over the partitions, and so over a pool's processes. The audit
pool recognises them by :func:`chunk_parent` and records the request once, whole.
"""

from __future__ import annotations

import re
import zlib

__all__ = ["chunk_id", "chunk_parent", "message_key", "reply_partition"]

_CHUNK = re.compile(r"#c\d+$")


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


def chunk_id(request_id: str, index: int) -> str:
    """The request id of chunk ``index`` of request ``request_id``."""
    return f"{request_id}#c{index}"


def chunk_parent(request_id: str) -> str | None:
    """The request a chunk's id belongs to; None when ``request_id`` is not a chunk's."""
    match = _CHUNK.search(request_id)
    return request_id[: match.start()] if match else None
