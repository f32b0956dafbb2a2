"""From a scanner's findings and a request's policy to one :class:`~topics.messages.ScanResult`.

The policy names, per label (entity or category) or per scanner, an action and a threshold; the
more specific name wins, and the scanner's defaults fill the rest. Where the policy names
neither the label nor the scanner and the scanner has a score band for the label
(:meth:`~workers.scanners.base.Scanner.band`), the band decides instead: ``block`` above it,
``log`` inside it. The verdict is the most severe action any kept finding asks for: ``block``
over ``mask`` over ``flag`` (log) over ``allow``.
"""

from __future__ import annotations

from dataclasses import dataclass

from topics.messages import Action, Finding, Policy, RedactedText, VerdictKind
from workers.scanners.base import LabelFinding, Scanner, TextFindings

__all__ = ["Judgement", "action_for", "decide", "judge", "threshold_for"]

_SEVERITY: dict[VerdictKind, int] = {"allow": 0, "flag": 1, "mask": 2, "block": 3, "error": 4}
_VERDICT_OF: dict[Action, VerdictKind] = {"log": "flag", "mask": "mask", "block": "block"}


@dataclass(frozen=True, slots=True)
class Judgement:
    """The verdict for one request's texts, from one scanner."""

    verdict: VerdictKind
    score: float
    findings: list[Finding]
    scores: dict[str, float]
    redacted: list[RedactedText]


def action_for(scanner: Scanner, policy: Policy, label: str) -> Action:
    """What a finding labelled ``label`` does under ``policy``."""
    return policy.actions.get(label) or policy.actions.get(scanner.name) or scanner.action(label)


def threshold_for(scanner: Scanner, policy: Policy, label: str) -> float:
    """The score a finding labelled ``label`` needs to count under ``policy``."""
    if label in policy.thresholds:
        return policy.thresholds[label]
    if scanner.name in policy.thresholds:
        return policy.thresholds[scanner.name]
    return scanner.threshold(label)


def decide(scanner: Scanner, policy: Policy, label: str, score: float) -> Action | None:
    """What a finding labelled ``label`` with ``score`` does under ``policy``; ``None`` when it
    does not count. The scanner's band applies only where the policy names neither the label nor
    the scanner, in its actions or its thresholds: an explicit setting always wins."""
    named = {label, scanner.name}
    if not named & (policy.actions.keys() | policy.thresholds.keys()):
        band = scanner.band(label)
        if band is not None:
            return band.action(score)
    if score < threshold_for(scanner, policy, label):
        return None
    return action_for(scanner, policy, label)


def judge(
    scanner: Scanner, policy: Policy, texts: list[str], answers: list[TextFindings]
) -> Judgement:
    """Combine a scanner's answers for all texts of one request under its policy."""
    verdict: VerdictKind = "allow"
    findings: list[Finding] = []
    scores: dict[str, float] = {}
    redacted: list[RedactedText] = []
    for index, (text, answer) in enumerate(zip(texts, answers, strict=True)):
        to_mask: list[LabelFinding] = []
        for f in answer.findings:
            action = decide(scanner, policy, f.label, f.score)
            if action is None:
                continue
            if _SEVERITY[_VERDICT_OF[action]] > _SEVERITY[verdict]:
                verdict = _VERDICT_OF[action]
            if action == "mask":
                to_mask.append(f)
            findings.append(
                Finding(
                    text=index, start=f.start, end=f.end, label=f.label, score=round(f.score, 4)
                )
            )
            scores[f.label] = max(scores.get(f.label, 0.0), round(f.score, 4))
        if policy.redact and to_mask:
            redacted.append(RedactedText(text=index, content=scanner.redact(text, to_mask)))
    return Judgement(verdict, max(scores.values(), default=0.0), findings, scores, redacted)
