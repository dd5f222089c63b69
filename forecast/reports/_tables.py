"""Tables computed from the run's per-draw arrays: period averages and probabilities.

Every number here comes from ``result.raw["draws"]``, keyed ``(scenario, model, variable)``
with arrays of shape ``(draws, months)``. Period averages are taken draw by draw, so a
difference from baseline is the mean over draws of (scenario average minus baseline
average) for the same draw, as in the run's own difference tables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from forecast import catalog

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy.typing as npt

    from forecast.results import RunResult

    FloatArray = npt.NDArray[np.float64]
    BoolArray = npt.NDArray[np.bool_]

__all__ = [
    "PRICE_VARIABLES",
    "period_table",
    "price_models",
    "probability_table",
    "window_effect",
]

PRICE_VARIABLES = ("brent_usd", "wti_usd")
"""The monthly prices the period tables average."""

Period = Literal["quarter", "year"]


def price_models(result: RunResult) -> list[str]:
    """Return the price models run, headline first, then in the order of ``result.models``."""
    models = [m for m in result.models if ("baseline", m, "brent_usd") in result.raw["draws"]]
    head = result.price_model
    return ([head] if head in models else []) + [m for m in models if m != head]


def months(result: RunResult) -> pd.DatetimeIndex:
    """Return the projected months (first of month)."""
    start = result.as_of + pd.DateOffset(months=1)
    return pd.date_range(start, periods=result.horizon, freq="MS")


def _period_labels(dates: pd.DatetimeIndex, period: Period) -> list[str]:
    if period == "quarter":
        return [f"{d.year}Q{(d.month - 1) // 3 + 1}" for d in dates]
    return [str(d.year) for d in dates]


def _band(values: FloatArray) -> tuple[float, float, float, float]:
    """Return the mean, median, 5th and 95th percentile over draws."""
    low, median, high = np.quantile(values, [0.05, 0.5, 0.95])
    return float(values.mean()), float(median), float(low), float(high)


def period_table(result: RunResult, period: Period) -> pd.DataFrame:
    """Return quarterly or annual average Brent and WTI per scenario and price model.

    Columns: ``scenario, scenario_title, model, variable, unit, period, period_start,
    months`` and, for ``level``, ``diff`` (US$/bbl) and ``diff_pct`` (per cent of the
    baseline average): ``_mean``, ``_q50`` (median), ``_q05`` and ``_q95`` over draws.
    ``months`` counts the projected months in the period (a partial first or last period is an
    average of fewer months). The report shows the medians.
    """
    draws = result.raw["draws"]
    dates = months(result)
    labels = _period_labels(dates, period)
    periods = list(dict.fromkeys(labels))
    masks = [np.array([lab == label for lab in labels]) for label in periods]
    starts = []
    for mask in masks:
        first = dates[mask][0]
        month = 3 * ((first.month - 1) // 3) + 1 if period == "quarter" else 1
        starts.append(pd.Timestamp(year=first.year, month=month, day=1))
    titles = {s.id: s.title for s in result.scenarios}
    sids = list(result.scenario_ids)
    columns: dict[str, list[object]] = {}
    blocks: list[dict[str, FloatArray]] = []
    for model in price_models(result):
        for variable in PRICE_VARIABLES:
            if draws.get(("baseline", model, variable)) is None:
                continue
            rows = len(sids) * len(periods)  # scenario by scenario, then period by period
            keys: dict[str, Sequence[object]] = {
                "scenario": [sid for sid in sids for _ in periods],
                "scenario_title": [titles[sid] for sid in sids for _ in periods],
                "model": [model] * rows,
                "variable": [variable] * rows,
                "unit": [catalog.OUTPUT_VARIABLES[variable].unit] * rows,
                "period": periods * len(sids),
                "period_start": starts * len(sids),
                "months": [int(mask.sum()) for mask in masks] * len(sids),
            }
            for name, values in keys.items():
                columns.setdefault(name, []).extend(values)
            base = draws[("baseline", model, variable)]
            blocks.append(
                _period_stats([draws[(sid, model, variable)] for sid in sids], base, masks)
            )
    if not blocks:
        return pd.DataFrame()
    stats = {name: np.concatenate([block[name] for block in blocks]) for name in blocks[0]}
    return pd.DataFrame({**columns, **stats})


def _period_stats(
    values: list[FloatArray], base: FloatArray, masks: list[BoolArray]
) -> dict[str, FloatArray]:
    """Return the level, diff and diff_pct statistics over draws, one per scenario and period.

    ``values`` holds each scenario's draws (draws, months). The per-draw period averages form
    one ``(scenarios, periods, draws)`` array, so the means and quantiles over draws are taken
    for every scenario and period at once (each row of draws reduced as it would be alone:
    the same numbers). Returns flat arrays, scenario by scenario, then period by period.
    """
    stacked = np.stack(values)  # (scenarios, draws, months)
    level = np.stack([stacked[:, :, mask].mean(axis=2) for mask in masks], axis=1)
    base_level = np.stack([base[:, mask].mean(axis=1) for mask in masks])
    columns: dict[str, FloatArray] = {}
    for prefix, table in (
        ("level", level),
        ("diff", level - base_level),
        ("diff_pct", 100.0 * (level / base_level - 1.0)),
    ):
        low, median, high = np.quantile(table, [0.05, 0.5, 0.95], axis=2)
        columns[f"{prefix}_mean"] = table.mean(axis=2).ravel()
        columns[f"{prefix}_q50"] = median.ravel()
        columns[f"{prefix}_q05"] = low.ravel()
        columns[f"{prefix}_q95"] = high.ravel()
    return columns


def _stats(prefix: str, values: FloatArray) -> dict[str, float]:
    mean, median, low, high = _band(values)
    return {
        f"{prefix}_mean": mean,
        f"{prefix}_q50": median,
        f"{prefix}_q05": low,
        f"{prefix}_q95": high,
    }


def probability_table(
    result: RunResult,
    *,
    annual_threshold: float = 80.0,
    monthly_threshold: float = 100.0,
    year: int | None = None,
) -> pd.DataFrame:
    """Return, per scenario and price model, probabilities about Brent from the draws.

    Columns: ``scenario, scenario_title, model, statement, threshold, probability`` (a share
    of the draws, 0 to 1). Statements: Brent averages above ``annual_threshold`` US$/bbl in
    ``year`` (default: the first full projected year), and Brent's monthly average is above
    ``monthly_threshold`` in at least one projected month.
    """
    draws = result.raw["draws"]
    dates = months(result)
    if year is None:
        full = [y for y in sorted(set(dates.year)) if (dates.year == y).sum() == 12]
        year = full[0] if full else int(dates[-1].year)
    in_year = np.asarray(dates.year == year)
    titles = {s.id: s.title for s in result.scenarios}
    rows = []
    for model in price_models(result):
        for sid in result.scenario_ids:
            brent = draws[(sid, model, "brent_usd")]
            average = brent[:, in_year].mean(axis=1)
            peak = brent.max(axis=1)
            common = {"scenario": sid, "scenario_title": titles[sid], "model": model}
            rows.append(
                {
                    **common,
                    "statement": f"Brent averages above ${annual_threshold:,.0f} in {year}",
                    "threshold": annual_threshold,
                    "probability": float((average > annual_threshold).mean()),
                }
            )
            rows.append(
                {
                    **common,
                    "statement": f"Brent above ${monthly_threshold:,.0f} in any month",
                    "threshold": monthly_threshold,
                    "probability": float((peak > monthly_threshold).mean()),
                }
            )
    return pd.DataFrame(rows)


def window_effect(
    result: RunResult, scenario: str, model: str, mask: BoolArray
) -> dict[str, float]:
    """Return Brent's average difference from baseline over the months in ``mask``, draw by draw.

    Returns ``usd_mean, usd_q05, usd_q95, pct_mean, pct_q05, pct_q95``.
    """
    draws = result.raw["draws"]
    level = draws[(scenario, model, "brent_usd")][:, mask].mean(axis=1)
    base = draws[("baseline", model, "brent_usd")][:, mask].mean(axis=1)
    usd = _stats("usd", level - base)
    pct = _stats("pct", 100.0 * (level / base - 1.0))
    return {**usd, **pct}
