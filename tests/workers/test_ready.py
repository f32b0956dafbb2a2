"""Batches of whatever is ready, with real asyncio: counts and order, never the clock."""

from __future__ import annotations

import asyncio

import pytest

from workers.ready import ReadyBatches


async def _turns(n: int = 5) -> None:
    """Let every ready task run ``n`` times (no wall-clock time involved)."""
    for _ in range(n):
        await asyncio.sleep(0)


async def test_a_lone_item_is_handed_out_at_once_without_waiting_for_company() -> None:
    ready: ReadyBatches[int] = ReadyBatches(max_batch=32)
    taking = asyncio.ensure_future(ready.take())
    await _turns()
    assert not taking.done()  # nothing has arrived: it waits
    await ready.put(1)
    await _turns()
    assert taking.done()  # before anything else is put: no timer held it
    assert taking.result() == [1]


async def test_with_a_linger_a_batch_waits_for_more_until_it_is_full() -> None:
    # the contrast to the test above: the old, timer-like behaviour, when asked for
    ready: ReadyBatches[int] = ReadyBatches(max_batch=3, linger_s=3600)
    taking = asyncio.ensure_future(ready.take())
    await ready.put(1)
    await _turns()
    assert not taking.done()
    await ready.put(2)
    await ready.put(3)
    await _turns()
    assert taking.result() == [1, 2, 3]


async def test_what_arrives_during_a_scan_is_the_next_batch_in_order() -> None:
    ready: ReadyBatches[int] = ReadyBatches(max_batch=32)
    await ready.put(0)
    assert await ready.take() == [0]
    for i in range(1, 6):  # arrive while batch [0] is being scanned
        await ready.put(i)
    assert await ready.take() == [1, 2, 3, 4, 5]
    assert len(ready) == 0


async def test_a_batch_holds_at_most_max_batch_and_the_rest_comes_next() -> None:
    ready: ReadyBatches[int] = ReadyBatches(max_batch=4, capacity=10)
    for i in range(10):
        await ready.put(i)
    assert [await ready.take() for _ in range(3)] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


async def test_put_waits_while_full_and_goes_on_once_a_batch_is_taken() -> None:
    ready: ReadyBatches[int] = ReadyBatches(max_batch=2, capacity=2)
    await ready.put(1)
    await ready.put(2)
    putting = asyncio.ensure_future(ready.put(3))
    await _turns()
    assert not putting.done() and len(ready) == 2
    assert await ready.take() == [1, 2]
    await _turns()
    assert putting.done() and await ready.take() == [3]


def test_a_batch_must_hold_something() -> None:
    with pytest.raises(ValueError, match="max_batch"):
        ReadyBatches(max_batch=0)
