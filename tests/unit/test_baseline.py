"""Price baselines: fits on synthetic seeded series, simulation shapes, seeds and errors."""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

from forecast.errors import ConvergenceWarning, EstimationError
from forecast.models import baseline
from forecast.models.baseline import (
    BaselineFit,
    LinearStateSpace,
    fit_baseline,
    simulate_baseline,
)
from tests.conftest import SHARED_DATA, monthly_frame

METHODS = ["no_change", "arima", "ets"]


def ar1_in_differences(phi: float, periods: int, *, seed: int, sigma: float = 0.05) -> pd.DataFrame:
    """Log prices whose monthly changes follow an AR(1) with coefficient ``phi``."""
    rng = np.random.default_rng(seed)
    shocks = rng.normal(0.0, sigma, periods + 100)
    changes = np.zeros_like(shocks)
    for t in range(1, shocks.size):
        changes[t] = phi * changes[t - 1] + shocks[t]
    log_prices = np.log(60.0) + np.cumsum(changes[100:])
    dates = pd.date_range("2000-01-01", periods=periods, freq="MS").astype("datetime64[ns]")
    return pd.DataFrame({"date": dates, "value": np.exp(log_prices)})


@pytest.fixture(scope="module")
def walk() -> pd.DataFrame:
    """A 240-month log random walk around 60 US$/bbl (5% monthly volatility)."""
    return monthly_frame(periods=240, seed=3)


@pytest.fixture(scope="module")
def fits(walk: pd.DataFrame) -> dict[str, BaselineFit]:
    # One fit per method for the module: statsmodels' first import takes about 1.5 s.
    return {method: fit_baseline(walk, method) for method in METHODS}


# --- shapes, seeds, global state --------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_simulate_shape_and_positive_levels(fits: dict[str, BaselineFit], method: str) -> None:
    paths = simulate_baseline(fits[method], 12, 300, rng=np.random.default_rng(1))
    assert paths.shape == (300, 12)
    assert paths.dtype == np.float64
    assert np.all(np.isfinite(paths))
    assert np.all(paths > 0)


@pytest.mark.parametrize("method", METHODS)
def test_same_seed_same_paths_other_seed_differs(fits: dict[str, BaselineFit], method: str) -> None:
    fit = fits[method]
    first = simulate_baseline(fit, 24, 200, rng=np.random.default_rng(7))
    again = simulate_baseline(fit, 24, 200, rng=np.random.default_rng(7))
    other = simulate_baseline(fit, 24, 200, rng=np.random.default_rng(8))
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other)


@pytest.mark.parametrize("method", METHODS)
def test_no_global_random_state_used(fits: dict[str, BaselineFit], method: str) -> None:
    # The legacy global generator is what np.random.seed would set: it must stay untouched.
    before = np.random.get_state()[1].copy()  # type: ignore[index]  # noqa: NPY002
    simulate_baseline(fits[method], 6, 50, rng=np.random.default_rng(0))
    after = np.random.get_state()[1]  # type: ignore[index]  # noqa: NPY002
    np.testing.assert_array_equal(before, after)


@pytest.mark.parametrize("method", METHODS)
def test_random_numbers_taken_depend_only_on_shape(
    fits: dict[str, BaselineFit], walk: pd.DataFrame, method: str
) -> None:
    # Two fits on different windows use the same amount of the generator (common numbers).
    other = fit_baseline(walk, method, window_months=120)
    states = []
    for fit in (fits[method], other):
        rng = np.random.default_rng(11)
        simulate_baseline(fit, 9, 40, rng=rng)
        states.append(rng.bit_generator.state["state"]["state"])
    assert states[0] == states[1]


def test_column_zero_is_the_month_after_the_origin(fits: dict[str, BaselineFit]) -> None:
    # h = 1 is one month of uncertainty: much tighter than h = 24.
    paths = np.log(simulate_baseline(fits["no_change"], 24, 4000, rng=np.random.default_rng(2)))
    spread = paths.std(axis=0)
    sigma = fits["no_change"].params.set_index("term").loc["sigma", "estimate"]
    assert spread[0] == pytest.approx(sigma, rel=0.1)
    assert spread[23] == pytest.approx(sigma * np.sqrt(24), rel=0.1)


# --- no_change ---------------------------------------------------------------------------------


def test_no_change_median_is_last_price_and_spread_grows(fits: dict[str, BaselineFit]) -> None:
    fit = fits["no_change"]
    paths = simulate_baseline(fit, 24, 20_000, rng=np.random.default_rng(3))
    median = np.median(paths, axis=0)
    np.testing.assert_allclose(median, fit.last_price, rtol=0.02)
    q05, q95 = np.quantile(np.log(paths), [0.05, 0.95], axis=0)
    assert np.all(np.diff(q95 - q05) > 0)


def test_no_change_bootstrap_pool_is_the_demeaned_window(
    fits: dict[str, BaselineFit], walk: pd.DataFrame
) -> None:
    fit = fits["no_change"]
    changes = np.diff(np.log(walk["value"].to_numpy()[-240:]))
    np.testing.assert_allclose(fit.log_changes, changes - changes.mean())
    assert not fit.log_changes.flags.writeable
    params = fit.params.set_index("term")
    assert list(fit.params.columns) == ["term", "estimate", "std_err"]
    assert params.loc["sigma", "estimate"] == pytest.approx(changes.std(ddof=1))
    assert params.loc["mean_log_change", "estimate"] == pytest.approx(changes.mean())


def test_no_change_draws_come_from_the_pool_with_both_signs(
    fits: dict[str, BaselineFit],
) -> None:
    fit = fits["no_change"]
    paths = simulate_baseline(fit, 1, 5000, rng=np.random.default_rng(4))
    steps = np.log(paths[:, 0] / fit.last_price)
    pool = np.concatenate([fit.log_changes, -fit.log_changes])
    assert np.all(np.min(np.abs(steps[:, None] - pool[None, :]), axis=1) < 1e-12)
    assert 0.45 < np.mean(steps > 0) < 0.55


# --- arima and ets -----------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["arima", "ets"])
def test_models_on_a_random_walk_stay_near_the_last_price(
    fits: dict[str, BaselineFit], method: str
) -> None:
    fit = fits[method]
    paths = simulate_baseline(fit, 24, 4000, rng=np.random.default_rng(5))
    median = np.median(paths, axis=0)
    np.testing.assert_allclose(median[[0, 11, 23]], fit.last_price, rtol=0.05)
    q05, q95 = np.quantile(np.log(paths), [0.05, 0.95], axis=0)
    assert q95[23] - q05[23] > q95[0] - q05[0]
    assert "results" in fit.raw
    assert list(fit.params.columns) == ["term", "estimate", "std_err"]
    assert "sigma2" in set(fit.params["term"])


def test_arima_recovers_the_ar_coefficient() -> None:
    prices = ar1_in_differences(0.5, 300, seed=12)
    fit = fit_baseline(prices, "arima", window_months=None)
    params = fit.params.set_index("term")
    assert params.loc["ar.L1", "estimate"] == pytest.approx(0.5, abs=0.1)
    assert params.loc["ar.L1", "std_err"] < 0.1
    assert params.loc["sigma2", "estimate"] == pytest.approx(0.05**2, rel=0.25)


def test_arima_draws_match_statsmodels_forecast_intervals(fits: dict[str, BaselineFit]) -> None:
    fit = fits["arima"]
    paths = np.log(simulate_baseline(fit, 12, 20_000, rng=np.random.default_rng(6)))
    results = fit.raw["results"]
    intervals = np.asarray(results.get_forecast(12).conf_int(alpha=0.1))  # type: ignore[attr-defined]
    simulated = np.quantile(paths, [0.05, 0.95], axis=0).T
    np.testing.assert_allclose(simulated, intervals, atol=0.02)
    assert isinstance(fit.raw["state_space"], LinearStateSpace)


def test_ets_draws_centre_on_the_point_forecast(fits: dict[str, BaselineFit]) -> None:
    fit = fits["ets"]
    paths = np.log(simulate_baseline(fit, 12, 20_000, rng=np.random.default_rng(7)))
    point = np.asarray(fit.raw["results"].forecast(12))  # type: ignore[attr-defined]
    np.testing.assert_allclose(paths.mean(axis=0), point, atol=0.01)


# --- window, input checks ----------------------------------------------------------------------


@pytest.mark.parametrize("method", ["no_change", "arima"])
def test_window_is_respected(method: str) -> None:
    prices = monthly_frame(periods=100, seed=5)
    fit = fit_baseline(prices, method, window_months=60)
    assert fit.nobs == 60
    assert fit.sample_start == prices["date"].iloc[40]
    assert fit.last_date == prices["date"].iloc[-1]
    assert fit.last_price == prices["value"].iloc[-1]
    assert fit.log_changes.size == 59
    if method == "arima":
        assert fit.raw["results"].nobs == 60  # type: ignore[attr-defined]
    assert fit_baseline(prices, method, window_months=None).nobs == 100


def test_rows_out_of_order_give_the_same_fit() -> None:
    prices = monthly_frame(periods=60, seed=6)
    shuffled = prices.sample(frac=1.0, random_state=0)
    assert fit_baseline(shuffled).equals(fit_baseline(prices))


def test_non_positive_price_in_window_raises() -> None:
    prices = monthly_frame(periods=60, seed=7)
    prices.loc[40, "value"] = -1.5
    with pytest.raises(EstimationError, match=r"2003-05: value -1\.5 is not positive"):
        fit_baseline(prices, "arima", window_months=24)
    prices.loc[40, "value"] = 0.0
    with pytest.raises(EstimationError, match="not positive"):
        fit_baseline(prices, "no_change")
    # Outside the window (the last 13 months) the bad value does not matter.
    assert fit_baseline(prices, "no_change", window_months=13).nobs == 13


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.drop(columns="value"), "need columns 'date' and 'value'"),
        (lambda f: f.drop(index=30), "months missing between 2002-06 and 2002-08"),
        (lambda f: pd.concat([f, f.tail(1)]), "month 2004-12 appears more than once"),
        (lambda f: f.assign(value=f["value"].where(f.index != 40)), "not a finite number"),
        (lambda f: f.head(12), "at least 13 monthly prices"),
        (lambda f: f.assign(date=f["date"].astype(str).where(f.index != 3, "soon")), "row 3"),
    ],
)
def test_bad_input_raises_a_clear_error(change, message: str) -> None:
    prices = change(monthly_frame(periods=60, seed=8))
    with pytest.raises(EstimationError, match=message):
        fit_baseline(prices, "no_change", window_months=None)


def test_too_short_for_arima() -> None:
    with pytest.raises(EstimationError, match="arima baseline needs at least 24"):
        fit_baseline(monthly_frame(periods=60), "arima", window_months=20)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "sarima"}, "unknown baseline method 'sarima'"),
        ({"window_months": 0}, "window_months must be"),
        ({"window_months": 12.5}, "window_months must be"),
    ],
)
def test_bad_options_raise_value_error(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        fit_baseline(monthly_frame(periods=60), **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(("horizon", "draws"), [(0, 10), (12, 0), (12, 2.5), (True, 10)])
def test_bad_horizon_or_draws(fits: dict[str, BaselineFit], horizon: int, draws: int) -> None:
    with pytest.raises(ValueError, match="must be a positive whole number"):
        simulate_baseline(fits["no_change"], horizon, draws, rng=np.random.default_rng(0))


def _warn_twice_inside_a_fit() -> None:
    from statsmodels.tools.sm_exceptions import ConvergenceWarning as SMConvergenceWarning

    where = {"method": "arima", "start": "2000-01", "end": "2019-12"}
    with baseline._statsmodels_warnings(where):
        warnings.warn("stuck", SMConvergenceWarning, stacklevel=1)
        warnings.warn("stuck", SMConvergenceWarning, stacklevel=1)


def test_statsmodels_warnings_become_convergence_warnings() -> None:
    with pytest.warns(ConvergenceWarning, match=r"arima baseline on 2000-01..2019-12: stuck"):
        _warn_twice_inside_a_fit()
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        _warn_twice_inside_a_fit()
    assert [r.category for r in records] == [ConvergenceWarning]  # reported once


def test_fit_repr_and_summary(fits: dict[str, BaselineFit]) -> None:
    fit = fits["arima"]
    assert repr(fit).startswith("BaselineFit(method='arima', sample=2000-01..2019-12, nobs=240")
    assert "ar.L1" in str(fit)
    assert fit.equals(fit)
    assert not fit.equals(fits["ets"])


def test_import_is_cheap() -> None:
    code = (
        "import sys, forecast.models.baseline, forecast.models.elasticity; "
        "heavy = [m for m in ('statsmodels', 'yfinance', 'plotnine') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=30
    )
    assert out.stdout.strip() == ""


@pytest.mark.shared_data
@pytest.mark.parametrize("method", METHODS)
def test_real_brent_baselines(method: str) -> None:
    from forecast.sources.csvfile import read_series_csv

    prices = read_series_csv(SHARED_DATA / "eia_brent_spot_monthly.csv", "brent_usd").frame
    fit = fit_baseline(prices, method)
    assert fit.nobs == 240
    assert fit.last_price == prices["value"].iloc[-1]
    paths = simulate_baseline(fit, 24, 1000, rng=np.random.default_rng(20260101))
    q05, q50, q95 = np.quantile(paths, [0.05, 0.5, 0.95], axis=0)
    assert np.all((q05 < q50) & (q50 < q95))
    np.testing.assert_allclose(q50[[0, 11, 23]], fit.last_price, rtol=0.1)


def test_end_of_month_anchor_sets_the_start_of_the_walk() -> None:
    from tests.conftest import monthly_frame

    prices = monthly_frame(periods=60)
    monthly = fit_baseline(prices, "no_change")
    anchored = fit_baseline(prices, "no_change_eom", anchor=99.0)
    assert anchored.last_price == 99.0
    assert anchored.params.equals(monthly.params)
    paths = simulate_baseline(anchored, 6, 4000, rng=np.random.default_rng(3))
    assert np.median(paths[:, 0]) == pytest.approx(99.0, rel=0.02)
    with pytest.raises(EstimationError, match="needs a positive anchor"):
        fit_baseline(prices, "no_change_eom")
