"""One filled-in example of every contract message type."""

from __future__ import annotations

from topics import (
    AuditRecord,
    AuditTick,
    Caller,
    DeadLetter,
    Finding,
    Policy,
    RedactedText,
    ReplyAddress,
    ScannerOutcome,
    ScanRequest,
    ScanResult,
    Text,
    Verdict,
)
from topics.messages import ScanRate

FINDING = Finding(text=0, start=11, end=28, label="EMAIL_ADDRESS", score=0.95)

SAMPLES = [
    ScanRequest(
        request_id="req-1",
        correlation_id="corr-1",
        mode="pre_call",
        phase="request",
        texts=[
            Text(role="system", content="You are helpful."),
            Text(role="user", content="Mail me at jane@example.com", message=1, part=0),
        ],
        scanners=["pii", "prompt_injection"],
        created_ms=1_700_000_000_000,
        deadline_ms=1_700_000_001_500,
        policy=Policy(actions={"EMAIL_ADDRESS": "mask"}, thresholds={"pii": 0.5}, redact=True),
        caller=Caller(key_alias="team-a-key", team="team-a", user="u1", model="gpt-4o"),
        reply=ReplyAddress(topic="guardstream.scan.results", partition=2, instance_id="proxy-1"),
    ),
    ScanResult(
        request_id="req-1",
        correlation_id="corr-1",
        phase="request",
        scanner="pii",
        verdict="mask",
        score=0.95,
        worker_id="pii-1",
        scan_ms=4.2,
        finished_ms=1_700_000_000_020,
        findings=[FINDING],
        scores={"EMAIL_ADDRESS": 0.95},
        redacted=[RedactedText(text=1, content="Mail me at <EMAIL_ADDRESS>")],
        rate=ScanRate(window_s=60.0, scanned_bytes=81_920, busy_s=2.5),
    ),
    Verdict(
        request_id="req-1",
        correlation_id="corr-1",
        phase="request",
        mode="pre_call",
        decision="mask",
        decided_ms=1_700_000_000_030,
        waited_ms=28.5,
        timed_out=["moderation"],
        fail_policy_applied="open",
    ),
    AuditRecord(
        request_id="req-1",
        phase="request",
        mode="pre_call",
        caller=Caller(key_alias="team-a-key"),
        decision="mask",
        created_ms=1_700_000_000_000,
        completed_ms=1_700_000_000_040,
        outcomes=[
            ScannerOutcome(
                scanner="pii",
                status="ok",
                verdict="mask",
                score=0.95,
                scan_ms=4.2,
                findings=[FINDING],
            ),
            ScannerOutcome(scanner="moderation", status="timeout"),
        ],
        texts_sha256=["ab" * 32, "cd" * 32],
        redacted_texts=["You are helpful.", "Mail me at <EMAIL_ADDRESS>"],
        timed_out=["moderation"],
    ),
    AuditTick(request_id="req-1", phase="request"),
    DeadLetter(
        source_topic="guardstream.scan.requests",
        partition=0,
        offset=42,
        reason="not_json",
        detail="unexpected character",
        worker_id="pii-1",
        at_ms=1_700_000_000_000,
        payload_b64="bm90IGpzb24=",
        payload_size=8,
    ),
]
