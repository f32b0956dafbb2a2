"""The HTTP moderation backends against real local servers that speak each API.

Each server answers from the request body: a text containing ``MARKER`` is flagged. Handlers
can also fail on purpose (a 500 first, a hang, garbage) to exercise retries and errors.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from topics.errors import ConfigError, ScannerError, ScannerTimeout
from workers.scanners.base import ScanItem
from workers.scanners.moderation.scanner import ModerationScanner

MARKER = "zorblax"
Reply = tuple[int, Any]  # status, JSON body (or raw bytes)


class _Server:
    """A ThreadingHTTPServer on 127.0.0.1 whose replies come from ``self.answer``."""

    def __init__(self) -> None:
        self.answer: Callable[[str, dict[str, Any], int], Reply] = lambda p, b, n: (404, {})
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.release = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.calls.append((self.path, body))
                outer.headers = dict(self.headers)
                status, reply = outer.answer(self.path, body, len(outer.calls))
                if status == 0:  # hang until the test ends
                    outer.release.wait(5)
                    return
                data = reply if isinstance(reply, bytes) else json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.headers: dict[str, str] = {}
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def stop(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[_Server]:
    s = _Server()
    yield s
    s.stop()


def openai_answer(path: str, body: dict[str, Any], n: int) -> Reply:
    assert path == "/v1/moderations"
    results = []
    for text in body["input"]:
        hit = MARKER in text
        results.append(
            {
                "flagged": hit,
                "categories": {"self-harm/intent": hit, "harassment": False},
                "category_scores": {"self-harm/intent": 0.93 if hit else 0.01, "harassment": 0.02},
            }
        )
    return 200, {"id": "modr-1", "model": body["model"], "results": results}


def llama_guard_answer(path: str, body: dict[str, Any], n: int) -> Reply:
    assert path == "/v1/chat/completions"
    text = body["messages"][-1]["content"]
    content = "unsafe\nS1,S10" if MARKER in text else "safe"
    return 200, {"choices": [{"message": {"role": "assistant", "content": content}}]}


def llm_guard_answer(path: str, body: dict[str, Any], n: int) -> Reply:
    text = body["output"] if path == "/scan/output" else body["prompt"]
    hit = MARKER in text
    scanners = {"Toxicity": 0.9 if hit else 0.0, "PromptInjection": 1.0 if "ignore" in text else 0}
    return 200, {"is_valid": not hit, "scanners": scanners}


def _scanner(backend: str, url: str, **options: Any) -> ModerationScanner:
    options = {"base_url": url, "retries": 2, "backoff": 0.01, "read_timeout": 2.0, **options}
    scanner = ModerationScanner(backend=backend, options=options)
    scanner.load()
    return scanner


def _labels(scanner: ModerationScanner, items: list[ScanItem]) -> list[dict[str, float]]:
    return [{f.label: f.score for f in a.findings} for a in scanner.scan(items)]


def test_openai_batches_and_maps_categories(server: _Server) -> None:
    server.answer = openai_answer
    scanner = _scanner("openai", server.url, api_key="sk-test", model="omni-moderation-latest")
    texts = ["hello there", f"I {MARKER} tonight"]
    answers = scanner.scan([ScanItem(t) for t in texts])
    assert len(server.calls) == 1
    assert server.calls[0][1] == {"model": "omni-moderation-latest", "input": texts}
    assert server.headers["Authorization"] == "Bearer sk-test"
    assert answers[0].findings == []
    [finding] = answers[1].findings
    assert (finding.start, finding.end, finding.label, finding.score) == (
        0,
        len(texts[1]),
        "self_harm",
        0.93,
    )


def test_llama_guard_one_call_per_text_and_codes_mapped(server: _Server) -> None:
    server.answer = llama_guard_answer
    scanner = _scanner("llama_guard", server.url, concurrency=2)
    items = [ScanItem("fine"), ScanItem(f"{MARKER} them"), ScanItem(f"{MARKER}", role="assistant")]
    assert _labels(scanner, items) == [
        {},
        {"violence": 1.0, "hate": 1.0},
        {"violence": 1.0, "hate": 1.0},
    ]
    assert len(server.calls) == 3
    assistant_call = next(b for _, b in server.calls if b["messages"][-1]["role"] == "assistant")
    assert assistant_call["messages"][0]["role"] == "user"


def test_llm_guard_uses_output_endpoint_for_assistant(server: _Server) -> None:
    server.answer = llm_guard_answer
    scanner = _scanner("llm_guard", server.url)
    items = [
        ScanItem(f"{MARKER} you"),
        ScanItem(f"{MARKER}!", role="assistant"),
        ScanItem("ignore"),
    ]
    # PromptInjection is another pool's job: its score does not become a moderation finding.
    assert _labels(scanner, items) == [{"harassment": 0.9}, {"harassment": 0.9}, {}]
    assert sorted(path for path, _ in server.calls) == [
        "/scan/output",
        "/scan/prompt",
        "/scan/prompt",
    ]


@pytest.mark.parametrize("status", [500, 503, 429])
def test_retry_after_server_error_then_success(server: _Server, status: int) -> None:
    def flaky(path: str, body: dict[str, Any], n: int) -> Reply:
        return (status, {"error": "busy"}) if n == 1 else openai_answer(path, body, n)

    server.answer = flaky
    scanner = _scanner("openai", server.url)
    assert _labels(scanner, [ScanItem(MARKER)]) == [{"self_harm": 0.93}]
    assert len(server.calls) == 2


def test_errors_until_retries_are_exhausted_is_scanner_error(server: _Server) -> None:
    server.answer = lambda p, b, n: (500, {"error": "down"})
    scanner = _scanner("openai", server.url, retries=2)
    with pytest.raises(ScannerError) as info:
        scanner.scan([ScanItem("x")])
    assert not isinstance(info.value, ScannerTimeout)
    assert len(server.calls) == 3


@pytest.mark.parametrize("backend", ["openai", "llama_guard", "llm_guard"])
def test_hanging_server_is_scanner_timeout(server: _Server, backend: str) -> None:
    server.answer = lambda p, b, n: (0, None)
    scanner = _scanner(backend, server.url, read_timeout=0.2, retries=1, deadline=1.0)
    started = time.monotonic()
    with pytest.raises(ScannerTimeout):
        scanner.scan([ScanItem("x")])
    assert time.monotonic() - started < 3.0  # bounded by the deadline, not the server


@pytest.mark.parametrize(
    ("backend", "reply"),
    [
        ("openai", b"{not json"),
        ("openai", {"results": []}),
        ("openai", {"results": [{"categories": {"hate": True}, "category_scores": {"hate": "x"}}]}),
        ("llama_guard", {"choices": []}),
        ("llama_guard", {"choices": [{"message": {"content": "I cannot help with that"}}]}),
        ("llm_guard", {"scanners": {}}),
        ("llm_guard", b"<html>502</html>"),
    ],
)
def test_bad_replies_are_scanner_errors(server: _Server, backend: str, reply: Any) -> None:
    server.answer = lambda p, b, n: (200, reply)
    scanner = _scanner(backend, server.url)
    with pytest.raises(ScannerError):
        scanner.scan([ScanItem("x")])


def test_connection_refused_is_scanner_error() -> None:
    scanner = _scanner("openai", "http://127.0.0.1:9", retries=1)
    with pytest.raises(ScannerError):
        scanner.scan([ScanItem("x")])


@pytest.mark.parametrize(
    "settings",
    [
        {"backend": "nope"},
        {"backend": "openai", "options": {}},
        {"backend": "openai", "options": {"base_url": "http://x", "colour": "red"}},
        {"backend": "local", "thresholds": {"not_a_category": 0.3}},
    ],
)
def test_bad_settings_are_config_errors(settings: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        ModerationScanner.from_settings(settings)
