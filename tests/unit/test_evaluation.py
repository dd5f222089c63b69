"""Rolling-origin evaluation: metrics by hand, the DM test, information sets, no look-ahead."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from plotnine import geom_hline, geom_line
from scipy import stats

from forecast import evaluation as ev
from forecast.charts import cumulative_loss_chart, cumulative_loss_frame
from forecast.cli.backtest import MODEL_NAMES
from forecast.errors import EstimationError, ForecastError
from forecast.evaluation import _run as ev_run

# --- a synthetic monthly panel ----------------------------------------------------------------


def synthetic_panel(
    start: str = "1992-01", end: str = "2007-12", *, seed: int = 11
) -> pd.DataFrame:
    """Monthly Brent (average and last close), CPI with a hole, Kilian index, production."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range(start, end, freq="MS")
    n = dates.size
    log_price = np.log(40.0) + np.cumsum(rng.normal(0, 0.06, n))
    eom = np.exp(log_price + rng.normal(0, 0.03, n))
    cpi = 140.0 * np.exp(np.cumsum(np.full(n, 0.002) + rng.normal(0, 0.001, n)))
    cpi[dates.get_loc(pd.Timestamp("2004-07-01"))] = np.nan  # a month never published
    rea = np.cumsum(rng.normal(0, 5, n)) * 0.5
    production = 65_000 * np.exp(np.cumsum(rng.normal(0.001, 0.01, n)))
    production[n - 6 :] = np.nan  # production ends half a year before the prices
    return pd.DataFrame(
        {
            "date": dates.astype("datetime64[ns]"),
            "brent_usd": np.exp(log_price),
            "brent_eom_usd": eom,
            "us_cpi": cpi,
            "kilian_rea": rea,
            "world_crude_production_kbd": production,
        }
    )


PANEL = synthetic_panel()
ORIGIN = pd.Timestamp("2006-06-01")
FAST = ev.EvaluationSettings(
    combination=ev.CombinationSpec(
        components=("no_change_eom", "arima", "bvar"), window=3, min_realised=1
    )
)


def perturbed_after(panel: pd.DataFrame, origin: pd.Timestamp) -> pd.DataFrame:
    """Change everything not known at the origin: later months, and the delayed releases."""
    out = panel.copy()
    later = out["date"] > origin
    for column in ev.PANEL_COLUMNS:
        out.loc[later, column] = out.loc[later, column] * 3.0 + 1.0
    lags = ev.DEFAULT_RELEASE_LAGS
    for column in ("us_cpi", "kilian_rea", "world_crude_production_kbd"):
        unknown = out["date"] > origin - pd.DateOffset(months=lags[column])
        out.loc[unknown, column] = out.loc[unknown, column] * 2.0 + 1.0
    return out


# --- the data known at an origin ---------------------------------------------------------------


def test_monthly_panel_takes_the_last_daily_close_of_each_month() -> None:
    daily = pd.DataFrame(
        {
            "date": pd.to_datetime(["2020-01-02", "2020-01-31", "2020-02-03", "2020-02-27"]),
            "value": [60.0, 58.0, 55.0, 52.0],
        }
    )
    monthly = pd.DataFrame(
        {
            "date": pd.to_datetime(["2020-01-01", "2020-02-01", "2020-03-01"]),
            "value": [59.0, 54.0, 50.0],
        }
    )
    panel = ev.monthly_panel({"brent_usd": monthly, "brent_spot_daily_usd": daily})
    assert list(panel.columns) == ["date", *ev.PANEL_COLUMNS]
    np.testing.assert_array_equal(panel["brent_eom_usd"], [58.0, 52.0, np.nan])
    assert panel["us_cpi"].isna().all()
    with pytest.raises(ForecastError, match="needs the monthly Brent series"):
        ev.monthly_panel({})


def test_origin_data_applies_release_lags_and_nowcasts_the_cpi() -> None:
    data = ev.origin_data(PANEL, ORIGIN)
    assert data.dates[-1] == ORIGIN
    assert np.isfinite(data.column("brent_usd")[-1])
    assert np.isnan(data.column("us_cpi")[-1])  # a month late
    assert np.isfinite(data.column("us_cpi")[-2])
    assert np.isnan(data.column("kilian_rea")[-1])
    assert np.isnan(data.column("world_crude_production_kbd")[-3:]).all()  # three months late
    cpi = data.column("us_cpi")
    known = np.log(cpi[-14:-1])
    inflation = np.mean(np.diff(known[-13:]))
    assert data.inflation == pytest.approx(inflation)
    assert data.log_cpi[-1] == pytest.approx(np.log(cpi[-2]) + inflation)
    np.testing.assert_allclose(
        data.log_cpi_ahead([1, 3]), data.log_cpi[-1] + inflation * np.array([1, 3])
    )
    real = data.log_price("real")
    assert real[-1] == pytest.approx(
        np.log(data.column("brent_usd")[-1] / np.exp(data.log_cpi[-1]) * 100)
    )
    with pytest.raises(ForecastError, match="outside the data"):
        ev.origin_data(PANEL, "2030-01")


def test_a_cpi_hole_is_interpolated_only_with_the_values_known_at_the_origin() -> None:
    hole = int(np.flatnonzero(PANEL["us_cpi"].isna())[0])
    hole_month = PANEL["date"].iloc[hole]
    # At the origin one month after the hole, the month after it is not yet released: the
    # hole is at the end of the known data and is nowcast at trend, not interpolated.
    early = ev.origin_data(PANEL, hole_month + pd.DateOffset(months=1))
    cpi = PANEL["us_cpi"].to_numpy()
    trend = early.inflation
    assert early.log_cpi[hole] == pytest.approx(np.log(cpi[hole - 1]) + trend)
    later = ev.origin_data(PANEL, hole_month + pd.DateOffset(months=3))
    midpoint = (np.log(cpi[hole - 1]) + np.log(cpi[hole + 1])) / 2
    assert later.log_cpi[hole] == pytest.approx(midpoint)


def test_the_data_known_at_an_origin_ignore_everything_published_later() -> None:
    before = ev.origin_data(PANEL, ORIGIN)
    after = ev.origin_data(perturbed_after(PANEL, ORIGIN), ORIGIN)
    np.testing.assert_array_equal(before.values, after.values)
    np.testing.assert_array_equal(before.log_cpi, after.log_cpi)
    truncated = before.truncate(pd.Timestamp("2006-01-01"))
    direct = ev.origin_data(PANEL, "2006-01")
    np.testing.assert_array_equal(truncated.values, direct.values)


# --- no look-ahead, model by model and through the whole run -----------------------------------


@pytest.fixture(scope="module")
def forecasts_at_origin() -> dict[str, tuple[dict, dict]]:
    """Every model's forecasts at ORIGIN on the panel and on a panel changed after it."""
    horizons = (1, 3)
    out = {}
    for name in ("no_change", "no_change_eom", "arima", "ets", "bvar", "bvar_oil", "svar"):
        runs = []
        for panel in (PANEL, perturbed_after(PANEL, ORIGIN)):
            forecaster = ev.ADAPTERS[name].make(FAST)
            runs.append(dict(forecaster(ev.origin_data(panel, ORIGIN), horizons)))
        out[name] = (runs[0], runs[1])
    return out


@pytest.mark.parametrize(
    "name", ["no_change", "no_change_eom", "arima", "ets", "bvar", "bvar_oil", "svar"]
)
def test_forecasts_at_an_origin_do_not_change_when_later_data_do(forecasts_at_origin, name) -> None:
    original, perturbed = forecasts_at_origin[name]
    assert original.keys() == perturbed.keys()
    for space in original:
        assert np.all(np.isfinite(original[space]))
        np.testing.assert_array_equal(original[space], perturbed[space])


def test_benchmarks_forecast_the_last_average_and_the_last_close(forecasts_at_origin) -> None:
    data = ev.origin_data(PANEL, ORIGIN)
    nominal = forecasts_at_origin["no_change"][0]["nominal"]
    np.testing.assert_array_equal(nominal, np.log(PANEL.set_index("date").loc[ORIGIN, "brent_usd"]))
    eom = forecasts_at_origin["no_change_eom"][0]
    assert eom["real"][0] == pytest.approx(data.log_eom("real")[-1])


@pytest.fixture(scope="module")
def small_runs() -> tuple[ev.EvaluationResult, ev.EvaluationResult]:
    models = ["no_change_eom", "arima", "bvar", "combination"]
    kwargs = {"horizons": (1, 2), "models": models, "settings": FAST}
    original = ev.evaluate(PANEL, "2006-04", ORIGIN, **kwargs)
    changed = ev.evaluate(perturbed_after(PANEL, ORIGIN), "2006-04", ORIGIN, **kwargs)
    return original, changed


def test_a_whole_run_uses_no_data_after_each_origin(small_runs) -> None:
    original, changed = small_runs
    left, right = original.forecasts, changed.forecasts
    assert set(left["model"]) == {"no_change", "no_change_eom", "arima", "bvar", "combination"}
    pd.testing.assert_series_equal(left["forecast"], right["forecast"])
    pd.testing.assert_frame_equal(original.weights, changed.weights)


def test_run_result_layout(small_runs) -> None:
    result = small_runs[0]
    assert tuple(result.table.columns) == ev.TABLE_COLUMNS
    assert list(result.forecasts.columns) == [*ev.FORECAST_COLUMNS, "origin_value"]
    assert result.models == ("no_change", "no_change_eom", "arima", "bvar", "combination")
    assert set(result.table["target"]) == {"nominal", "real"}
    assert len(result.table) == 2 * 5 * 2
    h2 = result.forecasts[result.forecasts["horizon"] == 2]
    assert (h2["target_date"] == h2["origin"] + pd.DateOffset(months=2)).all()
    assert result.start == pd.Timestamp("2006-04-01")
    assert "| nominal | bvar | 1 | 3 |" in result.to_markdown("nominal")
    assert "combination" in result.summary()
    assert result.equals(result)


# --- conversions and combination ---------------------------------------------------------------


def test_a_real_model_reaches_the_nominal_target_through_trend_inflation() -> None:
    cpi_ahead = np.log(np.array([250.0, 260.0])) - np.log(100.0)
    both = ev_run._both_spaces({"real": np.array([3.0, 3.1])}, cpi_ahead)
    np.testing.assert_allclose(both["nominal"], [3.0 + cpi_ahead[0], 3.1 + cpi_ahead[1]])
    back = ev_run._both_spaces({"nominal": both["nominal"]}, cpi_ahead)
    np.testing.assert_allclose(back["real"], [3.0, 3.1])


def tidy(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["origin", "model", "forecast", "actual", "origin_value"])
    frame["origin"] = pd.to_datetime(frame["origin"])
    frame["target"] = "nominal"
    frame["horizon"] = 1
    frame["target_date"] = frame["origin"] + pd.DateOffset(months=1)
    return frame[[*ev.FORECAST_COLUMNS, "origin_value"]]


def test_combination_weights_use_only_realised_errors() -> None:
    origins = ["2020-01-01", "2020-02-01", "2020-03-01"]
    actual = [10.0, 12.0, 11.0]
    rows = []
    for origin, a in zip(origins, actual, strict=True):
        rows += [(origin, "x", a + 1.0, a, 10.0), (origin, "y", a - 2.0, a, 10.0)]
    spec = ev.CombinationSpec(window=5, min_realised=1)
    combined, weights = ev.combine(tidy(rows), ["x", "y"], spec)
    first = weights[weights["origin"] == pd.Timestamp("2020-01-01")]
    assert list(first["weight"]) == [0.5, 0.5]  # nothing realised yet: equal weights
    second = weights[weights["origin"] == pd.Timestamp("2020-02-01")]
    # the 2020-01 forecast (target 2020-02) is realised at the 2020-02 origin: x's squared
    # error is 1, y's is 4, so the weights are 1/1 and 1/4, normalised
    np.testing.assert_allclose(second["weight"], [0.8, 0.2])
    assert combined["forecast"].iloc[1] == pytest.approx(0.8 * 13.0 + 0.2 * 10.0)
    equal, _ = ev.combine(tidy(rows), ["x", "y"], ev.CombinationSpec(weights="equal"))
    assert equal["forecast"].iloc[2] == pytest.approx((12.0 + 9.0) / 2)


# --- metrics by hand ---------------------------------------------------------------------------


def hand_backtest() -> pd.DataFrame:
    origins = ["2020-01-01", "2020-02-01", "2020-03-01", "2020-04-01"]
    actual = [10.0, 12.0, 11.0, 13.0]
    last = [9.0, 10.0, 12.0, 11.0]
    models = {
        "no_change": last,
        "no_change_eom": [10.0, 9.5, 11.5, 12.0],
        "m": [9.5, 12.5, 11.0, 11.0],
    }
    rows = [
        (o, name, f[i], actual[i], last[i])
        for name, f in models.items()
        for i, o in enumerate(origins)
    ]
    return tidy(rows)


def test_scores_match_a_hand_computation() -> None:
    table = ev.score(hand_backtest()).set_index("model")
    assert list(table.columns) == [c for c in ev.TABLE_COLUMNS if c != "model"]
    # squared errors: no_change 1, 4, 1, 4; eom 0, 6.25, 0.25, 1; m 0.25, 0.25, 0, 4
    assert table.loc["no_change", "mspe"] == pytest.approx(2.5)
    assert table.loc["no_change_eom", "mspe"] == pytest.approx(1.875)
    assert table.loc["m", "mspe"] == pytest.approx(1.125)
    assert table.loc["m", "mspe_ratio"] == pytest.approx(1.125 / 2.5)
    assert table.loc["m", "mspe_ratio_eom"] == pytest.approx(1.125 / 1.875)
    assert table.loc["no_change_eom", "mspe_ratio_eom"] == 1.0
    assert (table["n"] == 4).all()
    assert (table["horizon"] == 1).all()
    # directions from the last monthly average: m predicts up, up, down and no change
    # (left out); all three are right. eom gets 2020-02 wrong (down; the price rose).
    assert table.loc["m", "directional_accuracy"] == 1.0
    assert table.loc["no_change_eom", "directional_accuracy"] == 0.75
    assert math.isnan(table.loc["no_change", "directional_accuracy"])
    assert table.loc["no_change", "dm_pvalue"] == 1.0
    d = np.array([0.25, 0.25, 0.0, 4.0]) - np.array([1.0, 4.0, 1.0, 4.0])
    assert table.loc["m", "dm_pvalue"] == pytest.approx(stats.ttest_1samp(d, 0.0).pvalue)


def test_scores_skip_forecasts_without_an_outcome() -> None:
    frame = hand_backtest()
    frame.loc[frame["origin"] == pd.Timestamp("2020-04-01"), "actual"] = np.nan
    table = ev.score(frame).set_index("model")
    assert (table["n"] == 3).all()
    assert table.loc["no_change", "mspe"] == pytest.approx(2.0)


def test_directional_accuracy_conventions() -> None:
    base = np.full(4, 10.0)
    assert (
        ev.directional_accuracy(np.array([11, 9, 11, 9.0]), np.array([12, 8, 9, 12.0]), base) == 0.5
    )
    # a zero predicted or realised change is left out
    assert (
        ev.directional_accuracy(np.array([10, 11.0]), np.array([12, 10.0]), np.full(2, 10.0)) != 0
    )
    assert math.isnan(
        ev.directional_accuracy(np.array([10, 11.0]), np.array([12, 10.0]), np.full(2, 10.0))
    )
    assert (
        ev.directional_accuracy(
            np.array([10, 11, 11.0]), np.array([12, 10, 12.0]), np.full(3, 10.0)
        )
        == 1.0
    )
    assert math.isnan(ev.directional_accuracy(np.array([np.nan]), np.array([1.0]), np.array([2.0])))


# --- the Diebold-Mariano test -----------------------------------------------------------------


def test_dm_identical_losses_give_statistic_zero_and_p_one() -> None:
    losses = np.array([1.0, 4.0, 2.0, 0.5])
    result = ev.diebold_mariano(losses, losses, 3)
    assert (result.statistic, result.pvalue, result.n) == (0.0, 1.0, 4)


def test_dm_at_horizon_one_is_the_t_test_of_the_loss_differences() -> None:
    rng = np.random.default_rng(2)
    a, b = rng.chisquare(1, 60), rng.chisquare(1, 60) * 1.3
    result = ev.diebold_mariano(a, b, 1)
    expected = stats.ttest_1samp(a - b, 0.0)
    assert result.statistic == pytest.approx(expected.statistic)
    assert result.pvalue == pytest.approx(expected.pvalue)


def test_dm_with_autocovariances_matches_a_textbook_computation() -> None:
    rng = np.random.default_rng(3)
    d_model, d_bench = rng.normal(1.0, 1.0, 40) ** 2, rng.normal(1.2, 1.0, 40) ** 2
    h = 3
    d = d_model - d_bench
    n, mean = d.size, d.mean()
    gammas = [sum((d[t] - mean) * (d[t - k] - mean) for t in range(k, n)) / n for k in range(h)]
    dm = mean / math.sqrt((gammas[0] + 2 * (gammas[1] + gammas[2])) / n)
    hln = dm * math.sqrt((n + 1 - 2 * h + h * (h - 1) / n) / n)
    # the textbook (truncated, unweighted) estimator is kept as an option; the default is
    # Newey-West: see the h = 6 test below
    result = ev.diebold_mariano(d_model, d_bench, h, kernel="truncated")
    assert result.statistic == pytest.approx(hln)
    assert result.pvalue == pytest.approx(2 * stats.t.sf(abs(hln), n - 1))
    assert result.mean_difference == pytest.approx(mean)


def test_dm_finds_a_clearly_better_model() -> None:
    rng = np.random.default_rng(4)
    truth = rng.normal(size=200)
    good = (truth - (truth + rng.normal(0, 0.3, 200))) ** 2
    bad = (truth - (truth + rng.normal(0, 1.0, 200))) ** 2
    result = ev.diebold_mariano(good, bad, 1)
    assert result.statistic < 0
    assert result.pvalue < 1e-6
    assert math.isnan(ev.diebold_mariano(np.ones(1), np.ones(1), 1).pvalue)


# --- models, options and errors -----------------------------------------------------------------


def test_the_cli_offers_every_model() -> None:
    assert MODEL_NAMES == ev.DEFAULT_MODELS
    assert set(MODEL_NAMES) == {*ev.ADAPTERS, "combination"}


def test_an_unavailable_model_is_skipped_with_a_note(monkeypatch) -> None:
    missing = "svar skipped: not available"
    adapter = ev.ModelAdapter("svar", "stand-in", lambda _s: ev.svar_forecast, lambda: missing)
    monkeypatch.setitem(ev.ADAPTERS, "svar", adapter)
    assert ev.ADAPTERS["svar"].unavailable() == missing
    reported, run, notes = ev_run._resolve_models(["svar", "combination"], ev.EvaluationSettings())
    assert "svar" not in reported
    assert "svar" not in run
    assert notes == [missing]


def test_svar_is_wired_and_joins_the_combination() -> None:
    assert ev.ADAPTERS["svar"].unavailable() is None
    assert "svar" in ev.CombinationSpec().components
    reported, run, notes = ev_run._resolve_models(["combination"], ev.EvaluationSettings())
    assert reported == ("no_change", "no_change_eom", "combination")
    assert "svar" in run
    assert notes == []


# --- the SVAR as a forecasting model -------------------------------------------------------------


def test_svar_forecasts_are_finite_log_real_prices_near_the_last_price() -> None:
    data = ev.origin_data(PANEL, ORIGIN)
    out = ev.svar_forecast(data, (1, 3, 12))
    assert set(out) == {"real"}
    assert out["real"].shape == (3,)
    assert np.all(np.isfinite(out["real"]))
    # log real prices (US$ of 1982-84), not 100 x log: within a few tenths of the last one
    assert np.all(np.abs(out["real"] - data.log_price("real")[-1]) < 0.5)


def test_svar_forecast_is_the_var_forecast_of_the_complete_data() -> None:
    """Without a ragged edge, the forecast is statsmodels' VAR(24) forecast of the data."""
    from statsmodels.tsa.api import VAR

    panel = synthetic_panel(end="2006-06")
    panel["world_crude_production_kbd"] = panel["world_crude_production_kbd"].ffill()
    data = ev.origin_data(panel, "2006-06", release_lags=dict.fromkeys(ev.PANEL_COLUMNS, 0))
    cpi = panel.set_index("date")["us_cpi"]
    log_cpi = np.log(cpi).interpolate()  # the 2004-07 hole
    log_real = np.log(panel.set_index("date")["brent_usd"]) - log_cpi + np.log(100.0)
    variables = pd.DataFrame(
        {
            "prod": 100 * np.log(panel.set_index("date")["world_crude_production_kbd"]).diff(),
            "rea": panel.set_index("date")["kilian_rea"],
            "price": 100 * log_real,
        }
    ).loc["1992-02-01":]
    results = VAR(variables.to_numpy()).fit(24)
    expected = results.forecast(variables.to_numpy()[-24:], 12)[:, 2] / 100
    out = ev.svar_forecast(data, (1, 2, 6, 12))
    np.testing.assert_allclose(out["real"], expected[[0, 1, 5, 11]], rtol=1e-10)


def test_svar_fills_the_ragged_edge_after_production_ends() -> None:
    # production ends 2007-06 in the panel: at 2007-12 its last 6 months are filled
    data = ev.origin_data(PANEL, "2007-12")
    assert np.isnan(data.column("world_crude_production_kbd")[-6:]).all()
    out = ev.svar_forecast(data, (1, 6))
    assert np.all(np.isfinite(out["real"]))
    # a hole before the last complete month is refused
    holed = PANEL.copy()
    holed.loc[holed["date"] == pd.Timestamp("2000-03-01"), "kilian_rea"] = np.nan
    with pytest.raises(ForecastError, match="missing in 2000-03 but known later"):
        ev.svar_forecast(ev.origin_data(holed, ORIGIN), (1,))


def test_svar_needs_enough_months_for_its_lags() -> None:
    short = synthetic_panel(start="1999-01", end="2006-06")
    with pytest.raises(EstimationError, match="VAR\\(24\\)"):
        ev.svar_forecast(ev.origin_data(short, "2006-06"), (1,))


@pytest.fixture(scope="module")
def svar_runs() -> tuple[ev.EvaluationResult, ev.EvaluationResult]:
    settings = ev.EvaluationSettings(
        combination=ev.CombinationSpec(
            components=("no_change_eom", "svar"), window=3, min_realised=1
        )
    )
    kwargs = {"horizons": (1, 2), "models": ["svar", "combination"], "settings": settings}
    original = ev.evaluate(PANEL, "2006-04", ORIGIN, **kwargs)
    changed = ev.evaluate(perturbed_after(PANEL, ORIGIN), "2006-04", ORIGIN, **kwargs)
    return original, changed


def test_a_run_with_svar_uses_no_data_after_each_origin(svar_runs) -> None:
    original, changed = svar_runs
    assert original.models == ("no_change", "no_change_eom", "svar", "combination")
    assert not original.notes
    pd.testing.assert_series_equal(original.forecasts["forecast"], changed.forecasts["forecast"])
    pd.testing.assert_frame_equal(original.weights, changed.weights)


def test_svar_is_pooled_and_reaches_the_nominal_target_at_trend_inflation(svar_runs) -> None:
    result = svar_runs[0]
    assert set(result.weights["model"]) == {"no_change_eom", "svar"}
    assert (result.weights.loc[result.weights["model"] == "svar", "weight"] > 0).all()
    svar = result.forecasts[result.forecasts["model"] == "svar"]
    assert np.isfinite(svar["forecast"]).all()
    assert len(svar) == 2 * 3 * 2  # targets x origins x horizons
    wide = svar.pivot_table(index=["origin", "horizon"], columns="target", values="forecast")
    for (origin, horizon), row in wide.iterrows():
        data = ev.origin_data(PANEL, origin)
        cpi_ahead = data.log_cpi_ahead([horizon])[0] - np.log(100.0)
        assert np.log(row["nominal"]) == pytest.approx(np.log(row["real"]) + cpi_ahead)


def test_bad_requests_are_refused() -> None:
    with pytest.raises(ForecastError, match="unknown model 'var'; the models are: no_change"):
        ev.evaluate(PANEL, "2006-01", "2006-02", models=["var"])
    with pytest.raises(ForecastError, match="horizons must be positive whole numbers, not 0"):
        ev.evaluate(PANEL, "2006-01", "2006-02", horizons=(0,))
    with pytest.raises(ForecastError, match="start 2006-03 is after end 2006-02"):
        ev.evaluate(PANEL, "2006-03", "2006-02")
    with pytest.raises(ForecastError, match="outside the monthly Brent data"):
        ev.evaluate(PANEL, "2006-01", "2009-01")
    with pytest.raises(ForecastError, match="is not a month"):
        ev.evaluate(PANEL, "soon", "2006-02")
    with pytest.raises(ForecastError, match="unknown BVAR variables oops"):
        ev.ADAPTERS["bvar"].make(
            ev.EvaluationSettings(bvars={"bvar": ev.BVARSpec(variables=("oops",))})
        )


def test_a_model_failing_at_an_origin_leaves_a_note_and_nan() -> None:
    panel = PANEL.copy()
    panel.loc[panel["date"] == pd.Timestamp("2006-05-01"), "brent_eom_usd"] = np.nan
    result = ev.evaluate(panel, "2006-05", "2006-06", horizons=(1,), models=["no_change_eom"])
    assert any(
        "no_change_eom failed at 1 origin(s) (first 2006-05" in note for note in result.notes
    )
    eom = result.forecasts[result.forecasts["model"] == "no_change_eom"]
    assert eom["forecast"].isna().sum() == 0  # failed origins have no rows
    assert len(eom) == 2  # one origin, two targets


# --- the chart ----------------------------------------------------------------------------------


def test_cumulative_loss_frame_and_chart() -> None:
    frame = cumulative_loss_frame(hand_backtest())
    m = frame[frame["model"] == "m"]
    np.testing.assert_allclose(m["cumulative"], np.cumsum([0.75, 3.75, 1.0, 0.0]))
    assert m["cumulative_pct"].iloc[-1] == pytest.approx(100 * (1 - 1.125 / 2.5))
    assert "no_change" not in set(frame["model"])
    plot = cumulative_loss_chart(hand_backtest())
    assert [type(layer.geom) for layer in plot.layers] == [geom_hline, geom_line]
    assert plot.mapping["y"] == "cumulative_pct"
    assert plot.mapping["color"] == "model"
    assert "no-change" in plot.labels.title


def test_without_cpi_the_nominal_target_is_still_scored() -> None:
    panel = PANEL.assign(us_cpi=np.nan)
    result = ev.evaluate(panel, "2006-01", "2006-02", horizons=(1,), models=["bvar"])
    assert set(result.table["target"]) == {"nominal"}
    assert "bvar" in set(result.table["model"])
