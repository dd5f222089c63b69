"""How much the SVAR's supply multiplier depends on identification, lags and sample."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from forecast.errors import EstimationError
from forecast.models import _var
from forecast.models.svar._common import PRICE, scenario_effect
from forecast.models.svar._identify import WEAK_INSTRUMENT_F
from forecast.models.svar.dataset import align_instrument, svar_dataset
from forecast.models.svar.estimation import fit_svar

if TYPE_CHECKING:
    from forecast.models.svar.estimation import SVARFit

__all__ = ["SENSITIVITY_HORIZONS", "sensitivity_table", "sustained_supply_effect"]

SENSITIVITY_HORIZONS = (1, 3, 6, 12)
"""Horizons (months after the loss begins) of :func:`sensitivity_table`."""
SENSITIVITY_LAGS = (6, 12, 24)
ACTIVITY_HORIZON = 6
"""Horizon of the real-activity diagnostic."""
LONG_SAMPLE = ("1974-02", "2017-12")
SHORT_SAMPLE = ("1992-02", "2019-12")
IDENTIFICATIONS = ("recursive", "sign_km2012", "sign_impact", "proxy")


def sustained_supply_effect(coefs: np.ndarray, impact: np.ndarray, horizon: int) -> np.ndarray:
    """Effect ``(..., horizon + 1, K)`` of keeping production 1% below its path (supply shocks).

    The structural scenario of :func:`supply_price_response` with ``normalise="sustained"``,
    for every variable (``[..., h, 2]`` is the real price in %, ``[..., h, 1]`` activity).
    """
    theta = _var.structural_ma(coefs, impact, horizon)
    target = np.zeros(horizon + 1)
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
    rotations: int = 20_000,
) -> pd.DataFrame:
    """Fit the point SVAR (no bootstrap) on a grid and report its supply multiplier.

    The grid: identification (``recursive``; ``sign_km2012``, Kilian-Murphy with the
    dynamic restrictions, and ``sign_impact``, impact restrictions only, both the pointwise
    median over the identified set; ``proxy`` when ``instrument`` is given) x lags (6, 12,
    24) x sample (1974-02..2017-12 when the long series are given, 1992-02..2019-12,
    1992-02..``as_of``).

    Parameters
    ----------
    production, activity, price, cpi, production_long, price_long, cpi_long, as_of
        As for :func:`svar_dataset`.
    instrument
        ``date, value``: Känzig's oil supply surprises (``kaenzig_oil_supply_surprise``).
    rng
        Rotations of the sign-identified cells.
    rotations
        Candidate rotations per sign-identified cell.

    Returns
    -------
    pandas.DataFrame
        ``identification, lags, sample, models, h1, h3, h6, h12, rea_h6, rea_h6_sign,
        first_stage_f, status``: the real-price response (%) to production held 1% below its path (a
        sustained 1% supply loss) at 1, 3, 6, 12 months after it begins (month 0 is the
        first month of the loss), the response of real activity at 6 months and its sign
        (a supply disruption should lower it), the proxy's first-stage F (production
        residual; NaN for the other identifications), and ``ok``, a weak-instrument warning
        (proxy, F < 10: the numbers are shown but unreliable) or why the cell is empty
        (``no admissible model`` under sign identification).
    """
    long = {"production_long": production_long, "price_long": price_long, "cpi_long": cpi_long}
    samples: list[tuple[tuple[str, str | None], dict[str, pd.DataFrame | None]]] = [
        (SHORT_SAMPLE, {}),
        (("1992-02", None), {}),
    ]
    if all(v is not None for v in long.values()):
        samples.insert(0, (LONG_SAMPLE, long))
    rows = []
    for (start, end), extra in samples:
        data = svar_dataset(
            production, activity, price, cpi, start=start, as_of=end or as_of, **extra
        ).complete()
        label = f"{start}..{data['date'].iloc[-1]:%Y-%m}"
        z = _aligned(instrument, data)
        for identification in IDENTIFICATIONS:
            if identification == "proxy" and z is None:
                continue
            for lags in SENSITIVITY_LAGS:
                row = _cell(data, lags, identification, z, rng, rotations)
                rows.append(
                    {"identification": identification, "lags": lags, "sample": label, **row}
                )
    return pd.DataFrame(rows)


def _cell(
    data: pd.DataFrame,
    lags: int,
    identification: str,
    instrument: np.ndarray | None,
    rng: np.random.Generator,
    rotations: int,
) -> dict[str, object]:
    """One cell of the grid: the sustained-loss responses (median over the identified set)."""
    horizon = max(SENSITIVITY_HORIZONS)
    empty: dict[str, object] = {f"h{h}": np.nan for h in SENSITIVITY_HORIZONS}
    empty.update(models=0, rea_h6=np.nan, rea_h6_sign="", first_stage_f=np.nan)
    try:
        fit = _fit(data, lags, identification, instrument, rng, rotations)
    except EstimationError as exc:
        return {**empty, "status": str(exc).split(":", 1)[0]}
    effect = sustained_supply_effect(fit.coefs, fit.impact_set, horizon)  # (n, H + 1, K)
    median = np.median(effect, axis=0)
    row: dict[str, object] = {f"h{h}": float(median[h, PRICE]) for h in SENSITIVITY_HORIZONS}
    rea = float(median[ACTIVITY_HORIZON, 1])
    f_stat = np.nan if fit.first_stage_f is None else float(fit.first_stage_f)
    weak = f_stat < WEAK_INSTRUMENT_F  # False for NaN
    row.update(
        models=int(effect.shape[0]),
        rea_h6=rea,
        rea_h6_sign="-" if rea < 0 else "+",
        first_stage_f=f_stat,
        status=f"weak instrument (F {f_stat:.2f} < 10)" if weak else "ok",
    )
    return row


def _fit(
    data: pd.DataFrame,
    lags: int,
    identification: str,
    instrument: np.ndarray | None,
    rng: np.random.Generator,
    rotations: int,
) -> SVARFit:
    if identification == "recursive":
        return fit_svar(data, lags)
    if identification == "proxy":
        return fit_svar(data, lags, identification="proxy", instrument=instrument)
    dynamic = 12 if identification == "sign_km2012" else 0
    return fit_svar(
        data, lags, identification="sign", rng=rng, rotations=rotations, dynamic_horizon=dynamic
    )


def _aligned(instrument: pd.DataFrame | None, data: pd.DataFrame) -> np.ndarray | None:
    """Return the instrument on the sample's months (NaN where not covered), or ``None``."""
    if instrument is None:
        return None
    return align_instrument(instrument, data["date"])
