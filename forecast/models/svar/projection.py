"""The ragged edge and scenario paths: conditional fills and structural supply scenarios."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, get_args

import numpy as np
import pandas as pd

from forecast._arrays import check_count, frozen_numeric
from forecast._typing import Innovations
from forecast.errors import EstimationError
from forecast.models import _var
from forecast.models.svar._common import (
    NEEDS_THREE,
    PROD,
    SUPPLY,
    scenario_effect,
)

if TYPE_CHECKING:
    from forecast.models.svar.bootstrap import SVARDraws
    from forecast.models.svar.estimation import SVARFit

__all__ = [
    "ProjectionBase", "SVARProjection", "fill_ragged_edge", "project_svar", "projection_base",
]  # fmt: skip

BAD_STATE = "state must be a finite {lags} x {k} array (the last lags observations), got {shape}"
BAD_TARGET = "production_level_deviation must be a finite array of shape ({horizon},); {problem}"
NO_IMPACT = "the supply shock does not move production on impact in draw {draw}"
RAGGED_SHAPE = "data must be a T x {k} array, got shape {shape}"
RAGGED_HOLE = (
    "data row {row} is missing a value but a later row is complete; only trailing rows may "
    "be incomplete"
)
RAGGED_SHORT = "the ragged edge needs {lags} complete rows before it; got {rows}"


def fill_ragged_edge(
    fit: SVARFit, data_with_trailing_nans: np.ndarray | pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """Fill the missing end of some series with the forecast conditional on the others.

    After the last complete month, the structural shocks are set to the minimum-norm
    sequence that reproduces every observed value (their mean given the observations when
    shocks are standard normal: Waggoner & Zha 1999), and the missing values are the
    resulting forecast. Observed values are kept as they are.

    Parameters
    ----------
    fit
        The SVAR whose dynamics fill the gap.
    data_with_trailing_nans
        ``T x K`` (array, or frame with the fit's variable columns and an optional ``date``
        column): complete rows, then rows in which some values are missing.

    Returns
    -------
    tuple of numpy.ndarray
        The filled ``T x K`` array and the ``T x K`` boolean mask of the filled values.

    Raises
    ------
    EstimationError
        If a value is missing before a complete row, or fewer than ``p`` complete rows
        precede the gap.
    """
    if isinstance(data_with_trailing_nans, pd.DataFrame):
        frame = data_with_trailing_nans
        values = frame[list(fit.variables)].to_numpy(dtype=float)
    else:
        values = np.array(data_with_trailing_nans, dtype=float)
    if values.ndim != 2 or values.shape[1] != fit.k:
        raise EstimationError(RAGGED_SHAPE.format(k=fit.k, shape=values.shape))
    missing = ~np.isfinite(values)
    complete = ~missing.any(axis=1)
    if complete.all():
        return values, missing
    if not complete.any():
        raise EstimationError(RAGGED_SHORT.format(lags=fit.lags, rows=0))
    last = int(np.flatnonzero(complete)[-1])
    incomplete_before = np.flatnonzero(~complete[:last])
    if incomplete_before.size:
        raise EstimationError(RAGGED_HOLE.format(row=int(incomplete_before[0])))
    if last + 1 < fit.lags:
        raise EstimationError(RAGGED_SHORT.format(lags=fit.lags, rows=last + 1))
    future = np.where(missing[last + 1 :], np.nan, values[last + 1 :])
    filled = values.copy()
    filled[last + 1 :] = _var.conditional_fill(
        fit.coefs, fit.intercept, fit.impact, values[last + 1 - fit.lags : last + 1], future
    )
    return filled, missing


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class SVARProjection:
    """Simulated paths without and with a structural supply scenario, draw by draw.

    All arrays are ``(n, horizon)``, column 0 the month after the state, in the SVAR's units
    (``prod_growth_pct``: % a month; ``rea``: index; ``real_price_log``: 100 x log real
    price in as-of dollars). Row ``i`` of ``scenario_*`` is row ``i`` of ``baseline_*`` plus
    the deterministic effect of ``supply_shocks[i]`` under draw ``draw_index[i]``'s
    parameters (common random numbers).

    Attributes
    ----------
    baseline_prod_growth, baseline_rea, baseline_real_price_log
        No-outage paths: future shocks and parameter uncertainty.
    scenario_prod_growth, scenario_rea, scenario_real_price_log
        The same paths plus the effect of the supply shocks of the scenario.
    supply_shocks
        The added structural supply shocks (standard deviations; positive: disruption).
    production_level_deviation
        ``(horizon,)``: the target, log points (fraction) of the production level.
    draw_index
        ``(n,)``: the bootstrap draw used by each path (-1: the point estimate).
    innovations
        ``"bootstrap"``, ``"gaussian"`` or ``"none"`` (the future shocks of the baselines).
    """

    baseline_prod_growth: np.ndarray
    baseline_rea: np.ndarray
    baseline_real_price_log: np.ndarray
    scenario_prod_growth: np.ndarray
    scenario_rea: np.ndarray
    scenario_real_price_log: np.ndarray
    supply_shocks: np.ndarray
    production_level_deviation: np.ndarray
    draw_index: np.ndarray
    innovations: str

    def __len__(self) -> int:
        return int(self.baseline_real_price_log.shape[0])

    @property
    def price_effect_pct(self) -> np.ndarray:
        """``(n, horizon)``: scenario minus baseline real price, % (100 x log points)."""
        effect: np.ndarray = self.scenario_real_price_log - self.baseline_real_price_log
        return effect

    @property
    def production_level_effect(self) -> np.ndarray:
        """``(n, horizon)``: realised production-level deviation, log points (fraction)."""
        effect: np.ndarray = np.cumsum(
            self.scenario_prod_growth - self.baseline_prod_growth, axis=1
        )
        return effect / 100.0

    def __repr__(self) -> str:
        n, horizon = self.baseline_real_price_log.shape
        return f"SVARProjection(n={n}, horizon={horizon}, innovations={self.innovations!r})"


def project_svar(
    fit: SVARFit,
    draws: SVARDraws | None,
    state: np.ndarray,
    horizon: int,
    *,
    production_level_deviation: np.ndarray,
    rng: np.random.Generator,
    shocks: bool = True,
    innovations: Innovations = "bootstrap",
    paths: int | None = None,
) -> SVARProjection:
    """Simulate baseline paths and the structural supply scenario, draw by draw.

    Path ``i`` uses bootstrap draw ``i % len(draws)`` (or the point estimate when ``draws``
    is ``None``). Its baseline runs that draw's VAR forward from ``state`` with future
    structural shocks (if ``shocks``); its scenario adds the supply shocks that make the
    production level deviate from the baseline by ``production_level_deviation`` with the
    other shocks at zero (Antolín-Díaz, Petrella & Rubio-Ramírez 2021), solved with that
    draw's impulse responses. A zero target gives exactly the baseline.

    Parameters
    ----------
    fit
        From :func:`fit_svar` (K = 3, order :data:`VARIABLES`).
    draws
        Bootstrap draws (parameter uncertainty), or ``None`` for the point estimate.
    state
        ``(p, 3)``: the last ``p`` observations up to the as-of month, oldest first (ragged
        edge filled: see :func:`fill_ragged_edge`).
    horizon
        Months to project.
    production_level_deviation
        ``(horizon,)``: the production level's deviation from the no-outage path in log
        points, e.g. ``log(1 - net_loss_kbd / world_kbd)`` (about ``-net_loss_kbd /
        world_kbd``); 0 where there is no loss.
    rng
        Future shocks. The numbers taken depend only on ``horizon``, the number of paths,
        ``shocks`` and ``innovations``: never on the target.
    shocks
        Add future structural shocks to the baselines (``False``: conditional means).
    innovations
        ``"bootstrap"``: resample the estimated structural shocks (whole months, keeping fat
        tails; inflated to unit variance; ``paths * horizon`` integers); ``"gaussian"``:
        standard normal shocks (``paths * horizon * 3`` normals). Either is mapped through
        each draw's ``B``.
    paths
        Number of paths; default ``len(draws)`` (1 without draws).

    Returns
    -------
    SVARProjection
        Baseline and scenario paths of every variable, and the supply shocks.

    Raises
    ------
    ValueError
        Bad ``state``, ``horizon``, target, ``paths`` or ``innovations``.
    EstimationError
        If a draw's supply shock does not move production on impact.

    Notes
    -----
    The baselines are the VAR's own forecasts: a VAR in the level of the real price with a
    constant pulls it back towards its sample mean (about 80 US$/bbl in 2025 dollars over
    1994-2023), so from a price below that mean the baseline drifts up. To keep a no-change
    price baseline, apply each draw's effect instead: ``baseline * exp(price_effect_pct /
    100)``.
    """
    if fit.k != 3:
        raise ValueError(NEEDS_THREE.format(what="project_svar", k=fit.k))
    check_count("horizon", horizon)
    _check_state(fit, state)
    _check_target(production_level_deviation, int(horizon))
    base = projection_base(
        fit, draws, state, horizon, rng=rng, shocks=shocks, innovations=innovations, paths=paths
    )
    return base.project(production_level_deviation)


def _check_state(fit: SVARFit, state: np.ndarray) -> np.ndarray:
    start = np.asarray(state, dtype=float)
    if start.shape != (fit.lags, fit.k) or not np.all(np.isfinite(start)):
        raise ValueError(BAD_STATE.format(lags=fit.lags, k=fit.k, shape=start.shape))
    return start


def _check_target(production_level_deviation: np.ndarray, horizon: int) -> np.ndarray:
    target = np.asarray(production_level_deviation, dtype=float)
    if target.shape != (horizon,):
        raise ValueError(BAD_TARGET.format(horizon=horizon, problem=f"got {target.shape}"))
    if not np.all(np.isfinite(target)):
        raise ValueError(BAD_TARGET.format(horizon=horizon, problem="got a non-finite value"))
    return target


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class ProjectionBase:
    """What :func:`project_svar` computes before it reads the target (read-only arrays).

    Built by :func:`projection_base`; :meth:`project` adds a target. Projecting many targets
    through one base gives the numbers :func:`project_svar` gives for each (the baselines,
    the paths' draws and their structural responses do not depend on the target).

    Attributes
    ----------
    horizon
        Months projected.
    index
        ``(n,)``: the bootstrap draw of each path (-1: the point estimate).
    baseline
        ``(n, horizon, K)``: the no-outage paths.
    theta
        ``(n or 1, horizon, K, K)``: each path's structural moving-average coefficients.
    innovations
        ``"bootstrap"``, ``"gaussian"`` or ``"none"``.
    """

    horizon: int
    index: np.ndarray
    baseline: np.ndarray
    theta: np.ndarray
    innovations: str

    def project(self, production_level_deviation: np.ndarray) -> SVARProjection:
        """Return the paths with the structural supply scenario of this target.

        ``production_level_deviation`` as for :func:`project_svar`.
        """
        target = _check_target(production_level_deviation, self.horizon)
        n, horizon = self.baseline.shape[0], self.horizon
        growth_target = 100.0 * np.diff(target, prepend=0.0)
        supply, effect = scenario_effect(self.theta, growth_target)
        supply = np.broadcast_to(supply, (n, horizon))
        baseline = self.baseline
        scenario = baseline + effect
        return SVARProjection(
            baseline_prod_growth=frozen_numeric(baseline[..., 0]),
            baseline_rea=frozen_numeric(baseline[..., 1]),
            baseline_real_price_log=frozen_numeric(baseline[..., 2]),
            scenario_prod_growth=frozen_numeric(scenario[..., 0]),
            scenario_rea=frozen_numeric(scenario[..., 1]),
            scenario_real_price_log=frozen_numeric(scenario[..., 2]),
            supply_shocks=frozen_numeric(supply),
            production_level_deviation=frozen_numeric(target),
            draw_index=self.index,
            innovations=self.innovations,
        )


def projection_base(
    fit: SVARFit,
    draws: SVARDraws | None,
    state: np.ndarray,
    horizon: int,
    *,
    rng: np.random.Generator,
    shocks: bool = True,
    innovations: Innovations = "bootstrap",
    paths: int | None = None,
) -> ProjectionBase:
    """Simulate the baselines and compute the structural responses of :func:`project_svar`.

    The arguments are :func:`project_svar`'s, without the target; ``rng`` is used as it
    uses it. Raises as it does.
    """
    if fit.k != 3:
        raise ValueError(NEEDS_THREE.format(what="project_svar", k=fit.k))
    check_count("horizon", horizon)
    horizon = int(horizon)
    start = _check_state(fit, state)
    if innovations not in get_args(Innovations):
        raise ValueError(f"innovations must be 'bootstrap' or 'gaussian', not {innovations!r}")
    if draws is None:
        n = 1 if paths is None else paths
        check_count("paths", n)
        index = np.full(int(n), -1)
        coefs, intercept, impact = fit.coefs[None], fit.intercept[None], fit.impact[None]
    else:
        n = len(draws) if paths is None else paths
        check_count("paths", n)
        index = np.arange(int(n)) % len(draws)
        coefs, intercept, impact = draws.coefs[index], draws.intercept[index], draws.impact[index]
    n = int(n)
    k = fit.k
    if shocks:
        if innovations == "bootstrap":
            # Inflated like the bootstrap's residuals, so the shocks have unit variance.
            pool = fit.structural_residuals * fit.dof_inflation
            eps = pool[rng.integers(0, fit.nobs, size=(n, horizon))]
        else:
            eps = rng.standard_normal((n, horizon, k))
        future = np.einsum("nij,nhj->nhi", np.broadcast_to(impact, (n, k, k)), eps)
    else:
        future = np.zeros((n, horizon, k))
    baseline = _var.simulate(coefs, intercept, start, future)  # (n, H, K)
    theta = _var.structural_ma(coefs, impact, horizon - 1)  # (n or 1, H, K, K)
    own = theta[..., 0, PROD, SUPPLY]
    if np.any(np.abs(own) < 1e-12):
        raise EstimationError(NO_IMPACT.format(draw=int(np.flatnonzero(np.abs(own) < 1e-12)[0])))
    return ProjectionBase(
        horizon=horizon,
        index=frozen_numeric(index),
        baseline=frozen_numeric(baseline),
        theta=frozen_numeric(theta),
        innovations=innovations if shocks else "none",
    )
