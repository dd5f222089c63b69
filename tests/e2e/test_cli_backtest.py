"""``forecast backtest`` end to end: a synthetic store, the files written, errors, real data."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from forecast.cli import EXIT_ERROR, EXIT_OK, EXIT_USAGE, cli
from forecast.store import SeriesUpdate, Store

if TYPE_CHECKING:
    from pathlib import Path

COLUMNS = [
    "target", "model", "horizon", "n", "mspe", "mspe_ratio", "mspe_ratio_eom",
    "directional_accuracy", "dm_pvalue", "dm_stat", "dm_pvalue_better", "dm_stat_eom",
    "dm_pvalue_better_eom", "cw_benchmark", "cw_stat", "cw_pvalue_better", "coverage_68",
    "coverage_90", "crps",
]  # fmt: skip


def synthetic_store(path: Path) -> Store:
    """Daily Brent (business days) and its monthly averages, CPI, Kilian index, production."""
    rng = np.random.default_rng(8)
    days = pd.bdate_range("1995-01-02", "2021-06-30")
    daily = 25.0 * np.exp(np.cumsum(rng.normal(0.0001, 0.018, days.size)))
    daily_frame = pd.DataFrame({"date": days.astype("datetime64[ns]"), "value": daily.round(2)})
    monthly = daily_frame.groupby(daily_frame["date"].dt.to_period("M"))["value"].mean()
    months = monthly.index.to_timestamp().astype("datetime64[ns]")
    n = months.size
    cpi = 150.0 * np.exp(np.cumsum(np.full(n, 0.002)))
    cpi[-3] = np.nan  # a month never published
    rea = np.clip(np.cumsum(rng.normal(0, 6, n)) * 0.4, -150, 150)
    production = 60_000 * np.exp(np.cumsum(rng.normal(0.001, 0.01, n)))

    def frame(dates: pd.Index, values: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame({"date": dates, "value": np.asarray(values, dtype=float)})

    store = Store(path)
    store.write(
        [
            SeriesUpdate("brent_usd", frame(months, monthly.round(2).to_numpy()), "test", "syn"),
            SeriesUpdate("brent_spot_daily_usd", daily_frame, "test", "syn"),
            SeriesUpdate("us_cpi", frame(months, cpi), "test", "syn"),
            SeriesUpdate("kilian_rea", frame(months, rea), "test", "syn"),
            SeriesUpdate(
                "world_crude_production_kbd", frame(months[:-8], production[:-8]), "test", "syn"
            ),
        ]
    )
    return store


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synthetic_store(tmp_path_factory.mktemp("backtest") / "store.duckdb").path


def invoke(*args: str) -> object:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def full_run(store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[object, Path]:
    out = tmp_path_factory.mktemp("out")
    result = invoke(
        "backtest", "--store", str(store_path), "--start", "2020-01", "--end", "2020-06",
        "--horizons", "1,3", "--out", str(out), "--jobs", "2",
    )  # fmt: skip
    return result, out


def test_backtest_writes_the_table_forecasts_and_chart(full_run: tuple[object, Path]) -> None:
    result, out = full_run
    assert result.exit_code == EXIT_OK, result.output  # type: ignore[attr-defined]
    table = pd.read_csv(out / "backtest.csv")
    assert list(table.columns) == COLUMNS
    # svar_sign is skipped: the store has no Känzig series
    models = [
        "no_change", "no_change_eom", "arima", "ets", "bvar", "bvar_oil", "svar", "svar_proxy",
        "svar_bvar", "combination",
    ]  # fmt: skip
    assert list(dict.fromkeys(table["model"])) == models
    assert len(table) == 2 * len(models) * 2  # targets x models x horizons
    assert set(table["horizon"]) == {1, 3}
    assert set(table["target"]) == {"nominal", "real"}
    h1 = table[(table["horizon"] == 1) & (table["target"] == "nominal")].set_index("model")
    assert (h1["n"] == 6).all()
    assert h1.loc["no_change", "mspe_ratio"] == 1.0
    assert h1.loc["no_change_eom", "mspe_ratio_eom"] == 1.0
    assert table["dm_pvalue"].between(0, 1).all()
    forecasts = pd.read_csv(out / "forecasts.csv", parse_dates=["origin", "target_date"])
    assert list(forecasts.columns) == [
        "target", "origin", "target_date", "horizon", "model", "forecast", "actual",
        "origin_value",
    ]  # fmt: skip
    assert forecasts["origin"].min() == pd.Timestamp("2020-01-01")
    assert forecasts["origin"].max() == pd.Timestamp("2020-06-01")
    assert (out / "cumulative_sq_error_diff.png").stat().st_size > 10_000
    assert "| nominal | bvar | 1 | 6 |" in (out / "backtest.md").read_text()
    for column in ("dm_pvalue_better", "dm_pvalue_better_eom", "coverage_68", "coverage_90"):
        assert table[column].dropna().between(0, 1).all()
    baselines = table[table["model"].isin(["no_change", "no_change_eom"])]
    assert baselines[["coverage_68", "coverage_90", "crps"]].notna().all().all()
    densities = pd.read_csv(out / "densities.csv")
    assert set(densities["model"]) == {"no_change", "no_change_eom"}
    assert (out / "pit_histogram.png").stat().st_size > 10_000
    output = result.output  # type: ignore[attr-defined]
    assert "svar skipped" not in output
    assert "svar_sign skipped: its sample starts 1974-02" in output
    assert "svar failed" not in output
    weights = pd.read_csv(out / "combination_weights.csv")
    assert "svar" in set(weights["model"])
    assert "pseudo-real-time" in output
    assert "wrote " in output


def test_backtest_in_one_process_gives_the_same_forecasts(
    store_path: Path, full_run: tuple[object, Path], tmp_path: Path
) -> None:
    result = invoke(
        "backtest", "--store", str(store_path), "--start", "2019-11", "--end", "2020-02",
        "--horizons", "1,3", "--model", "bvar", "--model", "ets", "--out", str(tmp_path),
        "--jobs", "1",
    )  # fmt: skip
    assert result.exit_code == EXIT_OK, result.output  # type: ignore[attr-defined]
    parallel = pd.read_csv(tmp_path / "forecasts.csv")
    full = pd.read_csv(full_run[1] / "forecasts.csv")
    shared = parallel.merge(full, on=["target", "origin", "horizon", "model"])
    assert set(shared["model"]) == {"no_change", "no_change_eom", "ets", "bvar"}
    assert len(shared) == 4 * 2 * 2 * 2  # origins 2020-01, 2020-02
    np.testing.assert_allclose(shared["forecast_x"], shared["forecast_y"], rtol=1e-12)


def test_bad_options_are_usage_errors(store_path: Path, tmp_path: Path) -> None:
    base = ["backtest", "--store", str(store_path), "--out", str(tmp_path)]
    result = CliRunner().invoke(cli, [*base, "--start", "2020-13"])
    assert result.exit_code == EXIT_USAGE
    assert "'2020-13' is not a month; use YYYY-MM" in result.output
    result = CliRunner().invoke(cli, [*base, "--horizons", "1,x"])
    assert result.exit_code == EXIT_USAGE
    assert "comma-separated list of positive whole numbers" in result.output
    result = CliRunner().invoke(cli, [*base, "--model", "var"])
    assert result.exit_code == EXIT_USAGE


def test_a_window_outside_the_data_is_an_error_with_the_span(
    store_path: Path, tmp_path: Path
) -> None:
    result = CliRunner().invoke(
        cli,
        ["backtest", "--store", str(store_path), "--start", "2021-01", "--end", "2022-01",
         "--out", str(tmp_path), "--jobs", "1"],
    )  # fmt: skip
    assert result.exit_code == EXIT_ERROR
    assert "outside the monthly Brent data (1995-01..2021-06)" in result.output
    assert not (tmp_path / "backtest.csv").exists()


@pytest.mark.real_data
def test_real_backtest_on_a_short_window(shared_store: Store, tmp_path: Path) -> None:
    result = invoke(
        "backtest", "--store", str(shared_store.path), "--start", "2019-01", "--end", "2019-12",
        "--horizons", "1,3", "--model", "bvar", "--model", "svar", "--out", str(tmp_path),
        "--jobs", "1",
    )  # fmt: skip
    assert result.exit_code == EXIT_OK, result.output  # type: ignore[attr-defined]
    assert "svar failed" not in result.output  # type: ignore[attr-defined]
    table = pd.read_csv(tmp_path / "backtest.csv")
    assert (table.loc[table["model"] == "svar", "n"] == 12).all()
    nominal = table[(table["target"] == "nominal") & (table["horizon"] == 1)].set_index("model")
    assert nominal.loc["no_change", "n"] == 12
    # the end-of-month close is much closer to next month's average than this month's is
    assert nominal.loc["no_change_eom", "mspe_ratio"] < 0.8
    assert nominal.loc["bvar", "mspe_ratio_eom"] < 1.1
    # daily spot from ../shared/data, or the snapshot's month-end closes in its place
    assert re.search(
        r"no vintage of brent_usd, brent_(spot_daily|eom)_usd, us_cpi",
        result.output,  # type: ignore[attr-defined]
    )


def test_origins_read_the_vintage_known_at_the_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from forecast.backtest import read_backtest_data

    store = Store(tmp_path / "store.duckdb")
    months = pd.date_range("2005-01-01", "2012-12-01", freq="MS").astype("datetime64[ns]")
    first = pd.DataFrame({"date": months, "value": np.linspace(50.0, 90.0, months.size)})
    revised = first.assign(value=first["value"] + 1.0)
    store.write([SeriesUpdate("brent_usd", first, "test", "first")])
    store.write([SeriesUpdate("brent_usd", revised, "test", "revised")], accept_revisions=True)
    original = Store.vintages

    def backdated(self: Store, series_id: str | None = None) -> pd.DataFrame:
        log = original(self, series_id)
        log["written_at"] = pd.to_datetime(["2010-01-15", "2011-06-10"][: len(log)])
        return log

    monkeypatch.setattr(Store, "vintages", backdated)
    origins = [pd.Timestamp(m) for m in ("2009-11-01", "2009-12-01", "2011-05-01", "2011-06-01")]
    data = read_backtest_data(store, origins)
    # before any vintage: the earliest; then the one written by the end of the month
    assert set(data.real_time) == {origins[0], origins[1], origins[2]}
    for origin in origins[:3]:
        assert data.real_time[origin]["brent_usd"].iloc[0] == 50.0
    assert data.panel["brent_usd"].iloc[0] == 51.0  # latest vintage: the outcomes
    assert not any("pseudo-real-time" in note for note in data.notes)
