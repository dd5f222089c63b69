"""The monthly panel and the data known at a forecast origin (release lags, CPI nowcast)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from forecast._typing import Space  # noqa: TC001 - re-exported by forecast.evaluation
from forecast.errors import ForecastError
from forecast.models import _cpi

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

"""A price space: nominal US$/bbl, or real (US$ of 1982-84, deflated by the US CPI)."""


TARGETS: tuple[Space, ...] = ("nominal", "real")


PANEL_COLUMNS: tuple[str, ...] = (
    "brent_usd",
    "brent_eom_usd",
    "us_cpi",
    "kilian_rea",
    "world_crude_production_kbd",
)
"""The five series every backtest panel has."""


LONG_SERIES: tuple[str, ...] = (
    "world_crude_production_long_kbd",
    "brent_long_usd",
    "us_cpi_long",
)
"""Känzig's (2021) long series (world production, Brent and CPI from the 1970s), after
:data:`PANEL_COLUMNS` in a panel from :func:`monthly_panel` when given (a panel without
them reads as all-NaN at every origin): only the structural models whose
sample starts before 1992-02 use them."""


_COLUMNS: tuple[str, ...] = (*PANEL_COLUMNS, *LONG_SERIES)


DEFAULT_RELEASE_LAGS: Mapping[str, int] = {
    "brent_usd": 0,
    "brent_eom_usd": 0,
    "us_cpi": 1,
    "kilian_rea": 1,
    "world_crude_production_kbd": 3,
}


_LOG_100 = math.log(100.0)


NO_PRICE_AT_ORIGIN = "no monthly Brent price for the origin {origin:%Y-%m}"


ORIGIN_OUTSIDE = "origin {origin:%Y-%m} is outside the data ({first:%Y-%m}..{last:%Y-%m})"


def monthly_panel(series: Mapping[str, pd.DataFrame | None]) -> pd.DataFrame:
    """Align the series the backtest needs on the months of the monthly Brent series.

    Parameters
    ----------
    series
        ``date, value`` frames by catalog id: ``brent_usd`` (required),
        ``brent_spot_daily_usd`` (daily; its last close in each month becomes
        ``brent_eom_usd``; or ``brent_eom_usd`` itself, monthly), ``us_cpi``, ``kilian_rea``,
        ``world_crude_production_kbd``, and optionally Känzig's ``brent_long_usd``,
        ``us_cpi_long`` and ``world_crude_production_long_kbd``.
        Missing or ``None`` entries give all-NaN columns.

    Returns
    -------
    pandas.DataFrame
        ``date`` (month start, every month of the Brent series, from the first month of
        ``brent_long_usd`` when it is given: ``brent_usd`` is NaN before its own start),
        :data:`PANEL_COLUMNS`, and those of :data:`LONG_SERIES` that are given.

    Raises
    ------
    ForecastError
        If ``brent_usd`` is missing or empty.
    """
    brent = series.get("brent_usd")
    if brent is None or brent.empty:
        raise ForecastError("the backtest needs the monthly Brent series brent_usd")
    months = _month_index(brent["date"])
    first = months.min()
    long_brent = series.get("brent_long_usd")
    if long_brent is not None and not long_brent.empty:  # the long sample reaches back
        first = min(first, _month_index(long_brent["date"]).min())
    dates = pd.date_range(first, months.max(), freq="MS")
    panel = pd.DataFrame({"date": dates.astype("datetime64[ns]")})
    for column, source in (
        ("brent_usd", "brent_usd"),
        ("brent_eom_usd", "brent_spot_daily_usd"),
        ("us_cpi", "us_cpi"),
        ("kilian_rea", "kilian_rea"),
        ("world_crude_production_kbd", "world_crude_production_kbd"),
        *((name, name) for name in LONG_SERIES if series.get(name) is not None),
    ):
        frame = series.get(source)
        daily = source == "brent_spot_daily_usd"
        if (frame is None or frame.empty) and column == "brent_eom_usd":
            frame, daily = series.get(column), False  # month-end closes given directly
        if frame is None or frame.empty:
            panel[column] = np.nan
            continue
        values = pd.Series(frame["value"].to_numpy(dtype=float), index=_month_index(frame["date"]))
        if daily:
            days = pd.DatetimeIndex(pd.to_datetime(frame["date"]))
            ordered = pd.Series(values.to_numpy(), index=days).dropna()
            values = ordered.groupby(_month_index(ordered.index.to_series())).last()
        values = values[~values.index.duplicated(keep="last")]
        panel[column] = values.reindex(dates).to_numpy(dtype=float)
    return panel


def _month_index(dates: pd.Series) -> pd.DatetimeIndex:
    """Month starts of ``dates`` (any day of a month is that month)."""
    return pd.DatetimeIndex(pd.to_datetime(dates)).to_period("M").to_timestamp()


@dataclass(frozen=True, slots=True, eq=False)
class OriginData:
    """Monthly data as known at the end of an origin month (arrays are read-only).

    Attributes
    ----------
    origin
        The origin month (month start).
    dates
        Every month from the first of the panel to the origin.
    values
        ``(len(dates), len(PANEL_COLUMNS) + len(LONG_SERIES))``: the panel cut at the
        origin (:data:`PANEL_COLUMNS`, then :data:`LONG_SERIES`), with the values not
        yet published at the origin (``release_lags``) set to NaN. CPI holes are kept.
    log_cpi
        Log US CPI per month: known values, holes interpolated in logs, the months after the
        last known value nowcast at ``inflation``; NaN before the CPI starts.
    inflation
        Trend monthly log inflation used for nowcasts and CPI forecasts.
    release_lags
        The publication delays applied, in months, by panel column.
    inflation_months
        The number of known months ``inflation`` averages over.
    """

    origin: pd.Timestamp
    dates: pd.DatetimeIndex
    values: np.ndarray
    log_cpi: np.ndarray
    inflation: float
    release_lags: Mapping[str, int]
    inflation_months: int

    def column(self, name: str) -> np.ndarray:
        """Return one panel column as known at the origin."""
        return self.values[:, _COLUMNS.index(name)]

    def log_price(self, space: Space) -> np.ndarray:
        """Log monthly-average Brent per month, nominal or real (US$ of 1982-84)."""
        log_nominal = np.log(self.column("brent_usd"))
        return log_nominal if space == "nominal" else log_nominal - self.log_cpi + _LOG_100

    def log_eom(self, space: Space) -> np.ndarray:
        """Log last daily close of each month, nominal or real."""
        log_nominal = np.log(self.column("brent_eom_usd"))
        return log_nominal if space == "nominal" else log_nominal - self.log_cpi + _LOG_100

    def log_cpi_ahead(self, horizons: Sequence[int]) -> np.ndarray:
        """CPI forecasts at trend inflation, in logs, ``h`` months after the origin."""
        return self.log_cpi[-1] + self.inflation * np.asarray(horizons, dtype=float)

    def frame(self) -> pd.DataFrame:
        """Return the known data as a frame: ``date``, the panel and the long columns."""
        out = pd.DataFrame(self.values, columns=list(_COLUMNS))
        out.insert(0, "date", self.dates.astype("datetime64[ns]"))
        return out

    def truncate(self, month: pd.Timestamp) -> OriginData:
        """Return the data as known at an earlier origin ``month`` (cut, delays re-applied)."""
        return origin_data(
            self.frame(),
            month,
            release_lags=self.release_lags,
            inflation_months=self.inflation_months,
        )


def origin_data(
    panel: pd.DataFrame,
    origin: pd.Timestamp | str,
    *,
    release_lags: Mapping[str, int] | None = None,
    inflation_months: int = 12,
) -> OriginData:
    """Cut a monthly panel to what was known at the end of ``origin``.

    Parameters
    ----------
    panel
        From :func:`monthly_panel` (or an :meth:`OriginData.frame`).
    origin
        The origin month.
    release_lags
        Months of publication delay by panel column (default :data:`DEFAULT_RELEASE_LAGS`;
        missing columns: 0).
    inflation_months
        Known CPI months averaged for the trend inflation.

    Returns
    -------
    OriginData
        The data available at the origin.

    Raises
    ------
    ForecastError
        If the origin is outside the panel or has no monthly Brent price.
    """
    lags = dict(DEFAULT_RELEASE_LAGS if release_lags is None else release_lags)
    month = pd.Timestamp(origin).to_period("M").to_timestamp()
    dates = pd.DatetimeIndex(pd.to_datetime(panel["date"]))
    if dates.size == 0 or month < dates[0] or month > dates[-1]:
        first, last = (dates[0], dates[-1]) if dates.size else (month, month)
        raise ForecastError(ORIGIN_OUTSIDE.format(origin=month, first=first, last=last))
    stop = int(dates.searchsorted(month, side="right"))
    values = panel.reindex(columns=list(_COLUMNS)).to_numpy(dtype=float)[:stop].copy()
    for j, name in enumerate(_COLUMNS):
        lag = int(lags.get(name, 0))
        if lag > 0:
            values[max(stop - lag, 0) :, j] = np.nan
    if not np.isfinite(values[-1, 0]):
        raise ForecastError(NO_PRICE_AT_ORIGIN.format(origin=month))
    log_cpi, inflation = _cpi.nowcast_logs(values[:, _COLUMNS.index("us_cpi")], inflation_months)
    values.flags.writeable = False
    log_cpi.flags.writeable = False
    return OriginData(
        origin=month,
        dates=dates[:stop],
        values=values,
        log_cpi=log_cpi,
        inflation=inflation,
        release_lags=lags,
        inflation_months=inflation_months,
    )


def actual_log_prices(panel: pd.DataFrame) -> dict[Space, pd.Series]:
    """Return the realised log monthly-average Brent, nominal and real, by month.

    The real price uses the CPI with its interior holes interpolated in logs (the full data:
    these are the outcomes, not information at an origin).
    """
    dates = pd.DatetimeIndex(pd.to_datetime(panel["date"]))
    log_nominal = np.log(panel["brent_usd"].to_numpy(dtype=float))
    cpi = panel["us_cpi"].to_numpy(dtype=float)
    log_cpi = _cpi.interpolated_logs(cpi)
    return {
        "nominal": pd.Series(log_nominal, index=dates),
        "real": pd.Series(log_nominal - log_cpi + _LOG_100, index=dates),
    }
