"""Time the Brent backtest over 2005-01..2025-11 at horizons 1, 3, 6, 12 (aim: a few minutes).

Builds a store from ../shared/data through the project's importer (in a temporary folder;
``benchmarks/_shared.py``), then times, in a fresh process, the
``forecast backtest --start 2005-01 --end 2025-11 --horizons 1,3,6,12 --out DIR`` command
(its default ``--jobs``: the CPUs, at most 4) and, in this process, ``run_backtest`` with
``jobs=1``. Prints the h=1 and h=12 MSPE ratios of the main models, then a JSON line last:
``{"cli_s": ..., "cli_jobs": ..., "in_process_jobs1_s": ..., "origins": 251, ...}``.

The machine's load average is printed with the timings: other processes on a 2-core machine
slow the run down, multithreaded BLAS in-process most of all (the worker processes use one
BLAS thread each).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _shared import SHARED, build_store

START, END, HORIZONS = "2005-01", "2025-11", (1, 3, 6, 12)


def main() -> None:
    if not SHARED.is_dir():
        print(json.dumps({"skipped": f"{SHARED} is absent"}))
        return
    from forecast.backtest import run_backtest
    from forecast.cli.backtest import _default_jobs

    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "forecast.duckdb"
        build_store(store)
        load_before = os.getloadavg()
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "forecast", "backtest", "--store", str(store),
             "--start", START, "--end", END, "--horizons", ",".join(map(str, HORIZONS)),
             "--out", f"{tmp}/out"],
            check=True, capture_output=True,
        )  # fmt: skip
        cli_s = time.perf_counter() - start
        start = time.perf_counter()
        result = run_backtest(store, START, END, HORIZONS, jobs=1)
        in_process_s = time.perf_counter() - start
        load_after = os.getloadavg()
    table = result.table
    for target in ("nominal", "real"):
        for horizon in (1, 12):
            rows = table[(table["target"] == target) & (table["horizon"] == horizon)]
            ratios = ", ".join(
                f"{row.model} {row.mspe_ratio:.3f}/{row.mspe_ratio_eom:.3f}"
                for row in rows.itertuples()
            )
            print(f"{target} h={horizon} (ratio vs no_change/eom): {ratios}")
    origins = int(result.forecasts["origin"].nunique())
    print(
        json.dumps(
            {
                "cli_s": round(cli_s, 2),
                "cli_jobs": _default_jobs(),
                "in_process_jobs1_s": round(in_process_s, 2),
                "origins": origins,
                "horizons": list(HORIZONS),
                "models": list(result.models),
                "cpus": os.cpu_count(),
                "load_average_before": [round(x, 2) for x in load_before],
                "load_average_after": [round(x, 2) for x in load_after],
            }
        )
    )


if __name__ == "__main__":
    main()
