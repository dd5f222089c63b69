"""Tests of equal predictive accuracy: Diebold-Mariano (HLN-corrected) and Clark-West.

Both use a Newey-West (Bartlett kernel) long-run variance with ``h - 1`` lags, computed by
statsmodels' :func:`statsmodels.stats.sandwich_covariance.S_hac_simple`: positive
semi-definite by construction, unlike the truncated rectangular kernel of Diebold & Mariano
(1995), which can come out near zero or negative at long horizons and then makes a small
loss difference look very significant. Statistics are signed: negative means the model's
loss is lower than the benchmark's; ``pvalue_better`` is the one-sided p-value of "the model
is better".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

Kernel = Literal["bartlett", "truncated"]
"""The long-run variance's kernel: Newey-West (default) or Diebold-Mariano's rectangular."""


@dataclass(frozen=True, slots=True)
class DMResult:
    """A Diebold-Mariano test of equal expected loss.

    Attributes
    ----------
    statistic
        The Harvey-Leybourne-Newbold corrected statistic (negative: the model's loss is
        lower than the benchmark's).
    pvalue
        Two-sided p-value from Student's t with ``n - 1`` degrees of freedom.
    n
        Number of loss pairs.
    mean_difference
        Mean of ``loss_model - loss_benchmark``.
    pvalue_better
        One-sided p-value of "the model's expected loss is lower" (``P(t <= statistic)``).
    long_run_variance
        The long-run variance of the loss difference (of ``sqrt(n) * mean``).
    """

    statistic: float
    pvalue: float
    n: int
    mean_difference: float
    pvalue_better: float = math.nan
    long_run_variance: float = math.nan


@dataclass(frozen=True, slots=True)
class CWResult:
    """A Clark-West test of a model against the random walk it nests.

    Attributes
    ----------
    statistic
        ``mean(f) / sqrt(lrv / n)`` with ``f_t = e_model^2 - (fc_bench - fc_model)^2 -
        e_bench^2`` (negative: the model is better once the noise of estimating the
        parameters the benchmark sets to zero is allowed for).
    pvalue_better
        One-sided p-value from the standard normal (``Phi(statistic)``), as in Clark & West.
    n
        Number of forecast pairs.
    mean_adjusted_difference
        Mean of ``f``.
    long_run_variance
        Newey-West long-run variance of ``f``.
    """

    statistic: float
    pvalue_better: float
    n: int
    mean_adjusted_difference: float
    long_run_variance: float


def long_run_variance(values: np.ndarray, horizon: int, kernel: Kernel = "bartlett") -> float:
    """Return the HAC long-run variance of a series with ``horizon - 1`` lags.

    Parameters
    ----------
    values
        The series in time order (demeaned here).
    horizon
        Forecast horizon ``h``: ``h - 1`` autocovariances (at most ``n - 1``).
    kernel
        ``"bartlett"``: Newey-West weights ``1 - k/h`` (never negative);
        ``"truncated"``: Diebold & Mariano's unit weights, Bartlett if that is not positive.

    Returns
    -------
    float
        ``(sum_k w_k sum_t x_t x_{t-k}) / n``; NaN for an empty series.

    Examples
    --------
    >>> import numpy as np
    >>> round(long_run_variance(np.array([1.0, -1.0, 1.0, -1.0]), 2), 3)
    0.25
    """
    from statsmodels.stats.sandwich_covariance import (
        S_hac_simple,
        weights_bartlett,
        weights_uniform,
    )

    x = np.asarray(values, dtype=float)
    n = int(x.size)
    if n == 0:
        return math.nan
    centred = x - x.mean()
    lags = min(max(int(horizon) - 1, 0), n - 1)
    weights = weights_uniform if kernel == "truncated" else weights_bartlett
    variance = float(S_hac_simple(centred, nlags=lags, weights_func=weights)[0, 0]) / n
    if kernel == "truncated" and variance <= 0:
        variance = float(S_hac_simple(centred, nlags=lags)[0, 0]) / n
    return variance


def diebold_mariano(
    loss_model: np.ndarray,
    loss_benchmark: np.ndarray,
    horizon: int,
    *,
    kernel: Kernel = "bartlett",
) -> DMResult:
    """Diebold-Mariano test with the Harvey, Leybourne & Newbold (1997) correction.

    With ``d_t = loss_model_t - loss_benchmark_t`` (in time order) and ``n`` pairs,
    ``DM = mean(d) / sqrt(V / n)`` where ``V`` is the Newey-West long-run variance of ``d``
    with ``h - 1`` lags (:func:`long_run_variance`). ``DM`` is multiplied by
    ``sqrt((n + 1 - 2h + h(h - 1)/n) / n)`` and compared with Student's t with ``n - 1``
    degrees of freedom. Identical losses give statistic 0, p-value 1 and one-sided 0.5.

    Parameters
    ----------
    loss_model, loss_benchmark
        Losses (e.g. squared errors) in time order, same length.
    horizon
        The forecast horizon ``h``.
    kernel
        See :func:`long_run_variance` (``"truncated"`` reproduces the original test).

    Returns
    -------
    DMResult
        Signed statistic, two- and one-sided p-values, ``n``, the mean loss difference and
        the long-run variance. NaN statistic and p-values when ``n < 2``.

    Examples
    --------
    >>> import numpy as np
    >>> diebold_mariano(np.ones(10), np.ones(10), 1).pvalue
    1.0
    """
    from scipy import stats

    d = np.asarray(loss_model, dtype=float) - np.asarray(loss_benchmark, dtype=float)
    n = int(d.size)
    if n < 2:
        return DMResult(math.nan, math.nan, n, float(d.mean()) if n else math.nan)
    mean = float(d.mean())
    variance = long_run_variance(d, horizon, kernel) / n
    if variance <= 0 or not math.isfinite(variance):
        if mean == 0:
            return DMResult(0.0, 1.0, n, mean, 0.5, 0.0)
        better = 0.0 if mean < 0 else 1.0
        return DMResult(math.copysign(math.inf, mean), 0.0, n, mean, better, 0.0)
    h = int(horizon)
    correction = math.sqrt(max((n + 1 - 2 * h + h * (h - 1) / n) / n, 0.0))
    statistic = float(mean / math.sqrt(variance) * correction)
    pvalue = min(float(2 * stats.t.sf(abs(statistic), df=n - 1)), 1.0)
    better = float(stats.t.cdf(statistic, df=n - 1))
    return DMResult(statistic, pvalue, n, mean, better, variance * n)


def clark_west(
    error_model: np.ndarray,
    error_benchmark: np.ndarray,
    forecast_model: np.ndarray,
    forecast_benchmark: np.ndarray,
    horizon: int,
) -> CWResult:
    """Clark & West (2007) test of a model against a nested (random-walk) benchmark.

    Under the null the nesting model's extra parameters are zero, but estimating them adds
    noise to its forecasts, so its MSPE exceeds the benchmark's even when it is right; the
    adjustment ``(fc_bench - fc_model)^2`` removes that term. With ``f_t = e_model^2 -
    (fc_bench - fc_model)^2 - e_bench^2``, the statistic is ``mean(f) / sqrt(V / n)``
    (``V``: Newey-West, ``h - 1`` lags), one-sided against the standard normal.

    Parameters
    ----------
    error_model, error_benchmark
        Forecast errors in time order.
    forecast_model, forecast_benchmark
        The forecasts, aligned with the errors.
    horizon
        The forecast horizon ``h``.

    Returns
    -------
    CWResult
        Signed statistic (negative: the model is better) and one-sided p-value; NaN when
        fewer than two pairs.

    Examples
    --------
    >>> import numpy as np
    >>> e = np.array([1.0, -1.0, 0.5, 0.2])
    >>> clark_west(e, e, np.ones(4), np.ones(4), 1).pvalue_better
    0.5
    """
    from scipy import stats

    f = (
        np.asarray(error_model, dtype=float) ** 2
        - (np.asarray(forecast_benchmark, dtype=float) - np.asarray(forecast_model, dtype=float))
        ** 2
        - np.asarray(error_benchmark, dtype=float) ** 2
    )
    n = int(f.size)
    if n < 2:
        return CWResult(math.nan, math.nan, n, math.nan, math.nan)
    mean = float(f.mean())
    lrv = long_run_variance(f, horizon)
    if lrv <= 0 or not math.isfinite(lrv):
        if mean == 0:
            return CWResult(0.0, 0.5, n, mean, 0.0)
        return CWResult(math.copysign(math.inf, mean), 0.0 if mean < 0 else 1.0, n, mean, 0.0)
    statistic = mean / math.sqrt(lrv / n)
    return CWResult(statistic, float(stats.norm.cdf(statistic)), n, mean, lrv)
