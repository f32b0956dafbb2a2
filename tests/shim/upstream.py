"""A fake OpenAI-compatible upstream for the proxy under test: records what it received.

It speaks chat completions, text completions (``/completions``) and the Responses API
(``/responses``). The answer is the text after ``REPLY:`` in the last user message (or prompt,
or input), or the reverse of the text after ``REPLY-REV:`` (else ``Hello from upstream``), so
tests can make the model say something the post-call scan reacts to. Each answer waits
``latency_s`` first, like a real model. Asked to stream, every endpoint streams its answer in
pieces (``split``, 4 characters by default) written ``piece_delay_s`` apart, as a model does.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def four_chars(text: str) -> list[str]:
    """The answer in pieces of 4 characters (a chunk boundary may fall anywhere)."""
    return [text[i : i + 4] for i in range(0, len(text), 4)]


class FakeUpstream:
    """An HTTP server on a free port, in a thread."""

    def __init__(
        self,
        latency_s: float = 0.0,
        piece_delay_s: float = 0.0,
        split: Callable[[str], list[str]] = four_chars,
    ) -> None:
        self.latency_s = latency_s
        self.piece_delay_s = piece_delay_s
        self.split = split
        self.finished: dict[str, float] = {}
        """When each streamed answer's last piece was written (perf_counter), by its text."""
        self.received: list[dict[str, Any]] = []
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                upstream.received.append(body)
                time.sleep(upstream.latency_s)
                text = _answer(body)
                responses = self.path.endswith("/responses")
                completions = self.path.endswith("/completions") and "messages" not in body
                if body.get("stream"):
                    kind = "responses" if responses else "text" if completions else "chat"
                    self._stream(text, kind)
                elif responses:
                    self._send(200, _response(text), "application/json")
                elif completions:
                    self._send(200, _text_completion(text), "application/json")
                else:
                    self._send(200, _completion(text), "application/json")

            def _send(self, status: int, payload: bytes, kind: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _stream(self, text: str, kind: str) -> None:
                # no Content-Length: the body ends when the connection closes (HTTP/1.0)
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                frames = _stream_frames(text, upstream.split(text), kind)
                try:
                    for k, frame in enumerate(frames):
                        if 0 < k < len(frames) - 1:
                            time.sleep(upstream.piece_delay_s)
                        self.wfile.write(frame)
                        self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    return  # the proxy stopped reading (a blocked stream): stop talking
                upstream.finished[text] = time.perf_counter()

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


def _stream_frames(text: str, pieces: list[str], kind: str) -> list[bytes]:
    """The SSE frames of a streamed answer: chat chunks, text completion chunks, or the
    Responses API's typed events."""
    if kind == "responses":
        events = _response_events(text, pieces)
        return [
            f"event: {e['type']}\ndata: ".encode() + json.dumps(e).encode() + b"\n\n"
            for e in events
        ]
    if kind == "text":
        frames = [_text_chunk(p, None) for p in pieces] + [_text_chunk("", "stop")]
    else:
        frames = [_chunk({"role": "assistant", "content": ""}, None)]
        frames += [_chunk({"content": p}, None) for p in pieces] + [_chunk({}, "stop")]
    return [b"data: " + f + b"\n\n" for f in frames] + [b"data: [DONE]\n\n"]


def _response_events(text: str, pieces: list[str]) -> list[dict[str, Any]]:
    done = json.loads(_response(text))
    started = {**done, "status": "in_progress", "output": []}
    item = {**done["output"][0], "status": "in_progress", "content": []}
    part = {"type": "output_text", "text": "", "annotations": []}
    where = {"item_id": "msg_fake", "output_index": 0, "content_index": 0}
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": started},
        {"type": "response.output_item.added", "output_index": 0, "item": item},
        {"type": "response.content_part.added", **where, "part": part},
        *({"type": "response.output_text.delta", **where, "delta": p} for p in pieces),
        {"type": "response.output_text.done", **where, "text": text},
        {"type": "response.content_part.done", **where, "part": {**part, "text": text}},
        {"type": "response.output_item.done", "output_index": 0, "item": done["output"][0]},
        {"type": "response.completed", "response": done},
    ]
    return [{**e, "sequence_number": k} for k, e in enumerate(events)]


def _text_chunk(text: str, finish: str | None) -> bytes:
    return json.dumps(
        {
            "id": "cmpl-fake",
            "object": "text_completion",
            "created": int(time.time()),
            "model": "fake-model",
            "choices": [{"index": 0, "text": text, "finish_reason": finish, "logprobs": None}],
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
