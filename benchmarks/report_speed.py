"""Time `forecast report` against the time it takes to import its libraries (issue 15).

Writes the package's bytecode first, as a pip install does (``_shared.compile_package``: with
``PYTHONDONTWRITEBYTECODE`` set and an editable install, every run would otherwise compile
the package from source, a cost the floor's byte-compiled libraries never pay), builds a store
from ../shared/data through the project's importer (in a temporary folder), then, in fresh
processes started in that folder (so the installed package runs, not a checkout in the
current folder) each time:

* the import floor: ``python -c "import pandas, numpy, scipy.stats, statsmodels.api,
  plotnine, duckdb"``, the median of several runs;
* the report: ``forecast report --as-of 2025-11`` with every default model, the default
  1,000 draws and every section, the median of several runs;
* a breakdown, from one more report run in a process that wraps the steps with timers:
  the report's imports, data reads, model fits (per model), the SVAR bootstrap and lag
  selection, the Cuba fits, projections (with the Cuba sensitivity grid and the result
  tables, the SVAR draws' companion roots among them), charts (the wall time of the parallel
  render, and each chart drawn alone afterwards) and writing the CSV, XLSX, HTML and
  Markdown files, with the import floor of a fresh process and the ratio to it.

Prints a JSON line last: ``{"floor_median_s": ..., "report_median_s": ..., "ratio": ...,
"target_ratio": 2.5, "breakdown_s": {...}, ...}``. ``--runs N`` sets the repeats.
"""

# ruff: noqa: SLF001 - the breakdown times the report's own private steps
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from _shared import SHARED, build_store, compile_package

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

RUNS = 5
TARGET_RATIO = 2.5
FLOOR = "import pandas, numpy, scipy.stats, statsmodels.api, plotnine, duckdb"
REPORT = ["report", "--as-of", "2025-11"]


def _timed(command: list[str], cwd: str | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, cwd=cwd)
    return time.perf_counter() - start


class _Clock:
    """Accumulate wall seconds and this process's CPU seconds per step name.

    On a shared machine the wall times swing with the load; the CPU seconds much less.
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        start, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start
            self.cpu[name] = self.cpu.get(name, 0.0) + time.process_time() - cpu

    def wrap(self, owner: Any, attribute: str, name: str | Callable[..., str]) -> None:
        """Replace ``owner.attribute`` by a timed call (``name`` may depend on the args)."""
        original = getattr(owner, attribute)

        def timed(*args: Any, **kwargs: Any) -> Any:
            label = name(*args, **kwargs) if callable(name) else name
            with self.step(label):
                return original(*args, **kwargs)

        setattr(owner, attribute, timed)


def _breakdown(store: str, out: str) -> None:
    """Run one report in this process with every step timed; print the seconds as JSON.

    ``imports`` is what the report's modules import when loaded; libraries they import lazily
    (openpyxl, scipy.stats, ...) count in the step that first needs them. ``floor`` is the
    import floor measured just before, in a fresh process, for the ratio. To be wrapped,
    the report's modules are imported here before the chart workers fork, where `forecast
    report` forks them first (their plotting imports then overlap its own imports): this
    run's wall times after the imports are a little longer than the timed runs'.
    """
    floor = _timed([sys.executable, "-c", FLOOR])
    before = resource.getrusage(resource.RUSAGE_CHILDREN)  # the floor's process so far
    clock = _Clock()
    with clock.step("imports"):
        import forecast.cli
        from forecast import engine  # noqa: F401 - timed with the report's imports
        from forecast.models import cuba, svar  # noqa: F401
        from forecast.models.adapters import cuba as cuba_adapter  # noqa: F401
        from forecast.reports import _markdown, _xlsx, writer  # noqa: F401
        from forecast.results import RunResult  # noqa: F401

    _time_steps(clock)
    captured: list[Any] = []
    specs = writer._chart_specs
    clock.wrap(writer, "_main_specs", lambda result: captured.append(result) or "chart_specs")
    clock.wrap(writer, "_sensitivity_specs", "sensitivity_grid_and_specs (while charts draw)")
    with clock.step("report_total (after imports)"), suppress(SystemExit):
        forecast.cli.cli.main([*REPORT, "--store", store, "--out", out], standalone_mode=False)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # the chart workers, joined
    seconds: dict[str, Any] = {k: round(v, 3) for k, v in clock.seconds.items()}
    workers_cpu = children.ru_utime + children.ru_stime - before.ru_utime - before.ru_stime
    seconds["cpu_s (chart workers, all)"] = round(workers_cpu, 3)
    total = clock.seconds["imports"] + clock.seconds["report_total (after imports)"]
    seconds["floor (fresh process)"] = round(floor, 3)
    seconds["ratio (imports + report) / floor"] = round(total / floor, 2)
    seconds["cpu_s (this process)"] = {k: round(v, 3) for k, v in clock.cpu.items()}
    seconds["charts_each (drawn alone, afterwards)"] = _chart_each(writer, specs, captured[0])
    print(json.dumps(seconds))


def _time_steps(clock: _Clock) -> None:
    """Wrap the report's steps (engine, models, charts, writers) with ``clock``'s timers."""
    from forecast import engine
    from forecast.models import cuba, svar
    from forecast.models.adapters import cuba as cuba_adapter
    from forecast.reports import _markdown, _xlsx, writer
    from forecast.results import RunResult

    clock.wrap(engine, "read_inputs", "data_reads")
    clock.wrap(engine._SetUp, "__call__", lambda _self, entry, **_: f"fit_{entry.name}")
    clock.wrap(svar, "bootstrap_svar", "svar_bootstrap (in fit_svar)")
    clock.wrap(svar, "lag_selection", "svar_lag_selection (in fit_svar)")
    clock.wrap(cuba, "fit_cuba", "cuba_fits (every fit_cuba: in fit_cuba and projections)")
    clock.wrap(engine.FittedModels, "project", "projections")
    clock.wrap(cuba_adapter.EconometricAdapter, "_sensitivity", "cuba_sensitivity (in projections)")
    clock.wrap(engine.FittedModels, "_result", "result_tables (in projections)")
    clock.wrap(svar.SVARDraws, "max_roots", "svar_max_roots (in result_tables)")
    if hasattr(writer, "ChartWorkers"):  # chart workers forked before the run
        clock.wrap(writer.ChartWorkers, "__enter__", "chart_workers_start (before the run)")
    if hasattr(writer.ChartWorkers, "start_early"):  # methodology charts once fitted
        clock.wrap(writer.ChartWorkers, "start_early", "charts_early_start (after the fits)")
    if hasattr(writer, "_ChartJob"):  # charts drawn while the tables are written
        clock.wrap(writer._ChartJob, "__enter__", "charts_start (fork)")
        clock.wrap(writer._ChartJob, "results", "charts_wait (after the tables)")
    else:
        clock.wrap(writer, "build_charts", "charts_wall")
    clock.wrap(engine, "run", "engine_run (reads, fits, projections, result)")
    clock.wrap(writer, "write_chart_files", "write_chart_files")
    clock.wrap(RunResult, "write", "write_csv")
    clock.wrap(writer, "write_tables", "write_tables (csv+xlsx)")
    clock.wrap(_xlsx, "write_workbook", "write_xlsx")
    clock.wrap(writer, "render_html", "render_html")
    if hasattr(writer, "ReportTables"):  # tables computed once; the page's context before charts
        clock.wrap(writer.ReportTables, "build", "report_tables (once, shared)")
        clock.wrap(writer, "_page_context", "html_context (while the charts draw)")
        clock.wrap(writer, "_render_page", "render_html (template, after the charts)")
    clock.wrap(_markdown, "markdown_report", "write_markdown")


def _chart_each(writer: Any, specs: Callable[[Any], list[Any]], result: Any) -> dict[str, Any]:
    """Draw and save every chart of the report alone, in this process: seconds per chart.

    Wall seconds per chart, then the CPU seconds of the same draws (steadier than the wall
    time on a loaded machine) and the sums of both.
    """
    wall, cpu = {}, {}
    for spec in specs(result):
        start, start_cpu = time.perf_counter(), time.process_time()
        writer._png(spec.make())
        wall[spec.id] = round(time.perf_counter() - start, 3)
        cpu[spec.id] = round(time.process_time() - start_cpu, 3)
    return {
        **wall,
        "cpu_s": cpu,
        "sum_wall_s": round(sum(wall.values()), 2),
        "sum_cpu_s": round(sum(cpu.values()), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--breakdown", nargs=2, metavar=("STORE", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.breakdown:
        _breakdown(*args.breakdown)
        return
    if not SHARED.is_dir():
        print(json.dumps({"skipped": f"{SHARED} is absent"}))
        return
    package = compile_package()  # timed as installed: bytecode written, like the floor's
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "forecast.duckdb"
        build_store(store)
        floor, report = [], []
        for i in range(args.runs):  # interleaved, so a burst of load hits both alike
            floor.append(_timed([sys.executable, "-c", FLOOR], cwd=tmp))
            command = [sys.executable, "-m", "forecast", *REPORT, "--seed", str(i),
                       "--store", str(store), "--out", f"{tmp}/r{i}"]  # fmt: skip
            report.append(_timed(command, cwd=tmp))  # not the current folder's checkout
        done = subprocess.run(
            [sys.executable, __file__, "--breakdown", str(store), f"{tmp}/breakdown"],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        breakdown = json.loads(done.stdout.strip().splitlines()[-1])
    floor_s, report_s = statistics.median(floor), statistics.median(report)
    print(
        json.dumps(
            {
                "floor_s": [round(t, 2) for t in floor],
                "report_s": [round(t, 2) for t in report],
                "floor_median_s": round(floor_s, 2),
                "report_median_s": round(report_s, 2),
                "ratio": round(report_s / floor_s, 2),
                "target_ratio": TARGET_RATIO,
                "draws": 1000,
                "breakdown_s": breakdown,
                "package": str(package),
                "cpus": os.cpu_count(),
                "load_avg": [round(x, 2) for x in os.getloadavg()],
            }
        )
    )


if __name__ == "__main__":
    main()
