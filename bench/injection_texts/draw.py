"""Drawing distinct generated texts."""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["distinct"]


def distinct(count: int, draw: Callable[[], str]) -> list[str]:
    """Up to ``count`` distinct results of ``draw()``, in the order drawn; it is called at most
    20 times ``count`` times, so templates that run out of combinations give fewer."""
    seen: set[str] = set()
    out: list[str] = []
    for _ in range(count * 20):
        if len(out) >= count:
            break
        text = draw()
        if text not in seen:
            seen.add(text)
            out.append(text)
    return out
