"""The work of one chunk of grid points: outage paths, batched projection, summaries.

Runs wherever the executor puts it (this process, a worker process, a Dask worker): it needs
only the :class:`GridShared` object sent once per worker and a chunk of points.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from forecast.grid._loss import net_losses
from forecast.models.protocol import project_many

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from forecast.grid._spec import GridSpec
    from forecast.models.protocol import PriceModel

__all__ = ["QUANTILES", "SUMMARIES", "GridShared", "project_chunk", "summary_columns"]

QUANTILES: dict[str, float] = {"q05": 0.05, "q16": 0.16, "q50": 0.50, "q84": 0.84, "q95": 0.95}
SUMMARIES = ("peak", "outage", "h3", "h12")
"""Per-point summaries of the effect: at the peak month (largest mean effect in size), the
average over the point's outage months (months with a net loss), at h = 3 and h = 12."""


def summary_columns() -> list[str]:
    """Numeric columns of a grid row, after the keys: ``peak_month`` then each summary's stats."""
    stats = ["mean", *QUANTILES]
    return ["peak_month", *[f"{s}_{stat}" for s in SUMMARIES for stat in stats]]


@dataclass(frozen=True, slots=True, eq=False)
class GridShared:
    """What every worker receives once: the fitted price models and how to build paths.

    Attributes
    ----------
    spec
        The grid spec (scenario and axes).
    models
        The price models, by name (fitted and drawn once).
    baseline
        ``(draws, horizon)`` no-outage draws of every model and price id the grid summarises
        (each model's own projection of a zero loss, as a run's ``baseline`` scenario).
    as_of, horizon, default_volume_kbd
        What :func:`forecast.scenarios.outage_path` needs.
    """

    spec: GridSpec
    models: Mapping[str, PriceModel]
    baseline: Mapping[tuple[str, str], np.ndarray]
    as_of: pd.Timestamp
    horizon: int
    default_volume_kbd: float


def loss_paths(shared: GridShared, points: Sequence[tuple[Any, ...]]) -> np.ndarray:
    """``(points, horizon)`` net world supply loss (kb/d) of every point's scenario."""
    scenarios = [shared.spec.scenario_at(values) for values in points]
    return net_losses(
        scenarios, shared.as_of, shared.horizon, default_volume_kbd=shared.default_volume_kbd
    )


def _pct(values: np.ndarray, base: np.ndarray) -> np.ndarray:
    """Per-draw effect in % of the baseline (as a run's differences of prices).

    With no zero in the baseline (the usual case) the same arithmetic runs in place on one
    new array instead of four temporaries: ``100 * (values / base - 1)``, bit for bit.
    """
    if np.all(base != 0):
        fast: np.ndarray = np.divide(values, base)
        fast -= 1.0
        fast *= 100.0
        return fast
    safe = np.where(base != 0, base, 1.0)
    out: np.ndarray = np.where(base != 0, 100.0 * (values / safe - 1), 0)
    return out


def _samples(diff: np.ndarray, active: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Peak month (1-based) and the ``(points, draws)`` sample of every summary."""
    points, draws, horizon = diff.shape
    peak = np.argmax(np.abs(diff.mean(axis=1)), axis=1)  # (points,)
    months = active.sum(axis=1)
    total = np.einsum("pdh,ph->pd", diff, active.astype(float))
    with np.errstate(invalid="ignore", divide="ignore"):
        outage = np.where(months[:, None] > 0, total / months[:, None], np.nan)
    nan = np.full((points, draws), np.nan)
    samples = {
        "peak": diff[np.arange(points), :, peak],
        "outage": outage,
        "h3": diff[:, :, 2].copy() if horizon >= 3 else nan,
        "h12": diff[:, :, 11].copy() if horizon >= 12 else nan,
    }  # copies, not views: ``diff`` (points x draws x horizon) is freed once summarised, and
    # its memory reused for the next price (fresh pages cost more than the copies); a copy's
    # mean over the draws adds in the same (pairwise) order as the view's
    return peak + 1, samples


def _stats(series: Sequence[Mapping[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """``(points, series)`` mean and quantiles of every summary of every series.

    The quantiles of all series and summaries are one :func:`numpy.quantile` call on the
    stacked ``(series * summaries * points, draws)`` samples: each row's quantiles are its
    own order statistics, so the numbers are those of one call per sample. The means stay
    one reduction per sample (a reduction's order of additions follows its array's layout).
    """
    names = list(series[0])
    stacked = np.concatenate([s[name] for s in series for name in names])
    quantiles = np.quantile(stacked, list(QUANTILES.values()), axis=1)
    points = series[0][names[0]].shape[0]
    shaped = quantiles.reshape(len(QUANTILES), len(series), len(names), points)
    out: dict[str, np.ndarray] = {}
    for j, name in enumerate(names):
        out[f"{name}_mean"] = np.stack([s[name].mean(axis=1) for s in series], axis=1)
        for i, q in enumerate(QUANTILES):
            out[f"{name}_{q}"] = shaped[i, :, j, :].T
    return out


def project_chunk(shared: GridShared, chunk: tuple[int, Sequence[tuple[Any, ...]]]) -> pd.DataFrame:
    """Summaries of one chunk of points: one row per point, model and price id.

    ``chunk`` is ``(first point id, axis values of each point)``. Every model projects the
    chunk's loss paths at once (:func:`forecast.models.protocol.project_many`); the rows are
    point by point, then model and price id in the models' order.
    """
    first, points = chunk
    net = loss_paths(shared, points)
    active = net > 0
    keys: list[tuple[str, str]] = []
    peaks, series = [], []
    for name, model in shared.models.items():
        batch = project_many(model, net)
        for sid in list(batch):
            values = batch.pop(sid)  # each price's draws freed once summarised
            if (name, sid) not in shared.baseline:  # a price the grid was not asked for
                continue
            peak, samples = _samples(_pct(values, shared.baseline[(name, sid)][None]), active)
            del values
            keys.append((name, sid))
            peaks.append(peak)
            series.append(samples)
    count = len(keys)
    frame = pd.DataFrame(
        {
            "point": np.repeat(np.arange(first, first + len(points)), count),
            "model": [name for _ in points for name, _sid in keys],
            "variable": [sid for _ in points for _name, sid in keys],
            "peak_month": np.stack(peaks, axis=1).ravel(),
        }
    )
    stats = _stats(series)
    for column in summary_columns()[1:]:
        frame[column] = stats[column].ravel()
    return frame
