"""Sensitivity-grid speed: points per second on each backend, peak memory, and the reference.

10,000 points x 1,000 draws x 24 months with the SVAR and the elasticity model (a Latin
hypercube over four scenario fields), on serial, processes (2 workers) and a Dask
LocalCluster (2 workers, when dask is installed); the reference is the same points as
separate ``forecast.run`` calls (timed on a sample and extrapolated), and the time of one
more scenario on a fitted object (the first ``project`` call also builds the frames no
scenario changes, kept for the next ones). The load average is printed before and after.
Prints a JSON line last. ``--points N`` for a quick look.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _shared import build_store

AXES = (
    "outage.duration_months=1:12:12",
    "outage.volume_kbd=300:900:7",
    "offsets.spare_capacity_share=0:1:5",
    "outage.ramp_up_months=0:3:4",
)
REFERENCE_SAMPLE = 5


def _peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024.0


def main() -> None:
    """Run the benchmark and print one JSON line."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--draws", type=int, default=1000)
    args = parser.parse_args()
    import forecast
    from forecast.grid import GridSpec, make_executor, run_grid
    from forecast.scenarios import apply_overrides, resolve_scenario
    from forecast.spec import RunSpec

    work = Path(tempfile.mkdtemp(prefix="grid-bench-"))
    store = work / "store.duckdb"
    build_store(store)
    spec = RunSpec(draws=args.draws, horizon=24, seed=1, models=("svar", "elasticity"))
    started = time.perf_counter()
    fitted = forecast.fit(spec, store=str(store))
    fit_s = time.perf_counter() - started
    grid = GridSpec.build("venezuela_full_halt", AXES, sample=args.points, seed=1)
    out: dict[str, object] = {"points": args.points, "draws": args.draws, "fit_s": round(fit_s, 2)}
    out["load_average_before"] = [round(v, 2) for v in os.getloadavg()]
    backends = {
        "serial": make_executor("serial"),
        "processes_2": make_executor("processes", jobs=2),
    }
    if importlib.util.find_spec("distributed") is not None:
        backends["dask_local_2"] = make_executor(scheduler="local", jobs=2)
    for name, executor in backends.items():
        started = time.perf_counter()
        result = run_grid(fitted, grid, executor=executor, out=work / name, one_at_a_time=False)
        elapsed = time.perf_counter() - started
        out[f"{name}_points_per_s"] = round(result.points / elapsed, 1)
        out[f"{name}_s"] = round(elapsed, 2)
        out[f"peak_rss_mb_after_{name}"] = round(_peak_mb(), 1)
    base = resolve_scenario("venezuela_full_halt")
    sample = grid.points()[:REFERENCE_SAMPLE]
    started = time.perf_counter()
    for values in sample:
        scenario = apply_overrides(
            base, [a.override(v) for a, v in zip(grid.axes, values, strict=True)]
        )
        forecast.run([scenario], spec=spec, store=str(store))
    per_run = (time.perf_counter() - started) / len(sample)
    out["separate_runs_points_per_s"] = round(1.0 / per_run, 3)
    out["separate_runs_extrapolated_s"] = round(per_run * args.points, 1)
    started = time.perf_counter()
    fitted.project([grid.scenario_at(sample[0])])
    out["first_project_on_fitted_s"] = round(time.perf_counter() - started, 3)
    started = time.perf_counter()
    fitted.project([grid.scenario_at(sample[1])])
    out["one_more_scenario_on_fitted_s"] = round(time.perf_counter() - started, 3)
    out["load_average_after"] = [round(v, 2) for v in os.getloadavg()]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
