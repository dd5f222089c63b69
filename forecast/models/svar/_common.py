"""What the SVAR modules share: names, constants, shared messages and kernels.

The option types (``Identification`` and the others) live in :mod:`forecast._typing`.
"""

from __future__ import annotations

import numpy as np

from forecast.errors import EstimationError
from forecast.models import _var

VARIABLES: tuple[str, str, str] = ("prod_growth_pct", "rea", "real_price_log")
"""The SVAR's variables, in order (see :mod:`forecast.models.svar` for units)."""
SHOCKS: tuple[str, str, str] = ("supply", "aggregate_demand", "oil_specific_demand")
"""The structural shocks, in order."""
DEFAULT_START = "1992-02"
"""First month of the sample: EIA's world production aggregate is incomplete before 1992."""
KM2012_ELASTICITY_BOUND = 0.0258
"""Kilian & Murphy's (2012) bound on the impact price elasticity of oil supply."""
QUANTILES: dict[str, float] = {"q05": 0.05, "q16": 0.16, "q50": 0.50, "q84": 0.84, "q95": 0.95}
"""Band quantiles of every tidy output (the same as the project's path quantiles)."""
PRODUCTION_LEVEL = "production_level_pct"
"""Name of the cumulated production response in :func:`irf_frame` (% of the level)."""
BASE_COMPONENT = "initial_and_deterministic"
"""The non-shock component of :func:`historical_decomposition`."""

PROD, PRICE, SUPPLY = 0, 2, 0
"""Positions of production, the real price and the supply shock."""

NO_ROTATION = (
    "no admissible model: none of {tried} rotations satisfies the Kilian-Murphy impact signs, "
    "the supply-elasticity bound {bound} and the dynamic restrictions on this sample (the "
    "restrictions are not loosened)"
)
NOT_PD = "the residual covariance is not positive definite ({reason})"
NEEDS_THREE = "{what} needs the three oil-market variables (K = 3), the fit has K = {k}"


def cholesky(sigma: np.ndarray) -> np.ndarray:
    """Lower Cholesky factor of ``sigma`` (``(..., K, K)``), or an :class:`EstimationError`."""
    try:
        chol: np.ndarray = np.linalg.cholesky(sigma)
    except np.linalg.LinAlgError as exc:
        raise EstimationError(NOT_PD.format(reason=exc)) from exc
    return chol


def disruption_signs(k: int, supply_disruption: bool) -> np.ndarray:
    """Column signs of ``B``: -1 for the supply shock when it is normalised as a disruption."""
    signs = np.ones(k)
    if supply_disruption:
        signs[SUPPLY] = -1.0
    return signs


# Shock position of each impact sign pattern, coded 2 * (production > 0) + (activity > 0)
# after each column is flipped to raise the price: (-, -) supply, (+, +) aggregate demand,
# (+, -) oil-specific demand; (-, +) matches no shock.
PATTERN_SHOCK = np.array([0, -1, 2, 1])


def sign_filter(candidates: np.ndarray, bound: float) -> tuple[np.ndarray, np.ndarray]:
    """Check Kilian-Murphy impact restrictions on candidate ``B`` matrices ``(..., 3, 3)``.

    Returns the acceptance mask ``(...)`` and the candidates with columns flipped to raise
    the price and ordered (supply with production *rising*, i.e. before the disruption sign
    convention is applied; aggregate demand; oil-specific demand).
    """
    price = candidates[..., PRICE, :]
    flipped = candidates * np.where(price < 0, -1.0, 1.0)[..., None, :]
    prod, rea, price = flipped[..., 0, :], flipped[..., 1, :], flipped[..., 2, :]
    strict = (prod != 0) & (rea != 0) & (price > 0)
    code = 2 * (prod > 0).astype(int) + (rea > 0).astype(int)
    shock = PATTERN_SHOCK[code]
    distinct = np.sort(shock, axis=-1)
    accepted = strict.all(axis=-1) & np.all(distinct == np.arange(3), axis=-1)
    order = np.argsort(np.where(shock < 0, 3, shock), axis=-1, kind="stable")
    ordered = np.take_along_axis(flipped, order[..., None, :], axis=-1)
    # Supply column: flip to production +, price - (Cholesky's orientation); the disruption
    # sign is applied by the caller like for the recursive scheme.
    ordered[..., :, 0] *= -1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        elasticity = ordered[..., 0, 1:] / ordered[..., 2, 1:]
    accepted &= np.all(elasticity <= bound, axis=-1)
    return accepted, ordered


def scenario_effect(theta: np.ndarray, growth_target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Supply shocks that move variable 0 by ``growth_target`` and their effect on all.

    ``theta`` ``(..., >=H, K, K)``; returns shocks ``(..., H)`` and effects ``(..., H, K)``.
    """
    horizon = growth_target.shape[0]
    column = theta[..., :horizon, :, SUPPLY]  # (..., H, K)
    supply = _var.supply_shocks_for_path(column[..., PROD], growth_target)
    effect = np.zeros((*supply.shape, column.shape[-1]))
    for h in range(horizon):
        # sum_{j<=h} Theta_{h-j}[:, supply] e_j
        effect[..., h, :] = np.einsum(
            "...jk,...j->...k", column[..., h::-1, :], supply[..., : h + 1]
        )
    return supply, effect
