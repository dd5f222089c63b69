"""Scores of the forecasts: MSPE ratios, directional accuracy and the Diebold-Mariano test."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from forecast.evaluation._panel import (
    TARGETS,
)
from forecast.evaluation._registry import (
    BENCHMARK,
    BENCHMARK_EOM,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

FORECAST_COLUMNS: tuple[str, ...] = (
    "target", "origin", "target_date", "horizon", "model", "forecast", "actual",
)  # fmt: skip
"""The tidy forecast columns (:attr:`EvaluationResult.forecasts` adds ``origin_value``)."""
TABLE_COLUMNS: tuple[str, ...] = (
    "target", "model", "horizon", "n", "mspe", "mspe_ratio", "mspe_ratio_eom",
    "directional_accuracy", "dm_pvalue",
)  # fmt: skip


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
    """

    statistic: float
    pvalue: float
    n: int
    mean_difference: float


def diebold_mariano(loss_model: np.ndarray, loss_benchmark: np.ndarray, horizon: int) -> DMResult:
    """Diebold-Mariano test with the Harvey, Leybourne & Newbold (1997) correction.

    With ``d_t = loss_model_t - loss_benchmark_t`` (in time order), ``n`` pairs and
    autocovariances ``g_k = sum_{t>k} (d_t - dbar)(d_{t-k} - dbar) / n``, the long-run
    variance of ``dbar`` is ``V = (g_0 + 2 sum_{k=1}^{h-1} g_k) / n`` (the truncated,
    unweighted HAC estimator of Diebold & Mariano; if that is not positive, Bartlett weights
    ``1 - k/h`` are used instead). ``DM = dbar / sqrt(V)`` is multiplied by
    ``sqrt((n + 1 - 2h + h(h - 1)/n) / n)`` and compared with Student's t with ``n - 1``
    degrees of freedom, two-sided. Identical losses give statistic 0 and p-value 1.

    Parameters
    ----------
    loss_model, loss_benchmark
        Losses (e.g. squared errors) in time order, same length.
    horizon
        The forecast horizon ``h`` (``h - 1`` autocovariances).

    Returns
    -------
    DMResult
        Statistic, p-value, ``n`` and the mean loss difference. NaN statistic and p-value
        when ``n < 2``.

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
    centred = d - mean
    lags = min(max(int(horizon) - 1, 0), n - 1)
    gamma = np.array([centred[k:] @ centred[: n - k] / n for k in range(lags + 1)])
    variance = (gamma[0] + 2 * gamma[1:].sum()) / n
    if variance <= 0:
        bartlett = 1 - np.arange(1, lags + 1) / (lags + 1)
        variance = (gamma[0] + 2 * (bartlett * gamma[1:]).sum()) / n
    if variance <= 0 or not math.isfinite(variance):
        if mean == 0:
            return DMResult(0.0, 1.0, n, mean)
        return DMResult(math.copysign(math.inf, mean), 0.0, n, mean)
    h = int(horizon)
    correction = math.sqrt(max((n + 1 - 2 * h + h * (h - 1) / n) / n, 0.0))
    statistic = mean / math.sqrt(variance) * correction
    pvalue = float(2 * stats.t.sf(abs(statistic), df=n - 1))
    return DMResult(float(statistic), min(pvalue, 1.0), n, mean)


def directional_accuracy(
    forecast: np.ndarray, actual: np.ndarray, origin_value: np.ndarray
) -> float:
    """Share of forecasts with the right sign of change from the origin's value.

    Changes are taken in logs. Pairs in which the forecast change or the actual change is
    exactly zero, or a value is missing, are left out; with none left the result is NaN
    (the no-change forecast predicts no direction; a coin flip scores 0.5).

    Parameters
    ----------
    forecast, actual, origin_value
        Positive levels, aligned.

    Returns
    -------
    float
        In ``[0, 1]``, or NaN.

    Examples
    --------
    >>> import numpy as np
    >>> directional_accuracy(np.array([2.0, 2.0, 1.0]), np.array([3.0, 0.5, 1.5]), np.ones(3))
    0.5
    """
    base = np.log(np.asarray(origin_value, dtype=float))
    predicted = np.sign(np.log(np.asarray(forecast, dtype=float)) - base)
    realised = np.sign(np.log(np.asarray(actual, dtype=float)) - base)
    valid = np.isfinite(predicted) & np.isfinite(realised) & (predicted != 0) & (realised != 0)
    if not valid.any():
        return math.nan
    return float(np.mean(predicted[valid] == realised[valid]))


def score(forecasts: pd.DataFrame, *, models: Sequence[str] | None = None) -> pd.DataFrame:
    """Score forecasts: one row per target, model and horizon (:data:`TABLE_COLUMNS`).

    Parameters
    ----------
    forecasts
        Tidy forecasts with ``target, origin, horizon, model, forecast, actual,
        origin_value`` (levels); they must include ``no_change`` and, for
        ``mspe_ratio_eom``, ``no_change_eom``. Rows without an actual are not scored.
    models
        Row order of the models (default: as they first appear).

    Returns
    -------
    pandas.DataFrame
        ``target, model, horizon, n, mspe, mspe_ratio, mspe_ratio_eom,
        directional_accuracy, dm_pvalue``. Ratios and the DM test use the origins where both
        the model and the benchmark have a forecast.
    """
    rows: list[dict[str, Any]] = []
    observed = forecasts[np.isfinite(forecasts["actual"].to_numpy(dtype=float))]
    order = list(models) if models is not None else list(dict.fromkeys(forecasts["model"]))
    for target in [t for t in TARGETS if t in set(observed["target"])]:
        for horizon in sorted(set(observed["horizon"])):
            group = observed[(observed["target"] == target) & (observed["horizon"] == horizon)]
            wide = group.pivot_table(index="origin", columns="model", values="forecast")
            meta = group.drop_duplicates("origin").set_index("origin").reindex(wide.index)
            actual = meta["actual"].to_numpy(dtype=float)
            errors = wide.sub(actual, axis=0) ** 2
            rows.extend(
                _score_row(target, model, int(horizon), wide, errors, meta)
                for model in order
                if model in wide.columns
            )
    return pd.DataFrame(rows, columns=list(TABLE_COLUMNS))


def _score_row(
    target: str,
    model: str,
    horizon: int,
    wide: pd.DataFrame,
    errors: pd.DataFrame,
    meta: pd.DataFrame,
) -> dict[str, Any]:
    loss = errors[model].to_numpy(dtype=float)
    valid = np.isfinite(loss)

    def ratio(benchmark: str) -> float:
        if benchmark not in errors.columns:
            return math.nan
        other = errors[benchmark].to_numpy(dtype=float)
        both = valid & np.isfinite(other)
        denominator = other[both].mean() if both.any() else math.nan
        return float(loss[both].mean() / denominator) if denominator > 0 else math.nan

    pvalue = math.nan
    if BENCHMARK in errors.columns:
        other = errors[BENCHMARK].to_numpy(dtype=float)
        both = valid & np.isfinite(other)
        pvalue = diebold_mariano(loss[both], other[both], horizon).pvalue
    return {
        "target": target,
        "model": model,
        "horizon": horizon,
        "n": int(valid.sum()),
        "mspe": float(loss[valid].mean()) if valid.any() else math.nan,
        "mspe_ratio": ratio(BENCHMARK),
        "mspe_ratio_eom": ratio(BENCHMARK_EOM),
        "directional_accuracy": directional_accuracy(
            wide[model].to_numpy(dtype=float)[valid],
            meta["actual"].to_numpy(dtype=float)[valid],
            meta["origin_value"].to_numpy(dtype=float)[valid],
        ),
        "dm_pvalue": pvalue,
    }
