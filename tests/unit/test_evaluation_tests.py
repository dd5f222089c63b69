"""Honest evaluation: Newey-West DM, Clark-West, coverage, CRPS, PIT, the eom baseline's band."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from plotnine import geom_hline, geom_rect
from scipy import stats

from forecast import evaluation as ev
from forecast.charts.backtest import pit_frame, pit_histogram_chart
from forecast.models.baseline import EOM_SCALES, fit_baseline, simulate_baseline

# --- Diebold-Mariano: the referee's h = 6 case --------------------------------------------------


def referee_case() -> tuple[np.ndarray, np.ndarray]:
    """A 2.5% MSPE gain at h = 6 whose loss difference has strongly negative autocovariances.

    The difference mixes a period-8 cycle (its autocovariances at lags 3-5 are negative) and
    a period-48 cycle, so the truncated rectangular long-run variance is 0.375 while
    Newey-West's is about 55, as the referee found.
    """
    n = 240
    t = np.arange(n)
    d = math.sqrt(2 * 28.82) * np.sin(np.pi * t / 4) + 3.6304187422779877 * np.sin(np.pi * t / 24)
    d = d - d.mean() - 0.63
    benchmark = np.full(n, 25.2)
    return benchmark + d, benchmark


def test_dm_bartlett_variance_gives_no_spurious_significance_at_h6() -> None:
    model, benchmark = referee_case()
    assert model.mean() / benchmark.mean() == pytest.approx(0.975)
    centred = (model - benchmark) - (model - benchmark).mean()
    n = centred.size
    gammas = np.array([centred[k:] @ centred[: n - k] / n for k in range(6)])
    rectangular = gammas[0] + 2 * gammas[1:].sum()
    bartlett = gammas[0] + 2 * ((1 - np.arange(1, 6) / 6) * gammas[1:]).sum()
    assert rectangular == pytest.approx(0.375, abs=1e-6)
    assert bartlett == pytest.approx(55.2, abs=0.1)
    result = ev.diebold_mariano(model, benchmark, 6)
    assert result.long_run_variance == pytest.approx(bartlett)
    assert ev.long_run_variance(model - benchmark, 6) == pytest.approx(bartlett)
    assert result.statistic < 0  # the model's loss is lower
    assert result.pvalue == pytest.approx(0.20, abs=0.01)  # two-sided, not < 0.0001
    assert result.pvalue_better == pytest.approx(result.pvalue / 2)
    assert result.pvalue_better > 0.05
    # the truncated kernel, kept as an option, shows the spurious significance
    assert ev.diebold_mariano(model, benchmark, 6, kernel="truncated").pvalue < 1e-4


def test_dm_is_signed_and_one_sided() -> None:
    rng = np.random.default_rng(5)
    good, bad = rng.chisquare(1, 120) * 0.7, rng.chisquare(1, 120)
    better = ev.diebold_mariano(good, bad, 3)
    worse = ev.diebold_mariano(bad, good, 3)
    assert better.statistic == pytest.approx(-worse.statistic)
    assert better.pvalue_better < 0.05 < worse.pvalue_better
    assert better.pvalue_better + worse.pvalue_better == pytest.approx(1.0)
    assert better.pvalue_better == pytest.approx(stats.t.cdf(better.statistic, 119))


def test_long_run_variance_is_never_negative() -> None:
    rng = np.random.default_rng(8)
    for _ in range(50):
        x = rng.normal(size=30) * np.where(np.arange(30) % 2, -1, 1)
        assert ev.long_run_variance(x, 12) >= 0


# --- Clark-West ---------------------------------------------------------------------------------


def nested_pair(beta: float, seed: int, n: int = 400) -> tuple[np.ndarray, ...]:
    """Changes ``y_t = beta * y_{t-1} + e_t``; benchmark forecast 0 (a random walk in levels),
    model: the AR(1) re-estimated by OLS on an expanding window (it nests the benchmark)."""
    rng = np.random.default_rng(seed)
    y = np.zeros(n + 100)
    for t in range(1, y.size):
        y[t] = beta * y[t - 1] + rng.normal()
    model, actual = [], []
    for t in range(100, y.size - 1):
        x, z = y[:t], y[1 : t + 1]
        coefficient = float(x @ z / (x @ x))
        model.append(coefficient * y[t])
        actual.append(y[t + 1])
    forecast_model, outcome = np.array(model), np.array(actual)
    forecast_benchmark = np.zeros_like(outcome)
    return (
        outcome - forecast_model,
        outcome - forecast_benchmark,
        forecast_model,
        forecast_benchmark,
    )


def test_clark_west_matches_its_definition() -> None:
    e_model, e_bench, f_model, f_bench = nested_pair(0.2, seed=1)
    f = e_model**2 - (f_bench - f_model) ** 2 - e_bench**2
    n = f.size
    result = ev.clark_west(e_model, e_bench, f_model, f_bench, 1)
    expected = f.mean() / math.sqrt(f.var() / n)
    assert result.statistic == pytest.approx(expected)
    assert result.pvalue_better == pytest.approx(stats.norm.cdf(expected))
    assert result.n == n


def test_clark_west_detects_a_nesting_model_that_is_right() -> None:
    e_model, e_bench, f_model, f_bench = nested_pair(0.25, seed=2)
    assert ev.clark_west(e_model, e_bench, f_model, f_bench, 1).pvalue_better < 0.01


def test_clark_west_size_under_the_null_is_about_right() -> None:
    rejections = [
        ev.clark_west(*nested_pair(0.0, seed=seed, n=200), 1).pvalue_better < 0.10
        for seed in range(60)
    ]
    # the nominal size is 10%; DM would almost never reject (its MSPE gain is negative)
    assert 0.0 < np.mean(rejections) <= 0.25
    dm = [
        ev.diebold_mariano(p[0] ** 2, p[1] ** 2, 1).pvalue_better < 0.10
        for p in (nested_pair(0.0, seed=seed, n=200) for seed in range(60))
    ]
    assert np.mean(dm) < np.mean(rejections)


# --- coverage and CRPS with known answers --------------------------------------------------------


def test_crps_of_a_point_forecast_is_the_absolute_error() -> None:
    assert ev.crps_from_draws(np.full(7, 10.0), 12.5) == pytest.approx(2.5)
    assert math.isnan(ev.crps_from_draws(np.ones(3), math.nan))


def test_crps_of_normal_draws_matches_the_closed_form() -> None:
    draws = stats.norm.ppf((np.arange(20_000) + 0.5) / 20_000, loc=1.0, scale=2.0)
    for y in (1.0, 3.0, -2.0):
        z = (y - 1.0) / 2.0
        exact = 2.0 * (
            z * (2 * stats.norm.cdf(z) - 1) + 2 * stats.norm.pdf(z) - 1 / math.sqrt(math.pi)
        )
        assert ev.crps_from_draws(draws, y) == pytest.approx(exact, rel=1e-3)


def test_crps_energy_form_by_hand() -> None:
    draws = np.array([1.0, 2.0, 4.0])
    pairs = np.abs(draws[:, None] - draws[None, :]).mean()
    assert ev.crps_from_draws(draws, 3.0) == pytest.approx(np.abs(draws - 3.0).mean() - pairs / 2)


def test_coverage_of_calibrated_normal_bands() -> None:
    rng = np.random.default_rng(9)
    y = rng.normal(size=20_000)
    assert ev.coverage(y, np.full(y.size, -1.6449), np.full(y.size, 1.6449)) == pytest.approx(
        0.90, abs=0.01
    )
    draws = stats.norm.ppf((np.arange(4000) + 0.5) / 4000)
    lower_68, upper_68, lower_90, upper_90, _, pit = ev._density.density_record(draws, 0.0)
    assert (lower_68, upper_68) == pytest.approx((-0.9945, 0.9945), abs=2e-3)
    assert (lower_90, upper_90) == pytest.approx((-1.6449, 1.6449), abs=2e-3)
    assert pit == 0.5


def density_rows() -> pd.DataFrame:
    rng = np.random.default_rng(4)
    rows = []
    draws = stats.norm.ppf((np.arange(1000) + 0.5) / 1000)
    for i, y in enumerate(rng.normal(size=300)):
        origin = pd.Timestamp("2000-01-01") + pd.DateOffset(months=i)
        rows.append(
            ("nominal", origin, origin + pd.DateOffset(months=1), 1, "no_change", y,
             *ev._density.density_record(draws, y))
        )  # fmt: skip
    return pd.DataFrame(rows, columns=list(ev.DENSITY_COLUMNS))


def test_density_scores_and_the_pit_histogram() -> None:
    frame = density_rows()
    table = ev.density_scores(frame).iloc[0]
    assert table["coverage_68"] == pytest.approx(0.68, abs=0.06)
    assert table["coverage_90"] == pytest.approx(0.90, abs=0.04)
    assert table["crps"] == pytest.approx(1 / math.sqrt(math.pi), rel=0.1)  # E CRPS of N(0,1)
    bins = pit_frame(frame)
    assert len(bins) == 10
    assert int(bins["count"].sum()) == 300
    assert bins["density"].mean() == pytest.approx(1.0)
    plot = pit_histogram_chart(frame)
    assert [type(layer.geom) for layer in plot.layers] == [geom_rect, geom_hline]


# --- the score table against both benchmarks -----------------------------------------------------


def test_score_table_tests_against_both_benchmarks_and_nesting() -> None:
    rng = np.random.default_rng(12)
    origins = pd.date_range("2010-01-01", periods=80, freq="MS")
    actual = 50 + np.cumsum(rng.normal(0, 2, origins.size))
    last = np.r_[50.0, actual[:-1]]
    models = {
        "no_change": last,
        "no_change_eom": last + 0.5 * (actual - last),
        "arima": last + 0.3 * (actual - last) + rng.normal(0, 0.5, origins.size),
        "m": last + rng.normal(0, 1, origins.size),
    }
    rows = [
        (o, "nominal", o + pd.DateOffset(months=1), 1, name, f[i], actual[i], last[i])
        for name, f in models.items()
        for i, o in enumerate(origins)
    ]
    columns = ["origin", "target", "target_date", "horizon", "model", "forecast", "actual"]
    frame = pd.DataFrame(rows, columns=[*columns, "origin_value"])
    frame = frame[[*ev.FORECAST_COLUMNS, "origin_value"]]
    table = ev.score(frame).set_index("model")
    assert list(table.columns) == [c for c in ev.TABLE_COLUMNS if c != "model"]
    assert table.loc["no_change", "dm_pvalue"] == 1.0
    assert table.loc["no_change", "dm_stat"] == 0.0
    assert table.loc["no_change_eom", "dm_stat"] < 0
    assert table.loc["no_change_eom", "dm_pvalue_better"] < 0.01
    assert table.loc["no_change", "dm_pvalue_better_eom"] > 0.99  # much worse than eom
    assert table.loc["arima", "cw_benchmark"] == "no_change"
    assert table.loc["arima", "cw_pvalue_better"] < 0.01
    assert table.loc["m", "cw_benchmark"] == ""
    assert math.isnan(table.loc["m", "cw_stat"])
    e = {k: v - actual for k, v in models.items()}
    dm = ev.diebold_mariano(e["m"] ** 2, e["no_change_eom"] ** 2, 1)
    assert table.loc["m", "dm_stat_eom"] == pytest.approx(dm.statistic)
    assert table.loc["m", "dm_pvalue_better_eom"] == pytest.approx(dm.pvalue_better)
    assert table[["coverage_68", "coverage_90", "crps"]].isna().all().all()


# --- the end-of-month baseline's band -------------------------------------------------------------


def test_eom_baseline_first_month_is_narrower_and_later_months_wider() -> None:
    from tests.conftest import monthly_frame

    prices = monthly_frame(periods=120)
    fit = fit_baseline(prices, "no_change_eom", anchor=80.0)
    monthly = fit_baseline(prices, "no_change")
    paths = np.log(simulate_baseline(fit, 3, 40_000, rng=np.random.default_rng(1)) / 80.0)
    plain = np.log(
        simulate_baseline(monthly, 3, 40_000, rng=np.random.default_rng(1)) / monthly.last_price
    )
    pool_sd = float(np.sqrt(np.mean(fit.log_changes**2)))
    assert tuple(EOM_SCALES) == pytest.approx((math.sqrt(0.5), math.sqrt(1.5)))
    assert paths[:, 0].std() == pytest.approx(math.sqrt(0.5) * pool_sd, rel=0.02)
    assert np.diff(paths, axis=1)[:, 1].std() == pytest.approx(math.sqrt(1.5) * pool_sd, rel=0.02)
    # the same random numbers: only the scale differs from the monthly-average walk
    np.testing.assert_allclose(paths[:, 0], plain[:, 0] * math.sqrt(0.5))
