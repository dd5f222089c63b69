"""The portable CPU count used for report rendering and backtest jobs."""

from __future__ import annotations

import os
import sys

import pytest

from forecast._cpu import available_cpus


def test_at_least_one_and_at_most_the_machine() -> None:
    assert 1 <= available_cpus() <= (os.cpu_count() or 1)


@pytest.mark.skipif(sys.version_info >= (3, 13), reason="3.13+ uses os.process_cpu_count")
def test_falls_back_to_cpu_count_without_affinity(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 3)
    assert available_cpus() == 3
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert available_cpus() == 1


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="no affinity mask here")
@pytest.mark.skipif(sys.version_info >= (3, 13), reason="3.13+ uses os.process_cpu_count")
def test_uses_the_affinity_mask_where_there_is_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1})
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    assert available_cpus() == 2


def test_one_blas_thread_limits_blas_in_the_block_and_restores_it() -> None:
    threadpoolctl = pytest.importorskip("threadpoolctl")
    import numpy as np

    from forecast._cpu import one_blas_thread

    np.ones((2, 2)) @ np.ones((2, 2))  # numpy's BLAS is loaded
    before = [p["num_threads"] for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"]
    with one_blas_thread():
        inside = [
            p["num_threads"] for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"
        ]
        a = np.arange(36.0).reshape(6, 6)
        one = a @ a.T
    after = [p["num_threads"] for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"]
    assert inside
    assert set(inside) == {1}
    assert after == before
    assert (one == a @ a.T).all()
