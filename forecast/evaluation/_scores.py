"""Scores of the forecasts: MSPE ratios, directional accuracy, DM and CW tests, densities."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from forecast.evaluation._density import density_scores
from forecast.evaluation._panel import (
    TARGETS,
)
from forecast.evaluation._registry import (
    ADAPTERS,
    BENCHMARK,
    BENCHMARK_EOM,
)
from forecast.evaluation._significance import clark_west, diebold_mariano

if TYPE_CHECKING:
    from collections.abc import Sequence

FORECAST_COLUMNS: tuple[str, ...] = (
    "target", "origin", "target_date", "horizon", "model", "forecast", "actual",
)  # fmt: skip
"""The tidy forecast columns (:attr:`EvaluationResult.forecasts` adds ``origin_value``)."""
TABLE_COLUMNS: tuple[str, ...] = (
    "target", "model", "horizon", "n", "mspe", "mspe_ratio", "mspe_ratio_eom",
    "directional_accuracy", "dm_pvalue", "dm_stat", "dm_pvalue_better", "dm_stat_eom",
    "dm_pvalue_better_eom", "cw_benchmark", "cw_stat", "cw_pvalue_better", "coverage_68",
    "coverage_90", "crps",
)  # fmt: skip
"""The score table's columns (``backtest.csv``); see :func:`score`."""

_DENSITY_SCORES = ("coverage_68", "coverage_90", "crps")


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


def score(
    forecasts: pd.DataFrame,
    *,
    models: Sequence[str] | None = None,
    densities: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Score forecasts: one row per target, model and horizon (:data:`TABLE_COLUMNS`).

    Parameters
    ----------
    forecasts
        Tidy forecasts with ``target, origin, horizon, model, forecast, actual,
        origin_value`` (levels); they must include ``no_change`` and, for the columns
        against it, ``no_change_eom``. Rows without an actual are not scored.
    models
        Row order of the models (default: as they first appear).
    densities
        Density rows (:data:`~forecast.evaluation.DENSITY_COLUMNS`) for ``coverage_68``,
        ``coverage_90`` and ``crps`` (NaN for models without).

    Returns
    -------
    pandas.DataFrame
        ``n``, ``mspe``; ``mspe_ratio`` and ``mspe_ratio_eom`` (over the monthly-average and
        the end-of-month no-change forecast's MSPE); ``directional_accuracy``;
        ``dm_pvalue`` (two-sided DM against ``no_change``); ``dm_stat`` and
        ``dm_pvalue_better`` (signed DM statistic, negative = lower loss, and the one-sided
        p-value of "better" against ``no_change``), ``dm_stat_eom`` and
        ``dm_pvalue_better_eom`` (the same against ``no_change_eom``); ``cw_benchmark``,
        ``cw_stat``, ``cw_pvalue_better`` (Clark-West against the no-change benchmark the
        model nests, empty/NaN for the others); ``coverage_68``, ``coverage_90``, ``crps``.
        Ratios and tests use the origins where both the model and the benchmark have a
        forecast.
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
            errors = wide.sub(actual, axis=0)
            rows.extend(
                _score_row(target, model, int(horizon), wide, errors, meta)
                for model in order
                if model in wide.columns
            )
    table = pd.DataFrame(rows, columns=[c for c in TABLE_COLUMNS if c not in _DENSITY_SCORES])
    if densities is not None and not densities.empty:
        table = table.merge(
            density_scores(densities), on=["target", "model", "horizon"], how="left"
        )
    for column in _DENSITY_SCORES:
        if column not in table.columns:
            table[column] = math.nan
    return table[list(TABLE_COLUMNS)]


def _score_row(
    target: str,
    model: str,
    horizon: int,
    wide: pd.DataFrame,
    errors: pd.DataFrame,
    meta: pd.DataFrame,
) -> dict[str, Any]:
    loss = errors[model].to_numpy(dtype=float) ** 2
    valid = np.isfinite(loss)

    def paired(benchmark: str) -> np.ndarray | None:
        if benchmark not in errors.columns:
            return None
        return valid & np.isfinite(errors[benchmark].to_numpy(dtype=float))

    def ratio(benchmark: str) -> float:
        both = paired(benchmark)
        if both is None:
            return math.nan
        other = errors[benchmark].to_numpy(dtype=float) ** 2
        denominator = other[both].mean() if both.any() else math.nan
        return float(loss[both].mean() / denominator) if denominator > 0 else math.nan

    def dm(benchmark: str) -> tuple[float, float, float]:
        both = paired(benchmark)
        if both is None:
            return math.nan, math.nan, math.nan
        other = errors[benchmark].to_numpy(dtype=float) ** 2
        result = diebold_mariano(loss[both], other[both], horizon)
        return result.statistic, result.pvalue_better, result.pvalue

    adapter = ADAPTERS.get(model)
    nested = adapter.nests if adapter is not None else None
    cw = (math.nan, math.nan)
    both = paired(nested) if nested is not None else None
    if nested is not None and both is not None:
        result = clark_west(
            errors[model].to_numpy(dtype=float)[both],
            errors[nested].to_numpy(dtype=float)[both],
            wide[model].to_numpy(dtype=float)[both],
            wide[nested].to_numpy(dtype=float)[both],
            horizon,
        )
        cw = (result.statistic, result.pvalue_better)
    dm_stat, dm_better, dm_two_sided = dm(BENCHMARK)
    dm_stat_eom, dm_better_eom, _ = dm(BENCHMARK_EOM)
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
        "dm_pvalue": dm_two_sided,
        "dm_stat": dm_stat,
        "dm_pvalue_better": dm_better,
        "dm_stat_eom": dm_stat_eom,
        "dm_pvalue_better_eom": dm_better_eom,
        "cw_benchmark": nested if both is not None else "",
        "cw_stat": cw[0],
        "cw_pvalue_better": cw[1],
    }
