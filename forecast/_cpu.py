"""How many CPUs this process may use, the same way on Linux, macOS and Windows."""

from __future__ import annotations

import os
import sys

__all__ = ["available_cpus"]


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
