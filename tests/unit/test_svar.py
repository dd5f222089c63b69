"""The oil-market SVAR on simulated data from known VARs: OLS, identification, bands, scenarios."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from forecast.errors import EstimationError
from forecast.models import _var
from forecast.models.svar import (
    BASE_COMPONENT,
    QUANTILES,
    SHOCKS,
    VARIABLES,
    SVARFit,
    SVARProjection,
    bootstrap_svar,
    fevd_frame,
    fill_ragged_edge,
    fit_svar,
    historical_decomposition,
    irf_frame,
    project_svar,
    supply_price_response,
    svar_dataset,
    to_nominal_price,
)

# A stable VAR(2) in the oil-market variables' units, with a structural impact matrix that
# satisfies Kilian-Murphy's signs (columns: supply disruption, aggregate demand, oil-specific
# demand) and a small supply elasticity (0.02 / 5 and 0.03 / 8, both below 0.0258).
A1 = np.array([[0.2, 0.001, -0.002], [0.5, 0.9, 0.05], [-0.4, 0.05, 0.85]])
A2 = np.array([[0.05, 0.0, 0.001], [-0.2, -0.1, 0.0], [0.3, 0.0, 0.05]])
CONST = np.array([0.1, 0.5, 10.0])
B_TRUE = np.array([[-1.0, 0.02, 0.03], [-0.5, 15.0, -8.0], [3.0, 5.0, 8.0]])


def simulate_var(
    periods: int,
    *,
    seed: int,
    coefs: np.ndarray | None = None,
    const: np.ndarray = CONST,
    impact: np.ndarray = B_TRUE,
    burn: int = 200,
) -> np.ndarray:
    """Simulate y_t = c + sum A_l y_{t-l} + B eps_t, eps ~ N(0, I), after a burn-in."""
    rng = np.random.default_rng(seed)
    lags = np.stack([A1, A2]) if coefs is None else coefs
    k = impact.shape[0]
    shocks = rng.standard_normal((periods + burn, k)) @ impact.T
    path = _var.simulate(lags, const, np.zeros((lags.shape[0], k)), shocks)
    return path[burn:]


@pytest.fixture(scope="module")
def sample() -> np.ndarray:
    return simulate_var(400, seed=1)


@pytest.fixture(scope="module")
def fit(sample: np.ndarray) -> SVARFit:
    return fit_svar(sample, lags=2)


def statsmodels_var(data: np.ndarray | pd.DataFrame, lags: int, trend: str = "c") -> object:
    from statsmodels.tsa.api import VAR

    return VAR(data).fit(lags, trend=trend)


# --- OLS -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("trend", ["c", "n"])
def test_ols_equals_statsmodels(sample: np.ndarray, trend: str) -> None:
    frame = pd.DataFrame(sample, columns=list(VARIABLES))
    ours = fit_svar(frame, lags=3, trend=trend)  # type: ignore[arg-type]
    theirs = statsmodels_var(frame, 3, trend)
    np.testing.assert_allclose(ours.params, np.asarray(theirs.params), rtol=0, atol=1e-8)
    np.testing.assert_allclose(ours.sigma, np.asarray(theirs.sigma_u), rtol=0, atol=1e-8)
    np.testing.assert_allclose(ours.residuals, np.asarray(theirs.resid), rtol=0, atol=1e-8)
    np.testing.assert_allclose(ours.coefs, theirs.coefs, rtol=0, atol=1e-8)
    np.testing.assert_allclose(ours.intercept, theirs.intercept, rtol=0, atol=1e-8)
    assert ours.nobs == theirs.nobs
    assert ours.variables == VARIABLES
    frame_params = ours.params_frame()
    assert list(frame_params.columns) == ["equation", "term", "estimate"]
    first = frame_params[frame_params["equation"] == "rea"]
    np.testing.assert_allclose(first["estimate"], np.asarray(theirs.params)[:, 1])


def test_ols_recovers_the_true_parameters() -> None:
    long = simulate_var(20_000, seed=2)
    fitted = fit_svar(long, lags=2)
    design, _ = _var.lagged(long, 2, 1)
    inverse = np.linalg.inv(design.T @ design)
    # Standard errors in statsmodels' params layout, then as (lag, equation, variable).
    errors = np.sqrt(np.outer(np.diag(inverse), np.diag(fitted.sigma)))
    errors = _var.coefs_from_params(errors, 3, 2, 1)[0]
    t_stats = (fitted.coefs - np.stack([A1, A2])) / errors
    assert np.abs(t_stats).max() < 4.0
    sigma = B_TRUE @ B_TRUE.T
    sigma_errors = np.sqrt((np.outer(np.diag(sigma), np.diag(sigma)) + sigma**2) / len(long))
    assert np.abs((fitted.sigma - sigma) / sigma_errors).max() < 4.0
    assert fitted.max_root < 1


def test_batched_ols_equals_one_fit_per_sample(sample: np.ndarray) -> None:
    rng = np.random.default_rng(3)
    samples = np.stack([sample, sample[::-1], sample + rng.standard_normal(sample.shape)])
    for k_trend in (0, 1):
        params, sigma = _var.ols_batch(samples, 4, k_trend)
        for i, single in enumerate(samples):
            expected, _, expected_sigma = _var.ols(single, 4, k_trend)
            np.testing.assert_allclose(params[i], expected, rtol=0, atol=1e-9)
            np.testing.assert_allclose(sigma[i], expected_sigma, rtol=0, atol=1e-9)


def test_companion_and_dates(sample: np.ndarray) -> None:
    dates = pd.date_range("2000-01-01", periods=len(sample), freq="MS")
    frame = pd.DataFrame(sample, columns=list(VARIABLES)).assign(date=dates)
    fitted = fit_svar(frame, lags=2)
    assert fitted.dates is not None
    assert fitted.dates[0] == dates[0]
    companion = fitted.companion
    assert companion.shape == (6, 6)
    np.testing.assert_array_equal(companion[:3, :3], fitted.coefs[0])
    np.testing.assert_array_equal(companion[3:, :3], np.eye(3))
    assert "SVAR(2)" in str(fitted)
    assert "2000-01" in fitted.summary()
    assert "lags=2" in repr(fitted)


def test_fit_rejects_bad_input(sample: np.ndarray) -> None:
    with pytest.raises(EstimationError, match="row 5 has a missing"):
        fit_svar(np.where(np.arange(len(sample))[:, None] == 5, np.nan, sample), lags=2)
    with pytest.raises(EstimationError, match="needs more than"):
        fit_svar(sample[:20], lags=6)
    with pytest.raises(ValueError, match="lags must be"):
        fit_svar(sample, lags=0)
    with pytest.raises(ValueError, match="trend must be"):
        fit_svar(sample, lags=2, trend="ct")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="identification must be"):
        fit_svar(sample, lags=2, identification="long_run")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="an rng"):
        fit_svar(sample, lags=2, identification="sign")
    with pytest.raises(ValueError, match="three variables"):
        fit_svar(sample[:, :2], lags=2, identification="sign", rng=np.random.default_rng(0))
    with pytest.raises(EstimationError, match="not positive definite"):
        fit_svar(np.column_stack([sample[:, :2], np.zeros(len(sample))]), lags=2, trend="n")


# --- identification, impulse responses, FEVD, historical decomposition ----------------------------


def test_recursive_irfs_equal_statsmodels(sample: np.ndarray, fit: SVARFit) -> None:
    theirs = statsmodels_var(sample, 2)
    plain = fit_svar(sample, lags=2, supply_disruption=False)
    np.testing.assert_allclose(plain.irfs(20), theirs.orth_ma_rep(20), rtol=0, atol=1e-8)
    np.testing.assert_allclose(fit.impact @ fit.impact.T, fit.sigma, atol=1e-10)
    # The disruption convention flips the supply column only.
    flipped = fit.irfs(20) * np.array([-1.0, 1.0, 1.0])
    np.testing.assert_allclose(flipped, theirs.orth_ma_rep(20), rtol=0, atol=1e-8)
    assert fit.impact[0, 0] < 0
    assert np.all(np.diag(fit.impact)[1:] > 0)


def test_irf_frame_layout_and_production_level(fit: SVARFit) -> None:
    frame = irf_frame(fit, None, 12)
    assert list(frame.columns) == ["shock", "variable", "horizon", "estimate", "mean", *QUANTILES]
    assert len(frame) == 3 * 3 * 13
    assert set(frame["shock"]) == set(SHOCKS)
    assert set(frame["variable"]) == {"production_level_pct", "rea", "real_price_log"}
    assert frame["q05"].isna().all()
    level = frame[(frame["shock"] == "supply") & (frame["variable"] == "production_level_pct")]
    np.testing.assert_allclose(level["estimate"], np.cumsum(fit.irfs(12)[:, 0, 0]))
    price = frame[
        (frame["shock"] == "oil_specific_demand") & (frame["variable"] == "real_price_log")
    ]
    np.testing.assert_allclose(price["estimate"], fit.irfs(12)[:, 2, 2])


def test_fevd_equals_statsmodels(sample: np.ndarray) -> None:
    theirs = statsmodels_var(sample, 2).fevd(10).decomp  # (variable, horizon, shock)
    frame = fevd_frame(fit_svar(sample, lags=2), None, 10)
    ours = frame.pivot_table(index=["variable", "horizon"], columns="shock", values="estimate")
    for i, name in enumerate(VARIABLES):
        block = ours.loc[name][list(SHOCKS)].to_numpy()
        np.testing.assert_allclose(block, theirs[i], rtol=0, atol=1e-10)
    sums = frame.groupby(["variable", "horizon"])["estimate"].sum()
    np.testing.assert_allclose(sums, 1.0)


def test_historical_decomposition_adds_up_to_the_data(fit: SVARFit) -> None:
    frame = historical_decomposition(fit)
    assert set(frame["component"]) == {*SHOCKS, BASE_COMPONENT}
    total = frame.pivot_table(index="t", columns="variable", values="value", aggfunc="sum")
    total = total[list(VARIABLES)].sort_index()
    np.testing.assert_allclose(total.to_numpy(), fit.data[fit.lags :], rtol=0, atol=1e-8)
    # The shocks' contributions to the price start at zero and follow the impact matrix.
    supply = frame[(frame["component"] == "supply") & (frame["variable"] == "real_price_log")]
    first = supply["value"].iloc[0]
    assert first == pytest.approx(fit.impact[2, 0] * fit.structural_residuals[0, 0])


def test_historical_decomposition_with_dates_adds_up(sample: np.ndarray) -> None:
    dates = pd.date_range("1990-01-01", periods=len(sample), freq="MS")
    fitted = fit_svar(pd.DataFrame(sample, index=dates, columns=list(VARIABLES)), lags=3)
    frame = historical_decomposition(fitted)
    price = frame[frame["variable"] == "real_price_log"].groupby("date")["value"].sum()
    assert price.index[0] == dates[3]
    np.testing.assert_allclose(price.to_numpy(), sample[3:, 2], rtol=0, atol=1e-8)


# --- sign restrictions ---------------------------------------------------------------------------


def _check_signs(impact: np.ndarray, bound: float) -> None:
    expected = np.array([[-1, 1, 1], [-1, 1, -1], [1, 1, 1]])  # disruption convention
    assert np.all(np.sign(impact) == expected)
    elasticity = impact[..., 0, 1:] / impact[..., 2, 1:]
    assert np.all(elasticity <= bound)


def test_sign_restricted_draws_satisfy_their_restrictions(fit: SVARFit) -> None:
    sample = fit.data
    signed = fit_svar(
        sample,
        lags=2,
        identification="sign",
        rng=np.random.default_rng(5),
        rotations=4000,
        dynamic_horizon=0,  # this DGP's supply shock raises activity after 5 months
    )
    assert signed.identification == "sign"
    assert signed.impact_set.shape[0] >= 5
    assert signed.rotations == 4000
    for impact in signed.impact_set:
        _check_signs(impact, signed.elasticity_bound or 0.0)
        np.testing.assert_allclose(impact @ impact.T, signed.sigma, atol=1e-9)
    assert any(np.array_equal(signed.impact, b) for b in signed.impact_set)
    draws = bootstrap_svar(signed, 40, rng=np.random.default_rng(6), rotations=1000)
    assert 0 < len(draws) <= 40
    for impact, sigma in zip(draws.impact, draws.sigma, strict=True):
        _check_signs(impact, signed.elasticity_bound or 0.0)
        np.testing.assert_allclose(impact @ impact.T, sigma, atol=1e-9)
    assert "accepted" in signed.summary()


def test_sign_identification_reports_when_nothing_fits(fit: SVARFit) -> None:
    with pytest.raises(EstimationError, match="none of 3 rotations"):
        fit_svar(
            fit.data,
            lags=2,
            identification="sign",
            rng=np.random.default_rng(0),
            rotations=3,
            elasticity_bound=-1.0,
        )


# --- bootstrap -----------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["residual", "wild", "gaussian"])
def test_bootstrap_is_reproducible_and_centred(fit: SVARFit, method: str) -> None:
    first = bootstrap_svar(fit, 200, rng=np.random.default_rng(7), method=method)  # type: ignore[arg-type]
    again = bootstrap_svar(fit, 200, rng=np.random.default_rng(7), method=method)  # type: ignore[arg-type]
    np.testing.assert_array_equal(first.coefs, again.coefs)
    assert len(first) == 200
    assert first.method == method
    assert first.coefs.shape == (200, 2, 3, 3)
    assert not first.coefs.flags.writeable
    # Draws scatter around the estimate (the OLS bias is small next to the spread at T = 400).
    spread = first.coefs.std(axis=0)
    assert np.abs(first.coefs.mean(axis=0) - fit.coefs).max() < 0.5 * spread.max()
    assert np.all(np.abs(first.coefs.mean(axis=0) - fit.coefs) < spread)
    # (Rademacher wild draws barely move Sigma: squared residuals do not change sign.)
    gap = np.abs(first.impact.mean(axis=0) - fit.impact)
    assert np.all(gap <= 0.02 * np.abs(fit.impact) + 2 * first.impact.std(axis=0))
    assert np.all(first.max_roots() < 1)


def test_bootstrap_rejects_bad_arguments(fit: SVARFit) -> None:
    with pytest.raises(ValueError, match="draws must be"):
        bootstrap_svar(fit, 0, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="method must be"):
        bootstrap_svar(fit, 10, rng=np.random.default_rng(0), method="block")  # type: ignore[arg-type]


def _statsmodels_irf_draws(sample: np.ndarray, lags: int, repl: int, steps: int) -> np.ndarray:
    results = statsmodels_var(sample, lags)
    with warnings.catch_warnings():
        # statsmodels warns that integer seeds are deprecated; a Generator is passed, but keep
        # the filter narrow in case a release warns about the burn-in.
        warnings.filterwarnings("ignore", category=FutureWarning, module="statsmodels")
        return np.asarray(
            results.irf_resim(orth=True, repl=repl, steps=steps, rng=np.random.default_rng(8))
        )


def _band_widths(draws: np.ndarray) -> np.ndarray:
    low, high = np.quantile(draws, [0.16, 0.84], axis=0)
    return np.asarray(high - low)


def test_bands_agree_with_statsmodels_monte_carlo() -> None:
    # A small VAR(1), Gaussian errors: statsmodels' Monte Carlo (irf_errband_mc draws) and our
    # Gaussian and residual bootstraps estimate the same sampling distribution of the IRFs.
    coefs = np.array([[[0.5, 0.1, 0.0], [0.2, 0.4, 0.1], [0.0, 0.3, 0.6]]])
    impact = np.array([[1.0, 0.0, 0.0], [0.5, 1.0, 0.0], [0.3, 0.4, 1.0]])
    sample = simulate_var(250, seed=9, coefs=coefs, const=np.zeros(3), impact=impact)
    steps, repl = 8, 300
    theirs = _statsmodels_irf_draws(sample, 1, repl, steps)
    fitted = fit_svar(sample, lags=1, supply_disruption=False)
    for method in ("gaussian", "residual"):
        ours = bootstrap_svar(fitted, 2000, rng=np.random.default_rng(10), method=method).irfs(
            steps
        )  # type: ignore[arg-type]
        ratio = _band_widths(ours)[1:] / _band_widths(theirs)[1:]
        assert np.median(ratio) == pytest.approx(1.0, abs=0.12), method
        assert np.quantile(ratio, 0.9) < 1.45
        assert np.quantile(ratio, 0.1) > 0.7
        # Centres agree too (both are centred near the estimate).
        spread = _band_widths(theirs)[1:]
        gap = np.abs(np.median(ours, axis=0) - np.median(theirs, axis=0))[1:]
        assert np.median(gap / spread) < 0.2


@pytest.mark.slow
def test_bands_agree_with_statsmodels_monte_carlo_many_draws() -> None:
    coefs = np.array([[[0.5, 0.1, 0.0], [0.2, 0.4, 0.1], [0.0, 0.3, 0.6]]])
    impact = np.array([[1.0, 0.0, 0.0], [0.5, 1.0, 0.0], [0.3, 0.4, 1.0]])
    sample = simulate_var(250, seed=11, coefs=coefs, const=np.zeros(3), impact=impact)
    theirs = _statsmodels_irf_draws(sample, 1, 3000, 8)
    fitted = fit_svar(sample, lags=1, supply_disruption=False)
    ours = bootstrap_svar(fitted, 5000, rng=np.random.default_rng(12), method="gaussian").irfs(8)
    ratio = _band_widths(ours)[1:] / _band_widths(theirs)[1:]
    assert np.median(ratio) == pytest.approx(1.0, abs=0.05)
    assert np.quantile(ratio, 0.95) < 1.2
    assert np.quantile(ratio, 0.05) > 0.85


def test_wild_bootstrap_matches_residual_bootstrap_when_errors_are_homoskedastic(
    fit: SVARFit,
) -> None:
    residual = bootstrap_svar(fit, 1000, rng=np.random.default_rng(13), method="residual")
    wild = bootstrap_svar(fit, 1000, rng=np.random.default_rng(14), method="wild")
    ratio = _band_widths(wild.irfs(12))[1:] / _band_widths(residual.irfs(12))[1:]
    assert np.median(ratio) == pytest.approx(1.0, abs=0.1)


def test_wild_bootstrap_widens_bands_under_heteroskedasticity() -> None:
    # Shock variance rises with the lagged oil-specific shock's size (ARCH-like): the wild
    # bootstrap keeps each month's variance, the i.i.d. residual bootstrap averages it away.
    rng = np.random.default_rng(15)
    periods, k = 600, 3
    scale = np.where(np.arange(periods) % 50 < 5, 6.0, 0.6)  # rare turbulent months
    shocks = rng.standard_normal((periods, k)) * scale[:, None]
    coefs = np.array([[[0.6, 0.0, 0.0], [0.2, 0.5, 0.0], [0.3, 0.2, 0.7]]])
    sample = _var.simulate(coefs, np.zeros(3), np.zeros((1, 3)), shocks)
    fitted = fit_svar(sample, lags=1, supply_disruption=False)
    residual = bootstrap_svar(fitted, 1000, rng=np.random.default_rng(16), method="residual")
    wild = bootstrap_svar(fitted, 1000, rng=np.random.default_rng(17), method="wild")
    ratio = _band_widths(wild.coefs) / _band_widths(residual.coefs)
    assert np.median(ratio) > 1.15


# --- supply price response -----------------------------------------------------------------------


def test_supply_price_response_normalisations(fit: SVARFit) -> None:
    draws = bootstrap_svar(fit, 200, rng=np.random.default_rng(18))
    impact = supply_price_response(fit, draws, 12)
    theta = fit.irfs(12)
    expected = theta[:, 2, 0] / -theta[0, 0, 0]
    np.testing.assert_allclose(impact.path["estimate"], expected)
    peak = impact.peak.iloc[0]
    assert peak["estimate"] == pytest.approx(expected.max())
    assert peak["peak_horizon"] == int(np.argmax(expected))
    assert peak["q05"] <= peak["q16"] <= peak["q50"] <= peak["q84"] <= peak["q95"]
    assert "per 1% of world supply lost" in str(impact)
    # "sustained": the production level stays 1% down; the same as the structural scenario.
    sustained = supply_price_response(fit, None, 12, normalise="sustained")
    target = np.full(13, -0.01)
    projection = project_svar(
        fit,
        None,
        fit.data[-2:],
        13,
        production_level_deviation=target,
        rng=np.random.default_rng(0),
        shocks=False,
    )
    np.testing.assert_allclose(
        sustained.path["estimate"], projection.price_effect_pct[0], rtol=0, atol=1e-10
    )
    assert sustained.peak["estimate"].iloc[0] > 0


# --- structural scenarios ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def draws(fit: SVARFit) -> object:
    return bootstrap_svar(fit, 100, rng=np.random.default_rng(19))


def _outage(horizon: int = 12) -> np.ndarray:
    loss = np.zeros(horizon)
    loss[2:8] = 0.009  # 0.9% of world supply for six months
    return np.log1p(-loss)


def test_zero_target_gives_exactly_the_baseline(fit: SVARFit, draws: object) -> None:
    projection = project_svar(
        fit,
        draws,  # type: ignore[arg-type]
        fit.data[-2:],
        12,
        production_level_deviation=np.zeros(12),
        rng=np.random.default_rng(20),
    )
    assert len(projection) == 100
    for name in ("prod_growth", "rea", "real_price_log"):
        np.testing.assert_array_equal(
            getattr(projection, f"scenario_{name}"), getattr(projection, f"baseline_{name}")
        )
    assert not projection.supply_shocks.any()


def test_scenario_follows_the_target_with_common_random_numbers(
    fit: SVARFit, draws: object
) -> None:
    target = _outage()
    kwargs = {"production_level_deviation": target, "innovations": "gaussian"}
    rng_a, rng_b = np.random.default_rng(21), np.random.default_rng(21)
    outage = project_svar(fit, draws, fit.data[-2:], 12, rng=rng_a, **kwargs)  # type: ignore[arg-type]
    kwargs["production_level_deviation"] = np.zeros(12)
    calm = project_svar(fit, draws, fit.data[-2:], 12, rng=rng_b, **kwargs)  # type: ignore[arg-type]
    # Same draws whatever the target: the generators end in the same state.
    assert rng_a.bit_generator.state == rng_b.bit_generator.state
    np.testing.assert_array_equal(outage.baseline_real_price_log, calm.baseline_real_price_log)
    # The production level follows the target exactly, in every draw.
    np.testing.assert_allclose(
        outage.production_level_effect, np.broadcast_to(target, (100, 12)), rtol=0, atol=1e-12
    )
    # Scenario minus baseline is the deterministic effect of the supply shocks under the draw.
    i = 7
    theta = _var.structural_ma(draws.coefs[i], draws.impact[i], 11)  # type: ignore[attr-defined]
    shocks = outage.supply_shocks[i]
    effect = np.array(
        [sum(theta[h - j, 2, 0] * shocks[j] for j in range(h + 1)) for h in range(12)]
    )
    np.testing.assert_allclose(outage.price_effect_pct[i], effect, rtol=0, atol=1e-10)
    assert outage.supply_shocks[:, :2].max() == pytest.approx(0.0, abs=1e-12)
    assert outage.supply_shocks[:, 2].min() > 0  # a disruption
    # In the known model a supply disruption raises the price.
    assert outage.price_effect_pct[:, 2:8].mean() > 0


def test_projection_without_shocks_is_the_conditional_mean(fit: SVARFit) -> None:
    state = fit.data[-2:]
    projection = project_svar(
        fit,
        None,
        state,
        6,
        production_level_deviation=np.zeros(6),
        rng=np.random.default_rng(0),
        shocks=False,
        paths=3,
    )
    expected = _var.simulate(fit.coefs, fit.intercept, state, np.zeros((6, 3)))
    for row in projection.baseline_real_price_log:
        np.testing.assert_allclose(row, expected[:, 2])
    assert projection.innovations == "none"
    np.testing.assert_array_equal(projection.draw_index, [-1, -1, -1])


def test_projection_uses_one_draw_per_path(fit: SVARFit, draws: object) -> None:
    projection = project_svar(
        fit,
        draws,  # type: ignore[arg-type]
        fit.data[-2:],
        3,
        production_level_deviation=np.zeros(3),
        rng=np.random.default_rng(0),
        paths=250,
    )
    np.testing.assert_array_equal(projection.draw_index, np.arange(250) % 100)
    assert projection.baseline_rea.shape == (250, 3)


def test_projection_rejects_bad_arguments(fit: SVARFit) -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="state must be"):
        project_svar(fit, None, fit.data[-3:], 4, production_level_deviation=np.zeros(4), rng=rng)
    with pytest.raises(ValueError, match=r"shape \(4,\)"):
        project_svar(fit, None, fit.data[-2:], 4, production_level_deviation=np.zeros(5), rng=rng)
    with pytest.raises(ValueError, match="non-finite"):
        project_svar(
            fit, None, fit.data[-2:], 2, production_level_deviation=np.array([0, np.nan]), rng=rng
        )
    with pytest.raises(ValueError, match="innovations must be"):
        project_svar(
            fit,
            None,
            fit.data[-2:],
            2,
            production_level_deviation=np.zeros(2),
            rng=rng,
            innovations="t",  # type: ignore[arg-type]
        )


@pytest.mark.parametrize(("shocks", "innovations"), [(False, "bootstrap"), (True, "gaussian")])
def test_one_projection_base_gives_project_svar_for_every_target(
    fit: SVARFit, draws: object, shocks: bool, innovations: str
) -> None:
    """The scenario-free part, computed once, projects every target as project_svar does."""
    from forecast.models.svar.projection import projection_base

    kwargs = {"shocks": shocks, "innovations": innovations, "paths": 150}
    base = projection_base(fit, draws, fit.data[-2:], 12, rng=np.random.default_rng(4), **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="non-finite"):
        base.project(np.full(12, np.nan))
    for target in (np.zeros(12), _outage(), 2.0 * _outage()):
        direct = project_svar(
            fit, draws, fit.data[-2:], 12, production_level_deviation=target,  # type: ignore[arg-type]
            rng=np.random.default_rng(4), **kwargs,  # type: ignore[arg-type]
        )  # fmt: skip
        via = base.project(target)
        for name in SVARProjection.__slots__:
            a, b = getattr(via, name), getattr(direct, name)
            if isinstance(a, np.ndarray):
                assert a.tobytes() == b.tobytes(), name
                assert not a.flags.writeable
            else:
                assert a == b


# --- ragged edge ---------------------------------------------------------------------------------


def test_conditioning_on_observed_variables_beats_the_unconditional_forecast() -> None:
    # Strongly correlated innovations: observing activity and the price in the same months
    # tells a lot about production.
    impact = np.array([[1.0, 0.0, 0.0], [0.8, 0.6, 0.0], [0.7, 0.2, 0.5]])
    long = simulate_var(3000, seed=22, const=np.zeros(3), impact=impact)
    fitted = fit_svar(long[:2000], lags=2)
    gap = 6
    conditional, unconditional = [], []
    for end in range(2100, 3000, 15):
        window = long[end - 50 : end].copy()
        truth = window[-gap:, 0].copy()
        window[-gap:, 0] = np.nan
        filled, mask = fill_ragged_edge(fitted, window)
        assert mask[-gap:, 0].all()
        assert mask.sum() == gap
        np.testing.assert_array_equal(filled[~mask], window[~mask])
        forecast = _var.simulate(
            fitted.coefs, fitted.intercept, window[-gap - 2 : -gap], np.zeros((gap, 3))
        )
        conditional.append(filled[-gap:, 0] - truth)
        unconditional.append(forecast[:, 0] - truth)
    rmse_conditional = np.sqrt(np.mean(np.square(conditional)))
    rmse_unconditional = np.sqrt(np.mean(np.square(unconditional)))
    assert rmse_conditional < 0.8 * rmse_unconditional


def test_fill_ragged_edge_handles_frames_and_complete_data(fit: SVARFit) -> None:
    frame = pd.DataFrame(fit.data[-30:], columns=list(VARIABLES))
    frame.loc[27:, "prod_growth_pct"] = np.nan
    frame.loc[29, "rea"] = np.nan
    filled, mask = fill_ragged_edge(fit, frame.assign(date=pd.Timestamp("2000-01-01")))
    assert mask.sum() == 4
    assert np.isfinite(filled).all()
    complete, none = fill_ragged_edge(fit, fit.data[-30:])
    assert not none.any()
    np.testing.assert_array_equal(complete, fit.data[-30:])


def test_fill_ragged_edge_rejects_holes_and_short_data(fit: SVARFit) -> None:
    data = fit.data[-20:].copy()
    data[5, 1] = np.nan
    data[-1, 0] = np.nan
    with pytest.raises(EstimationError, match="row 5 is missing"):
        fill_ragged_edge(fit, data)
    short = fit.data[-3:].copy()
    short[1:, 0] = np.nan
    with pytest.raises(EstimationError, match="needs 2 complete rows"):
        fill_ragged_edge(fit, short)
    with pytest.raises(EstimationError, match="T x 3"):
        fill_ragged_edge(fit, fit.data[:, :2])


# --- data ----------------------------------------------------------------------------------------


def _frame(start: str, values: list[float] | np.ndarray) -> pd.DataFrame:
    dates = pd.date_range(start, periods=len(values), freq="MS").astype("datetime64[ns]")
    return pd.DataFrame({"date": dates, "value": np.asarray(values, dtype=float)})


def test_dataset_aligns_and_reports_the_ragged_edge() -> None:
    production = _frame("2000-01-01", [100.0, 101.0, 99.0, 100.0, 102.0])
    activity = _frame("1999-06-01", np.arange(15.0))
    price = _frame("2000-01-01", [50.0, 55.0, 60.0, 58.0, 57.0, 59.0, 61.0, 62.0])
    cpi = _frame("1999-01-01", [100.0] * 14 + [np.nan] + [101.0] * 5)  # hole in 2000-03
    data = svar_dataset(production, activity, price, cpi, start="2000-02")
    frame = data.frame
    assert list(frame.columns) == ["date", *VARIABLES]
    assert frame["date"].iloc[0] == pd.Timestamp("2000-02-01")
    assert data.as_of == pd.Timestamp("2000-08-01")  # the last month any series has (CPI)
    assert data.last_complete == pd.Timestamp("2000-05-01")
    np.testing.assert_allclose(
        frame["prod_growth_pct"].iloc[:4], 100 * np.diff(np.log([100.0, 101, 99, 100, 102]))
    )
    assert frame["prod_growth_pct"].iloc[4:].isna().all()
    assert data.filled == ("prod_growth_pct: 2000-06..2000-08 (3 months)",)
    assert any("2000-03" in note and "interpolated" in note for note in data.notes)
    # Real prices are in dollars of the as-of month: log(price * CPI_ref / CPI) * 100.
    np.testing.assert_allclose(frame["real_price_log"].iloc[-1], 100 * np.log(62.0))
    hole = np.sqrt(100.0 * 101.0)  # log-linear interpolation of 2000-03
    np.testing.assert_allclose(frame["real_price_log"].iloc[1], 100 * np.log(60.0 * 101.0 / hole))
    assert data.cpi_ref == pytest.approx(101.0)
    assert data.missing.sum() == 3
    assert len(data.complete()) == 4
    assert "filled: prod_growth_pct" in str(data)


def test_dataset_extrapolates_a_short_cpi_and_converts_to_nominal() -> None:
    production = _frame("1999-12-01", [100.0] * 14)
    activity = _frame("2000-01-01", np.zeros(13))
    price = _frame("2000-01-01", np.full(13, 60.0))
    cpi = _frame("1999-01-01", 100 * np.exp(0.002 * np.arange(22)))  # ends 2000-10
    data = svar_dataset(production, activity, price, cpi, start="2000-01", as_of="2001-01")
    assert any("extrapolated" in note and "2000-11..2001-01" in note for note in data.notes)
    assert data.inflation_pct == pytest.approx(0.2)
    assert data.filled == ()
    nominal = to_nominal_price(np.full((2, 3), 100 * np.log(60.0)), data)
    np.testing.assert_allclose(nominal[0], 60.0 * np.exp(0.002 * np.arange(1, 4)))


def test_dataset_rejects_holes_and_late_starts() -> None:
    cpi = _frame("1999-01-01", [100.0] * 30)
    good = _frame("2000-01-01", [50.0] * 12)
    holed = _frame("2000-01-01", [50.0, 51.0, np.nan, 52.0, 53.0])
    with pytest.raises(EstimationError, match="rea: missing in 2000-03"):
        svar_dataset(good, holed, good, cpi, start="2000-02")
    with pytest.raises(EstimationError, match="prod_growth_pct: no value for 2000-01"):
        svar_dataset(good, good, good, cpi, start="2000-01")
    with pytest.raises(EstimationError, match="must be positive"):
        svar_dataset(good, good, _frame("2000-01-01", [50.0, -1.0]), cpi, start="2000-02")
    with pytest.raises(EstimationError, match="needs columns"):
        svar_dataset(good.rename(columns={"value": "kbd"}), good, good, cpi)
    with pytest.raises(EstimationError, match="appears twice"):
        svar_dataset(pd.concat([good, good]), good, good, cpi)


def test_residual_bootstrap_matches_gaussian_with_many_regressors() -> None:
    # VAR(6) on 150 months: 19 regressors per equation, so plain residuals would understate
    # the innovations' spread by about 7%; the inflated ones match N(0, Sigma).
    coefs = np.zeros((6, 3, 3))
    coefs[0] = np.array([[0.5, 0.1, 0.0], [0.2, 0.4, 0.1], [0.0, 0.3, 0.6]])
    impact = np.array([[1.0, 0.0, 0.0], [0.5, 1.0, 0.0], [0.3, 0.4, 1.0]])
    sample = simulate_var(150, seed=23, coefs=coefs, const=np.zeros(3), impact=impact)
    fitted = fit_svar(sample, lags=6)
    residual = bootstrap_svar(fitted, 2000, rng=np.random.default_rng(24), method="residual")
    gaussian = bootstrap_svar(fitted, 2000, rng=np.random.default_rng(25), method="gaussian")
    ratio = residual.sigma.mean(axis=0).diagonal() / gaussian.sigma.mean(axis=0).diagonal()
    np.testing.assert_allclose(ratio, 1.0, atol=0.03)
