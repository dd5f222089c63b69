"""The shrinkage structural model svar_bvar: a Minnesota BVAR identified on its posterior draws."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest

import forecast
from forecast.models import _var, registry, svar
from forecast.models.adapters.svar_bvar import (
    OWN_LAG_MEAN,
    TIGHTNESS_GRID,
    fit_svar_bvar,
    posterior_svar_draws,
    svar_prior,
    tightness_grid,
)

if TYPE_CHECKING:
    from forecast.store import Store

LAGS = 2


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    """A stable VAR(2) in the SVAR's three variables, 480 months."""
    rng = np.random.default_rng(12)
    a1 = np.array([[0.2, 0.05, -0.02], [0.2, 0.7, 0.05], [-0.4, 0.2, 0.8]])
    a2 = np.array([[0.05, 0.0, 0.01], [-0.1, 0.1, 0.0], [0.2, -0.1, 0.05]])  # largest root 0.90
    chol = np.array([[1.0, 0.0, 0.0], [0.3, 2.0, 0.0], [-1.5, 1.0, 8.0]])
    y = np.zeros((480, 3))
    for t in range(2, 480):
        y[t] = np.array([0.1, 0.0, 2.0]) + a1 @ y[t - 1] + a2 @ y[t - 2] + chol @ rng.normal(size=3)
    frame = pd.DataFrame(y, columns=list(svar.VARIABLES))
    frame.insert(0, "date", pd.date_range("1980-01-01", periods=480, freq="MS"))
    return frame


PRIOR_MEAN = np.stack([np.diag([0.0, 1.0, 1.0]), np.zeros((3, 3))])
"""The Minnesota prior mean of the lag matrices (OWN_LAG_MEAN on lag 1, zero beyond)."""


def distance_from_prior(coefs: np.ndarray, steps: int = 12) -> float:
    """Largest |reduced-form response - the prior mean's response| over months 0..steps."""
    return float(np.abs(_var.ma_rep(coefs, steps) - _var.ma_rep(PRIOR_MEAN, steps)).max())


def test_the_prior_and_the_tightness_option() -> None:
    prior = svar_prior(24, 0.1)
    assert (prior.lags, prior.overall, prior.lag_decay) == (24, 0.1, 1.0)
    assert prior.own_lag_mean == OWN_LAG_MEAN
    assert tightness_grid("ml") == TIGHTNESS_GRID
    assert tightness_grid("0.05") == (0.05,)
    entry = registry.get("svar_bvar")
    assert entry.kind == "price"
    assert entry.reduced_form == "bvar"
    assert entry.resolve_options(None) == {
        "lags": 24, "tightness": "ml", "start": "1992-02", "end": "as_of",
    }  # fmt: skip
    assert "svar_bvar" in registry.backtest_names()


def test_a_very_loose_prior_approaches_the_ols_svar(data: pd.DataFrame) -> None:
    ols = svar.fit_svar(data, LAGS)
    posterior, point = fit_svar_bvar(data, LAGS, (1e4,))
    np.testing.assert_allclose(point.coefs, ols.coefs, atol=2e-3)
    np.testing.assert_allclose(point.intercept, ols.intercept, atol=2e-2)
    # Sigma's posterior mean divides by T + 1, OLS by T - 7: impulse responses within 2%.
    np.testing.assert_allclose(point.irfs(24), ols.irfs(24), rtol=0.02, atol=0.02)
    per_percent = [
        svar.supply_response_paths(f.coefs, f.impact, 24, "sustained") for f in (point, ols)
    ]
    np.testing.assert_allclose(per_percent[0], per_percent[1], rtol=5e-3, atol=1e-3)
    assert point.identification == "recursive"
    assert point.impact[0, 0] < 0  # the supply shock is a disruption
    assert posterior.prior.overall == 1e4


def test_a_tight_prior_shrinks_the_responses(data: pd.DataFrame) -> None:
    ols = svar.fit_svar(data, LAGS)
    spread = [distance_from_prior(ols.coefs)]
    moved = [float(np.abs(ols.coefs - PRIOR_MEAN).sum())]
    for overall in (1.0, 0.2, 0.05, 0.01, 1e-4):
        _, point = fit_svar_bvar(data, LAGS, (overall,))
        spread.append(distance_from_prior(point.coefs))
        moved.append(float(np.abs(point.coefs - PRIOR_MEAN).sum()))
    # Tighter priors pull the coefficients and the responses towards the prior's.
    assert all(a > b for a, b in itertools.pairwise(moved))
    assert all(a > b for a, b in itertools.pairwise(spread))
    assert spread[-1] < 0.001 * spread[0]
    # At the tightest prior the lag matrices are the prior mean: diag(0, 1, 1), lag 2 zero,
    # so production growth has no dynamics and a supply shock's price effect does not build.
    _, tight = fit_svar_bvar(data, LAGS, (1e-4,))
    np.testing.assert_allclose(tight.coefs, PRIOR_MEAN, atol=1e-3)
    response = svar.supply_response_paths(tight.coefs, tight.impact, 12, "impact")
    np.testing.assert_allclose(response, response[0], rtol=1e-3)


def test_the_marginal_likelihood_chooses_the_tightness(data: pd.DataFrame) -> None:
    posterior, _ = fit_svar_bvar(data, LAGS)
    assert posterior.overall_grid == TIGHTNESS_GRID
    assert posterior.prior.overall in TIGHTNESS_GRID


def test_every_posterior_draw_is_identified_and_used_once(data: pd.DataFrame) -> None:
    posterior, point = fit_svar_bvar(data, LAGS, (0.2,))
    draws = posterior_svar_draws(posterior, 64, rng=np.random.default_rng(3))
    assert len(draws) == 64
    assert draws.method == "posterior"
    assert (draws.samples_tried, draws.samples_accepted) == (64, 64)
    # Recursive identification of each draw: B B' = Sigma, B lower triangular, disruption.
    np.testing.assert_allclose(draws.impact @ draws.impact.swapaxes(1, 2), draws.sigma)
    assert np.allclose(np.triu(draws.impact, 1), 0.0)
    assert (draws.impact[:, 0, 0] < 0).all()
    assert len({draws.coefs[i].tobytes() for i in range(64)}) == 64  # distinct draws
    state = np.asarray(point.data)[-LAGS:]
    projection = svar.project_svar(
        point,
        draws,
        state,
        6,
        production_level_deviation=np.full(6, -0.01),
        rng=np.random.default_rng(0),
        shocks=False,
        paths=64,
    )
    np.testing.assert_array_equal(projection.draw_index, np.arange(64))
    # Posterior bands: the draws spread around the posterior-mean model's response.
    effect = projection.price_effect_pct[:, -1]
    centre = svar.supply_response_paths(point.coefs, point.impact, 5, "sustained")[-1]
    assert effect.min() < centre < effect.max()


@pytest.mark.real_data
def test_svar_bvar_runs_through_the_engine(shared_store: Store) -> None:
    run = forecast.run(
        ["venezuela_full_halt"], models=["svar_bvar"], store=shared_store, draws=100, seed=2
    )
    prior = run.tables["svar_bvar_prior"]
    assert prior["draws"].iloc[0] == 100
    assert prior["overall"].iloc[0] in TIGHTNESS_GRID
    assert {"svar_irf", "svar_fevd", "svar_hd", "svar_supply_response"} <= set(run.tables)
    assert any("posterior draws" in note for note in run.notes)
    brent = run.path("brent_usd", "venezuela_full_halt", "svar_bvar")
    assert len(brent) == 24
    assert brent["q50"].notna().all()
