"""The econometric Cuba model's 2016-24 backcast: fit on data to 2015, project the years after.

:func:`backcast` fits :func:`~forecast.models.cuba.econometric.fit_cuba` on the years up to
``train_end`` (with the Special Period prior, so no GDP after ``train_end`` is used) and
projects the test years from their observed shipments and oil prices, next to two naive
benchmarks; :func:`backcast_summary` scores it.

Everything here is a pure function of frames, numbers and a :class:`numpy.random.Generator`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from forecast import schemas
from forecast.models.cuba.accounting import BAD_INPUT
from forecast.models.cuba.data import COVID_YEAR, PRICE, SUPPLY, SUPPLY_LAG
from forecast.models.cuba.econometric import draw_cuba, fit_cuba, growth_paths
from forecast.models.cuba.notes import run_text

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from forecast._typing import LikelihoodSample
    from forecast.models.cuba.calibrated import CalibrationFigures
    from forecast.models.cuba.data import CubaDataset

__all__ = ["backcast", "backcast_summary"]


def backcast(
    gdp_growth: pd.DataFrame,
    special_period: pd.DataFrame,
    shipments: pd.DataFrame,
    oil_balance: pd.DataFrame,
    electricity: pd.DataFrame,
    prices: pd.DataFrame,
    cpi: pd.DataFrame | None = None,
    *,
    train_end: int = 2015,
    test: Iterable[int] = range(2016, 2025),
    draws: int = 2000,
    rng: np.random.Generator,
    likelihood: LikelihoodSample = "without_special_period",
    dataset: CubaDataset | None = None,
    figures: CalibrationFigures | None = None,
) -> pd.DataFrame:
    """Fit on data to ``train_end`` and project the ``test`` years given shipments and prices.

    The fit uses no GDP after ``train_end``: its sample stops there and its prior is the
    Special Period one (:func:`fit_cuba`'s default for an early ``train_end``). The test
    years get the observed change in concessional supply (and its lag) and the observed real
    oil price change; no dummy (2020's COVID shock is not known in ``train_end``). Two naive
    benchmarks: the mean growth of the estimation sample (the model without regressors) and
    the mean of every year of the GDP table up to ``train_end``.

    Parameters
    ----------
    gdp_growth, special_period, shipments, oil_balance, electricity, prices, cpi
        As for :func:`fit_cuba`.
    train_end
        Last year of the estimation sample.
    test
        Years to project, all after ``train_end`` and with data.
    draws
        Number of draws.
    rng
        The random number generator.
    likelihood
        As for :func:`fit_cuba`.
    dataset, figures
        As for :func:`fit_cuba`: the data set and calibration figures of a fit on the same
        tables (e.g. the full-sample fit's), not built again; the numbers are the same.

    Returns
    -------
    pandas.DataFrame
        ``year, actual_pct, mean_pct, q05, q16, q50, q84, q95, naive_pct, naive_all_pct,
        error_pct`` (actual minus mean), one row per test year.

    Raises
    ------
    ValueError
        If a test year is not after ``train_end`` or lacks data.
    """
    fit = fit_cuba(
        gdp_growth,
        special_period,
        shipments,
        oil_balance,
        electricity,
        prices,
        cpi,
        train_end=train_end,
        likelihood=likelihood,
        dataset=dataset,
        figures=figures,
    )
    test_years = np.array(sorted(set(test)), dtype=np.int64)
    if test_years.size == 0 or int(test_years[0]) <= train_end:
        raise ValueError(
            BAD_INPUT.format(name="test", problem=f"needs years after train_end={train_end}")
        )
    table = fit.dataset.frame.set_index("year")
    missing = [int(y) for y in test_years if y not in table.index or not table.loc[y, "in_sample"]]
    if missing:
        raise ValueError(BAD_INPUT.format(name="test", problem=f"no data for {missing}"))
    rows = table.loc[test_years]
    cdraws = draw_cuba(fit, draws, test_years.size, rng=rng)
    growth = growth_paths(
        cdraws,
        test_years,
        rows[SUPPLY].to_numpy(dtype=float),
        rows[SUPPLY_LAG].to_numpy(dtype=float),
        rows[PRICE].to_numpy(dtype=float)[None, :],
    )
    sample = fit.dataset.sample(end=fit.train_end, special_period=likelihood == "full")
    naive = float(sample["gdp_growth_pct"].mean())
    actual = rows["gdp_growth_pct"].to_numpy(dtype=float)
    mean = growth.mean(axis=0)
    out = pd.DataFrame({"year": test_years, "actual_pct": actual, "mean_pct": mean})
    quantiles = np.quantile(growth, list(schemas.QUANTILES.values()), axis=0)
    for name, values in zip(schemas.QUANTILES, quantiles, strict=True):
        out[name] = values
    out["naive_pct"] = naive
    history = table.loc[table.index <= train_end, "gdp_growth_pct"].dropna()
    out["naive_all_pct"] = float(history.mean())
    out["error_pct"] = actual - mean
    return out


def backcast_summary(
    frame: pd.DataFrame, *, exclude: Sequence[int] = (COVID_YEAR,)
) -> pd.DataFrame:
    """Score a backcast against the naive mean, over all test years and without ``exclude``.

    Parameters
    ----------
    frame
        The output of :func:`backcast`.
    exclude
        Years to leave out of the second row (default 2020: COVID, no model could know it).

    Returns
    -------
    pandas.DataFrame
        ``years, n, rmse_model, rmse_naive, rmse_naive_all, mean_error_model,
        mean_error_naive, mean_error_naive_all, coverage_90`` (share of actual values inside
        the model's 5-95 % band).
    """
    rows = []
    kept = frame[~frame["year"].isin(list(exclude))]
    for label, part in (("all", frame), (f"without {run_text(exclude)}", kept)):
        actual = part["actual_pct"].to_numpy(dtype=float)
        model = part["mean_pct"].to_numpy(dtype=float)
        naive = part["naive_pct"].to_numpy(dtype=float)
        naive_all = part["naive_all_pct"].to_numpy(dtype=float)
        inside = (actual >= part["q05"].to_numpy()) & (actual <= part["q95"].to_numpy())
        rows.append(
            {
                "years": label,
                "n": len(part),
                "rmse_model": float(np.sqrt(np.mean((actual - model) ** 2))),
                "rmse_naive": float(np.sqrt(np.mean((actual - naive) ** 2))),
                "rmse_naive_all": float(np.sqrt(np.mean((actual - naive_all) ** 2))),
                "mean_error_model": float(np.mean(actual - model)),
                "mean_error_naive": float(np.mean(actual - naive)),
                "mean_error_naive_all": float(np.mean(actual - naive_all)),
                "coverage_90": float(np.mean(inside)),
            }
        )
    return pd.DataFrame(rows)
