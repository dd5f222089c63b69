"""Time `forecast report` end to end on the real data (quality bar: under 20 s, 2 cores).

Builds a store from ../shared/data through the project's importer (in a temporary folder),
then times, in fresh processes, ``forecast report --as-of 2025-11`` with the default draws,
and ``forecast.run`` alone in this process. Prints a JSON line last:
``{"report_s": [...], "report_median_s": ..., "run_median_s": ..., "draws": 1000, ...}``.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _shared import SHARED, build_store

RUNS = 3


def main() -> None:
    if not SHARED.is_dir():
        print(json.dumps({"skipped": f"{SHARED} is absent"}))
        return
    from forecast.engine import run
    from forecast.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "forecast.duckdb")
        build_store(store.path)
        report_times = []
        for i in range(RUNS):
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "forecast", "report", "--as-of", "2025-11",
                 "--seed", str(i), "--store", str(store.path), "--out", f"{tmp}/r{i}"],
                check=True, capture_output=True,
            )  # fmt: skip
            report_times.append(time.perf_counter() - start)
        run_times = []
        for i in range(RUNS):
            start = time.perf_counter()
            run(as_of="2025-11", seed=i, store=store)
            run_times.append(time.perf_counter() - start)
    print(
        json.dumps(
            {
                "report_s": [round(t, 2) for t in report_times],
                "report_median_s": round(statistics.median(report_times), 2),
                "run_median_s": round(statistics.median(run_times), 2),
                "draws": 1000,
                "scenarios": 5,
                "limit_s": 20,
                "cpus": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    main()
