"""The work of one chunk of grid points: outage paths, batched projection, summaries.

Runs wherever the executor puts it (this process, a worker process, a Dask worker): it needs
only the :class:`GridShared` object sent once per worker and a chunk of points.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from forecast.models.protocol import project_many
from forecast.scenarios import outage_path

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
        ``(draws, horizon)`` no-outage draws of every model and price id (each model's own
        projection of a zero loss, as a run's ``baseline`` scenario).
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
    out = np.empty((len(points), shared.horizon))
    for row, values in enumerate(points):
        scenario = shared.spec.scenario_at(values)
        path = outage_path(
            scenario, shared.as_of, shared.horizon, default_volume_kbd=shared.default_volume_kbd
        )
        out[row] = path["net_loss_kbd"].to_numpy(dtype=float)
    return out


def _pct(values: np.ndarray, base: np.ndarray) -> np.ndarray:
    """Per-draw effect in % of the baseline (as a run's differences of prices)."""
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
        "h3": diff[:, :, 2] if horizon >= 3 else nan,
        "h12": diff[:, :, 11] if horizon >= 12 else nan,
    }
    return peak + 1, samples


def _stats(samples: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for name, sample in samples.items():
        out[f"{name}_mean"] = sample.mean(axis=1)
        quantiles = np.quantile(sample, list(QUANTILES.values()), axis=1)
        for q, row in zip(QUANTILES, quantiles, strict=True):
            out[f"{name}_{q}"] = row
    return out


def project_chunk(shared: GridShared, chunk: tuple[int, Sequence[tuple[Any, ...]]]) -> pd.DataFrame:
    """Summaries of one chunk of points: one row per point, model and price id.

    ``chunk`` is ``(first point id, axis values of each point)``. Every model projects the
    chunk's loss paths at once (:func:`forecast.models.protocol.project_many`).
    """
    first, points = chunk
    net = loss_paths(shared, points)
    active = net > 0
    ids = np.arange(first, first + len(points))
    pieces = []
    for name, model in shared.models.items():
        for sid, values in project_many(model, net).items():
            peak, samples = _samples(_pct(values, shared.baseline[(name, sid)][None]), active)
            frame = pd.DataFrame({"point": ids, "model": name, "variable": sid})
            frame["peak_month"] = peak
            for column, stat in _stats(samples).items():
                frame[column] = stat
            pieces.append(frame)
    out = pd.concat(pieces, ignore_index=True)
    return out.sort_values(["point"], kind="stable").reset_index(drop=True)
