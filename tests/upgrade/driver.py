"""One shim's side of the rolling-upgrade test, run as a script in a process of its own.

Run with ``PYTHONPATH`` pointing at a guardstream tree (the previous release's or the current
one), it builds that tree's :class:`shim.KafkaScanGuardrail` for each topic prefix it is given,
exactly as LiteLLM builds it from ``litellm_params``, and sends requests through its pre-call
hook, the path a proxy request takes; it prints one JSON line per request: what was sent and
what came back. It imports nothing from the test suite, so the tree on ``PYTHONPATH`` is the
only guardstream it runs.

    python driver.py '{"bootstrap": "...", "prefixes": ["a", "b"], "requests": 100, ...}'
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

SECRET = "AKIAZXCVBNMASDFGHJKL"


async def _one(guardrail: Any, prefix: str, index: int, tag: str) -> dict[str, Any]:
    marker = f"{tag} ticket {index}"
    text = f"my deploy key is {SECRET} {marker}" if index % 2 == 0 else f"hello there {marker}"
    data = {
        "model": "fake",
        "messages": [{"role": "user", "content": text}],
        "litellm_call_id": f"{tag}-{prefix}-{index}",
    }
    try:
        out = await guardrail.async_pre_call_hook(None, None, data, "completion")
        outcome = out["messages"][0]["content"]
    except Exception as e:  # a block (a timeout under on_timeout=block) is an outcome to report
        outcome = f"raised {type(e).__name__}: {getattr(e, 'error_code', '')} {e}"
    return {"prefix": prefix, "marker": marker, "sent": text, "got": outcome}


async def main(config: dict[str, Any]) -> None:
    from shim import KafkaScanGuardrail

    guardrails = {
        prefix: KafkaScanGuardrail(
            guardrail_name="guardstream",
            event_hook="pre_call",
            default_on=True,
            bootstrap_servers=config["bootstrap"],
            topic_prefix=prefix,
            partitions=config["partitions"],
            scanners=["secrets"],
            budget_ms=config["budget_ms"],
            on_timeout="block",
        )
        for prefix in config["prefixes"]
    }
    limit = asyncio.Semaphore(config["concurrency"])

    async def limited(prefix: str, index: int) -> dict[str, Any]:
        async with limit:
            return await _one(guardrails[prefix], prefix, index, config["tag"])

    jobs = [limited(p, i) for i in range(config["requests"]) for p in config["prefixes"]]
    for line in await asyncio.gather(*jobs):
        print(json.dumps(line), flush=True)
    for guardrail in guardrails.values():
        await guardrail.replies.stop()


if __name__ == "__main__":
    asyncio.run(main(json.loads(sys.argv[1])))
