"""The elasticity model: a transparent cross-check of what a supply loss does to the price.

A net loss of a fraction ``s`` of world oil supply raises the log price on impact by
``s / (e_S - e_D)``, where ``e_S >= 0`` is the short-run price elasticity of supply and
``e_D <= 0`` that of demand. With ``m = 1 / (e_S - e_D)`` in "% price per 1% of supply lost",
the log impact is ``m * s`` (``s`` a fraction: 0.0098 for 800 kb/d of 82,000 kb/d).

**Prior.** The literature table (``data/facts/oil_market_elasticities.csv``) gives three
studies: Kilian & Murphy (2014), Baumeister & Hamilton (2019) and Caldara, Cavallo &
Iacoviello (2019), with implied multipliers of 3.64, 2.00 and 4.17. Each draw mixes them with
weights from a flat Dirichlet(1, 1, 1): ``e_S`` and ``e_D`` are the weighted averages of the
studies' elasticities and ``m = 1 / (e_S - e_D)``. Every draw lies between the smallest and the
largest study multiplier (2.0 to 4.2), and every point of that span can occur.

**Fade.** Over time supply and demand both respond more, so the effect of a sustained loss
fades. Here ``e_S - e_D`` grows linearly with the months ``tau`` since the outage began:
``(e_S - e_D) * (1 + tau / kappa)``, so the multiplier at ``tau`` is ``m / (1 + tau / kappa)``
and halves after ``kappa`` months. ``kappa`` is drawn log-uniform between 6 and 24 months
(a scale parameter known to within a factor of four: 6-12 and 12-24 months are equally
likely), so after a year a sustained loss moves the price by a third to two thirds of its
impact effect, in line with long-run elasticities several times the short-run ones.

**Timing.** ``tau`` counts months from the first month with a positive loss (``tau = 0`` in
that month). The impact is zero in any month without a loss; if a loss restarts after a
pause, ``tau`` keeps counting from the first onset, because the adjustments the market made
(rerouted trade, substitution, new supply) do not disappear during the pause.

Everything here is a pure, vectorised numpy function; randomness comes only from the ``rng``
passed to :func:`draw_elasticities`, which takes ``draws * (n_studies + 1)`` uniform numbers
from it whatever the scenario, so scenarios compared with the same seed share their draws.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast._arrays import check_count, frozen
from forecast.errors import EstimationError

__all__ = [
    "FADE_MONTHS",
    "ElasticityDraws",
    "ElasticityPrior",
    "apply_impact",
    "draw_elasticities",
    "elasticity_prior",
    "price_impact",
]

FADE_MONTHS: tuple[float, float] = (6.0, 24.0)
"""Default bounds of the fade horizon ``kappa`` (months), drawn log-uniform between them."""

STUDY = "study"
SUPPLY = "short_run_supply_elasticity"
DEMAND = "short_run_demand_elasticity"
IMPLIED = "implied_price_pct_per_1pct_supply_loss"
IMPLIED_TOLERANCE = 0.01  # the table rounds the implied multiplier to two decimals

MISSING_COLUMNS = "elasticity table: missing column(s) {missing}; found: {found}"
EMPTY_TABLE = "elasticity table: no studies"
NOT_FINITE = "elasticity table: study {study!r}: {column} is not a finite number ({value!r})"
BAD_SUPPLY = "elasticity table: study {study!r}: {column} must be >= 0, got {value!r}"
BAD_DEMAND = "elasticity table: study {study!r}: {column} must be <= 0, got {value!r}"
NO_RESPONSE = (
    "elasticity table: study {study!r}: supply and demand elasticities are both zero, so the "
    "price response is infinite"
)
IMPLIED_MISMATCH = (
    "elasticity table: study {study!r}: {column} is {value!r} but 1 / (supply - demand "
    "elasticity) is {expected:.4f}"
)
BAD_FADE = "fade_months must be two numbers 0 < low <= high, got {fade!r}"
BAD_PRIOR = "elasticity prior: {problem}"
BAD_LOSS = (
    "net_loss_share must be a one-dimensional array of fractions of world supply in [0, 1) "
    "(clip a net gain to 0); {problem}"
)
SHAPE_MISMATCH = "baseline draws have shape {baseline} but the impact has shape {impact}"


@dataclass(frozen=True, slots=True)
class ElasticityPrior:
    """The literature's short-run elasticities and the range of the fade horizon.

    Attributes
    ----------
    studies
        Study names, in table order.
    supply
        Short-run supply elasticity of each study (``>= 0``).
    demand
        Short-run demand elasticity of each study (``<= 0``).
    fade_months
        ``(low, high)`` bounds of the fade horizon ``kappa`` in months; draws are
        log-uniform between them (equal bounds: no uncertainty).

    Notes
    -----
    Numbers are held as tuples so the prior is immutable and hashable; :attr:`multipliers`
    gives them as an array.
    """

    studies: tuple[str, ...]
    supply: tuple[float, ...]
    demand: tuple[float, ...]
    fade_months: tuple[float, float] = FADE_MONTHS

    def __post_init__(self) -> None:
        _check_fade(self.fade_months)
        sizes = {len(self.studies), len(self.supply), len(self.demand)}
        if len(sizes) != 1 or not self.studies:
            problem = "studies, supply and demand must be non-empty and of the same length"
            raise EstimationError(BAD_PRIOR.format(problem=problem))
        supply, demand = np.asarray(self.supply, float), np.asarray(self.demand, float)
        if not (np.all(np.isfinite(supply)) and np.all(np.isfinite(demand))):
            raise EstimationError(BAD_PRIOR.format(problem="elasticities must be finite"))
        if np.any(supply < 0) or np.any(demand > 0) or np.any(supply - demand <= 0):
            problem = "supply elasticities must be >= 0, demand elasticities <= 0, not both 0"
            raise EstimationError(BAD_PRIOR.format(problem=problem))

    @property
    def multipliers(self) -> np.ndarray:
        """Each study's impact multiplier ``1 / (e_S - e_D)``, % price per 1% supply lost."""
        return 1.0 / (np.asarray(self.supply) - np.asarray(self.demand))


@dataclass(frozen=True, slots=True, eq=False)
class ElasticityDraws:
    """Draws of the elasticity model's parameters, one per simulated path.

    Attributes
    ----------
    multiplier
        Shape ``(draws,)``: % price rise per 1% of world supply lost, on impact.
    fade_months
        Shape ``(draws,)``: the fade horizon ``kappa`` (months after which the effect of a
        sustained loss has halved).
    supply
        Shape ``(draws,)``: the mixed short-run supply elasticity ``e_S``.
    demand
        Shape ``(draws,)``: the mixed short-run demand elasticity ``e_D``.
    weights
        Shape ``(draws, n_studies)``: the Dirichlet weights of the studies.

    Notes
    -----
    The arrays are read-only.
    """

    multiplier: np.ndarray
    fade_months: np.ndarray
    supply: np.ndarray
    demand: np.ndarray
    weights: np.ndarray

    def __len__(self) -> int:
        return int(self.multiplier.size)


def elasticity_prior(
    table: pd.DataFrame, *, fade_months: tuple[float, float] = FADE_MONTHS
) -> ElasticityPrior:
    """Build the elasticity prior from the literature table.

    Parameters
    ----------
    table
        The ``oil_market_elasticities`` fact table: columns ``study``,
        ``short_run_supply_elasticity``, ``short_run_demand_elasticity`` and
        ``implied_price_pct_per_1pct_supply_loss`` (others are ignored).
    fade_months
        ``(low, high)`` bounds of the fade horizon in months (default 6 and 24).

    Returns
    -------
    ElasticityPrior
        The studies' elasticities and the fade range.

    Raises
    ------
    EstimationError
        If a column is missing, the table is empty, an elasticity is not finite, a supply
        elasticity is negative, a demand elasticity positive, both are zero, or the implied
        multiplier disagrees with ``1 / (supply - demand)`` by more than 0.01.
    ValueError
        If ``fade_months`` is not two numbers ``0 < low <= high``.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({
    ...     "study": ["A", "B"],
    ...     "short_run_supply_elasticity": [0.15, 0.11],
    ...     "short_run_demand_elasticity": [-0.35, -0.13],
    ...     "implied_price_pct_per_1pct_supply_loss": [2.00, 4.17],
    ... })
    >>> elasticity_prior(table).multipliers.round(2).tolist()
    [2.0, 4.17]
    """
    low, high = _check_fade(fade_months)
    required = [STUDY, SUPPLY, DEMAND, IMPLIED]
    missing = [column for column in required if column not in table.columns]
    if missing:
        found = ", ".join(map(str, table.columns))
        raise EstimationError(MISSING_COLUMNS.format(missing=", ".join(missing), found=found))
    if len(table) == 0:
        raise EstimationError(EMPTY_TABLE)
    studies = tuple(str(study) for study in table[STUDY])
    numbers = {column: _floats(table[column]) for column in (SUPPLY, DEMAND, IMPLIED)}
    for i, study in enumerate(studies):
        for column, values in numbers.items():
            if not np.isfinite(values[i]):
                value = table[column].iloc[i]
                raise EstimationError(NOT_FINITE.format(study=study, column=column, value=value))
        supply, demand, implied = (numbers[column][i] for column in (SUPPLY, DEMAND, IMPLIED))
        if supply < 0:
            raise EstimationError(BAD_SUPPLY.format(study=study, column=SUPPLY, value=supply))
        if demand > 0:
            raise EstimationError(BAD_DEMAND.format(study=study, column=DEMAND, value=demand))
        if supply - demand <= 0:
            raise EstimationError(NO_RESPONSE.format(study=study))
        expected = 1.0 / (supply - demand)
        if abs(implied - expected) > IMPLIED_TOLERANCE:
            raise EstimationError(
                IMPLIED_MISMATCH.format(
                    study=study, column=IMPLIED, value=implied, expected=expected
                )
            )
    return ElasticityPrior(
        studies=studies,
        supply=tuple(float(x) for x in numbers[SUPPLY]),
        demand=tuple(float(x) for x in numbers[DEMAND]),
        fade_months=(low, high),
    )


def draw_elasticities(
    prior: ElasticityPrior, draws: int, *, rng: np.random.Generator
) -> ElasticityDraws:
    """Draw elasticities, impact multipliers and fade horizons from the prior.

    Study weights are flat Dirichlet(1, ..., 1) draws, made from exponential variates by
    inversion; ``e_S`` and ``e_D`` are the weighted averages of the studies' elasticities and
    the multiplier is ``1 / (e_S - e_D)``. The fade horizon is log-uniform between the prior's
    bounds.

    Parameters
    ----------
    prior
        From :func:`elasticity_prior`.
    draws
        Number of draws.
    rng
        The only source of randomness: exactly ``draws * (len(prior.studies) + 1)`` uniform
        numbers are taken from it, so the draws do not depend on the scenario.

    Returns
    -------
    ElasticityDraws
        One multiplier, fade horizon and pair of elasticities per draw.

    Raises
    ------
    ValueError
        If ``draws`` is not a positive whole number.

    Examples
    --------
    >>> import numpy as np
    >>> prior = ElasticityPrior(("A", "B"), (0.15, 0.11), (-0.35, -0.13))
    >>> sample = draw_elasticities(prior, 1000, rng=np.random.default_rng(0))
    >>> bool(sample.multiplier.min() >= 2.0 and sample.multiplier.max() <= 1 / 0.24)
    True
    """
    check_count("draws", draws)
    k = len(prior.studies)
    exponentials = -np.log1p(-rng.random((int(draws), k)))
    totals = exponentials.sum(axis=1, keepdims=True)
    # All k uniforms exactly 0 has probability ~0; fall back to equal weights rather than 0/0.
    weights = np.where(totals > 0, exponentials / np.where(totals > 0, totals, 1.0), 1.0 / k)
    supply = weights @ np.asarray(prior.supply, dtype=float)
    demand = weights @ np.asarray(prior.demand, dtype=float)
    multiplier = 1.0 / (supply - demand)
    low, high = prior.fade_months
    fade = low * (high / low) ** rng.random(int(draws))
    return ElasticityDraws(
        multiplier=frozen(multiplier),
        fade_months=frozen(fade),
        supply=frozen(supply),
        demand=frozen(demand),
        weights=frozen(weights),
    )


def price_impact(net_loss_share: np.ndarray, draws: ElasticityDraws) -> np.ndarray:
    """Return the log price impact of a path of net supply losses, for every draw.

    ``impact[i, t] = m_i * s_t / (1 + tau_t / kappa_i)``, with ``tau_t`` the months since the
    first month with a positive loss (0 in that month; it keeps counting through pauses).

    Parameters
    ----------
    net_loss_share
        Shape ``(horizon,)``: the net supply lost each month as a fraction of world supply
        (after offsets; 0 = no loss), each in ``[0, 1)``.
    draws
        From :func:`draw_elasticities`.

    Returns
    -------
    numpy.ndarray
        Shape ``(len(draws), horizon)``: the change in the log price (0.03 is about +3%);
        exactly 0.0 in every month without a loss.

    Raises
    ------
    ValueError
        If ``net_loss_share`` is not one-dimensional, not finite, or outside ``[0, 1)``.

    Examples
    --------
    >>> import numpy as np
    >>> prior = ElasticityPrior(("A",), (0.15,), (-0.35,), fade_months=(12.0, 12.0))
    >>> draws = draw_elasticities(prior, 1, rng=np.random.default_rng(0))
    >>> price_impact(np.array([0.0, 0.01, 0.01, 0.0]), draws).round(4).tolist()
    [[0.0, 0.02, 0.0185, 0.0]]
    """
    loss = np.asarray(net_loss_share, dtype=float)
    if loss.ndim != 1:
        raise ValueError(BAD_LOSS.format(problem=f"got shape {loss.shape}"))
    if not np.all(np.isfinite(loss)):
        raise ValueError(BAD_LOSS.format(problem="got a value that is not finite"))
    if np.any((loss < 0) | (loss >= 1)):
        bad = loss[(loss < 0) | (loss >= 1)][0]
        raise ValueError(BAD_LOSS.format(problem=f"got {bad!r}"))
    months = np.arange(loss.size, dtype=float)
    positive = np.flatnonzero(loss > 0)
    onset = float(positive[0]) if positive.size else float(loss.size)
    tau = np.clip(months - onset, 0.0, None)
    fade = 1.0 + tau[None, :] / draws.fade_months[:, None]
    impact: np.ndarray = draws.multiplier[:, None] * loss[None, :] / fade
    return impact


def apply_impact(baseline_draws: np.ndarray, impact: np.ndarray) -> np.ndarray:
    """Return the baseline price paths moved by a log price impact.

    Parameters
    ----------
    baseline_draws
        Shape ``(draws, horizon)``: price levels without the outage.
    impact
        Shape ``(draws, horizon)``: log price impacts from :func:`price_impact`.

    Returns
    -------
    numpy.ndarray
        ``baseline_draws * exp(impact)``, shape ``(draws, horizon)``.

    Raises
    ------
    ValueError
        If the shapes differ.
    """
    baseline = np.asarray(baseline_draws, dtype=float)
    effect = np.asarray(impact, dtype=float)
    if baseline.shape != effect.shape:
        raise ValueError(SHAPE_MISMATCH.format(baseline=baseline.shape, impact=effect.shape))
    moved: np.ndarray = baseline * np.exp(effect)
    return moved


# --- helpers ---------------------------------------------------------------------------------


def _floats(column: pd.Series) -> np.ndarray:
    return pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)


def _check_fade(fade_months: tuple[float, float]) -> tuple[float, float]:
    try:
        low, high = (float(x) for x in fade_months)
    except (TypeError, ValueError) as exc:
        raise ValueError(BAD_FADE.format(fade=fade_months)) from exc
    if not (np.isfinite(low) and np.isfinite(high) and 0 < low <= high):
        raise ValueError(BAD_FADE.format(fade=fade_months))
    return low, high
