"""The SVAR's evidence tables and identifications on simulated data from known VARs.

Lag selection, the Kilian-Murphy identified set and its bootstrap sampler (no draw dropped
for a kept one, none reused), the proxy's first stage with a known strong instrument, the
sensitivity table's layout and the instrument's alignment.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.errors import EstimationError
from forecast.models import _var
from forecast.models.svar import (
    KM2012_ELASTICITY_BOUND,
    VARIABLES,
    align_instrument,
    bootstrap_svar,
    first_stage_frame,
    fit_svar,
    identified_set_frame,
    lag_selection,
    project_svar,
    select_lags,
    sensitivity_table,
    sustained_supply_effect,
    svar_dataset,
)
from forecast.models.svar._common import cholesky
from forecast.models.svar._identify import (
    KM2012_DYNAMIC_HORIZON,
    km_admissible,
    km_filter,
    km_first_admissible,
    km_screen,
)
from tests.unit.test_svar import A1, A2, B_TRUE, simulate_var


@pytest.fixture(scope="module")
def sample() -> np.ndarray:
    return simulate_var(400, seed=1)


# --- lag selection -------------------------------------------------------------------------------


def test_lag_selection_table_compares_every_p_on_one_sample() -> None:
    sample = simulate_var(3000, seed=2)  # long enough for BIC to see the small second lag
    table = lag_selection(sample, 8)
    assert list(table.columns) == ["lags", "nobs", "log_det_sigma", "aic", "bic", "hq", "chosen_by"]
    assert list(table["lags"]) == list(range(1, 9))
    assert (table["nobs"] == 3000 - 8).all()  # the same months for every p
    # The true VAR has two lags: BIC (consistent) picks 2, AIC at least 2.
    assert select_lags(sample, 8, "bic") == 2
    assert select_lags(sample, 8, "aic") >= 2
    assert select_lags(sample, 8, "fixed") == 8
    chosen = table.set_index("lags")["chosen_by"]
    assert "bic" in chosen[2].split(",")
    assert sum(bool(c) for c in chosen) <= 3
    # The penalties grow with p; the fit (log det) never worsens with more lags.
    assert np.all(np.diff(table["log_det_sigma"]) <= 1e-12)
    np.testing.assert_allclose(
        table["bic"] - table["aic"],
        (np.log(2992) - 2) * 3 * (1 + 3 * table["lags"]) / 2992,
        rtol=1e-12,
    )
    with pytest.raises(ValueError, match="criterion must be"):
        select_lags(sample, 8, "fpe")  # type: ignore[arg-type]
    with pytest.raises(EstimationError, match="needs more than"):
        lag_selection(sample[:30], 12)


# --- the identified set and its sampler ----------------------------------------------------------


def _obeys_km2012(coefs: np.ndarray, impact: np.ndarray, horizon: int) -> bool:
    """Every Kilian-Murphy restriction on one model, written out directly."""
    expected = np.array([[-1, 1, 1], [-1, 1, -1], [1, 1, 1]])  # disruption convention
    if not np.all(np.sign(impact) == expected):
        return False
    if not np.all(impact[0, 1:] / impact[2, 1:] <= KM2012_ELASTICITY_BOUND):
        return False
    if horizon == 0:
        return True
    theta = _var.structural_ma(coefs, impact, horizon)[:, :, 0]  # (H + 1, K): supply column
    return bool(
        np.all(np.cumsum(theta[:, 0]) < 0) and np.all(theta[:, 1] < 0) and np.all(theta[:, 2] > 0)
    )


# A supply disruption in this DGP lowers activity and raises the price for over a year, so
# Kilian-Murphy's dynamic restrictions admit models (A1/A2 of test_svar do not: activity
# rises after five months).
KM_A1 = np.array([[0.2, 0.0, 0.0], [0.0, 0.9, 0.0], [0.0, 0.0, 0.9]])


@pytest.fixture(scope="module")
def km_sample() -> np.ndarray:
    coefs = np.stack([KM_A1, np.zeros((3, 3))])
    return simulate_var(500, seed=3, coefs=coefs)


def test_identified_set_table_gives_its_range(km_sample: np.ndarray) -> None:
    signed = fit_svar(
        km_sample, lags=2, identification="sign", rng=np.random.default_rng(4), rotations=20000
    )
    assert signed.dynamic_horizon == KM2012_DYNAMIC_HORIZON
    n = signed.impact_set.shape[0]
    assert n >= 10
    for impact in signed.impact_set:
        assert _obeys_km2012(signed.coefs, impact, KM2012_DYNAMIC_HORIZON)
    table = identified_set_frame(signed)
    assert list(table.columns) == [
        "normalise",
        "horizon",
        "models",
        "min",
        "median",
        "max",
        "point",
    ]
    assert list(table["normalise"]) == ["impact", "impact", "sustained", "sustained"]
    assert list(table["horizon"]) == [0, 12, 0, 12]
    assert (table["models"] == n).all()
    assert (table["min"] <= table["median"]).all()
    assert (table["median"] <= table["max"]).all()
    assert (table["min"] <= table["point"]).all()
    assert (table["point"] <= table["max"]).all()
    assert (table["min"] > 0).all()  # a disruption raises the price in every admitted model
    assert (table["max"] > table["min"]).all()  # a set, not a point


def test_sampler_neither_drops_nor_reuses_draws(km_sample: np.ndarray) -> None:
    signed = fit_svar(
        km_sample, lags=2, identification="sign", rng=np.random.default_rng(4), rotations=20000
    )
    # Few rotations per sample: many bootstrap samples find no admissible model.
    draws = bootstrap_svar(
        signed, 60, rng=np.random.default_rng(8), rotations=50, max_rotations=200
    )
    assert len(draws) == 60
    assert draws.requested == 60
    assert draws.samples_tried > draws.samples_accepted >= 60  # some samples were rejected
    assert draws.acceptance_rate == pytest.approx(draws.samples_accepted / draws.samples_tried)
    assert str(draws.samples_tried) in draws.notes[0]
    assert f"{draws.acceptance_rate:.1%}" in draws.notes[0]
    frame = draws.sampler_frame()
    assert frame.shape == (1, 7)
    assert frame["samples_tried"].iloc[0] == draws.samples_tried
    # Every accepted draw obeys every restriction.
    for coefs, impact, sigma in zip(draws.coefs, draws.impact, draws.sigma, strict=True):
        assert _obeys_km2012(coefs, impact, KM2012_DYNAMIC_HORIZON)
        np.testing.assert_allclose(impact @ impact.T, sigma, atol=1e-9)
    accepted, _ = km_filter(
        draws.impact * np.array([-1.0, 1.0, 1.0]),
        KM2012_ELASTICITY_BOUND,
        _var.ma_rep(draws.coefs, KM2012_DYNAMIC_HORIZON),
    )
    assert accepted.all()
    # No draw is reused: 60 distinct samples and models.
    flat = draws.coefs.reshape(60, -1)
    assert len(np.unique(flat, axis=0)) == 60
    assert len(np.unique(draws.impact.reshape(60, -1), axis=0)) == 60
    # The projection uses exactly those 60 distinct models, one per path.
    projection = project_svar(
        signed,
        draws,
        km_sample[-2:],
        3,
        production_level_deviation=np.zeros(3),
        rng=np.random.default_rng(0),
        paths=60,
    )
    np.testing.assert_array_equal(projection.draw_index, np.arange(60))
    # Reproducible.
    again = bootstrap_svar(
        signed, 60, rng=np.random.default_rng(8), rotations=50, max_rotations=200
    )
    np.testing.assert_array_equal(draws.impact, again.impact)


@pytest.mark.parametrize("bound", [KM2012_ELASTICITY_BOUND, 0.004])
@pytest.mark.parametrize("dynamic", [True, False])
def test_screened_sampler_selects_what_the_full_check_selects(
    km_sample: np.ndarray, bound: float, *, dynamic: bool
) -> None:
    boot = bootstrap_svar(fit_svar(km_sample, lags=2), 8, rng=np.random.default_rng(3))
    chol = cholesky(boot.sigma)
    phis = _var.ma_rep(boot.coefs, KM2012_DYNAMIC_HORIZON) if dynamic else None
    quaternions = np.random.default_rng(9).standard_normal((4, 8, 4000))
    # The full check on every candidate, as the QR sampler did it.
    candidates = chol[:, None] @ _var.quaternion_rotations(np.moveaxis(quaternions, 0, -1))
    accepted, ordered = km_filter(candidates, bound, None if phis is None else phis[:, None])
    rows, cols = km_screen(quaternions, chol, bound)
    screened = np.zeros(accepted.shape, dtype=bool)
    screened[rows, cols] = True
    assert not (accepted & ~screened).any()  # the screen never loses an accepted candidate
    assert screened.mean() < 0.01  # and passes few
    found, chosen = km_first_admissible(quaternions, chol, bound, phis)
    np.testing.assert_array_equal(found, np.flatnonzero(accepted.any(axis=1)))
    np.testing.assert_array_equal(chosen, ordered[found, np.argmax(accepted[found], axis=1)])
    if bound < KM2012_ELASTICITY_BOUND:
        assert 0 < found.size < 8  # some rows without an admissible candidate
    for impact, coefs in zip(chosen, boot.coefs[found], strict=True):
        assert _obeys_km2012(coefs, impact * [-1.0, 1.0, 1.0], KM2012_DYNAMIC_HORIZON * dynamic)


def test_quaternion_and_qr_samplers_give_the_same_identified_set(km_sample: np.ndarray) -> None:
    from scipy import stats

    fit = fit_svar(km_sample, lags=2)
    chol = cholesky(fit.sigma)
    phis = _var.ma_rep(fit.coefs, KM2012_DYNAMIC_HORIZON)[None]
    sets = []
    for rotations in (
        _var.haar_rotations(np.random.default_rng(1), (200_000,), 3),
        _var.haar_rotations_so3(np.random.default_rng(2), (200_000,)),
    ):
        accepted, ordered = km_filter(chol @ rotations, KM2012_ELASTICITY_BOUND, phis)
        sets.append(ordered[accepted])
    qr, quaternion = sets
    # Acceptance rates agree within binomial noise (about 0.5% of 200,000).
    assert abs(len(qr) - len(quaternion)) < 4 * np.sqrt(len(qr) + len(quaternion))
    # The accepted models' impact responses have the same distribution.
    for row, column in ((2, 0), (0, 1), (1, 2), (2, 2)):
        old, new = qr[:, row, column], quaternion[:, row, column]
        assert stats.ks_2samp(old, new).pvalue > 0.01
        levels = [0.05, 0.16, 0.5, 0.84, 0.95]
        gap = np.abs(np.quantile(old, levels) - np.quantile(new, levels))
        assert (gap < 0.25 * old.std()).all()


@pytest.mark.parametrize("dynamic", [True, False])
def test_point_fit_sampler_keeps_what_the_full_check_keeps(
    km_sample: np.ndarray, *, dynamic: bool
) -> None:
    fit = fit_svar(km_sample, lags=2)
    chol = cholesky(fit.sigma)
    phis = _var.ma_rep(fit.coefs, KM2012_DYNAMIC_HORIZON) if dynamic else None
    quaternions = np.random.default_rng(5).standard_normal((4, 50_000))
    candidates = chol @ _var.quaternion_rotations(quaternions.T)
    accepted, ordered = km_filter(candidates, KM2012_ELASTICITY_BOUND, None)
    full, dynamic_ok = km_filter(candidates, KM2012_ELASTICITY_BOUND, phis)
    impact, kept = km_admissible(quaternions, chol, KM2012_ELASTICITY_BOUND, phis)
    np.testing.assert_array_equal(impact, ordered[accepted])  # same models, same order
    np.testing.assert_array_equal(impact[kept], dynamic_ok[full])
    assert kept.sum() > 10


@pytest.mark.parametrize("dynamic", [True, False])
def test_point_fit_identified_set_agrees_with_the_qr_sampler(
    km_sample: np.ndarray, *, dynamic: bool
) -> None:
    # One fixed reduced form; the h = 0 price effect of a sustained 1% supply loss over the
    # admissible models: its median and range from the QR sampler the point fit used before
    # and from the screened quaternion sampler it uses now (independent draws).
    fit = fit_svar(km_sample, lags=2)
    chol = cholesky(fit.sigma)
    phis = _var.ma_rep(fit.coefs, KM2012_DYNAMIC_HORIZON) if dynamic else None
    draws = 200_000
    accepted, ordered = km_filter(
        chol @ _var.haar_rotations(np.random.default_rng(1), (draws,), 3),
        KM2012_ELASTICITY_BOUND,
        None if phis is None else phis[None],
    )
    impact, kept = km_admissible(
        np.random.default_rng(2).standard_normal((4, draws)), chol, KM2012_ELASTICITY_BOUND, phis
    )
    signs = np.array([-1.0, 1.0, 1.0])
    summaries = []
    for models in (ordered[accepted], impact[kept]):
        h0 = sustained_supply_effect(fit.coefs, models * signs, 0)[:, 0, 2]
        assert (h0 > 0).all()  # a disruption raises the price in every admissible model
        summaries.append((len(h0), np.median(h0), h0.min(), h0.max(), h0.std()))
    (n_qr, med_qr, lo_qr, hi_qr, sd_qr), (n_new, med_new, lo_new, hi_new, _) = summaries
    assert n_qr > 200
    assert abs(n_qr - n_new) < 4 * np.sqrt(n_qr + n_new)  # acceptance within binomial noise
    width = hi_qr - lo_qr
    assert abs(med_new - med_qr) < 0.15 * sd_qr
    assert abs(lo_new - lo_qr) < 0.05 * width
    assert abs(hi_new - hi_qr) < 0.05 * width


def test_sampler_cap_names_the_acceptance_rate(km_sample: np.ndarray) -> None:
    signed = fit_svar(
        km_sample, lags=2, identification="sign", rng=np.random.default_rng(4), rotations=20000
    )
    with pytest.raises(EstimationError, match=r"only \d+ of 40 bootstrap samples \(\d+\.\d%\)"):
        bootstrap_svar(
            signed, 20, rng=np.random.default_rng(8), rotations=1, max_rotations=1, max_samples=40
        )


def test_no_admissible_point_model_is_an_error(sample: np.ndarray) -> None:
    # The test_svar DGP's supply disruption raises activity after five months: KM2012's
    # dynamic restrictions admit no model (they are not loosened).
    with pytest.raises(EstimationError, match="no admissible model"):
        fit_svar(sample, lags=2, identification="sign", rng=np.random.default_rng(0))


def test_recursive_bootstrap_reports_every_sample_accepted(sample: np.ndarray) -> None:
    draws = bootstrap_svar(fit_svar(sample, lags=2), 30, rng=np.random.default_rng(1))
    assert (draws.samples_tried, draws.samples_accepted, draws.rotations_tried) == (30, 30, 0)
    assert draws.acceptance_rate == 1.0


# --- proxy identification ---------------------------------------------------------------------


def _proxy_sample(strength: float, seed: int = 11) -> tuple[np.ndarray, np.ndarray]:
    """Data from the known VAR and an instrument = strength x supply shock + noise."""
    rng = np.random.default_rng(seed)
    periods, burn = 600, 200
    eps = rng.standard_normal((periods + burn, 3))
    path = _var.simulate(np.stack([A1, A2]), np.array([0.1, 0.5, 10.0]), np.zeros((2, 3)),
                         eps @ B_TRUE.T)  # fmt: skip
    z = strength * eps[burn:, 0] + rng.standard_normal(periods)
    z[:100] = np.nan  # the instrument starts later than the data
    return path[burn:], z


def test_proxy_recovers_the_impact_column_with_a_strong_instrument() -> None:
    data, z = _proxy_sample(1.0)
    fit = fit_svar(data, lags=2, identification="proxy", instrument=z)
    assert fit.first_stage_f is not None
    assert fit.first_stage_f > 100  # a strong instrument
    # The supply column, a one-standard-deviation disruption, is B_TRUE's first column.
    # (Errors within a tenth of each residual's standard deviation: rea's is about 17.)
    scale = np.sqrt(np.diag(fit.sigma))
    np.testing.assert_allclose(fit.impact[:, 0] / scale, B_TRUE[:, 0] / scale, rtol=0, atol=0.1)
    relative = fit.impact[:, 0] / -fit.impact[0, 0]  # a 1% production fall on impact
    np.testing.assert_allclose(relative[[0, 2]], [-1.0, 3.0], rtol=0.1)
    np.testing.assert_allclose(fit.impact @ fit.impact.T, fit.sigma, atol=1e-9)
    table = first_stage_frame(fit)
    assert list(table.columns) == ["variable", "months", "first", "last", "slope", "f_stat", "weak"]
    assert list(table["variable"]) == list(VARIABLES)
    assert (table["months"] == 600 - 100).all()  # only the months the instrument covers
    assert table["f_stat"].iloc[0] == pytest.approx(fit.first_stage_f)
    assert not table["weak"].iloc[0]
    assert "first-stage F" in fit.summary()
    # The bootstrap resamples instrument and residuals together: every draw identified.
    draws = bootstrap_svar(fit, 50, rng=np.random.default_rng(2))
    assert len(draws) == 50
    assert np.all(draws.impact[:, 0, 0] < 0)
    assert abs(np.median(draws.impact[:, 2, 0]) - B_TRUE[2, 0]) < 0.5


def test_proxy_first_stage_flags_a_weak_instrument() -> None:
    data, z = _proxy_sample(0.02)
    fit = fit_svar(data, lags=2, identification="proxy", instrument=z)
    assert fit.first_stage_f is not None
    assert fit.first_stage_f < 10
    assert first_stage_frame(fit)["weak"].iloc[0]


def test_align_instrument_leaves_out_months_before_the_first_surprise() -> None:
    frame = pd.DataFrame(
        {"date": pd.date_range("1983-05", periods=5, freq="MS"), "value": [0, 0, 0.4, 0, -1.2]}
    )
    months = pd.Series(pd.date_range("1983-04", periods=8, freq="MS"))
    aligned = align_instrument(frame, months)
    np.testing.assert_array_equal(np.isnan(aligned), [1, 1, 1, 0, 0, 0, 1, 1])
    np.testing.assert_array_equal(aligned[3:6], [0.4, 0.0, -1.2])


# --- sensitivity table ------------------------------------------------------------------------


def _frames(months: int = 420) -> dict[str, pd.DataFrame]:
    """Synthetic input series from the known VAR (1990-01 onward), as the store holds them."""
    data = simulate_var(months, seed=5)
    dates = pd.date_range("1990-01", periods=months + 1, freq="MS")
    production = 70_000.0 * np.exp(np.concatenate([[0.0], np.cumsum(data[:, 0]) / 100]))
    price = np.exp(data[:, 2] / 100)
    return {
        "production": pd.DataFrame({"date": dates, "value": production}),
        "activity": pd.DataFrame({"date": dates[1:], "value": data[:, 1]}),
        "price": pd.DataFrame({"date": dates[1:], "value": price}),
        "cpi": pd.DataFrame({"date": dates[1:], "value": np.full(months, 100.0)}),
    }


def test_sensitivity_table_shape() -> None:
    frames = _frames()
    instrument = pd.DataFrame(
        {
            "date": frames["activity"]["date"],
            "value": np.random.default_rng(0).standard_normal(len(frames["activity"])),
        }
    )
    table = sensitivity_table(
        **frames, instrument=instrument, as_of="2024-12", rng=np.random.default_rng(1),
        rotations=500,
    )  # fmt: skip
    columns = ["identification", "lags", "sample", "models", "h1", "h3", "h6", "h12", "rea_h6",
               "rea_h6_sign", "first_stage_f", "status"]  # fmt: skip
    ranges = [f"{name}_{end}" for name in ("h1", "h3", "h6", "h12", "rea_h6")
              for end in ("min", "max")]  # fmt: skip
    original = ["identification", "lags", "sample", "h1", "h3", "h6", "h12", "models", "rea_h6",
                "rea_h6_sign", "first_stage_f", "status"]  # fmt: skip
    assert list(table.columns[: len(original)]) == original  # the original columns come first
    columns += ranges
    assert set(table.columns) == set(columns)
    # 4 identifications x 3 lag lengths x 2 samples (no long series: no 1974 sample).
    assert table.shape == (24, len(columns))
    assert set(table["identification"]) == {"recursive", "sign_km2012", "sign_impact", "proxy"}
    assert sorted(set(table["lags"])) == [6, 12, 24]
    assert sorted(set(table["sample"])) == ["1992-02..2019-12", "1992-02..2024-12"]
    ok = table["status"] == "ok"
    assert table.loc[ok, ["h1", "h3", "h6", "h12"]].notna().all().all()
    empty = table["models"] == 0
    assert table.loc[empty, "h1"].isna().all()
    assert table.loc[empty, "status"].str.startswith("no admissible model").all()
    proxy = table["identification"] == "proxy"
    assert table.loc[proxy, "first_stage_f"].notna().all()
    assert table.loc[~proxy, "first_stage_f"].isna().all()
    # A noise instrument is weak, and the table says so in every proxy cell.
    assert table.loc[proxy, "status"].str.startswith("weak instrument").all()
    assert (table.loc[table["identification"] == "recursive", "models"] == 1).all()
    # The range over the identified set brackets the median; one model: a point.
    for name in ("h1", "h3", "h6", "h12", "rea_h6"):
        assert (table.loc[ok, f"{name}_min"] <= table.loc[ok, name]).all()
        assert (table.loc[ok, name] <= table.loc[ok, f"{name}_max"]).all()
        assert table.loc[empty, [f"{name}_min", f"{name}_max"]].isna().all().all()
        one = table["models"] == 1
        np.testing.assert_array_equal(table.loc[one, f"{name}_min"], table.loc[one, name])
        np.testing.assert_array_equal(table.loc[one, f"{name}_max"], table.loc[one, name])
    # Both sign identifications share their draws: KM2012's set is part of the impact-only one.
    key = ["lags", "sample"]
    km = table[table["identification"] == "sign_km2012"].set_index(key)["models"]
    impact = table[table["identification"] == "sign_impact"].set_index(key)["models"]
    assert (km <= impact.reindex(km.index)).all()


def test_sensitivity_cells_are_the_point_fits_of_their_identification() -> None:
    frames = _frames()
    table = sensitivity_table(**frames, as_of="2024-12", rng=np.random.default_rng(1))
    data = svar_dataset(**frames, as_of="2024-12").complete()
    for lags in (6, 24):
        fit = fit_svar(data, lags)  # statsmodels' OLS (lstsq), the table's batched kernel
        effect = sustained_supply_effect(fit.coefs, fit.impact[None], 12)[0]
        row = table[
            (table["identification"] == "recursive")
            & (table["lags"] == lags)
            & (table["sample"] == "1992-02..2024-12")
        ].iloc[0]
        for h in (1, 3, 6, 12):
            assert row[f"h{h}"] == pytest.approx(effect[h, 2], rel=1e-8, abs=1e-10)
        assert row["rea_h6"] == pytest.approx(effect[6, 1], rel=1e-8, abs=1e-10)
    sign = table[table["identification"].str.startswith("sign")]
    assert (sign["models"] > 0).any()  # the default draws find the identified set here


def test_an_early_start_without_the_long_production_is_a_one_line_error() -> None:
    frames = _frames()  # production from 1990-01
    with pytest.raises(EstimationError, match="needs world_crude_production_long_kbd"):
        svar_dataset(**frames, start="1985-02")
    # A production series that reaches back itself needs no splice.
    assert svar_dataset(**frames, start="1990-02").frame["date"].iloc[0] == pd.Timestamp(
        "1990-02-01"
    )


def test_an_explosive_point_model_is_refused_before_its_bootstrap() -> None:
    from types import SimpleNamespace

    from forecast.models.adapters import svar as svar_adapter

    context = SimpleNamespace(name="toy", horizon=24)
    impact = np.eye(3)
    stable = SimpleNamespace(
        coefs=np.eye(3)[None] * 0.5, impact=impact, identification="proxy", first_stage_f=0.01
    )
    svar_adapter._check_point(context, stable)  # type: ignore[arg-type]
    # production hardly moves on impact: a sustained 1% loss needs huge supply shocks
    weak = SimpleNamespace(
        coefs=np.eye(3)[None] * 0.5,
        impact=np.diag([1e-4, 1.0, 1.0]) + np.array([[0, 0, 0], [0, 0, 0], [1.0, 0, 0]]),
        identification="proxy",
        first_stage_f=0.01,
    )
    with pytest.raises(EstimationError, match=r"at the point estimate.*first-stage F .* 0\.01"):
        svar_adapter._check_point(context, weak)  # type: ignore[arg-type]


def test_sustained_effect_of_batched_coefficients_is_each_draws_own() -> None:
    rng = np.random.default_rng(8)
    coefs = np.stack([np.stack([A1, A2]) * (1 + 0.05 * rng.standard_normal()) for _ in range(4)])
    impact = np.stack([B_TRUE * (1 + 0.1 * i) for i in range(4)])
    batched = sustained_supply_effect(coefs, impact, 12)
    assert batched.shape == (4, 13, 3)
    for i in range(4):
        np.testing.assert_allclose(
            batched[i], sustained_supply_effect(coefs[i], impact[i], 12), rtol=1e-12
        )
