"""workers.supervisor with real processes: the supervisor runs in a process of its own (it
installs signal handlers, which only a main thread may), its children are a small script that
records each start and stop in a file, then serves, crashes or ignores SIGTERM."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import os, signal, sys, time
journal, behaviour = sys.argv[1], sys.argv[2]
index = int(sys.argv[sys.argv.index("--process-index") + 1])

def write(line):
    with open(journal, "a") as f:
        f.write(line + "\\n")

def stop(signum, frame):
    write(f"stop {index} {os.getpid()}")
    sys.exit(0)

write(f"start {index} {os.getpid()} " + " ".join(sys.argv[3:]))
if behaviour == f"crash-{index}":
    sys.exit(3)
signal.signal(signal.SIGTERM, signal.SIG_IGN if behaviour == "stubborn" else stop)
write(f"ready {index} {os.getpid()}")
while True:
    time.sleep(0.05)
"""

SUPERVISOR = """
import json, logging, sys
from workers.supervisor import Supervisor
logging.basicConfig(level=logging.INFO, format="%(message)s")
args = json.loads(sys.argv[1])
sys.exit(Supervisor(args.pop("base_args"), args.pop("count"), **args).run())
"""


@dataclass
class Run:
    """A supervisor process and the journal its children write."""

    process: subprocess.Popen[str]
    journal: Path

    def lines(self, word: str, index: int | None = None) -> list[list[str]]:
        """The journal's lines that start with ``word`` (for child ``index``), split."""
        text = self.journal.read_text() if self.journal.exists() else ""
        rows = [line.split() for line in text.splitlines()]
        return [r for r in rows if r[0] == word and (index is None or r[1] == str(index))]

    def wait_for(self, what: Callable[[], bool], timeout_s: float = 60.0) -> None:
        deadline = time.monotonic() + timeout_s
        while not what():
            assert self.process.poll() is None, "the supervisor exited"
            assert time.monotonic() < deadline, f"gave up waiting; journal: {self.lines('')}"
            time.sleep(0.05)

    def stop(self, signum: int = signal.SIGTERM) -> tuple[int, str]:
        """Signal the supervisor; its exit code and log."""
        self.process.send_signal(signum)
        _, log = self.process.communicate(timeout=60)
        return self.process.returncode, log


@pytest.fixture
def supervise(tmp_path: Path) -> Iterator[Callable[..., Run]]:
    started: list[Run] = []

    def start(behaviour: str, count: int = 2, **options: object) -> Run:
        (tmp_path / "child.py").write_text(CHILD)
        journal = tmp_path / "journal"
        config = {
            "base_args": ["worker", "pii", "--log-level", "info"],
            "count": count,
            "program": [sys.executable, str(tmp_path / "child.py"), str(journal), behaviour],
            **options,
        }
        process = subprocess.Popen(
            [sys.executable, "-c", SUPERVISOR, json.dumps(config)],
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append(run := Run(process, journal))
        return run

    yield start
    for run in started:  # a failed test must not leave a supervisor and its children behind
        if run.process.poll() is None:
            run.process.kill()
            run.process.communicate()
        for row in run.lines("ready"):
            _kill(int(row[2]))


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_each_child_gets_its_index_and_a_signal_stops_them_all(
    supervise: Callable[..., Run], signum: int
) -> None:
    run = supervise("serve", count=3)
    run.wait_for(lambda: len(run.lines("ready")) == 3)
    code, _ = run.stop(signum)
    assert code == 0
    starts = sorted(run.lines("start"), key=lambda r: r[1])
    assert [r[3:] for r in starts] == [
        ["worker", "pii", "--log-level", "info", "--process-index", str(i)] for i in range(3)
    ]
    # every child was asked to stop (SIGTERM) and did, once; none was restarted
    assert sorted(r[1] for r in run.lines("stop")) == ["0", "1", "2"]
    assert not any(_alive(int(r[2])) for r in starts)


def test_a_child_that_exits_is_restarted_with_a_growing_pause(
    supervise: Callable[..., Run],
) -> None:
    run = supervise("crash-1", first_pause_s=0.05, max_pause_s=0.2)
    run.wait_for(lambda: len(run.lines("start", 1)) >= 6)
    code, log = run.stop()
    assert code == 0
    pauses = [
        float(p) for p in re.findall(r"process 1 exited with 3; restarting in ([\d.]+)s", log)
    ]
    assert pauses[:5] == [0.05, 0.1, 0.2, 0.2, 0.2]  # doubling, then held at the cap
    # the other child was not touched: started once, stopped once
    assert len(run.lines("start", 0)) == 1
    assert len(run.lines("stop", 0)) == 1
    assert "process 0 exited" not in log


def test_the_default_pauses_start_at_a_second_and_double() -> None:
    from workers.supervisor import Supervisor

    supervisor = Supervisor(["worker", "pii"], 2)
    assert (supervisor.first_pause_s, supervisor.max_pause_s) == (1.0, 30.0)
    assert supervisor.program == [sys.executable, "-m", "workers.cli"]


def test_a_child_that_ignores_sigterm_is_killed_after_the_stop_timeout(
    supervise: Callable[..., Run],
) -> None:
    run = supervise("stubborn", count=1, stop_timeout=0.5)
    run.wait_for(lambda: len(run.lines("ready")) == 1)
    pid = int(run.lines("ready")[0][2])
    code, _ = run.stop()
    assert code == 0
    assert run.lines("stop") == []  # it never ran its own stop: SIGKILL ended it
    assert not _alive(pid)
