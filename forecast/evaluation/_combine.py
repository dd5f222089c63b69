"""The ``combination`` model: forecasts pooled with weights known at each origin."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from forecast.evaluation._panel import (
    DEFAULT_RELEASE_LAGS,
)
from forecast.evaluation._registry import (
    COMBINATION,
)
from forecast.evaluation._scores import FORECAST_COLUMNS

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from forecast.evaluation._settings import (
        CombinationSpec,
    )


def combine(
    forecasts: pd.DataFrame,
    components: Sequence[str],
    spec: CombinationSpec,
    *,
    outcome_lags: Mapping[str, int] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Pool component forecasts into ``combination``, with weights known at each origin.

    At origin ``t`` and horizon ``h``, a component's weight uses only its forecasts whose
    outcome was published by the end of ``t``: target month at or before ``t`` minus the
    target's outcome lag (the real price of a month needs that month's CPI, published a
    month later); the last ``spec.window`` of them. Components without a forecast at ``t``
    are left out and the weights renormalised.

    Parameters
    ----------
    forecasts
        Tidy forecasts (:attr:`EvaluationResult.forecasts` layout) including the components.
    components
        The models to pool.
    spec
        Weighting scheme and window.
    outcome_lags
        Months after the target month before its outcome is known, by target (default:
        nominal 0, real the CPI's default release lag).

    Returns
    -------
    tuple of pandas.DataFrame
        The combination's forecasts (same layout) and its weights (``target, horizon,
        origin, model, weight``).
    """
    lags = dict(outcome_lags or {"nominal": 0, "real": DEFAULT_RELEASE_LAGS["us_cpi"]})
    pooled, weight_rows = [], []
    frame = forecasts[forecasts["model"].isin(components)]
    for (target, _), group in frame.groupby(["target", "horizon"], sort=True):
        horizon = int(group["horizon"].iloc[0])
        wide = group.pivot_table(index="origin", columns="model", values="forecast", dropna=False)
        wide = wide.reindex(columns=[c for c in components if c in wide.columns])
        meta = group.drop_duplicates("origin").set_index("origin").reindex(wide.index)
        values = wide.to_numpy(dtype=float)
        actual = meta["actual"].to_numpy(dtype=float)
        squared = (values - actual[:, None]) ** 2
        lag = pd.DateOffset(months=int(lags.get(str(target), 0)))
        known_dates = (pd.DatetimeIndex(meta["target_date"]) + lag).to_numpy()
        origins = wide.index.to_numpy()
        for i, origin in enumerate(origins):
            available = np.isfinite(values[i])
            if not available.any():
                continue
            realised = np.flatnonzero(known_dates <= origin)[-spec.window :]
            weights = np.where(available, 1.0, 0.0)
            if spec.weights == "inverse_mspe" and realised.size >= spec.min_realised:
                past = squared[realised]
                counts = np.isfinite(past).sum(axis=0)
                mspe = np.where(counts > 0, np.nansum(past, axis=0) / np.maximum(counts, 1), np.nan)
                usable = available & np.isfinite(mspe) & (mspe > 0)
                if usable.any():
                    weights = np.where(usable, 1.0 / np.where(usable, mspe, 1.0), 0.0)
            weights = weights / weights.sum()
            level = float(np.sum(weights[available] * values[i, available]))
            pooled.append(
                (target, origin, meta["target_date"].iloc[i], horizon, COMBINATION, level,
                 actual[i], meta["origin_value"].iloc[i])
            )  # fmt: skip
            weight_rows += [
                (target, horizon, origin, model, float(w))
                for model, w in zip(wide.columns, weights, strict=True)
            ]
    combined = pd.DataFrame(pooled, columns=[*FORECAST_COLUMNS, "origin_value"])
    if combined.empty:
        combined = forecasts.iloc[0:0][[*FORECAST_COLUMNS, "origin_value"]]
    return combined, pd.DataFrame(
        weight_rows, columns=["target", "horizon", "origin", "model", "weight"]
    )
