"""Start a real ``litellm --config`` proxy process for the shim's tests."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import yaml

REPO = Path(__file__).resolve().parents[2]
LITELLM = Path(sys.executable).parent / "litellm"
MASTER_KEY = "sk-guardstream-test-4f7c2a9e81b3d6a0"
HEADERS = {"Authorization": f"Bearer {MASTER_KEY}"}

RECORDER = '''
import json, os
from litellm.integrations.custom_logger import CustomLogger

class Recorder(CustomLogger):
    """Writes each call's guardrail_information to a JSON-lines file."""

    def _write(self, kwargs):
        slo = kwargs.get("standard_logging_object") or {}
        line = {"call_id": kwargs.get("litellm_call_id"),
                "guardrail_information": slo.get("guardrail_information")}
        with open(os.environ["GS_RECORD_FILE"], "a") as f:
            f.write(json.dumps(line, default=str) + "\\n")

    async def async_log_success_event(self, kwargs, response_obj, start_time, end_time):
        self._write(kwargs)

    async def async_log_failure_event(self, kwargs, response_obj, start_time, end_time):
        self._write(kwargs)

recorder = Recorder()
'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Proxy:
    """A LiteLLM proxy process with the guardstream guardrail configured."""

    def __init__(self, folder: Path, api_base: str, guardrail: dict[str, Any]) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.port = free_port()
        self.records = folder / "records.jsonl"
        (folder / "gs_record.py").write_text(RECORDER)
        config = {
            "model_list": [
                {
                    "model_name": "fake",
                    "litellm_params": {
                        "model": "openai/fake-model",
                        "api_base": api_base,
                        "api_key": "fake-key",
                    },
                }
            ],
            "guardrails": [
                {
                    "guardrail_name": "guardstream",
                    "litellm_params": {"guardrail": "shim.KafkaScanGuardrail", **guardrail},
                }
            ],
            "litellm_settings": {"callbacks": ["gs_record.recorder"]},
            "general_settings": {"master_key": MASTER_KEY},
        }
        self.config = folder / "config.yaml"
        self.config.write_text(yaml.safe_dump(config))
        self.log = folder / "proxy.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Proxy:
        env = {
            **os.environ,
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "PYTHONPATH": os.pathsep.join([str(REPO), str(self.folder)]),
            "GS_RECORD_FILE": str(self.records),
        }
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [
                    str(LITELLM),
                    "--config",
                    str(self.config),
                    "--port",
                    str(self.port),
                    "--host",
                    "127.0.0.1",
                ],
                cwd=self.folder,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        return self

    def wait_ready(self, timeout_s: float = 300.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"the proxy exited:\n{self.log.read_text()[-4000:]}")
            try:
                if httpx.get(f"{self.url}/health/liveliness", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"the proxy did not start:\n{self.log.read_text()[-4000:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@contextlib.asynccontextmanager
async def serving(
    pools: Sequence[Any], proxies: Sequence[Proxy], upstream: Any, wait_s: float | None = None
) -> AsyncIterator[None]:
    """Wait until every pool and proxy answers (each within ``wait_s``, else its own default),
    run the body, then stop the proxies, the pools and the upstream, also when a wait failed."""
    try:
        timeout = () if wait_s is None else (wait_s,)
        await asyncio.gather(
            *(asyncio.to_thread(p.wait_ready, *timeout) for p in [*pools, *proxies])
        )
        yield
    finally:
        for proxy in proxies:
            proxy.stop()
        for pool in pools:
            pool.stop()
        upstream.stop()
