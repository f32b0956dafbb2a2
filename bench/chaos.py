"""Chaos figures for N requests: the chaos suite's load tests in LONG mode.

Runs ``tests/chaos/test_kill.py`` (kill -9 of pool processes under load) and
``tests/chaos/test_broker_restart.py`` (the broker crashes and comes back under load, with the
audit pool) with ``GUARDSTREAM_CHAOS_REQUESTS=N``, and prints what each measured: requests
answered, verdicts lost (must be 0), duplicates absorbed, worst verdict delay, requests with
exactly one audit record (must be N), and dead letters by reason.

    .venv/bin/python -m bench.chaos --requests 2000
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["main"]

ROOT = Path(__file__).resolve().parent.parent
TESTS = ["tests/chaos/test_kill.py", "tests/chaos/test_broker_restart.py"]


def main(argv: list[str] | None = None) -> int:
    """Run the load tests with N requests; print their figures; exit non-zero on a failure."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per test (N)")
    args = parser.parse_args(argv)
    env = {**os.environ, "GUARDSTREAM_CHAOS_REQUESTS": str(args.requests)}
    command = [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", *TESTS]
    began = time.monotonic()
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    lines = done.stdout.splitlines()
    figures = [line for line in lines if line.startswith(("== ", "   "))]
    print("\n".join(figures) or done.stdout[-3000:])
    print(f"-- {lines[-1] if lines else 'no output'} ({time.monotonic() - began:.0f} s)")
    if done.returncode != 0:
        print(done.stdout[-6000:], done.stderr[-2000:], sep="\n")
    return done.returncode


if __name__ == "__main__":
    raise SystemExit(main())
