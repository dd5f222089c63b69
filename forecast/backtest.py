"""The backtest's I/O: read the store as of each origin, run the evaluation, write the files.

:func:`run_backtest` reads the five series the evaluation needs (``brent_usd``,
``brent_spot_daily_usd``, ``us_cpi``, ``kilian_rea``, ``world_crude_production_kbd``), and
Känzig's long series when stored (:data:`OPTIONAL_SERIES`, for the structural models whose
sample starts in 1974), and hands them to :func:`forecast.evaluation.evaluate`.
:func:`write_backtest` writes ``backtest.csv``,
``forecasts.csv``, ``densities.csv``, ``combination_weights.csv``, ``backtest.md`` and the
charts ``cumulative_sq_error_diff.png`` and ``pit_histogram.png``.

**As-of reads.** A forecast made at the end of origin month ``t`` may use a series as the
store knew it then: the newest vintage written on or before the first day of ``t + 1``
(the rule of :meth:`Store.read` with ``known_at``). Where the store holds no vintage that
old, which is the case for every origin with the development data (imported in one go in
2025, without real-time vintages), the earliest stored vintage is used, cut at the origin:
pseudo-real-time data that include later revisions. Publication delays are applied on top
(see :mod:`forecast.evaluation`). The outcomes are always taken from the latest vintages.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from forecast import evaluation
from forecast.errors import ForecastError
from forecast.panel import read_series
from forecast.store import Store

if TYPE_CHECKING:
    import os
    from collections.abc import Callable, Sequence
    from datetime import datetime

    from forecast.evaluation import EvaluationResult, EvaluationSettings
    from forecast.executors import Executor

__all__ = [
    "BACKTEST_SERIES",
    "OPTIONAL_SERIES",
    "BacktestData",
    "read_backtest_data",
    "run_backtest",
    "write_backtest",
]

BACKTEST_SERIES: tuple[str, ...] = (
    "brent_usd",
    "brent_spot_daily_usd",
    "us_cpi",
    "kilian_rea",
    "world_crude_production_kbd",
)
OPTIONAL_SERIES: tuple[str, ...] = (
    "world_crude_production_long_kbd",
    "brent_long_usd",
    "us_cpi_long",
)
"""Känzig's (2021) long series, read when stored (the structural models starting in 1974
need them; without them those models are skipped with a note)."""
# What the bundled snapshot offers for a series the store lacks.
_BUNDLED_AS = {"brent_spot_daily_usd": "brent_eom_usd"}
NEEDS = {
    "brent_spot_daily_usd": "no_change_eom (and the ratios against it) and the BVARs",
    "us_cpi": "the real target",
    "kilian_rea": "bvar_oil and svar",
    "world_crude_production_kbd": "bvar_oil and svar",
}
NO_BRENT = (
    "no brent_usd in the store {path} (and no bundled history): import it first, e.g. "
    "forecast data import FILE --series brent_usd"
)
MISSING_SERIES = "{series} is not in the store: {needs} cannot be computed"
PSEUDO_REAL_TIME = (
    "no vintage of {series} was written by the end of any origin month (first written "
    "{first:%Y-%m-%d}): each origin uses the earliest stored vintage cut at the origin "
    "(pseudo-real-time data, later revisions included; publication delays applied)"
)
BUNDLED = "{series} is not in the store: the bundled snapshot is used (ends {last:%Y-%m})"


@dataclass(frozen=True, slots=True, eq=False)
class BacktestData:
    """What the backtest read: the latest panel, panels known at origins, and notes.

    Attributes
    ----------
    panel
        :func:`forecast.evaluation.monthly_panel` of the latest vintages.
    real_time
        Panels of the vintages known at given origins, where they differ from the latest.
    notes
        How the data were read (pseudo-real-time, missing series, bundled fallback).
    vintages
        One row per series: ``series_id, vintage_id, source, origin, written_at``
        (the latest vintage read; empty for series not stored).
    """

    panel: pd.DataFrame
    real_time: dict[pd.Timestamp, pd.DataFrame]
    notes: tuple[str, ...]
    vintages: pd.DataFrame


def _known_at(origin: pd.Timestamp) -> datetime:
    """Return when a forecast at origin ``t`` is made: once month ``t`` is over."""
    return (origin + pd.DateOffset(months=1)).to_pydatetime()


def read_backtest_data(
    store: Store | str | os.PathLike[str] | None, origins: Sequence[pd.Timestamp]
) -> BacktestData:
    """Read the backtest's series: latest vintages, and the vintages known at each origin.

    Parameters
    ----------
    store
        A :class:`~forecast.store.Store` or its path (default: ``$FORECAST_STORE`` or
        ``data/store/forecast.duckdb``).
    origins
        The origin months (month starts).

    Returns
    -------
    BacktestData
        The panels and notes.

    Raises
    ------
    ForecastError
        If no monthly Brent series is available (neither stored nor bundled).
    """
    store = store if isinstance(store, Store) else Store(store)
    latest: dict[str, pd.DataFrame | None] = {}
    per_origin: dict[str, list[int | None]] = {}
    notes: list[str] = []
    pseudo: list[tuple[str, pd.Timestamp]] = []
    vintage_rows = []
    for series_id in BACKTEST_SERIES:
        data = read_series(series_id, store=store, fallback=False)
        if data is None:  # the bundled snapshot ships month-end closes, not daily spot
            data = read_series(_BUNDLED_AS.get(series_id, series_id), store=store)
        if data is None:
            if series_id == "brent_usd":
                raise ForecastError(NO_BRENT.format(path=store.path))
            notes.append(MISSING_SERIES.format(series=series_id, needs=NEEDS[series_id]))
            latest[series_id] = None
            continue
        series_id = data.series_id  # noqa: PLW2901 - brent_eom_usd may stand in for daily
        latest[series_id] = data.frame
        if data.origin == "bundled":
            notes.append(BUNDLED.format(series=series_id, last=pd.Timestamp(data.last_date)))
            continue
        vintage_rows.append(
            {
                "series_id": series_id,
                "vintage_id": data.vintage_id,
                "source": data.source,
                "origin": data.detail,
                "written_at": data.written_at,
            }
        )
        per_origin[series_id], first = _vintages_known(store, series_id, data.vintage_id, origins)
        if first is not None:
            pseudo.append((series_id, first))
    for series_id in OPTIONAL_SERIES:
        data = read_series(series_id, store=store, fallback=False)
        latest[series_id] = None if data is None else data.frame
    if pseudo:
        series = ", ".join(name for name, _ in pseudo)
        notes.insert(0, PSEUDO_REAL_TIME.format(series=series, first=min(f for _, f in pseudo)))
    return BacktestData(
        panel=evaluation.monthly_panel(latest),
        real_time=_real_time_panels(store, latest, per_origin, origins),
        notes=tuple(notes),
        vintages=pd.DataFrame(
            vintage_rows, columns=["series_id", "vintage_id", "source", "origin", "written_at"]
        ),
    )


def _vintages_known(
    store: Store, series_id: str, latest: int | None, origins: Sequence[pd.Timestamp]
) -> tuple[list[int | None], pd.Timestamp | None]:
    """Return the vintage known at each origin, and the first write if none was known then.

    The vintages are ``None`` where the latest applies; the second item is when the first
    vintage was written if no vintage was known at any origin (pseudo-real-time), else
    ``None``. The rule is :meth:`Store.read`'s ``known_at`` (the newest vintage written by
    the end of the origin month), applied to the vintage log once; before the first vintage,
    the earliest one stands in.
    """
    log = store.vintages(series_id)
    written = pd.to_datetime(log["written_at"]).to_numpy()
    ids = log["vintage_id"].astype(int).to_numpy()
    chosen: list[int | None] = []
    for origin in origins:
        known = int(np.searchsorted(written, np.datetime64(_known_at(origin)), side="right"))
        vintage = int(ids[known - 1]) if known else int(ids[0])
        chosen.append(None if vintage == latest else vintage)
    if origins and not (written <= np.datetime64(_known_at(max(origins)))).any():
        return chosen, pd.Timestamp(written[0])
    return chosen, None


def _real_time_panels(
    store: Store,
    latest: dict[str, pd.DataFrame | None],
    per_origin: dict[str, list[int | None]],
    origins: Sequence[pd.Timestamp],
) -> dict[pd.Timestamp, pd.DataFrame]:
    """Build a panel per distinct combination of older vintages (origins on the latest: none)."""
    real_time: dict[pd.Timestamp, pd.DataFrame] = {}
    cache: dict[tuple[int | None, ...], pd.DataFrame] = {}
    names = list(per_origin)
    for i, origin in enumerate(origins):
        key = tuple(per_origin[s][i] for s in names)
        if all(v is None for v in key):
            continue
        if key not in cache:
            frames = dict(latest)
            for series_id, vintage in zip(names, key, strict=True):
                if vintage is not None:
                    frames[series_id] = store.read(series_id, vintage=vintage)
            cache[key] = evaluation.monthly_panel(frames)
        real_time[origin] = cache[key]
    return real_time


def run_backtest(
    store: Store | str | os.PathLike[str] | None = None,
    start: str = "2005-01",
    end: str | None = None,
    horizons: Sequence[int] = (1, 3, 6, 12),
    models: Sequence[str] | None = None,
    *,
    jobs: int = 1,
    settings: EvaluationSettings | None = None,
    progress: Callable[[str], None] | None = None,
    executor: Executor | None = None,
) -> EvaluationResult:
    """Read the store and run the rolling-origin backtest of monthly Brent.

    Parameters
    ----------
    store
        The store or its path.
    start, end
        First and last origin, ``YYYY-MM`` (``end`` default: the last Brent month).
    horizons
        Months ahead.
    models
        Models to run (default: every model; unavailable ones are skipped with a note).
    jobs
        Worker processes.
    settings
        Modelling choices (default :class:`forecast.evaluation.EvaluationSettings`).
    progress
        Called with short progress messages.

    Returns
    -------
    EvaluationResult
        Scores, forecasts and notes (including how the data were read).

    Raises
    ------
    ForecastError
        If Brent is missing, a model or horizon is invalid, or the window is outside the data.
    """
    settings = settings or evaluation.EvaluationSettings()
    brent = read_series("brent_usd", store=store if isinstance(store, Store) else Store(store))
    if brent is None:
        raise ForecastError(NO_BRENT.format(path=Store(None).path if store is None else store))
    last = pd.Timestamp(brent.last_date)
    first_origin = evaluation._month(start)  # noqa: SLF001
    last_origin = evaluation._month(end) if end is not None else last  # noqa: SLF001
    burn = settings.combination.window + max(horizons, default=1)
    origins = list(
        pd.date_range(
            first_origin - pd.DateOffset(months=burn), max(last_origin, first_origin), freq="MS"
        )
    )
    if progress:
        progress("reading the store")
    data = read_backtest_data(store, origins)
    result = evaluation.evaluate(
        data.panel,
        first_origin,
        last_origin,
        horizons,
        models,
        settings=settings,
        real_time=data.real_time or None,
        jobs=jobs,
        progress=progress,
        executor=executor,
    )
    return evaluation.EvaluationResult(
        table=result.table,
        forecasts=result.forecasts,
        weights=result.weights,
        start=result.start,
        end=result.end,
        horizons=result.horizons,
        models=result.models,
        notes=(*data.notes, *result.notes),
        settings=result.settings,
        densities=result.densities,
    )


def write_backtest(result: EvaluationResult, out_dir: str | os.PathLike[str]) -> dict[str, Path]:
    """Write the backtest's tables and chart into ``out_dir`` (created if needed).

    Parameters
    ----------
    result
        From :func:`run_backtest` or :func:`forecast.evaluation.evaluate`.
    out_dir
        The folder.

    Returns
    -------
    dict of pathlib.Path
        ``table`` (``backtest.csv``), ``forecasts`` (``forecasts.csv``), ``densities``
        (``densities.csv``: bands, CRPS and PIT of the density forecasts), ``weights``
        (``combination_weights.csv``), ``markdown`` (``backtest.md``), ``chart``
        (``cumulative_sq_error_diff.png``) and ``pit_chart`` (``pit_histogram.png``, the
        nominal target's PIT histograms).
    """
    from forecast.charts import cumulative_loss_chart
    from forecast.charts.backtest import pit_histogram_chart

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "table": out / "backtest.csv",
        "forecasts": out / "forecasts.csv",
        "densities": out / "densities.csv",
        "weights": out / "combination_weights.csv",
        "markdown": out / "backtest.md",
        "chart": out / "cumulative_sq_error_diff.png",
        "pit_chart": out / "pit_histogram.png",
    }
    date_format = "%Y-%m-%d"
    result.table.to_csv(paths["table"], index=False)
    result.forecasts.to_csv(paths["forecasts"], index=False, date_format=date_format)
    result.densities.to_csv(paths["densities"], index=False, date_format=date_format)
    result.weights.to_csv(paths["weights"], index=False, date_format=date_format)
    paths["markdown"].write_text(result.summary() + "\n", encoding="utf-8")
    plot = cumulative_loss_chart(result.forecasts)
    plot.save(paths["chart"], verbose=False)
    if result.densities.empty:
        del paths["pit_chart"]
    else:
        pit_histogram_chart(result.densities).save(paths["pit_chart"], verbose=False)
    return paths
