"""Tidy outputs of a fitted SVAR: impulse responses, FEVD, historical decomposition, multiplier."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from forecast._arrays import check_count
from forecast.models import _var
from forecast.models.svar._common import (
    BASE_COMPONENT,
    NEEDS_THREE,
    PRICE,
    PROD,
    PRODUCTION_LEVEL,
    QUANTILES,
    SUPPLY,
    scenario_effect,
)
from forecast.models.svar._identify import WEAK_INSTRUMENT_F, first_stage_f

if TYPE_CHECKING:
    from forecast._typing import Normalisation
    from forecast.models.svar.bootstrap import SVARDraws
    from forecast.models.svar.estimation import SVARFit


__all__ = [
    "SupplyPriceResponse",
    "fevd_frame",
    "first_stage_frame",
    "historical_decomposition",
    "identified_set_frame",
    "irf_frame",
    "supply_price_response",
    "supply_response_paths",
]


def irf_frame(
    fit: SVARFit,
    draws: SVARDraws | None = None,
    horizon: int = 24,
    *,
    cumulate: tuple[str, ...] = ("prod_growth_pct",),
) -> pd.DataFrame:
    """Impulse responses to one-standard-deviation structural shocks, with bands.

    Parameters
    ----------
    fit
        From :func:`fit_svar`.
    draws
        Bootstrap draws for the bands; ``None``: bands are NaN.
    horizon
        Last horizon (months after impact).
    cumulate
        Variables reported cumulated: ``prod_growth_pct`` becomes ``production_level_pct``
        (the % response of the production level); others get the suffix ``_cum``.

    Returns
    -------
    pandas.DataFrame
        ``shock, variable, horizon, estimate, mean, q05, q16, q50, q84, q95``.
    """
    check_count("horizon", horizon)
    point = fit.irfs(horizon)
    samples = draws.irfs(horizon) if draws is not None else None
    names = list(fit.variables)
    for i, name in enumerate(fit.variables):
        if name in cumulate:
            point[:, i, :] = point[:, i, :].cumsum(axis=0)
            if samples is not None:
                samples[:, :, i, :] = samples[:, :, i, :].cumsum(axis=1)
            names[i] = PRODUCTION_LEVEL if name == "prod_growth_pct" else f"{name}_cum"
    return _tidy(point, samples, fit.shocks, names, np.arange(horizon + 1))


def fevd_frame(fit: SVARFit, draws: SVARDraws | None = None, horizon: int = 24) -> pd.DataFrame:
    """Forecast-error variance decomposition, with bands.

    Parameters
    ----------
    fit
        From :func:`fit_svar`.
    draws
        Bootstrap draws for the bands; ``None``: bands are NaN.
    horizon
        Longest forecast horizon (months ahead; horizon 1 is the impact month).

    Returns
    -------
    pandas.DataFrame
        ``shock, variable, horizon, estimate, mean, q05, ..., q95``: the share (0 to 1) of
        the ``horizon``-step forecast-error variance of ``variable`` due to ``shock``. Shares
        of each variable and horizon add up to 1 (in the estimate and in every draw).
    """
    check_count("horizon", horizon)
    point = _fevd(fit.irfs(horizon - 1))
    samples = _fevd(draws.irfs(horizon - 1)) if draws is not None else None
    return _tidy(point, samples, fit.shocks, list(fit.variables), np.arange(1, horizon + 1))


def historical_decomposition(fit: SVARFit) -> pd.DataFrame:
    """Split each variable into the contributions of the structural shocks.

    ``y_t = d_t + sum_j c_{j,t}``: ``d_t`` runs the VAR from the first ``p`` observations
    with its constant and no shocks (``initial_and_deterministic``); ``c_{j,t}`` is the
    cumulated effect of the estimated shocks ``j`` since the start of the sample. They add up
    to the data exactly (to rounding).

    Parameters
    ----------
    fit
        From :func:`fit_svar`.

    Returns
    -------
    pandas.DataFrame
        ``date`` (or ``t``, the row of the sample, when the fit has no dates), ``variable``,
        ``component`` (each shock and ``initial_and_deterministic``), ``value``; one row per
        month after the first ``p``.
    """
    p, k = fit.lags, fit.k
    shocks = fit.structural_residuals  # (T - p, K)
    # One innovation series per shock: u_t^{(j)} = B[:, j] eps_{j,t}.
    innovations = shocks.T[:, :, None] * fit.impact.T[:, None, :]  # (K, T - p, K)
    parts = _var.simulate(fit.coefs, np.zeros(k), np.zeros((k, p, k)), innovations)
    base = _var.simulate(fit.coefs, fit.intercept, fit.data[:p], np.zeros_like(shocks))
    components = np.concatenate([parts, base[None]], axis=0)  # (K + 1, T - p, K)
    labels = [*fit.shocks, BASE_COMPONENT]
    rows = fit.nobs
    time = (
        pd.DatetimeIndex(fit.dates[p:]).astype("datetime64[ns]")
        if fit.dates is not None
        else np.arange(p, p + rows)
    )
    key = "date" if fit.dates is not None else "t"
    return pd.DataFrame(
        {
            key: np.tile(np.repeat(time, k), k + 1),
            "variable": np.tile(np.asarray(fit.variables, dtype=object), rows * (k + 1)),
            "component": np.repeat(np.asarray(labels, dtype=object), rows * k),
            "value": components.reshape(-1),
        }
    )


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class SupplyPriceResponse:
    """The real-price response to a loss of 1% of world oil supply.

    Attributes
    ----------
    path
        ``horizon, estimate, mean, q05, ..., q95``: % change of the real price ``horizon``
        months after the loss begins.
    peak
        One row: ``normalise, peak_horizon, estimate, mean, q05, ..., q95``; ``estimate`` is
        the point estimate's largest response (at ``peak_horizon``), the bands are those of
        each draw's largest response.
    normalise
        ``"impact"`` or ``"sustained"`` (see :func:`supply_price_response`).
    """

    path: pd.DataFrame
    peak: pd.DataFrame
    normalise: Normalisation

    def summary(self) -> str:
        """One line: the peak response with its 68% and 90% bands."""
        row = self.peak.iloc[0]
        return (
            f"peak real-price response per 1% of world supply lost ({self.normalise}): "
            f"{row['estimate']:.2f}% at {int(row['peak_horizon'])} months "
            f"(68%: {row['q16']:.2f}..{row['q84']:.2f}; 90%: {row['q05']:.2f}..{row['q95']:.2f})"
        )

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return f"SupplyPriceResponse({self.summary()})"


def supply_price_response(
    fit: SVARFit,
    draws: SVARDraws | None = None,
    horizon: int = 24,
    *,
    normalise: Normalisation = "impact",
) -> SupplyPriceResponse:
    """Return the real-price response (%) per 1% of world supply lost (the SVAR's multiplier).

    Parameters
    ----------
    fit
        From :func:`fit_svar` (K = 3).
    draws
        Bootstrap draws for the bands; ``None``: bands are NaN.
    horizon
        Months after the loss over which the peak is sought.
    normalise
        ``"impact"``: the supply-shock response scaled so the production level falls 1% on
        impact (production then recovers as the estimated dynamics say).
        ``"sustained"``: the structural scenario in which production stays 1% below its
        no-outage path at every horizon, produced by supply shocks alone (the experiment of
        the elasticity model and of a long outage).

    Returns
    -------
    SupplyPriceResponse
        The response path and its peak, with bands.
    """
    check_count("horizon", horizon)
    if fit.k != 3:
        raise ValueError(NEEDS_THREE.format(what="supply_price_response", k=fit.k))

    def paths(coefs: np.ndarray, impact: np.ndarray) -> np.ndarray:
        return supply_response_paths(coefs, impact, horizon, normalise)

    point = paths(fit.coefs, fit.impact)
    samples = paths(draws.coefs, draws.impact) if draws is not None else None
    hours = np.arange(horizon + 1)
    path = _tidy(point[:, None, None], None if samples is None else samples[:, :, None, None],
                 ("supply",), ["real_price_log"], hours)  # fmt: skip
    path = path.drop(columns=["shock", "variable"])
    peak_at = int(np.argmax(point))
    peak_samples = samples.max(axis=1) if samples is not None else None
    peak = _tidy(
        np.array([[[point[peak_at]]]]),
        None if peak_samples is None else peak_samples[:, None, None, None],
        ("supply",),
        ["real_price_log"],
        np.array([peak_at]),
    )
    peak = peak.drop(columns=["shock", "variable"]).rename(columns={"horizon": "peak_horizon"})
    peak.insert(0, "normalise", normalise)
    return SupplyPriceResponse(path=path, peak=peak, normalise=normalise)


def supply_response_paths(
    coefs: np.ndarray, impact: np.ndarray, horizon: int, normalise: Normalisation
) -> np.ndarray:
    """Real-price responses (%) per 1% of supply lost, ``(..., horizon + 1)``.

    ``coefs`` ``(..., p, K, K)`` and ``impact`` ``(..., K, K)`` broadcast against each other;
    ``normalise`` as in :func:`supply_price_response`.
    """
    theta = _var.structural_ma(coefs, impact, horizon)  # (..., H + 1, K, K)
    if normalise == "impact":
        scale = -1.0 / theta[..., 0, PROD, SUPPLY]
        scaled: np.ndarray = theta[..., :, PRICE, SUPPLY] * scale[..., None]
        return scaled
    target = np.zeros(horizon + 1)
    target[0] = -1.0  # production growth: -1% in the first month, level -1% after
    _, effect = scenario_effect(theta, target)
    sustained: np.ndarray = effect[..., PRICE]
    return sustained


def identified_set_frame(fit: SVARFit, horizon: int = 12) -> pd.DataFrame:
    """Return the range of the supply shock's price effect over the identified set.

    Parameters
    ----------
    fit
        From :func:`fit_svar`; under sign identification ``impact_set`` holds every accepted
        rotation (the identified set), otherwise its one model.
    horizon
        The later horizon reported beside the impact month.

    Returns
    -------
    pandas.DataFrame
        ``normalise, horizon, models, min, median, max, point``: the real-price response (%)
        per 1% of world supply lost (``impact`` and ``sustained`` normalisations, see
        :func:`supply_price_response`) at horizon 0 and ``horizon``, its minimum, median and
        maximum over the accepted models, and the point model's (Fry-Pagan) value.
    """
    check_count("horizon", horizon)
    if fit.k != 3:
        raise ValueError(NEEDS_THREE.format(what="identified_set_frame", k=fit.k))
    rows = []
    for normalise in ("impact", "sustained"):
        every = supply_response_paths(fit.coefs, fit.impact_set, horizon, normalise)
        point = supply_response_paths(fit.coefs, fit.impact, horizon, normalise)
        for h in (0, horizon):
            values = every[:, h]
            rows.append(
                {
                    "normalise": normalise,
                    "horizon": h,
                    "models": int(values.size),
                    "min": float(values.min()),
                    "median": float(np.median(values)),
                    "max": float(values.max()),
                    "point": float(point[h]),
                }
            )
    return pd.DataFrame(rows)


def first_stage_frame(fit: SVARFit) -> pd.DataFrame:
    """Return the proxy's first stage: each residual regressed on the instrument.

    Parameters
    ----------
    fit
        From :func:`fit_svar` with ``identification="proxy"``.

    Returns
    -------
    pandas.DataFrame
        ``variable, months, first, last, slope, f_stat, weak``, one row per variable: the
        OLS slope and homoskedastic F of the reduced-form residual on a constant and the
        instrument, over the months the instrument covers (``first``..``last``). The row of
        ``prod_growth_pct`` is the first stage of the supply shock's normalisation (a 1%
        production fall on impact) and is ``fit.first_stage_f``; ``weak`` flags F below 10.
    """
    if fit.instrument is None:
        raise ValueError("first_stage_frame needs a proxy-identified fit (with its instrument)")
    observed = np.isfinite(fit.instrument)
    z = fit.instrument[observed]
    months = fit.dates[fit.lags :][observed] if fit.dates is not None else pd.DatetimeIndex([])
    rows = []
    for i, variable in enumerate(fit.variables):
        u = fit.residuals[observed, i]
        zc = z - z.mean()
        slope = float(zc @ (u - u.mean()) / (zc @ zc)) if zc.any() else np.nan
        f_stat = first_stage_f(u, z)
        rows.append(
            {
                "variable": variable,
                "months": int(z.size),
                "first": f"{months[0]:%Y-%m}" if len(months) else "",
                "last": f"{months[-1]:%Y-%m}" if len(months) else "",
                "slope": slope,
                "f_stat": f_stat,
                "weak": bool(f_stat < WEAK_INSTRUMENT_F),
            }
        )
    return pd.DataFrame(rows)


def _fevd(theta: np.ndarray) -> np.ndarray:
    """FEVD shares ``(..., H, K, K)`` for 1..H steps ahead from ``Theta_0..Theta_{H-1}``."""
    cumulated = np.cumsum(theta**2, axis=-3)
    total = cumulated.sum(axis=-1, keepdims=True)
    shares: np.ndarray = cumulated / np.where(total > 0, total, 1.0)
    return shares


def _tidy(
    point: np.ndarray,
    samples: np.ndarray | None,
    shocks: tuple[str, ...],
    variables: list[str],
    horizons: np.ndarray,
) -> pd.DataFrame:
    """Long frame from ``point`` ``(H, K, S)`` and ``samples`` ``(n, H, K, S)``."""
    n_h, k, s = point.shape
    frame = pd.DataFrame(
        {
            "shock": np.repeat(np.asarray(shocks, dtype=object), n_h * k),
            "variable": np.tile(np.repeat(np.asarray(variables, dtype=object), n_h), s),
            "horizon": np.tile(np.asarray(horizons, dtype=np.int64), k * s),
            "estimate": np.moveaxis(point, -1, 0).swapaxes(1, 2).reshape(-1),
        }
    )
    if samples is None:
        frame["mean"] = np.nan
        for name in QUANTILES:
            frame[name] = np.nan
        return frame
    ordered = np.moveaxis(samples, -1, 1).swapaxes(2, 3).reshape(samples.shape[0], -1)
    frame["mean"] = ordered.mean(axis=0)
    quantiles = np.quantile(ordered, list(QUANTILES.values()), axis=0)
    for name, row in zip(QUANTILES, quantiles, strict=True):
        frame[name] = row
    return frame
