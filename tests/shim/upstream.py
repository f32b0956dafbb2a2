"""A fake OpenAI-compatible upstream for the proxy under test: records what it received.

It speaks chat completions, text completions (``/completions``) and the Responses API
(``/responses``). The answer is the text after ``REPLY:`` in the last user message (or prompt,
or input), or the reverse of the text after ``REPLY-REV:`` (else ``Hello from upstream``), so
tests can make the model say something the post-call scan reacts to. Each answer waits
``latency_s`` first, like a real model.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeUpstream:
    """An HTTP server on a free port, in a thread."""

    def __init__(self, latency_s: float = 0.0) -> None:
        self.latency_s = latency_s
        self.received: list[dict[str, Any]] = []
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                upstream.received.append(body)
                time.sleep(upstream.latency_s)
                text = _answer(body)
                if self.path.endswith("/responses"):
                    self._send(200, _response(text), "application/json")
                elif self.path.endswith("/completions") and "messages" not in body:
                    self._send(200, _text_completion(text), "application/json")
                elif body.get("stream"):
                    self._stream(text)
                else:
                    self._send(200, _completion(text), "application/json")

            def _send(self, status: int, payload: bytes, kind: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _stream(self, text: str) -> None:
                pieces = [text[i : i + 4] for i in range(0, len(text), 4)]
                frames = [_chunk({"role": "assistant", "content": p}, None) for p in pieces]
                frames.append(_chunk({}, "stop"))
                payload = b"".join(b"data: " + f + b"\n\n" for f in frames) + b"data: [DONE]\n\n"
                self._send(200, payload, "text/event-stream")

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> FakeUpstream:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def last_user_text(self, marker: str) -> str:
        """The last user text (message, prompt or input) of the latest request whose body
        contains ``marker``."""
        for body in reversed(self.received):
            if marker in json.dumps(body):
                return _user_text(body)
        raise AssertionError(f"the upstream never received {marker!r}")


def _user_text(body: dict[str, Any]) -> str:
    if isinstance(body.get("prompt"), str | list):
        prompt = body["prompt"]
        return prompt if isinstance(prompt, str) else " ".join(map(str, prompt))
    given = body.get("input")
    if isinstance(given, str):
        return given
    messages = given if isinstance(given, list) else body.get("messages", [])
    users = [m for m in messages if isinstance(m, dict) and m.get("role") == "user"]
    content = users[-1].get("content", "") if users else ""
    if isinstance(content, list):
        content = " ".join(p.get("text", "") for p in content if isinstance(p, dict))
    return content


def _answer(body: dict[str, Any]) -> str:
    content = _user_text(body)
    _, found, reversed_reply = content.partition("REPLY-REV:")
    if found:  # reversed, so the prompt itself does not trip the request-phase rules
        return reversed_reply.strip()[::-1]
    _, found, reply = content.partition("REPLY:")
    return reply.strip() if found else "Hello from upstream"


def _completion(text: str) -> bytes:
    return json.dumps(
        {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": "fake-model",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": text},
                }
            ],
            "usage": {"prompt_tokens": 5, "completion_tokens": 5, "total_tokens": 10},
        }
    ).encode()


def _text_completion(text: str) -> bytes:
    return json.dumps(
        {
            "id": "cmpl-fake",
            "object": "text_completion",
            "created": int(time.time()),
            "model": "fake-model",
            "choices": [{"index": 0, "text": text, "finish_reason": "stop", "logprobs": None}],
            "usage": {"prompt_tokens": 5, "completion_tokens": 5, "total_tokens": 10},
        }
    ).encode()


def _response(text: str) -> bytes:
    return json.dumps(
        {
            "id": "resp_fake",
            "object": "response",
            "created_at": int(time.time()),
            "status": "completed",
            "model": "fake-model",
            "output": [
                {
                    "type": "message",
                    "id": "msg_fake",
                    "status": "completed",
                    "role": "assistant",
                    "content": [{"type": "output_text", "text": text, "annotations": []}],
                }
            ],
            "parallel_tool_calls": True,
            "tool_choice": "auto",
            "tools": [],
            "usage": {"input_tokens": 5, "output_tokens": 5, "total_tokens": 10},
        }
    ).encode()


def _chunk(delta: dict[str, Any], finish: str | None) -> bytes:
    return json.dumps(
        {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": "fake-model",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
    ).encode()
