"""Sensitivity grids: specs, batched projection, backends, outputs, charts and the CLI."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import forecast
from forecast.backtest import write_backtest
from forecast.charts.grid import grid_heatmap, grid_tornado
from forecast.cli import cli
from forecast.errors import SelectionError
from forecast.executors import ChunkError, ProcessExecutor, SerialExecutor
from forecast.grid import Axis, GridError, GridSpec, make_executor, parse_axis, run_grid
from forecast.models.protocol import project_many
from forecast.spec import RunSpec
from tests.unit.test_evaluation import PANEL

if TYPE_CHECKING:
    from forecast.engine import FittedModels
    from forecast.store import Store

HAS_DASK = importlib.util.find_spec("distributed") is not None
AXES = (
    "outage.duration_months=1,6",
    "outage.volume_kbd=300:900:3",
    "offsets.spare_capacity_share=0:1:2",
)


pytestmark = pytest.mark.real_data  # the SVAR needs real series (../shared/data or the snapshot)


@pytest.fixture(scope="module")
def fitted(shared_store: Store) -> FittedModels:
    spec = RunSpec(draws=200, seed=5, horizon=24, models=("svar", "elasticity"))
    return forecast.fit(spec, store=shared_store)


def test_parse_axis_values_and_ranges() -> None:
    assert parse_axis("outage.duration_months=1,3,6,12").values == (1, 3, 6, 12)  # noqa: PD011
    volume = parse_axis("outage.volume_kbd=300:900:7")
    assert volume.values == (300, 400, 500, 600, 700, 800, 900)  # noqa: PD011
    assert volume.span == (300.0, 900.0)
    assert parse_axis("offsets.spare_capacity_share=0:1:5").values == (0.0, 0.25, 0.5, 0.75, 1.0)  # noqa: PD011
    assert Axis("outage.volume_kbd", (1,)).column == "outage_volume_kbd"


@pytest.mark.parametrize(
    ("axis", "named"),
    [
        ("outage.bogus=1,2", "outage.bogus"),
        ("outage.duration_months=-1", "outage.duration_months"),
        ("offsets.spare_capacity_share=0:2:3", "offsets.spare_capacity_share"),
        ("outage.volume_kbd=1:2", "outage.volume_kbd"),
        ("novalue", "novalue"),
    ],
)
def test_bad_axis_is_one_line_naming_it(axis: str, named: str) -> None:
    with pytest.raises(GridError) as caught:
        GridSpec.build("venezuela_full_halt", [axis])
    message = str(caught.value)
    assert named in message
    assert "\n" not in message


def test_factorial_and_latin_hypercube() -> None:
    spec = GridSpec.build("venezuela_full_halt", AXES)
    assert len(spec.points()) == 2 * 3 * 2
    lhs = GridSpec.build("venezuela_full_halt", AXES, sample=20, seed=3)
    points = lhs.points()
    assert len(points) == 20
    assert points == GridSpec.build("venezuela_full_halt", AXES, sample=20, seed=3).points()
    shares = sorted(p[2] for p in points)
    assert [int(v * 20) for v in shares] == list(range(20))  # one value per stratum of [0, 1]
    months = GridSpec.build("venezuela_full_halt", ["outage.duration_months=1:12:12"], sample=9)
    assert all(isinstance(p[0], int) for p in months.points())  # a whole-number field stays whole


@pytest.mark.parametrize("model", ["svar", "elasticity"])
def test_project_many_equals_project(fitted: FittedModels, model: str) -> None:
    rng = np.random.default_rng(0)
    paths = np.abs(rng.normal(600, 300, (6, 24)))
    paths[:, :2] = 0.0
    paths[3] = 0.0
    adapter = fitted.price[model]
    many = adapter.project_many(paths)  # type: ignore[attr-defined]
    for i, path in enumerate(paths):
        for sid, draws in adapter.project(path).items():
            assert many[sid].shape == (6, *draws.shape)
            np.testing.assert_allclose(many[sid][i], draws, rtol=0, atol=1e-10)
    if model == "elasticity":  # the same arithmetic broadcast: bit-identical
        assert np.array_equal(many["brent_usd"][1], adapter.project(paths[1])["brent_usd"])


def test_generic_fallback_loops_project(fitted: FittedModels) -> None:
    class Plain:
        def __init__(self, inner: object) -> None:
            self.inner = inner

        def project(self, net: np.ndarray) -> dict[str, np.ndarray]:
            return dict(self.inner.project(net))  # type: ignore[attr-defined]

    paths = np.full((3, 24), 400.0)
    plain = project_many(Plain(fitted.price["elasticity"]), paths)  # type: ignore[arg-type]
    batch = project_many(fitted.price["elasticity"], paths)
    assert np.array_equal(plain["brent_usd"], batch["brent_usd"])


def test_grid_rows_match_separate_runs(fitted: FittedModels, tmp_path: Path) -> None:
    result = fitted.grid(["outage.volume_kbd=400,800"], out=tmp_path, one_at_a_time=False)
    frame = result.frame
    assert len(frame) == 2 * 2 * 2  # points x models x prices
    run = fitted.project(
        [
            forecast.scenarios.builtin_scenarios()["baseline"],
            forecast.scenarios.apply_overrides(
                forecast.scenarios.resolve_scenario("venezuela_full_halt"),
                ["outage.volume_kbd=800"],
            ),
        ]
    )
    summary = run.summary
    for model in ("svar", "elasticity"):
        row = frame[
            (frame["outage_volume_kbd"] == 800)
            & (frame["model"] == model)
            & (frame["variable"] == "brent_usd")
        ].iloc[0]
        expected = summary[(summary["model"] == model) & (summary["variable"] == "brent_usd")]
        assert row["peak_mean"] == pytest.approx(float(expected["peak_mean"].iloc[0]), abs=1e-9)
        assert row["peak_q50"] == pytest.approx(float(expected["peak_q50"].iloc[0]), abs=1e-9)
    assert (tmp_path / "grid.csv").is_file()
    assert result.path.is_file()
    assert "<table" in result._repr_html_()
    assert len(result.lazy().df()) == len(frame)


def _grid(fitted: FittedModels, executor: object, out: Path) -> pd.DataFrame:
    spec = GridSpec.build("venezuela_full_halt", AXES)
    result = run_grid(fitted, spec, executor=executor, out=out, chunk_points=4)  # type: ignore[arg-type]
    return result.frame


def test_backends_give_identical_grids(fitted: FittedModels, tmp_path: Path) -> None:
    serial = _grid(fitted, SerialExecutor(), tmp_path / "serial")
    processes = _grid(fitted, ProcessExecutor(jobs=2), tmp_path / "processes")
    pd.testing.assert_frame_equal(serial, processes, check_exact=True)
    if not HAS_DASK:
        pytest.skip("dask.distributed is not installed (pip install '.[dask]')")
    dask = _grid(fitted, make_executor(scheduler="local", jobs=2), tmp_path / "dask")
    pd.testing.assert_frame_equal(serial, dask, check_exact=True)


def test_grid_in_memory_equals_the_written_grid(fitted: FittedModels, tmp_path: Path) -> None:
    written = fitted.grid(list(AXES), out=tmp_path)
    in_memory = fitted.grid(list(AXES), write=False, out=tmp_path / "unused")
    assert in_memory.path is None
    assert in_memory.csv is None
    assert not (tmp_path / "unused").exists()
    assert in_memory.rows == written.rows
    pd.testing.assert_frame_equal(in_memory.frame, written.frame, check_exact=True)
    pd.testing.assert_frame_equal(in_memory.lazy().df(), written.frame, check_exact=True)
    assert "kept in memory" in in_memory.summary()


@pytest.mark.parametrize("chosen", [["elasticity"], ["svar"], ["elasticity", "svar"]])
def test_grid_through_some_models_gives_their_rows_of_the_full_grid(
    fitted: FittedModels, chosen: list[str]
) -> None:
    full = fitted.grid(list(AXES), write=False).frame
    some = fitted.grid(list(AXES), write=False, models=chosen)
    order = [name for name in fitted.price if name in chosen]  # the run's order, not the call's
    assert some.models == tuple(order)
    expected = full[full["model"].isin(chosen)].reset_index(drop=True)
    pd.testing.assert_frame_equal(some.frame, expected, check_exact=True)


@pytest.mark.parametrize("chosen", [["svar_sign"], ["no_such_model"], []])
def test_grid_through_a_model_the_run_did_not_fit_is_an_error(
    fitted: FittedModels, chosen: list[str]
) -> None:
    with pytest.raises(SelectionError, match="grid: no fitted price model"):
        fitted.grid(list(AXES), write=False, models=chosen)


def test_grid_of_some_prices_gives_their_rows_of_the_full_grid(fitted: FittedModels) -> None:
    full = fitted.grid(list(AXES), write=False).frame
    brent = fitted.grid(list(AXES), write=False, models=["svar"], variables=["brent_usd"])
    expected = full[(full["model"] == "svar") & (full["variable"] == "brent_usd")]
    pd.testing.assert_frame_equal(brent.frame, expected.reset_index(drop=True), check_exact=True)


@pytest.mark.parametrize("variables", [["gold_usd"], []])
def test_grid_of_a_price_no_model_projects_is_an_error(
    fitted: FittedModels, variables: list[str]
) -> None:
    with pytest.raises(SelectionError, match="grid: no price"):
        fitted.grid(list(AXES), write=False, variables=variables)


def test_samples_hold_no_view_of_the_effects_and_average_alike() -> None:
    from forecast.grid._project import _samples

    rng = np.random.default_rng(3)
    diff = rng.standard_normal((5, 300, 24)) * 3.0
    _, samples = _samples(diff, rng.random((5, 24)) > 0.5)
    for name, month in (("h3", 2), ("h12", 11)):
        assert not np.shares_memory(samples[name], diff)  # diff can be freed
        view = diff[:, :, month]
        assert np.array_equal(samples[name].mean(axis=1), view.mean(axis=1))  # same bits


def _fails_once(shared: dict[str, int], chunk: int) -> int:
    shared["calls"] = shared.get("calls", 0) + 1
    if chunk == 1 and shared["calls"] == 2:
        raise RuntimeError("flaky")
    if chunk == 3:
        raise RuntimeError("always")
    return chunk * 10


def test_failed_chunk_is_retried_once_then_named() -> None:
    assert list(SerialExecutor().map(_fails_once, {}, [0, 1, 2])) == [0, 10, 20]
    with pytest.raises(ChunkError, match="chunk 3 of 4 failed twice"):
        list(SerialExecutor().map(_fails_once, {}, [0, 1, 2, 3]))


def test_backtest_identical_on_every_backend(tmp_path: Path) -> None:
    kwargs = {"models": ["no_change", "arima"], "horizons": (1, 3)}
    outputs = {}
    executors = {"serial": SerialExecutor(), "processes": ProcessExecutor(jobs=2)}
    if HAS_DASK:
        executors["dask"] = make_executor(scheduler="local", jobs=2)
    for name, executor in executors.items():
        result = forecast.evaluation.evaluate(
            PANEL, "2005-01", "2007-06", executor=executor, **kwargs
        )
        written = write_backtest(result, tmp_path / name)
        outputs[name] = Path(written["table"]).read_bytes()
    first = outputs.pop("serial")
    assert all(other == first for other in outputs.values())


def test_charts_build(fitted: FittedModels, tmp_path: Path) -> None:
    result = fitted.grid(list(AXES), out=tmp_path)
    heat = grid_heatmap(
        result.heatmap_frame("outage.duration_months", "outage.volume_kbd"),
        "outage.duration_months",
        "outage.volume_kbd",
    )
    assert heat.data["value"].notna().all()
    tornado = result.tornado_frame()
    assert set(tornado["axis"]) == {a.split("=")[0] for a in AXES}
    assert (tornado["low"] <= tornado["high"]).all()
    grid_tornado(tornado, scenario="venezuela_full_halt").draw()


def test_cli_grid(synthetic_store: Store, tmp_path: Path) -> None:
    runner = CliRunner()
    store = str(synthetic_store.path)
    bad = runner.invoke(cli, ["grid", "--store", store, "--out", str(tmp_path),
                              "--axis", "outage.bogus=1"])  # fmt: skip
    assert bad.exit_code == 2, bad.output
    assert "outage.bogus" in bad.output
    ok = runner.invoke(
        cli,
        ["grid", "--store", store, "--out", str(tmp_path), "--draws", "100", "--seed", "1",
         "--model", "elasticity", "--axis", "outage.volume_kbd=300:900:3",
         "--axis", "outage.duration_months=3,6", "--no-charts"],
    )  # fmt: skip
    assert ok.exit_code == 0, ok.output
    frame = pd.read_csv(tmp_path / "grid.csv")
    assert {"peak_q50", "outage_mean", "h3_q05", "h12_q95"} <= set(frame.columns)


def test_one_more_scenario_reuses_what_no_scenario_changes(fitted: FittedModels) -> None:
    from forecast.engine import _diagnostics, _history

    chosen = [
        forecast.scenarios.builtin_scenarios()["baseline"],
        forecast.scenarios.resolve_scenario("venezuela_full_halt"),
    ]
    first = fitted.project(chosen)
    first.diagnostics.loc[0, "estimate"] = -1.0  # a caller's edit must not reach the cache
    second = fitted.project(chosen)
    pd.testing.assert_frame_equal(second.diagnostics, _diagnostics(fitted.adapters()))
    pd.testing.assert_frame_equal(second.history, _history(fitted.inputs))
    pd.testing.assert_frame_equal(second.assumptions, fitted._assumptions())
    pd.testing.assert_frame_equal(first.summary, second.summary, check_exact=True)
    pd.testing.assert_frame_equal(first.paths, second.paths, check_exact=True)
