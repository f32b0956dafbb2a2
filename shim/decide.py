"""From the scanners' results to one decision for a request phase."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from shim.extract import merge_redactions
from topics import Decision, ScanResult, Text

__all__ = ["Outcome", "decide"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """What the shim does with one phase of a request, and why."""

    decision: Decision
    blocked_by: list[str] = field(default_factory=list)
    timed_out: list[str] = field(default_factory=list)
    """Scanners with no result in time (all of them when Kafka was unreachable), the
    skipped ones included: the decision rests on no answer of theirs."""
    failed: list[str] = field(default_factory=list)
    flagged: list[str] = field(default_factory=list)
    fail_policy_applied: Literal["", "open", "closed"] = ""
    masked: dict[int, str] = field(default_factory=dict)
    """Masked content by text index, when the decision is ``mask``."""
    masked_labels: dict[str, int] = field(default_factory=dict)
    """How many findings of each label the masking scanners reported."""
    masked_by: list[str] = field(default_factory=list)
    """Scanners whose verdict was ``mask``."""
    skipped: list[str] = field(default_factory=list)
    """Scanners not waited for because their pool is known down (also in ``timed_out``)."""
    pending: list[str] = field(default_factory=list)
    """Scanners still scanning when a block decided: not timed out, only not waited for
    (their results go to the audit record)."""


def decide(
    scanners: Sequence[str],
    results: Mapping[str, ScanResult],
    texts: Sequence[Text],
    on_timeout: Literal["allow", "block"],
    *,
    skipped: Collection[str] = (),
) -> Outcome:
    """Block if any scanner blocks; else block or allow by ``on_timeout`` if any scanner did
    not answer or failed; else mask if any scanner masked; else allow.

    ``blocked_by`` lists the blocking scanners by score, highest first: the block's code
    names the scanner most sure of its finding, not the first in the config. ``skipped``
    scanners were not waited for (their pool is down): without a result they count as timed
    out. With a block, the other scanners without a result were still scanning when the wait
    ended (:meth:`shim.replies.ReplyClient.ask` stops at the first block): ``pending``."""
    missing = [s for s in scanners if s not in results]
    skipped_now = [s for s in missing if s in skipped]
    timed_out = missing
    failed = [s for s in scanners if s in results and results[s].verdict == "error"]
    blocked = [s for s in scanners if s in results and results[s].verdict == "block"]
    flagged = [s for s in scanners if s in results and results[s].verdict == "flag"]
    masking = [s for s in scanners if s in results and results[s].verdict == "mask"]
    if blocked:
        by_score = sorted(blocked, key=lambda s: -results[s].score)
        return Outcome(
            decision="block",
            blocked_by=by_score,
            timed_out=skipped_now,
            failed=failed,
            flagged=flagged,
            skipped=skipped_now,
            pending=[s for s in missing if s not in skipped],
        )
    fail_policy: Literal["", "open", "closed"] = ""
    if timed_out or failed:
        fail_policy = "closed" if on_timeout == "block" else "open"
        if on_timeout == "block":
            return Outcome(
                decision="block",
                timed_out=timed_out,
                failed=failed,
                flagged=flagged,
                fail_policy_applied=fail_policy,
                skipped=skipped_now,
            )
    versions: dict[int, list[str]] = {}
    labels: dict[str, int] = {}
    for name in masking:
        for redacted in results[name].redacted:
            if 0 <= redacted.text < len(texts):
                versions.setdefault(redacted.text, []).append(redacted.content)
        for finding in results[name].findings:
            labels[finding.label] = labels.get(finding.label, 0) + 1
    masked = {
        i: merge_redactions(texts[i].content, found)
        for i, found in versions.items()
        if any(v != texts[i].content for v in found)
    }
    decision: Decision = "mask" if masked else "allow"
    return Outcome(
        decision=decision,
        timed_out=timed_out,
        failed=failed,
        flagged=flagged,
        fail_policy_applied=fail_policy,
        masked=masked,
        masked_labels=labels,
        masked_by=masking if masked else [],
        skipped=skipped_now,
    )
