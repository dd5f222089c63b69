"""The chart workers' pool: prepared once, forked from the prepared process, always joined."""

import multiprocessing as mp
import os
import time
from pathlib import Path

import pytest

from forecast.reports._workers import WarmPool

PREPARED: list[int] = []  # set in the zygote by _prepare; inherited by the workers it forks


def _prepare(log: Path) -> None:
    PREPARED.append(os.getpid())
    with log.open("a") as file:
        file.write(f"{os.getpid()}\n")


def _who(pause: float) -> tuple[int, list[int]]:
    time.sleep(pause)  # long enough that every worker takes a task
    return os.getpid(), list(PREPARED)


def _fail() -> None:
    raise ValueError("drawing failed")


def _sleep() -> None:
    time.sleep(60)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie still answers: look at its state
    status = Path(f"/proc/{pid}/stat")
    return status.exists() and status.read_text().split()[2] != "Z"


def test_workers_are_forked_from_the_one_process_that_prepared(tmp_path: Path) -> None:
    from functools import partial

    log = tmp_path / "prepared.txt"
    pool = WarmPool(3, partial(_prepare, log))
    try:
        results = [pool.apply_async(_who, (0.3,)) for _ in range(9)]
        seen = [r.get() for r in results]
    finally:
        pool.close()
        pool.join()
    prepared = [int(line) for line in log.read_text().split()]
    assert len(prepared) == 1, "the libraries were prepared more than once"
    workers = {pid for pid, _ in seen}
    assert len(workers) == 3
    assert all(state == prepared for _, state in seen), "a worker did not inherit the state"
    assert mp.active_children() == []
    assert not any(_alive(pid) for pid in workers)


def test_a_task_error_is_raised_by_get_and_the_workers_go_on(tmp_path: Path) -> None:
    from functools import partial

    pool = WarmPool(2, partial(_prepare, tmp_path / "log"))
    try:
        failing = pool.apply_async(_fail)
        fine = pool.apply_async(_who, (0.0,))
        with pytest.raises(ValueError, match="drawing failed"):
            failing.get()
        assert fine.get()[0] > 0
    finally:
        pool.close()
        pool.join()
    assert mp.active_children() == []


def test_terminate_stops_the_zygote_and_the_workers_it_forked(tmp_path: Path) -> None:
    from functools import partial

    pool = WarmPool(3, partial(_prepare, tmp_path / "log"))
    pids = {r.get()[0] for r in [pool.apply_async(_who, (0.3,)) for _ in range(6)]}
    for _ in range(3):
        pool.apply_async(_sleep)  # every worker busy for a minute
    time.sleep(0.5)
    start = time.monotonic()
    pool.terminate()
    pool.join()
    assert time.monotonic() - start < 10, "terminated, not waited for"
    assert mp.active_children() == []
    deadline = time.monotonic() + 5
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in pids), "a forked worker outlived terminate()"


def test_an_unpicklable_task_is_refused_by_the_caller(tmp_path: Path) -> None:
    from functools import partial

    pool = WarmPool(2, partial(_prepare, tmp_path / "log"))
    try:
        with pytest.raises(Exception, match="pickle"):
            pool.apply_async(lambda: None)
    finally:
        pool.close()
        pool.join()
    assert mp.active_children() == []
