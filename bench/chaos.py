"""Chaos figures for N requests: the chaos suite's load tests in LONG mode.

Runs ``tests/chaos/test_kill.py`` (kill -9 of pool processes under load),
``tests/chaos/test_audit_kill.py`` (kill -9 of the audit pool, exactly-once, under load) and
``tests/chaos/test_broker_restart.py`` (the broker crashes and comes back under load, with the
audit pool) with ``GUARDSTREAM_CHAOS_REQUESTS=N``, and prints what each measured: requests
answered, verdicts lost (must be 0), duplicates absorbed, worst verdict delay, how soon each
pool wrote again, audit records and requests with exactly one (must be N), and dead letters by
reason.

With ``--brokers 3`` they run on replicated three-node clusters instead: the pool kills on one
started here, and ``tests/chaos/test_leader_kill.py`` (kill -9 of the node leading a requests
and a results partition, with the audit pool) on its own.

    .venv/bin/python -m bench.chaos --requests 2000
    .venv/bin/python -m bench.chaos --requests 10000 --brokers 3
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["main"]

ROOT = Path(__file__).resolve().parent.parent
TESTS = [
    "tests/chaos/test_kill.py",
    "tests/chaos/test_audit_kill.py",
    "tests/chaos/test_broker_restart.py",
]
CLUSTER_TESTS = [
    "tests/chaos/test_kill.py",
    "tests/chaos/test_audit_kill.py",
    "tests/chaos/test_leader_kill.py",
]


def main(argv: list[str] | None = None) -> int:
    """Run the load tests with N requests; print their figures; exit non-zero on a failure."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per test (N)")
    parser.add_argument(
        "--brokers", type=int, default=1, choices=(1, 3),
        help="1: the session's one-node broker; 3: replicated three-node clusters",
    )  # fmt: skip
    args = parser.parse_args(argv)
    env = {**os.environ, "GUARDSTREAM_CHAOS_REQUESTS": str(args.requests)}
    if args.brokers == 1:
        return _run(TESTS, env)
    from workers.cli.environment import Environment  # development tooling: imported when used
    from workers.local.cluster import LocalCluster

    local = Environment.from_environ(os.environ)
    with tempfile.TemporaryDirectory(prefix="guardstream-chaos-") as folder:
        cluster = LocalCluster(Path(folder), local.jars(), java_home=local.java_home)
        info = cluster.start()
        print(f"-- three-node cluster at {info.bootstrap_servers}")
        try:
            return _run(CLUSTER_TESTS, {**env, "KAFKA_BOOTSTRAP_SERVERS": info.bootstrap_servers})
        finally:
            cluster.stop()


def _run(tests: list[str], env: dict[str, str]) -> int:
    command = [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", *tests]
    began = time.monotonic()
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    lines = done.stdout.splitlines()
    # pytest's progress dots share a line with the first thing a test prints
    shown = [line.lstrip(".FEs") for line in lines]
    figures = [line for line in shown if line.startswith(("== ", "   "))]
    print("\n".join(figures) or done.stdout[-3000:])
    print(f"-- {lines[-1] if lines else 'no output'} ({time.monotonic() - began:.0f} s)")
    if done.returncode != 0:
        print(done.stdout[-6000:], done.stderr[-2000:], sep="\n")
    return done.returncode


if __name__ == "__main__":
    raise SystemExit(main())
