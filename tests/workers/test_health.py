"""The proxies' fail-policy decisions as ``guardstream health`` reads them from the verdicts."""

from __future__ import annotations

import time

from tests.pools import Bus
from topics import KafkaConnection, Topics, Verdict, encode, message_key
from workers.health import recent_fail_policy


async def test_recent_fail_policy_counts_open_and_closed_decisions(
    kafka: KafkaConnection, topics: Topics
) -> None:
    policies = ["", "open", "open", "closed", ""]
    async with Bus(kafka, topics) as bus:
        for i, policy in enumerate(policies):
            verdict = Verdict(
                request_id=f"r{i}",
                correlation_id=f"c{i}",
                phase="request",
                mode="pre_call",
                decision="block" if policy == "closed" else "allow",
                decided_ms=int(time.time() * 1000),
                waited_ms=1500.0,
                fail_policy_applied=policy,  # type: ignore[arg-type]
            )
            await bus.producer.send_and_wait(
                topic=topics.verdicts.name,
                value=encode(verdict),
                key=message_key(verdict.request_id),
            )
    counts = await recent_fail_policy(kafka, topics)
    assert counts == {"verdicts": 5, "open": 2, "closed": 1}
