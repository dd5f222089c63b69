"""Lag length on evidence: AIC, BIC and Hannan-Quinn for ``p = 1..max_lags`` on one sample."""

from __future__ import annotations

from typing import TYPE_CHECKING, get_args

import numpy as np
import pandas as pd

from forecast._arrays import check_count
from forecast._typing import LagCriterion
from forecast.errors import EstimationError
from forecast.models import _var
from forecast.models.svar.estimation import TOO_FEW, _as_array

if TYPE_CHECKING:
    from forecast._typing import Trend

__all__ = ["lag_selection", "lags_from_table", "select_lags"]

CRITERIA = ("aic", "bic", "hq")
"""The information criteria of :func:`lag_selection`, in column order."""
BAD_CRITERION = "criterion must be one of {known}, not {value!r}"


def lag_selection(
    data: np.ndarray | pd.DataFrame, max_lags: int = 24, *, trend: Trend = "c"
) -> pd.DataFrame:
    """Information criteria of VAR(p), ``p = 1..max_lags``, all on the same sample.

    Every ``p`` explains the same months: those after the first ``max_lags`` rows (the
    first rows serve as lags only), so the criteria are comparable (Lütkepohl 2005, 4.3).

    Parameters
    ----------
    data
        ``T x K`` complete data, oldest first (as for :func:`fit_svar`).
    max_lags
        Largest lag length compared.
    trend
        ``"c"`` (constant) or ``"n"``.

    Returns
    -------
    pandas.DataFrame
        ``lags, nobs, log_det_sigma, aic, bic, hq, chosen_by``: ``log_det_sigma`` is the log
        determinant of the maximum-likelihood residual covariance ``U'U / nobs``; with
        ``n = K (k_trend + K p)`` coefficients, ``aic = log|Σ| + 2 n / nobs``, ``bic =
        log|Σ| + log(nobs) n / nobs``, ``hq = log|Σ| + 2 log(log(nobs)) n / nobs``.
        ``chosen_by`` lists the criteria minimised at that ``p`` (``""`` elsewhere).

    Raises
    ------
    EstimationError
        If the sample is too short for ``max_lags``.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.random.default_rng(0).standard_normal((300, 3))
    >>> table = lag_selection(y, 4)
    >>> list(table["lags"]), int(select_lags(y, 4))
    ([1, 2, 3, 4], 1)
    """
    check_count("max_lags", max_lags)
    values, _, _ = _as_array(data)
    t, k = values.shape
    k_trend = 1 if trend == "c" else 0
    nobs = t - max_lags
    if nobs <= k_trend + k * max_lags:
        raise EstimationError(TOO_FEW.format(lags=max_lags, m=k_trend + k * max_lags, rows=nobs))
    rows = []
    for p in range(1, max_lags + 1):
        _, resid, _ = _var.ols(values[max_lags - p :], p, k_trend)
        sign, log_det = np.linalg.slogdet(resid.T @ resid / nobs)
        if sign <= 0:
            log_det = np.inf
        n = k * (k_trend + k * p)
        rows.append(
            {
                "lags": p,
                "nobs": nobs,
                "log_det_sigma": float(log_det),
                "aic": float(log_det + 2.0 * n / nobs),
                "bic": float(log_det + np.log(nobs) * n / nobs),
                "hq": float(log_det + 2.0 * np.log(np.log(nobs)) * n / nobs),
            }
        )
    table = pd.DataFrame(rows)
    best = {c: int(table["lags"].to_numpy()[int(np.argmin(table[c].to_numpy()))]) for c in CRITERIA}
    table["chosen_by"] = [
        ",".join(c for c in CRITERIA if best[c] == p) for p in table["lags"].to_numpy()
    ]
    return table


def select_lags(
    data: np.ndarray | pd.DataFrame,
    max_lags: int = 24,
    criterion: LagCriterion = "bic",
    *,
    trend: Trend = "c",
) -> int:
    """Return the lag length (``1..max_lags``) that minimises ``criterion`` (see above).

    ``criterion`` ``"fixed"`` returns ``max_lags`` itself (the lag length chosen by hand).
    """
    fixed = _fixed_lags(max_lags, criterion)
    if fixed is not None:
        return fixed
    return lags_from_table(lag_selection(data, max_lags, trend=trend), max_lags, criterion)


def lags_from_table(table: pd.DataFrame, max_lags: int, criterion: LagCriterion = "bic") -> int:
    """Return :func:`select_lags`' choice from its :func:`lag_selection` table (no refit).

    ``table`` is ``lag_selection(data, max_lags)`` of the same data; ``"fixed"`` gives
    ``max_lags``.
    """
    fixed = _fixed_lags(max_lags, criterion)
    if fixed is not None:
        return fixed
    return int(table["lags"].to_numpy()[int(np.argmin(table[criterion].to_numpy()))])


def _fixed_lags(max_lags: int, criterion: LagCriterion) -> int | None:
    """Check ``criterion``; return ``max_lags`` when it is ``"fixed"``, else ``None``."""
    known = get_args(LagCriterion)
    if criterion not in known:
        raise ValueError(BAD_CRITERION.format(known=", ".join(known), value=criterion))
    if criterion == "fixed":
        check_count("max_lags", max_lags)
        return int(max_lags)
    return None
