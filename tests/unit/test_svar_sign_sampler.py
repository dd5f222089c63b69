"""The sign bootstrap's restricted sampler against the full Haar sampler it replaced.

The bootstrap draws only rotations whose first row leaves room for the elasticity bound
(``_identify.km_region``, ``square_quaternions``), a binomial number of them per sample.
These tests compare it with the plain sampler (Haar rotations in batches, the first
admissible one kept, a sample given up after ``max_rotations``), written out below as it was:
the proposals are Haar rotations of their region, the first admissible models have the same
distribution, and a sample is given up as often.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pytest
from scipy import stats

from forecast.models import _var
from forecast.models.svar import KM2012_ELASTICITY_BOUND, fit_svar
from forecast.models.svar._common import cholesky
from forecast.models.svar._identify import (
    km_first_admissible,
    km_region,
    reduced_ma,
    square_quaternions,
)
from forecast.models.svar.bootstrap import _sign_draws
from tests.unit.test_svar import simulate_var
from tests.unit.test_svar_identification import KM_A1

if TYPE_CHECKING:
    from forecast.models.svar.estimation import SVARFit

TINY_BOUND = 0.005
"""An elasticity bound that leaves a tiny identified set (about 3 in 10,000 Haar rotations)."""


def haar_first_admissible(
    fit: SVARFit,
    coefs: np.ndarray,
    sigma: np.ndarray,
    rng: np.random.Generator,
    rotations: int,
    max_rotations: int,
) -> tuple[np.ndarray, np.ndarray]:
    """The plain sampler: Haar rotations (unit quaternions) in batches, the first admissible.

    Each row of ``coefs`` ``(n, p, 3, 3)`` and ``sigma`` ``(n, 3, 3)`` is one reduced form;
    a row without an admissible rotation among its first ``max_rotations`` is given up.
    Returns the ordered impact matrices (before the disruption sign) and which rows have one.
    """
    chol = cholesky(sigma)
    horizon = fit.dynamic_horizon
    phis = reduced_ma(coefs, horizon) if horizon else None
    bound = float(fit.elasticity_bound or 0.0)
    n = sigma.shape[0]
    chosen, found = np.zeros((n, 3, 3)), np.zeros(n, dtype=bool)
    pending, tried = np.arange(n), 0
    while pending.size and tried < max_rotations:
        quaternions = rng.standard_normal((4, pending.size, rotations))
        hit, first = km_first_admissible(
            quaternions, chol[pending], bound, None if phis is None else phis[pending]
        )
        chosen[pending[hit]], found[pending[hit]] = first, True
        pending, tried = pending[~found[pending]], tried + rotations
    return chosen, found


@pytest.fixture(scope="module")
def km_fit() -> SVARFit:
    """A sign-identified VAR(2) whose KM2012 identified set is about 0.5% of the rotations."""
    sample = simulate_var(500, seed=3, coefs=np.stack([KM_A1, np.zeros((3, 3))]))
    return fit_svar(sample, lags=2, identification="sign", rng=np.random.default_rng(4))


def _replicated(fit: SVARFit, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` copies of the fit's reduced form: independent draws of one sample each."""
    return (
        np.broadcast_to(fit.coefs, (n, *fit.coefs.shape)).copy(),
        np.broadcast_to(fit.sigma, (n, 3, 3)).copy(),
    )


def _functionals(coefs: np.ndarray, ordered: np.ndarray) -> dict[str, np.ndarray]:
    """Summaries of accepted models (ordered, supply column with production rising)."""
    disruption = -ordered[:, :, 0]
    responses = (_var.ma_rep(coefs, 12) @ disruption[:, None, :, None])[..., 0]  # (m, 13, 3)
    return {
        "aggregate_demand_elasticity": ordered[:, 0, 1] / ordered[:, 2, 1],
        "oil_demand_elasticity": ordered[:, 0, 2] / ordered[:, 2, 2],
        "supply_price_impact": disruption[:, 2],
        "supply_activity_impact": disruption[:, 1],
        "supply_price_h6": responses[:, 6, 2],
        "supply_production_h12": responses[:, :, 0].sum(axis=1),
        "aggregate_demand_activity_impact": ordered[:, 1, 1],
    }


@pytest.mark.parametrize(("rho", "haar_draws"), [(0.12, 2_000_000), (0.45, 400_000)])
def test_square_proposals_are_haar_rotations_of_the_squares(rho: float, haar_draws: int) -> None:
    # Reference: Haar rotations whose first row lies in one of the six squares (two entries
    # at most rho), each moved to the square around e_0 by a signed permutation of its
    # columns with determinant 1 (which the sign restrictions ignore).
    quaternions = np.random.default_rng(1).standard_normal((4, haar_draws))
    w, x, y, z = quaternions
    first_row = np.stack([w * w + x * x - y * y - z * z, 2 * (x * y - w * z), 2 * (x * z + w * y)])
    first_row /= (quaternions**2).sum(axis=0)
    inside = (np.abs(first_row) <= rho).sum(axis=0) >= 2
    haar = _var.quaternion_rotations(quaternions[:, inside].T)
    supply = np.argmax(np.abs(haar[:, 0, :]), axis=1)
    sign = np.sign(haar[np.arange(haar.shape[0]), 0, supply])
    rest = np.array([[1, 2], [2, 0], [0, 1]])[supply]  # an even permutation of the columns
    take = np.column_stack([supply, rest])
    moved = np.take_along_axis(haar, take[:, None, :], axis=2)
    moved[:, :, 0] *= sign[:, None]
    moved[:, :, 1] *= sign[:, None]  # two columns flipped: the determinant stays 1
    # The sampler's proposals, and how many of them are kept.
    draws = 200_000
    quaternions, kept = square_quaternions(np.random.default_rng(2), np.array([rho]), draws)
    proposals = _var.quaternion_rotations(np.moveaxis(quaternions[:, 0], 0, -1))[kept[0]]
    np.testing.assert_allclose(np.linalg.det(proposals[:1000]), 1.0, atol=1e-12)
    assert (np.abs(proposals[:, 0, 1:]) <= rho * (1 + 1e-12)).all()
    # The region's share of the Haar measure is the proposal rate times the kept share.
    _, rate = km_region(np.diag([1.0, 1.0, rho])[None], 1.0)  # rho = bound |C[2]| / C[0, 0]
    share, kept_share = inside.mean(), kept.mean()
    spread = np.sqrt(share / haar_draws) + share * np.sqrt(kept_share * (1 - kept_share) / draws)
    assert abs(rate[0] * kept_share - share) < 4 * spread
    # Every entry of the kept proposals has the reference's distribution.
    for row in range(3):
        for column in range(3):
            reference, sampled = moved[:, row, column], proposals[:, row, column]
            assert stats.ks_2samp(reference, sampled).pvalue > 1e-3, (row, column)


def test_restricted_sampler_keeps_the_first_admissible_distribution(km_fit: SVARFit) -> None:
    # One reduced form, 3,000 independent first-admissible draws from each sampler (every
    # sample has one: 20,000 rotations are about 100 times the set's expected wait).
    coefs, sigma = _replicated(km_fit, 3000)
    old, old_found = haar_first_admissible(
        km_fit, coefs, sigma, np.random.default_rng(5), 500, 20_000
    )
    new, new_found, draws, worth = _sign_draws(
        km_fit, coefs, sigma, np.random.default_rng(6), 500, 20_000
    )
    assert old_found.all()
    assert new_found.all()
    assert draws < worth / 4  # the proposals stand for many more Haar rotations
    reference, sampled = _functionals(coefs, old), _functionals(coefs, new)
    for name, values in reference.items():
        assert stats.ks_2samp(values, sampled[name]).pvalue > 1e-3, name


def test_restricted_sampler_gives_samples_up_as_often(km_fit: SVARFit) -> None:
    # A tiny identified set: about half the samples have no admissible rotation among
    # 2,000 Haar draws. Both samplers give up the same share (within binomial noise).
    fit = replace(km_fit, elasticity_bound=TINY_BOUND)
    coefs, sigma = _replicated(fit, 1500)
    _, old_found = haar_first_admissible(fit, coefs, sigma, np.random.default_rng(7), 500, 2000)
    _, new_found, _, _ = _sign_draws(fit, coefs, sigma, np.random.default_rng(8), 500, 2000)
    old_rate, new_rate = old_found.mean(), new_found.mean()
    assert 0.2 < old_rate < 0.8
    spread = np.sqrt(old_rate * (1 - old_rate) * 2 / 1500)
    assert abs(new_rate - old_rate) < 4 * spread


def test_an_empty_identified_set_is_always_given_up() -> None:
    # test_svar's DGP: a supply disruption raises activity after five months, so KM2012's
    # dynamic restrictions admit no model (the point fit is an error there).
    fit = fit_svar(simulate_var(400, seed=1), lags=2)
    fit = replace(
        fit, identification="sign", elasticity_bound=KM2012_ELASTICITY_BOUND, dynamic_horizon=12
    )
    coefs, sigma = _replicated(fit, 40)
    _, old_found = haar_first_admissible(fit, coefs, sigma, np.random.default_rng(9), 500, 4000)
    _, new_found, draws, _ = _sign_draws(fit, coefs, sigma, np.random.default_rng(10), 500, 4000)
    assert not old_found.any()
    assert not new_found.any()
    assert draws < 40 * 4000 / 4


def test_a_zero_bound_draws_nothing(km_fit: SVARFit) -> None:
    # No demand shock moves production less than not at all: the set is empty, and the
    # region the bound leaves holds (almost) no rotation, so no proposal is drawn.
    fit = replace(km_fit, elasticity_bound=0.0)
    coefs, sigma = _replicated(fit, 5)
    _, found, draws, worth = _sign_draws(fit, coefs, sigma, np.random.default_rng(0), 50, 200)
    assert not found.any()
    assert (draws, worth) == (0, 0.0)
