"""How much the SVAR's supply multiplier depends on identification, lags and sample."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.errors import EstimationError
from forecast.models import _var
from forecast.models.svar._common import (
    KM2012_ELASTICITY_BOUND,
    PRICE,
    VARIABLES,
    cholesky,
    disruption_signs,
    scenario_effect,
)
from forecast.models.svar._identify import (
    KM2012_DYNAMIC_HORIZON,
    WEAK_INSTRUMENT_F,
    km_admissible,
    proxy_identification,
)
from forecast.models.svar.dataset import align_instrument, svar_dataset

__all__ = ["SENSITIVITY_HORIZONS", "sensitivity_table", "sustained_supply_effect"]

SENSITIVITY_HORIZONS = (1, 3, 6, 12)
"""Horizons (months after the loss begins) of :func:`sensitivity_table`."""
SENSITIVITY_LAGS = (6, 12, 24)
SENSITIVITY_ROTATIONS = 200_000
"""Haar draws per (sample, lags) for the sign-identified cells (both share them).

About 0.1-0.5% of them pass Kilian-Murphy's impact checks on the shared data: tens to
hundreds of admissible models per cell, enough for a stable range over the identified set.
"""
ACTIVITY_HORIZON = 6
"""Horizon of the real-activity diagnostic."""
LONG_SAMPLE = ("1974-02", "2017-12")
SHORT_SAMPLE = ("1992-02", "2019-12")
IDENTIFICATIONS = ("recursive", "sign_km2012", "sign_impact", "proxy")
NO_MODEL = "no admissible model"
"""Status of a sign-identified cell whose restrictions admit no model (never loosened)."""
TOO_FEW = "too few rows for a VAR({lags}): {rows} after the lags, {m} regressors per equation"


def sustained_supply_effect(coefs: np.ndarray, impact: np.ndarray, horizon: int) -> np.ndarray:
    """Effect ``(..., horizon + 1, K)`` of keeping production 1% below its path (supply shocks).

    The structural scenario of :func:`supply_price_response` with ``normalise="sustained"``,
    for every variable (``[..., h, 2]`` is the real price in %, ``[..., h, 1]`` activity).
    """
    return _sustained_effect(_var.ma_rep(coefs, horizon), impact)


def _sustained_effect(phis: np.ndarray, impact: np.ndarray) -> np.ndarray:
    """:func:`sustained_supply_effect` from the MA matrices ``(..., H + 1, K, K)``."""
    theta = phis @ impact[..., None, :, :]  # as _var.structural_ma
    target = np.zeros(phis.shape[-3])  # H + 1, also for batched (n, H + 1, K, K) matrices
    target[0] = -1.0
    _, effect = scenario_effect(theta, target)
    return effect


def sensitivity_table(
    production: pd.DataFrame,
    activity: pd.DataFrame,
    price: pd.DataFrame,
    cpi: pd.DataFrame,
    *,
    production_long: pd.DataFrame | None = None,
    price_long: pd.DataFrame | None = None,
    cpi_long: pd.DataFrame | None = None,
    instrument: pd.DataFrame | None = None,
    as_of: str | pd.Timestamp | None = None,
    rng: np.random.Generator,
    rotations: int = SENSITIVITY_ROTATIONS,
) -> pd.DataFrame:
    """Fit the point SVAR (no bootstrap) on a grid and report its supply multiplier.

    The grid: identification (``recursive``; ``sign_km2012``, Kilian-Murphy with the
    dynamic restrictions, and ``sign_impact``, impact restrictions only, both the pointwise
    median over the identified set; ``proxy`` when ``instrument`` is given) x lags (6, 12,
    24) x sample (1974-02..2017-12 when the long series are given, 1992-02..2019-12,
    1992-02..``as_of``).

    Each sample is assembled once and each (sample, lags) VAR fitted once (the batched OLS
    kernel of :func:`~forecast.models._var.ols_batch`, equal to statsmodels' OLS up to
    rounding), its MA matrices computed once, and every identification is applied to that
    one reduced form. Both sign identifications share one set of ``rotations`` Haar draws
    (unit quaternions, screened as the bootstrap's sampler screens them): the impact-only
    set is every draw that passes the impact signs and the elasticity bound, the KM2012 set
    the part of it that also passes the dynamic restrictions.

    Parameters
    ----------
    production, activity, price, cpi, production_long, price_long, cpi_long, as_of
        As for :func:`svar_dataset`.
    instrument
        ``date, value``: Känzig's oil supply surprises (``kaenzig_oil_supply_surprise``).
    rng
        Rotations of the sign-identified cells.
    rotations
        Candidate rotations per (sample, lags) for the sign-identified cells
        (:data:`SENSITIVITY_ROTATIONS`).

    Returns
    -------
    pandas.DataFrame
        ``identification, lags, sample, models, h1, h3, h6, h12, rea_h6, rea_h6_sign,
        first_stage_f, status``, then ``h1_min, h1_max, ..., h12_max, rea_h6_min,
        rea_h6_max``: the real-price response (%) to production held 1% below its path (a
        sustained 1% supply loss) at 1, 3, 6, 12 months after it begins (month 0 is the
        first month of the loss), the response of real activity at 6 months and its sign
        (a supply disruption should lower it), the proxy's first-stage F (production
        residual; NaN for the other identifications), and ``ok``, a weak-instrument warning
        (proxy, F < 10: the numbers are shown but unreliable) or why the cell is empty
        (:data:`NO_MODEL` under sign identification). The responses are the pointwise
        medians over the ``models`` admissible models; ``*_min``/``*_max`` their range over
        the identified set (equal to the point for the recursive and proxy cells, which
        have one model).
    """
    long = {"production_long": production_long, "price_long": price_long, "cpi_long": cpi_long}
    samples: list[tuple[tuple[str, str | None], dict[str, pd.DataFrame | None]]] = [
        (SHORT_SAMPLE, {}),
        (("1992-02", None), {}),
    ]
    if all(v is not None for v in long.values()):
        samples.insert(0, (LONG_SAMPLE, long))
    rows: list[dict[str, object]] = []
    for (start, end), extra in samples:
        data = svar_dataset(
            production, activity, price, cpi, start=start, as_of=end or as_of, **extra
        ).complete()
        label = f"{start}..{data['date'].iloc[-1]:%Y-%m}"
        values = data[list(VARIABLES)].to_numpy(dtype=float)
        z = _aligned(instrument, data)
        cells = {lags: _cells(values, lags, z, rng, rotations) for lags in SENSITIVITY_LAGS}
        rows.extend(
            {"identification": identification, "lags": lags, "sample": label, **cell}
            for identification in IDENTIFICATIONS
            for lags, by_identification in cells.items()
            if (cell := by_identification.get(identification)) is not None
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True, slots=True)
class _Reduced:
    """One sample's VAR(p): what every identification of a cell needs."""

    sigma: np.ndarray
    residuals: np.ndarray
    phis: np.ndarray  # Phi_0..Phi_H, H = max(SENSITIVITY_HORIZONS, KM2012's dynamic horizon)


def _reduced(values: np.ndarray, lags: int) -> _Reduced:
    """Fit the VAR(``lags``) with a constant on ``values`` ``(T, 3)`` by the batched OLS kernel."""
    t, k = values.shape
    m = 1 + k * lags
    if t - lags <= m:
        raise EstimationError(TOO_FEW.format(lags=lags, rows=t - lags, m=m))
    params, sigma = _var.ols_batch(values[None], lags, 1)
    design, lhs = _var.lagged(values, lags, 1)
    coefs, _ = _var.coefs_from_params(params[0], k, lags, 1)
    horizon = max(*SENSITIVITY_HORIZONS, KM2012_DYNAMIC_HORIZON)
    return _Reduced(sigma[0], lhs - design @ params[0], _var.ma_rep(coefs, horizon))


def _cells(
    values: np.ndarray,
    lags: int,
    instrument: np.ndarray | None,
    rng: np.random.Generator,
    rotations: int,
) -> dict[str, dict[str, object]]:
    """Every identification of one (sample, lags) cell, on one reduced form."""
    names = [i for i in IDENTIFICATIONS if i != "proxy" or instrument is not None]
    try:
        reduced = _reduced(values, lags)
        chol = cholesky(reduced.sigma)
    except EstimationError as exc:
        return {name: _empty(str(exc).split(":", 1)[0]) for name in names}
    signs = disruption_signs(3, supply_disruption=True)
    phis = reduced.phis
    impact, dynamic = km_admissible(
        rng.standard_normal((4, int(rotations))),
        chol,
        KM2012_ELASTICITY_BOUND,
        phis[: KM2012_DYNAMIC_HORIZON + 1],
    )
    cells = {
        "recursive": _summary(phis, (chol * signs)[None]),
        "sign_km2012": _summary(phis, impact[dynamic] * signs),
        "sign_impact": _summary(phis, impact * signs),
    }
    if instrument is not None:
        try:
            b, f_stat = proxy_identification(
                reduced.residuals, reduced.sigma, instrument[lags:], signs
            )
        except EstimationError as exc:
            cells["proxy"] = _empty(str(exc).split(":", 1)[0])
        else:
            cells["proxy"] = _summary(phis, b[None], f_stat)
    return cells


def _empty(status: str) -> dict[str, object]:
    """Return a cell without a model: NaN responses and ``status`` saying why."""
    row: dict[str, object] = {f"h{h}": np.nan for h in SENSITIVITY_HORIZONS}
    row.update(models=0, rea_h6=np.nan, rea_h6_sign="", first_stage_f=np.nan, status=status)
    row.update({f"h{h}_{end}": np.nan for h in SENSITIVITY_HORIZONS for end in ("min", "max")})
    row.update(rea_h6_min=np.nan, rea_h6_max=np.nan)
    return row


def _summary(
    phis: np.ndarray, impact_set: np.ndarray, f_stat: float | None = None
) -> dict[str, object]:
    """Return the sustained-loss responses over ``impact_set`` ``(n, 3, 3)``: median, range."""
    if impact_set.shape[0] == 0:
        return _empty(NO_MODEL)
    horizon = max(SENSITIVITY_HORIZONS)
    effect = _sustained_effect(phis[: horizon + 1], impact_set)  # (n, H + 1, K)
    median = np.median(effect, axis=0)
    low, high = effect.min(axis=0), effect.max(axis=0)
    row: dict[str, object] = {f"h{h}": float(median[h, PRICE]) for h in SENSITIVITY_HORIZONS}
    rea = float(median[ACTIVITY_HORIZON, 1])
    f_value = np.nan if f_stat is None else float(f_stat)
    weak = f_value < WEAK_INSTRUMENT_F  # False for NaN
    row.update(
        models=int(effect.shape[0]),
        rea_h6=rea,
        rea_h6_sign="-" if rea < 0 else "+",
        first_stage_f=f_value,
        status=f"weak instrument (F {f_value:.2f} < 10)" if weak else "ok",
    )
    for h in SENSITIVITY_HORIZONS:
        row.update({f"h{h}_min": float(low[h, PRICE]), f"h{h}_max": float(high[h, PRICE])})
    row.update(
        rea_h6_min=float(low[ACTIVITY_HORIZON, 1]), rea_h6_max=float(high[ACTIVITY_HORIZON, 1])
    )
    return row


def _aligned(instrument: pd.DataFrame | None, data: pd.DataFrame) -> np.ndarray | None:
    """Return the instrument on the sample's months (NaN where not covered), or ``None``."""
    if instrument is None:
        return None
    return align_instrument(instrument, data["date"])
