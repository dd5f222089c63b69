"""How many CPUs this process may use (the same way on Linux, macOS and Windows); BLAS threads."""

from __future__ import annotations

import contextlib
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["available_cpus", "one_blas_thread"]


def available_cpus() -> int:
    """Return the number of CPUs this process may run on (at least 1).

    ``os.process_cpu_count()`` on Python 3.13+ (it honours the affinity mask and
    ``PYTHON_CPU_COUNT``); before that the affinity mask where the platform has one
    (``os.sched_getaffinity``, Linux), else ``os.cpu_count()``.

    Returns
    -------
    int
        The count; 1 when the platform cannot tell.
    """
    if sys.version_info >= (3, 13):
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run the block with one BLAS thread in this process; the previous limits come back after.

    A run's matrices are small (VARs of three variables, a few dozen regressors, batches of
    them): a threaded BLAS spends more time starting, waking and spinning its threads than
    computing, most of all on a busy machine (a VAR lag selection took 0.2-0.35 s of CPU
    with two OpenBLAS threads on a loaded 2-core machine, 0.02 s with one). The threads of
    the routines a run calls share out the outputs, not the sums, so the numbers do not
    change: the report and the golden cases are byte-identical with one thread or two.
    Through ``threadpoolctl`` (imported here: only a run needs it).
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield
