"""The report's pieces that are not charts: backtest evidence and headline choices."""

from pathlib import Path

import pandas as pd
import pytest

import forecast
from forecast.reports.writer import BacktestEvidence, _first_full_year, render_html
from forecast.results import RunResult
from forecast.store import Store

COLUMNS = ["target", "model", "horizon", "n", "mspe", "mspe_ratio", "mspe_ratio_eom",
           "directional_accuracy", "dm_pvalue"]  # fmt: skip


def write_backtest(folder: Path) -> None:
    rows = [
        ("nominal", "no_change", 1, 250, 42.6, 1.0, 1.79, None, 1.0),
        ("nominal", "no_change_eom", 1, 250, 23.8, 0.558, 1.0, 0.74, 0.0),
        ("nominal", "bvar", 1, 250, 23.9, 0.560, 1.004, 0.74, 0.0),
        ("nominal", "bvar", 3, 248, 174.5, 0.928, 1.004, 0.56, 0.006),
        ("real", "bvar", 1, 250, 4.0, 0.566, 1.004, 0.73, 0.0),
    ]
    folder.mkdir()
    pd.DataFrame(rows, columns=COLUMNS).to_csv(folder / "backtest.csv", index=False)


@pytest.fixture(scope="module")
def result(synthetic_store: Store) -> RunResult:
    return forecast.run(["venezuela_full_halt"], store=synthetic_store, draws=100, seed=4)


def test_backtest_evidence_reads_and_states_the_verdict_from_the_numbers(tmp_path: Path) -> None:
    assert BacktestEvidence.read(tmp_path / "absent") is None
    write_backtest(tmp_path / "bt")
    evidence = BacktestEvidence.read(tmp_path / "bt")
    assert evidence is not None
    assert evidence.chart_uri is None
    verdict = evidence.verdict()
    assert "no_change_eom's, 44% below the monthly-average" in verdict
    assert "worst MSPE ratio over the horizons is 1.000" in verdict


def test_report_shows_the_backtest_or_says_how_to_make_one(
    result: RunResult, tmp_path: Path
) -> None:
    write_backtest(tmp_path / "bt")
    with_evidence = render_html(result, [], backtest=BacktestEvidence.read(tmp_path / "bt"))
    assert "no_change_eom" in with_evidence
    assert "0.558" in with_evidence
    without = render_html(result, [])
    assert "forecast backtest --start 2005-01" in without


def test_first_full_projected_year() -> None:
    class Stub:
        as_of = pd.Timestamp("2025-11-01")
        horizon = 24

    assert _first_full_year(Stub()) == 2026  # type: ignore[arg-type]
    Stub.as_of, Stub.horizon = pd.Timestamp("2025-12-01"), 12
    assert _first_full_year(Stub()) == 2026  # type: ignore[arg-type]
    Stub.horizon = 11
    assert _first_full_year(Stub()) is None  # type: ignore[arg-type]


def _boom() -> object:
    message = "drawing failed"
    raise RuntimeError(message)


def _slow() -> object:
    import time

    time.sleep(60)
    raise AssertionError


def test_chart_workers_are_joined_after_an_error() -> None:
    import multiprocessing as mp

    from forecast.reports.writer import _ChartJob, _ChartSpec

    specs = [_ChartSpec(f"c{i}", "t", "c", _boom) for i in range(3)]
    with pytest.raises(RuntimeError, match="drawing failed"), _ChartJob(specs, 2) as job:
        job.results()
    assert mp.active_children() == []


def test_chart_workers_are_stopped_on_ctrl_c() -> None:
    import multiprocessing as mp
    import time

    from forecast.reports.writer import _ChartJob, _ChartSpec

    specs = [_ChartSpec(f"c{i}", "t", "c", _slow) for i in range(2)]
    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt), _ChartJob(specs, 2):
        raise KeyboardInterrupt
    assert mp.active_children() == []
    assert time.monotonic() - start < 30  # terminated, not waited for


def test_prestarted_chart_workers_draw_pickled_builders_and_are_joined() -> None:
    import multiprocessing as mp
    from functools import partial

    from forecast.charts.grid import grid_heatmap
    from forecast.reports.writer import ChartWorkers, _ChartJob, _ChartSpec, _png

    frame = pd.DataFrame({"x": [1, 1, 2, 2], "y": [1, 2, 1, 2], "value": [0.5, 1.0, 1.5, 2.0]})
    make = partial(grid_heatmap, frame, "a", "b")
    specs = [_ChartSpec(f"c{i}", "t", "c", make) for i in range(2)]
    with ChartWorkers(2) as workers:
        assert workers.pool is not None
        with _ChartJob(specs, 2, workers) as job:
            rendered = job.results()
    assert rendered == [_png(make())] * 2
    assert mp.active_children() == []


def test_prestarted_chart_workers_are_stopped_on_an_error() -> None:
    import multiprocessing as mp

    from forecast.reports.writer import ChartWorkers, _ChartJob, _ChartSpec

    specs = [_ChartSpec(f"c{i}", "t", "c", _boom) for i in range(3)]
    with (
        pytest.raises(RuntimeError, match="drawing failed"),
        ChartWorkers(2) as workers,
        _ChartJob(specs, 2, workers) as job,
    ):
        job.results()
    assert mp.active_children() == []


def test_methodology_tables_are_formatted_only_when_the_template_reads_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from forecast.reports import writer

    formatted: list[int] = []

    def table(frame: pd.DataFrame) -> dict[str, object]:
        formatted.append(len(frame))
        return {"columns": list(frame.columns), "rows": []}

    monkeypatch.setattr(writer, "_table", table)
    tables = writer._FormattedTables(
        {"shown": pd.DataFrame({"x": [1.0, 2.0]}), "charted": pd.DataFrame({"y": [3.0]})}
    )
    assert "shown" in tables
    assert "absent" not in tables
    assert (list(tables), len(tables), formatted) == (["shown", "charted"], 2, [])
    assert tables["shown"]["columns"] == ["x"]
    assert tables["shown"]["columns"] == ["x"]  # formatted once
    assert formatted == [2]
    with pytest.raises(KeyError):
        tables["absent"]


def _hd_table() -> pd.DataFrame:
    import numpy as np

    dates = pd.date_range("2010-01-01", periods=4, freq="MS")
    parts = ["supply", "aggregate_demand", "oil_specific_demand", "initial_and_deterministic"]
    values = np.random.default_rng(5).normal(size=(len(dates), len(parts)))
    return pd.DataFrame(
        [
            {"date": d, "variable": "real_price_log", "component": c, "value": values[i, j]}
            for i, d in enumerate(dates)
            for j, c in enumerate(parts)
        ]
    )


class _Model:
    """What ChartWorkers.start_early reads of a model's adapter: its tables."""

    def __init__(self, tables: dict[str, pd.DataFrame]) -> None:
        self.tables = tables


def test_methodology_charts_started_early_are_taken_for_the_same_tables_only() -> None:
    import multiprocessing as mp

    from forecast.reports.writer import ChartWorkers, _ChartJob, _png, method_chart_specs

    table = _hd_table()
    with ChartWorkers(2) as workers:
        workers.start_early(_Model({"svar_hd": table}))
        workers.start_early(_Model({"svar_hd": table.copy()}))  # a later model's: the first kept
        assert [spec.id for spec, _ in workers.early] == ["svar_hd"]
        same = method_chart_specs({"svar_hd": table})
        other = method_chart_specs({"svar_hd": table.copy()})  # equal frame, another object
        assert workers.take(other[0]) is None
        with _ChartJob(same, 2, workers) as job:
            assert workers.early == []  # the early drawing was taken, not drawn again
            rendered = job.results()
    assert rendered == [_png(same[0].make())]
    assert mp.active_children() == []


def _grid_table(rows: int) -> pd.DataFrame:
    return pd.DataFrame({"lags": range(rows), "effect": [0.5 * r for r in range(rows)]})


def _no_grid() -> pd.DataFrame:
    from forecast.errors import ForecastError

    raise ForecastError("no grid on these data")


class _SVAR:
    """What ChartWorkers.start_early reads of the recursive SVAR's adapter."""

    def __init__(self, job: object, name: str = "svar") -> None:
        self.tables: dict[str, pd.DataFrame] = {}
        self.context = type("Context", (), {"name": name})()
        self.job = job

    def sensitivity_job(self) -> object:
        return self.job


def test_the_svar_sensitivity_grid_is_computed_by_the_workers_for_that_adapter() -> None:
    import multiprocessing as mp
    from functools import partial

    from forecast.reports.writer import ChartWorkers

    svar = _SVAR(partial(_grid_table, 4))
    with ChartWorkers(2) as workers:
        workers.start_early(_SVAR(partial(_grid_table, 9), name="svar_sign"))  # not the page's
        workers.start_early(svar)
        workers.start_early(_SVAR(partial(_grid_table, 7)))  # a second one: the first kept
        assert workers.take_sensitivity(_SVAR(partial(_grid_table, 4))) is None  # another one
        wait = workers.take_sensitivity(svar)
        assert wait is not None
        pd.testing.assert_frame_equal(wait(), _grid_table(4))
    with ChartWorkers(2) as workers:
        failing = _SVAR(_no_grid)
        workers.start_early(failing)
        wait = workers.take_sensitivity(failing)
        assert wait is not None
        assert wait() is None, "no grid on these data: the section is left out"
    assert workers.take_sensitivity(failing) is None  # gone with the workers
    assert mp.active_children() == []


def test_early_charts_left_untaken_are_stopped_with_the_workers() -> None:
    import multiprocessing as mp

    from forecast.reports.writer import ChartWorkers

    with ChartWorkers(2) as workers:
        workers.start_early(_Model({"svar_hd": _hd_table()}))
    assert workers.early == []
    assert mp.active_children() == []


@pytest.mark.parametrize("mode", ["serial", "forked here", "prestarted"])
def test_charts_added_to_a_running_job_come_last_in_the_results(mode: str) -> None:
    import contextlib
    import multiprocessing as mp
    from functools import partial

    from forecast.charts.grid import grid_heatmap
    from forecast.reports.writer import ChartWorkers, _ChartJob, _ChartSpec, _png

    def spec(name: str, value: float) -> _ChartSpec:
        frame = pd.DataFrame({"x": [1, 2], "y": [1, 1], "value": [value, 2 * value]})
        return _ChartSpec(name, "t", "c", partial(grid_heatmap, frame, "a", "b"))

    first, later = [spec("first", 1.0)], [spec("later", 3.0), spec("last", 5.0)]
    with contextlib.ExitStack() as stack:
        started = stack.enter_context(ChartWorkers(2)) if mode == "prestarted" else None
        job = stack.enter_context(_ChartJob(first, 1 if mode == "serial" else 2, started))
        job.add(later)
        rendered = job.results()
    assert [s.id for s in job.specs] == ["first", "later", "last"]
    assert rendered == [_png(s.make()) for s in [*first, *later]]
    assert mp.active_children() == []


_LIGHT_WORKERS = r"""
import json, pickle, sys

from forecast.reports._workers import ChartWorkers

HEAVY = (
    "pandera", "duckdb", "scipy", "statsmodels", "openpyxl", "jinja2",
    "forecast.schemas", "forecast.reports.writer", "forecast.engine",
)


def loaded(payload):
    builders = pickle.loads(payload)  # what a worker does with each task's builder
    return [m for m in HEAVY if m in sys.modules], len(builders)


at_fork = [m for m in HEAVY if m in sys.modules]
with ChartWorkers(2) as workers:
    payload = sys.stdin.buffer.read()
    import forecast.reports.writer  # the caller's own imports come after the fork
    in_worker = workers.pool.apply_async(loaded, (payload,)).get()
print(json.dumps({"at_fork": at_fork, "in_worker": in_worker}))
"""


def test_chart_workers_fork_before_the_report_imports_and_draw_without_them(
    result: RunResult,
) -> None:
    """The workers inherit only numpy, pandas and the chart functions, and need no more.

    Entered first (as `forecast report` does), the pool forks before the writer, pandera,
    DuckDB and the models are imported, so its plotting imports overlap the caller's; the
    report's chart builders (the result's view among their frames) unpickle in a worker
    without importing any of them.
    """
    import json
    import pickle
    import subprocess
    import sys

    from forecast.reports.writer import _chart_specs

    builders = [spec.make for spec in _chart_specs(result)]
    out = subprocess.run(
        [sys.executable, "-c", _LIGHT_WORKERS],
        input=pickle.dumps(builders),
        capture_output=True,
        check=True,
        timeout=120,
    )
    seen = json.loads(out.stdout.decode().strip().splitlines()[-1])
    assert seen["at_fork"] == []
    assert seen["in_worker"] == [[], len(builders)]
