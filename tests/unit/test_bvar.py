"""Minnesota BVAR: the closed-form posterior against hand computations, forecasts, ragged edge."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from forecast.errors import EstimationError
from forecast.models.bvar import (
    MinnesotaPrior,
    fit_bvar,
    forecast_bvar,
    forecast_path,
    simulate_bvar,
)

# A tiny data set: 2 variables, 8 months (1 lag -> T = 7 left-hand-side observations).
TINY = np.array(
    [
        [1.00, 0.50],
        [1.20, 0.10],
        [1.10, -0.30],
        [1.50, 0.20],
        [1.40, 0.40],
        [1.70, -0.10],
        [1.60, 0.00],
        [1.90, 0.30],
    ]
)
SCALES = {"a": 0.2, "b": 0.3}


def frame(values: np.ndarray, names: tuple[str, ...] = ("a", "b"), start: str = "2000-01-01"):
    dates = pd.date_range(start, periods=values.shape[0], freq="MS")
    out = pd.DataFrame(values, columns=list(names))
    out.insert(0, "date", dates)
    return out


def hand_posterior(
    y: np.ndarray, lam: float, const: float, delta: np.ndarray, scales: np.ndarray
) -> dict[str, np.ndarray | float]:
    """The conjugate NIW posterior of a VAR(1) with a constant, by the textbook formulas."""
    k = y.shape[1]
    x = np.column_stack([np.ones(y.shape[0] - 1), y[:-1]])
    lhs = y[1:]
    b0 = np.vstack([np.zeros(k), np.diag(delta)])
    omega0 = np.diag(np.concatenate([[const**2], (lam / scales) ** 2]))
    nu0 = k + 2
    s0 = (nu0 - k - 1) * np.diag(scales**2)
    omega0_inv = np.linalg.inv(omega0)
    omega_n = np.linalg.inv(omega0_inv + x.T @ x)
    b_n = omega_n @ (omega0_inv @ b0 + x.T @ lhs)
    s_n = s0 + lhs.T @ lhs + b0.T @ omega0_inv @ b0 - b_n.T @ np.linalg.inv(omega_n) @ b_n
    return {
        "b0": b0,
        "omega0": omega0,
        "s0": s0,
        "nu0": nu0,
        "b_n": b_n,
        "omega_n": omega_n,
        "s_n": s_n,
        "nu_n": nu0 + lhs.shape[0],
        "x": x,
        "y": lhs,
    }


@pytest.fixture(scope="module")
def tiny_fit():
    prior = MinnesotaPrior(
        lags=1, overall=0.5, constant=3.0, own_lag_mean={"a": 1.0, "b": 0.0}, scales=SCALES
    )
    return fit_bvar(frame(TINY), prior)


@pytest.fixture(scope="module")
def tiny_hand():
    return hand_posterior(TINY, 0.5, 3.0, np.array([1.0, 0.0]), np.array([0.2, 0.3]))


# --- the posterior, by hand -------------------------------------------------------------------


def test_prior_matrices_match_the_minnesota_formulas(tiny_fit, tiny_hand) -> None:
    prior = tiny_fit.niw_prior
    np.testing.assert_allclose(prior.mean, tiny_hand["b0"])
    np.testing.assert_allclose(prior.scale, tiny_hand["omega0"])
    np.testing.assert_allclose(prior.sigma_scale, tiny_hand["s0"])
    assert prior.sigma_df == tiny_hand["nu0"]
    assert prior.dummy_y.shape == (0, 2)


def test_posterior_matches_the_hand_computation(tiny_fit, tiny_hand) -> None:
    np.testing.assert_allclose(tiny_fit.coef_mean, tiny_hand["b_n"], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(tiny_fit.coef_scale, tiny_hand["omega_n"], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(tiny_fit.sigma_scale, tiny_hand["s_n"], rtol=1e-10, atol=1e-12)
    assert tiny_fit.sigma_df == tiny_hand["nu_n"] == 11
    assert tiny_fit.nobs == 7
    np.testing.assert_allclose(tiny_fit.sigma_mean, tiny_hand["s_n"] / (11 - 2 - 1))


def test_params_frame_holds_posterior_means_and_standard_deviations(tiny_fit, tiny_hand) -> None:
    params = tiny_fit.params
    assert list(params.columns) == ["equation", "term", "estimate", "std_err"]
    assert list(params["term"][:3]) == ["const", "a.l1", "b.l1"]
    row = params[(params["equation"] == "b") & (params["term"] == "a.l1")].iloc[0]
    assert row["estimate"] == pytest.approx(tiny_hand["b_n"][1, 1])
    variance = tiny_hand["omega_n"][1, 1] * tiny_hand["s_n"][1, 1] / (11 - 3)
    assert row["std_err"] == pytest.approx(np.sqrt(variance))


def test_marginal_likelihood_satisfies_the_basic_marginal_identity(tiny_fit, tiny_hand) -> None:
    # log p(Y) = log p(Y | B, S) + log p(B | S) + log p(S) - log p(B | S, Y) - log p(S | Y)
    # at any (B, S): the densities below come from scipy, not from the implementation.
    b = tiny_hand["b_n"] + 0.05
    sigma = np.array([[0.05, 0.01], [0.01, 0.08]])
    resid = tiny_hand["y"] - tiny_hand["x"] @ b
    loglike = stats.multivariate_normal(np.zeros(2), sigma).logpdf(resid).sum()
    prior_b = stats.matrix_normal(tiny_hand["b0"], tiny_hand["omega0"], sigma).logpdf(b)
    prior_s = stats.invwishart(tiny_hand["nu0"], tiny_hand["s0"]).logpdf(sigma)
    post_b = stats.matrix_normal(tiny_hand["b_n"], tiny_hand["omega_n"], sigma).logpdf(b)
    post_s = stats.invwishart(tiny_hand["nu_n"], tiny_hand["s_n"]).logpdf(sigma)
    expected = loglike + prior_b + prior_s - post_b - post_s
    assert tiny_fit.log_marginal_likelihood == pytest.approx(expected, rel=1e-9)


def test_default_scales_are_ar1_residual_standard_deviations() -> None:
    fit = fit_bvar(frame(TINY), MinnesotaPrior(lags=1, own_lag_mean=0.0))
    for j in range(2):
        series = TINY[:, j]
        x = np.column_stack([np.ones(7), series[:-1]])
        resid = series[1:] - x @ np.linalg.lstsq(x, series[1:], rcond=None)[0]
        scale = np.sqrt(resid @ resid / (8 - 3))
        assert fit.niw_prior.sigma_scale[j, j] == pytest.approx(scale**2)


def test_lag_decay_and_sum_of_coefficients_dummies() -> None:
    values = np.column_stack([np.linspace(1, 3, 12), np.sin(np.arange(12.0))])
    prior = MinnesotaPrior(
        lags=2, overall=0.2, lag_decay=2.0, own_lag_mean={"b": 0.0}, scales=SCALES,
        sum_of_coefficients=0.5,
    )  # fmt: skip
    fit = fit_bvar(frame(values), prior)
    diag = np.diag(fit.niw_prior.scale)
    # rows: const, a.l1, b.l1, a.l2, b.l2; lag 2 shrinks by 2**2
    assert diag[3] == pytest.approx((0.2 / (4 * 0.2)) ** 2)
    assert diag[4] == pytest.approx((0.2 / (4 * 0.3)) ** 2)
    # one dummy observation, for the random-walk variable a only
    ybar = values[:2, 0].mean()
    np.testing.assert_allclose(fit.niw_prior.dummy_y, [[ybar / 0.5, 0.0]])
    np.testing.assert_allclose(fit.niw_prior.dummy_x, [[0.0, ybar / 0.5, 0.0, ybar / 0.5, 0.0]])
    # the dummies act as data: the posterior equals the no-dummy posterior on stacked data
    x = np.column_stack([np.ones(10), values[1:-1], values[:-2]])
    y = values[2:]
    x_all, y_all = np.vstack([fit.niw_prior.dummy_x, x]), np.vstack([fit.niw_prior.dummy_y, y])
    omega0_inv = np.linalg.inv(fit.niw_prior.scale)
    b_n = np.linalg.solve(
        omega0_inv + x_all.T @ x_all, omega0_inv @ fit.niw_prior.mean + x_all.T @ y_all
    )
    np.testing.assert_allclose(fit.coef_mean, b_n, rtol=1e-9, atol=1e-12)
    assert fit.sigma_df == 4 + 10 + 1


def test_grid_picks_the_tightness_with_the_highest_marginal_likelihood() -> None:
    rng = np.random.default_rng(4)
    values = np.column_stack([rng.normal(size=80).cumsum(), rng.normal(size=80)])
    base = MinnesotaPrior(lags=2, own_lag_mean={"b": 0.0})
    grid = (0.05, 0.2, 1.0)
    fits = [
        fit_bvar(frame(values), MinnesotaPrior(2, lam, own_lag_mean={"b": 0.0})) for lam in grid
    ]
    best = max(fits, key=lambda f: f.log_marginal_likelihood)
    chosen = fit_bvar(frame(values), base, overall_grid=grid)
    assert chosen.prior.overall == best.prior.overall
    assert chosen.overall_grid == grid
    np.testing.assert_allclose(chosen.coef_mean, best.coef_mean)


# --- forecasts and the ragged edge ------------------------------------------------------------


def test_forecasts_iterate_the_posterior_mean(tiny_fit) -> None:
    b = tiny_fit.coef_mean
    y1 = b[0] + TINY[-1] @ b[1:]
    y2 = b[0] + y1 @ b[1:]
    np.testing.assert_allclose(forecast_path(tiny_fit, 2), [y1, y2])
    tidy = forecast_bvar(tiny_fit, 2)
    assert list(tidy.columns) == ["date", "variable", "mean"]
    assert list(tidy["date"].dt.strftime("%Y-%m")) == ["2000-09", "2000-09", "2000-10", "2000-10"]
    np.testing.assert_allclose(tidy["mean"], [*y1, *y2])


def test_ragged_edge_is_filled_by_the_conditional_expectation(tiny_fit) -> None:
    extra = np.vstack([TINY, [2.1, np.nan]])
    fit = fit_bvar(frame(extra), tiny_fit.prior)
    np.testing.assert_allclose(fit.coef_mean, tiny_fit.coef_mean)  # the tail is not estimated on
    b, sigma = fit.coef_mean, fit.sigma_mean
    mean = b[0] + TINY[-1] @ b[1:]
    filled = mean[1] + sigma[1, 0] / sigma[0, 0] * (2.1 - mean[0])
    assert fit.sample_end == pd.Timestamp("2000-08-01")
    assert fit.last_date == pd.Timestamp("2000-09-01")
    nowcast = fit.nowcast
    assert list(nowcast["filled"]) == [False, True]
    assert nowcast["value"].iloc[1] == pytest.approx(filled)
    np.testing.assert_allclose(forecast_path(fit, 1)[0], b[0] + np.array([2.1, filled]) @ b[1:])


def test_ragged_edge_over_several_months_and_lags_matches_a_dense_gaussian_computation() -> None:
    rng = np.random.default_rng(7)
    values = rng.normal(size=(40, 2)).cumsum(axis=0) * 0.1
    data = values.copy()
    data[-3:, 1] = np.nan  # b unknown in the last three months
    prior = MinnesotaPrior(lags=2, own_lag_mean={"b": 0.0})
    fit = fit_bvar(frame(data), prior)
    b, sigma = fit.coef_mean, fit.sigma_mean
    # Stack the three months as a Gaussian vector given the last complete months, then
    # condition on the observed a's.
    hist = [data[-4], data[-5]]  # most recent first
    mean, weights = [], []  # y_s = mean_s + sum_j W_sj e_j
    lag_weights = [np.zeros((2, 6)), np.zeros((2, 6))]
    for step in range(3):
        m = b[0] + hist[0] @ b[1:3] + hist[1] @ b[3:5]
        w = b[1:3].T @ lag_weights[0] + b[3:5].T @ lag_weights[1]
        w[:, 2 * step : 2 * step + 2] += np.eye(2)
        mean.append(m)
        weights.append(w)
        hist = [m, hist[0]]
        lag_weights = [w, lag_weights[0]]
    mu, w = np.concatenate(mean), np.vstack(weights)
    cov = w @ np.kron(np.eye(3), sigma) @ w.T
    seen, unseen = [0, 2, 4], [1, 3, 5]
    observed = data[-3:, 0]
    gain = cov[np.ix_(unseen, seen)] @ np.linalg.inv(cov[np.ix_(seen, seen)])
    expected_last = (mu[unseen] + gain @ (observed - mu[seen]))[-1]
    # the state after the last month holds E[b_T | all data]
    assert fit.state[0, 1] == pytest.approx(expected_last, rel=1e-8)
    assert fit.state[0, 0] == pytest.approx(observed[-1])


def test_simulation_is_seeded_and_centred_on_the_point_forecast(tiny_fit) -> None:
    one = simulate_bvar(tiny_fit, 3, 4000, rng=np.random.default_rng(5))
    two = simulate_bvar(tiny_fit, 3, 4000, rng=np.random.default_rng(5))
    assert one.shape == (4000, 3, 2)
    np.testing.assert_array_equal(one, two)
    centre = forecast_path(tiny_fit, 1)[0]
    spread = one[:, 0].std(axis=0)
    for j in range(2):
        assert abs(one[:, 0, j].mean() - centre[j]) < 4 * spread[j] / np.sqrt(4000)


def test_equals_and_summary(tiny_fit) -> None:
    again = fit_bvar(frame(TINY), tiny_fit.prior)
    assert tiny_fit.equals(again)
    assert not tiny_fit.equals(fit_bvar(frame(TINY * 1.1), tiny_fit.prior))
    assert not tiny_fit.equals("fit")
    assert "Minnesota BVAR(1) in a, b" in str(tiny_fit)
    assert "2000-01..2000-08" in repr(tiny_fit)


# --- errors -----------------------------------------------------------------------------------


def test_bad_data_is_refused_with_the_reason() -> None:
    prior = MinnesotaPrior(lags=1)
    with pytest.raises(EstimationError, match="needs a 'date' column"):
        fit_bvar(pd.DataFrame({"a": [1.0]}), prior)
    with pytest.raises(EstimationError, match="no variable columns"):
        fit_bvar(frame(TINY)[["date"]], prior)
    gappy = frame(TINY).drop(index=3)
    with pytest.raises(EstimationError, match="consecutive months; 2000-03 is followed by 2000-05"):
        fit_bvar(gappy, prior)
    holed = TINY.copy()
    holed[4, 1] = np.nan
    with pytest.raises(EstimationError, match="b is missing in 2000-05, inside the balanced"):
        fit_bvar(frame(holed), prior)
    with pytest.raises(EstimationError, match="needs at least 15 complete months; got 8"):
        fit_bvar(frame(TINY), MinnesotaPrior(lags=12))
    infinite = TINY.copy()
    infinite[2, 0] = np.inf
    with pytest.raises(EstimationError, match="a has a non-finite value in 2000-03"):
        fit_bvar(frame(infinite), prior)


def test_bad_hyperparameters_are_refused() -> None:
    with pytest.raises(ValueError, match="overall must be a positive number, not 0"):
        MinnesotaPrior(overall=0)
    with pytest.raises(ValueError, match="lags must be an int >= 1"):
        MinnesotaPrior(lags=0)
    with pytest.raises(ValueError, match="own_lag_mean names variables not in the data: c"):
        fit_bvar(frame(TINY), MinnesotaPrior(lags=1, own_lag_mean={"c": 0.0}))
    fit = fit_bvar(frame(TINY), MinnesotaPrior(lags=1))
    with pytest.raises(ValueError, match="horizon must be a positive whole number"):
        forecast_path(fit, 0)
    with pytest.raises(ValueError, match="draws must be a positive whole number"):
        simulate_bvar(fit, 1, 0, rng=np.random.default_rng(0))


def test_data_without_a_complete_month_is_refused() -> None:
    empty = TINY.copy()
    empty[:, 1] = np.nan
    with pytest.raises(EstimationError, match=r"no month has a value for every variable \(a, b\)"):
        fit_bvar(frame(empty), MinnesotaPrior(lags=1))
