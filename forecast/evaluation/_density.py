"""Density forecasts: draws from the models that give them, bands, CRPS and PIT.

A :class:`DensityForecaster` returns draws of the price (levels) per horizon at an origin;
:func:`density_record` turns one horizon's draws and its outcome into the band bounds, the
CRPS and the PIT; :func:`density_scores` aggregates them per target, model and horizon.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Literal, Protocol

import numpy as np
import pandas as pd

from forecast.errors import ForecastError
from forecast.evaluation._panel import TARGETS, OriginData, Space

if TYPE_CHECKING:
    from collections.abc import Mapping

    from forecast.evaluation._settings import EvaluationSettings

BANDS: tuple[float, ...] = (0.68, 0.90)
"""The central bands whose coverage is reported (``coverage_68``, ``coverage_90``)."""

DENSITY_COLUMNS: tuple[str, ...] = (
    "target", "origin", "target_date", "horizon", "model", "actual",
    "lower_68", "upper_68", "lower_90", "upper_90", "crps", "pit",
)  # fmt: skip
"""The tidy density columns (:attr:`EvaluationResult.densities`)."""


class DensityForecaster(Protocol):
    """A model's predictive draws at one origin: price levels by space.

    Returns, for each space, an array ``(draws, len(horizons))`` of monthly-average prices.
    Raise :class:`~forecast.errors.ForecastError` to skip an origin.
    """

    def __call__(
        self, data: OriginData, horizons: tuple[int, ...], rng: np.random.Generator
    ) -> Mapping[Space, np.ndarray]:
        """Return draws of the price by space."""
        ...


class BaselineDensity:
    """The bootstrap draws of :func:`forecast.models.baseline.simulate_baseline`.

    ``no_change`` starts from the origin's monthly average, ``no_change_eom`` from its last
    daily close (with that baseline's rescaled first and later months); the pool is the
    ``settings.baseline_window_months`` months of monthly-average changes to the origin,
    in each space.
    """

    def __init__(
        self, method: Literal["no_change", "no_change_eom"], settings: EvaluationSettings
    ) -> None:
        self.method = method
        self.window = settings.baseline_window_months
        self.draws = settings.density_draws

    def __call__(
        self, data: OriginData, horizons: tuple[int, ...], rng: np.random.Generator
    ) -> dict[Space, np.ndarray]:
        """Return ``(draws, len(horizons))`` price draws in both spaces."""
        from forecast.models.baseline import fit_baseline, simulate_baseline

        index = np.asarray(horizons) - 1
        out: dict[Space, np.ndarray] = {}
        for space in TARGETS:
            log_price = data.log_price(space)
            keep = np.isfinite(log_price)
            first = int(np.argmax(keep)) if keep.any() else len(keep)
            prices = pd.DataFrame({"date": data.dates[first:], "value": np.exp(log_price[first:])})
            anchor = None
            if self.method == "no_change_eom":
                anchor = float(np.exp(data.log_eom(space)[-1]))
                if not math.isfinite(anchor):
                    raise ForecastError(f"no daily Brent close in {data.origin:%Y-%m}")
            fit = fit_baseline(prices, self.method, window_months=self.window, anchor=anchor)
            paths = simulate_baseline(fit, max(horizons), self.draws, rng=rng)
            out[space] = paths[:, index]
        return out


def crps_from_draws(draws: np.ndarray, outcome: float) -> float:
    """Continuous ranked probability score of draws, energy form.

    ``CRPS = E|X - y| - 0.5 E|X - X'|`` with both expectations over the empirical
    distribution of the draws (``E|X - X'|`` over all ordered pairs, computed from the sorted
    draws as ``2 / m^2 * sum_i (2i - m - 1) x_(i)``). Lower is better; for a point forecast
    it is the absolute error.

    Parameters
    ----------
    draws
        One-dimensional draws of the predictive distribution.
    outcome
        The realised value.

    Returns
    -------
    float
        The score, in the units of the draws (NaN if ``outcome`` is NaN).

    Examples
    --------
    >>> import numpy as np
    >>> crps_from_draws(np.full(5, 2.0), 3.5)
    1.5
    """
    x = np.sort(np.asarray(draws, dtype=float))
    if not math.isfinite(outcome) or x.size == 0:
        return math.nan
    m = x.size
    spread = 2.0 / m**2 * float(np.sum((2 * np.arange(1, m + 1) - m - 1) * x))
    return float(np.mean(np.abs(x - outcome)) - 0.5 * spread)


def density_record(draws: np.ndarray, outcome: float) -> tuple[float, ...]:
    """Return ``lower_68, upper_68, lower_90, upper_90, crps, pit`` for one forecast.

    Bands are central quantiles of the draws; the PIT is the share of draws at or below
    the outcome (NaN, as the CRPS, without an outcome).

    Parameters
    ----------
    draws
        One-dimensional draws.
    outcome
        The realised value, or NaN.

    Returns
    -------
    tuple of float
        The six values.
    """
    probabilities = [q for band in BANDS for q in ((1 - band) / 2, (1 + band) / 2)]
    bounds = np.quantile(np.asarray(draws, dtype=float), probabilities)
    pit = float(np.mean(draws <= outcome)) if math.isfinite(outcome) else math.nan
    return (*(float(b) for b in bounds), crps_from_draws(draws, outcome), pit)


def coverage(actual: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> float:
    """Share of outcomes inside ``[lower, upper]`` (NaN outcomes left out).

    Parameters
    ----------
    actual, lower, upper
        Aligned arrays.

    Returns
    -------
    float
        In ``[0, 1]``; NaN if no outcome is observed.

    Examples
    --------
    >>> import numpy as np
    >>> coverage(np.array([1.0, 5.0, np.nan]), np.zeros(3), np.full(3, 2.0))
    0.5
    """
    y = np.asarray(actual, dtype=float)
    seen = np.isfinite(y)
    if not seen.any():
        return math.nan
    inside = (y >= np.asarray(lower)) & (y <= np.asarray(upper))
    return float(np.mean(inside[seen]))


def density_scores(densities: pd.DataFrame) -> pd.DataFrame:
    """Coverage of the 68% and 90% bands and mean CRPS per target, model and horizon.

    Parameters
    ----------
    densities
        :data:`DENSITY_COLUMNS` rows.

    Returns
    -------
    pandas.DataFrame
        ``target, model, horizon, coverage_68, coverage_90, crps`` over the forecasts whose
        outcome is observed.
    """
    columns = ["target", "model", "horizon", "coverage_68", "coverage_90", "crps"]
    rows = []
    observed = densities[np.isfinite(densities["actual"].to_numpy(dtype=float))]
    for (target, model, horizon), group in observed.groupby(
        ["target", "model", "horizon"], sort=False
    ):
        y = group["actual"].to_numpy(dtype=float)
        rows.append(
            (
                target,
                model,
                int(horizon),
                coverage(y, group["lower_68"].to_numpy(), group["upper_68"].to_numpy()),
                coverage(y, group["lower_90"].to_numpy(), group["upper_90"].to_numpy()),
                float(group["crps"].mean()),
            )
        )
    return pd.DataFrame(rows, columns=columns)
