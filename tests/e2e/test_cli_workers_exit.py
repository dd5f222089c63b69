"""`forecast report` and `forecast backtest` leave no worker process behind (issue 15).

Each command runs as a subprocess in a session of its own, so every worker it starts is in
its process group; once the command has exited, that group must be empty.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from forecast.store import Store


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # a process of the group exists (owned by someone else)
        return True
    return True


def _run_alone(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Run ``forecast ARGS`` in a new session; return once it exits, its group checked."""
    process = subprocess.Popen(
        [sys.executable, "-m", "forecast", *args],
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    stdout, stderr = process.communicate(timeout=600)
    deadline = time.monotonic() + 5  # a worker exits right after its parent, not later
    while _group_alive(process.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = _group_alive(process.pid)
    if left:
        os.killpg(process.pid, signal.SIGKILL)
    assert not left, f"forecast {args[0]} left processes in its group"
    return subprocess.CompletedProcess(args, process.returncode, stdout, stderr)


def test_report_leaves_no_process(synthetic_store: Store, tmp_path: Path) -> None:
    args = ["report", "--seed", "1", "--draws", "100", "--store", str(synthetic_store.path),
            "--out", str(tmp_path / "r")]  # fmt: skip
    done = _run_alone(args, tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "r" / "report.html").is_file()
    # it ends without Python's teardown (cli.main): its output still reaches the pipe whole
    assert done.stdout.splitlines()[-1].startswith("tables: ")


def test_backtest_leaves_no_process(shared_store: Store, tmp_path: Path) -> None:
    done = _run_alone(["backtest", "--store", str(shared_store.path), "--start", "2019-01",
                       "--end", "2019-06", "--horizons", "1", "--jobs", "2",
                       "--out", str(tmp_path / "b")], tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "b" / "backtest.csv").is_file()


@pytest.mark.slow
def test_report_interrupted_leaves_no_process(synthetic_store: Store, tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "forecast", "report", "--seed", "1", "--draws", "100",
         "--store", str(synthetic_store.path), "--out", str(tmp_path / "r")],
        start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path,
    )  # fmt: skip
    charts = tmp_path / "r" / "paths.csv"  # written just as the chart workers start
    deadline = time.monotonic() + 300
    while not charts.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C reaches the whole foreground group
    process.communicate(timeout=120)
    deadline = time.monotonic() + 5
    while _group_alive(process.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = _group_alive(process.pid)
    if left:
        os.killpg(process.pid, signal.SIGKILL)
    assert not left, "an interrupted report left processes in its group"
