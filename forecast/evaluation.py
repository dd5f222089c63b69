r"""Rolling-origin evaluation of monthly Brent forecasts against the no-change benchmarks.

Pure functions: frames in, frames out; the store is read by :mod:`forecast.backtest`.

**Target.** The monthly average Brent price ``h`` months after the forecast origin, nominal
(US$/bbl) and real (deflated by the US CPI, in US$ of 1982-84: ``brent / cpi * 100``). A
forecast is made at the end of the origin month, once its monthly average and its last daily
close are known.

**Information at an origin** (:func:`origin_data`). Every series is cut at the origin month,
and the series published with a delay lose their last months too (``release_lags``: US CPI 1
month, the Kilian index 1 month, world crude production 3 months; prices none). Within what
is left, a CPI hole (October 2025 was never published) is interpolated in logs between the
neighbouring known values, and the months after the last known CPI are nowcast at trend
inflation: the average monthly log change of the last ``inflation_months`` (12) known
months. The real price of the origin month is therefore the monthly average over a nowcast
CPI, as in Baumeister & Kilian (2012). Interpolation and nowcasting use only the data known at
that origin.

**Models** (:data:`ADAPTERS`; each a callable ``(OriginData, horizons) -> {space: log
forecasts}`` returning the log monthly-average price in the space(s) it models):

``no_change``
    The last monthly average (the benchmark of every ratio and of the Diebold-Mariano test).
``no_change_eom``
    The last daily close of the origin month (``brent_spot_daily_usd``): the tougher
    benchmark, since the next monthly average starts from that price.
``arima``, ``ets``
    The price baselines of :mod:`forecast.models.baseline` on log nominal and log real prices
    (240-month window). Their parameters are re-estimated every ``refit_months`` (12: every
    January) on the data known at the origin cut at the refit month, and held in between,
    where only the states are updated with the new months (``filter``/``smooth`` of
    statsmodels at fixed parameters on the window extended to the origin).
``bvar``
    The Minnesota BVAR of :mod:`forecast.models.bvar`, re-estimated at every origin (closed
    form): a monthly VAR(12), expanding sample from 1992, in the monthly change of the log
    end-of-month price and the gap between the end-of-month and the monthly-average log
    price (percent). The forecast of the monthly average is the last close plus the
    cumulated forecast changes minus the forecast gap, so the prior mean (white noise for
    both) is the end-of-month no-change forecast, and the data decide how far to move from
    it. The gap is demeaned over the sample and the intercepts shrunk to zero (``constant``
    0.01): the price gets no drift (an estimated drift in the real price, 1992-2004 rose
    strongly, cost 10-15% of MSPE at 12 months). ``lambda`` is chosen at every origin from
    0.05, 0.1, 0.2, 0.3, 0.5 by the marginal likelihood (Giannone, Lenza & Primiceri 2015),
    lag decay 1. It is run twice, on nominal prices for the nominal target and on real prices
    for the real one (real forecasts turned nominal at trend inflation were 1-6% worse).
``bvar_oil``
    The same with world crude production growth and the monthly change of the Kilian index
    added (the SVAR's information; both demeaned, white-noise prior). The Kilian index enters
    in changes: in levels its Minnesota scale (an AR(1) residual standard deviation) leaves
    the price equations far too free to load on its large, persistent swings (20-30% worse
    at 12 months). The ragged edge (production ends in 2023-10 in the development data
    and is published 3 months late, the Kilian index a month late) is filled by the forecast
    conditional on the observed series (Kalman filter at the posterior mean): production is
    carried as a conditional fill, never dropped.
``svar``
    The oil-market VAR of :mod:`forecast.models.svar` (Kilian 2009) as a forecasting model,
    in the spirit of Baumeister & Kilian (2012): a VAR(24) with a constant, estimated by OLS
    at every origin on an expanding sample from 1992-02, in world production growth (%),
    the Kilian index and ``100 * log`` real Brent. The ragged edge is filled by the forecast
    conditional on the observed series (as for ``bvar_oil``) and the VAR is iterated forward
    from it (:func:`svar_forecast`). Only the point forecast is used, which does not depend
    on the identification. It models the real price; its nominal forecast is the real one at
    trend inflation.
``combination``
    In the spirit of Baumeister & Kilian (2015): a weighted average of the level forecasts of
    ``no_change_eom``, ``arima``, ``ets``, ``bvar``, ``bvar_oil`` and ``svar``, with
    weights inversely proportional to each model's MSPE over the last 36 forecasts of the same
    horizon whose outcome had been published by the origin (equal weights until 12 have; a
    real outcome needs its month's CPI, so it counts a month later). The components are also
    run on the origins before ``start`` needed to fill that window.

Models of one space give forecasts in the other through a CPI forecast at trend inflation:
``log cpi(t + h) = log cpi(t) + h * inflation`` (with the nowcast ``cpi(t)``). Levels are
``exp`` of the log forecasts (no lognormal correction).

**Metrics** (:func:`score`), per target, model and horizon, on the origins from ``start`` to
``end`` whose target month has been observed: ``n``; ``mspe`` (US$/bbl squared);
``mspe_ratio`` and ``mspe_ratio_eom``, the MSPE over that of the monthly-average and the
end-of-month no-change forecast on the same origins; ``directional_accuracy``, the share of
forecasts that get the sign of the change from the origin's monthly average right (computed
on logs; pairs in which the forecast or the actual change is exactly zero are left out, so
the no-change forecast has none and reads NaN: the coin-flip reference is 0.5); and
``dm_pvalue``, the Diebold-Mariano test of equal squared-error loss against the
monthly-average no-change forecast (:func:`diebold_mariano`).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import math
import multiprocessing
import os
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal, Protocol

import numpy as np
import pandas as pd

from forecast.errors import ConvergenceWarning, EstimationError, ForecastError
from forecast.models import _cpi, _var
from forecast.models.bvar import MinnesotaPrior, fit_bvar, forecast_path

if TYPE_CHECKING:
    from forecast.models.baseline import BaselineFit

__all__ = [
    "ADAPTERS",
    "BVAR_VARIABLES",
    "DEFAULT_MODELS",
    "DEFAULT_RELEASE_LAGS",
    "PANEL_COLUMNS",
    "TABLE_COLUMNS",
    "TARGETS",
    "BVARSpec",
    "CombinationSpec",
    "DMResult",
    "EvaluationResult",
    "EvaluationSettings",
    "Forecaster",
    "ModelAdapter",
    "OriginData",
    "Space",
    "bvar_frame",
    "combine",
    "diebold_mariano",
    "directional_accuracy",
    "evaluate",
    "monthly_panel",
    "origin_data",
    "score",
    "svar_forecast",
]

Space = Literal["nominal", "real"]
"""A price space: nominal US$/bbl, or real (US$ of 1982-84, deflated by the US CPI)."""

TARGETS: tuple[Space, ...] = ("nominal", "real")
PANEL_COLUMNS: tuple[str, ...] = (
    "brent_usd",
    "brent_eom_usd",
    "us_cpi",
    "kilian_rea",
    "world_crude_production_kbd",
)
DEFAULT_RELEASE_LAGS: Mapping[str, int] = {
    "brent_usd": 0,
    "brent_eom_usd": 0,
    "us_cpi": 1,
    "kilian_rea": 1,
    "world_crude_production_kbd": 3,
}
BENCHMARK, BENCHMARK_EOM, COMBINATION = "no_change", "no_change_eom", "combination"
DEFAULT_MODELS: tuple[str, ...] = (
    "no_change", "no_change_eom", "arima", "ets", "bvar", "bvar_oil", "svar", "combination",
)  # fmt: skip
TABLE_COLUMNS: tuple[str, ...] = (
    "target", "model", "horizon", "n", "mspe", "mspe_ratio", "mspe_ratio_eom",
    "directional_accuracy", "dm_pvalue",
)  # fmt: skip
FORECAST_COLUMNS: tuple[str, ...] = (
    "target", "origin", "target_date", "horizon", "model", "forecast", "actual",
)  # fmt: skip
_LOG_100 = math.log(100.0)

UNKNOWN_MODEL = "unknown model {name!r}; the models are: {known}"
BAD_HORIZONS = "horizons must be positive whole numbers, not {value!r}"
NO_PRICE_AT_ORIGIN = "no monthly Brent price for the origin {origin:%Y-%m}"
ORIGIN_OUTSIDE = "origin {origin:%Y-%m} is outside the data ({first:%Y-%m}..{last:%Y-%m})"
BAD_WINDOW = "origins: start {start:%Y-%m} is after end {end:%Y-%m}"
MODEL_FAILED = (
    "{model} failed at {count} origin(s) (first {first:%Y-%m}: {reason}); it has no forecast "
    "there and is scored on the other origins"
)
MODEL_TROUBLE = (
    "{model}: the estimation reported trouble at {count} origin(s) (first {first:%Y-%m}: "
    "{reason}); the estimates were used"
)


# --- data as known at an origin ---------------------------------------------------------------


def monthly_panel(series: Mapping[str, pd.DataFrame | None]) -> pd.DataFrame:
    """Align the series the backtest needs on the months of the monthly Brent series.

    Parameters
    ----------
    series
        ``date, value`` frames by catalog id: ``brent_usd`` (required),
        ``brent_spot_daily_usd`` (daily; its last close in each month becomes
        ``brent_eom_usd``), ``us_cpi``, ``kilian_rea``, ``world_crude_production_kbd``.
        Missing or ``None`` entries give all-NaN columns.

    Returns
    -------
    pandas.DataFrame
        ``date`` (month start, every month of the Brent series) and :data:`PANEL_COLUMNS`.

    Raises
    ------
    ForecastError
        If ``brent_usd`` is missing or empty.
    """
    brent = series.get("brent_usd")
    if brent is None or brent.empty:
        raise ForecastError("the backtest needs the monthly Brent series brent_usd")
    months = _month_index(brent["date"])
    dates = pd.date_range(months.min(), months.max(), freq="MS")
    panel = pd.DataFrame({"date": dates.astype("datetime64[ns]")})
    for column, source in (
        ("brent_usd", "brent_usd"),
        ("brent_eom_usd", "brent_spot_daily_usd"),
        ("us_cpi", "us_cpi"),
        ("kilian_rea", "kilian_rea"),
        ("world_crude_production_kbd", "world_crude_production_kbd"),
    ):
        frame = series.get(source)
        if frame is None or frame.empty:
            panel[column] = np.nan
            continue
        values = pd.Series(frame["value"].to_numpy(dtype=float), index=_month_index(frame["date"]))
        if source == "brent_spot_daily_usd":
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
        ``(len(dates), len(PANEL_COLUMNS))``: the panel cut at the origin, with the values not
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
        return self.values[:, PANEL_COLUMNS.index(name)]

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
        """Return the known data as a frame: ``date`` and :data:`PANEL_COLUMNS`."""
        out = pd.DataFrame(self.values, columns=list(PANEL_COLUMNS))
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
    values = panel[list(PANEL_COLUMNS)].to_numpy(dtype=float)[:stop].copy()
    for j, name in enumerate(PANEL_COLUMNS):
        lag = int(lags.get(name, 0))
        if lag > 0:
            values[max(stop - lag, 0) :, j] = np.nan
    if not np.isfinite(values[-1, 0]):
        raise ForecastError(NO_PRICE_AT_ORIGIN.format(origin=month))
    log_cpi, inflation = _cpi.nowcast_logs(
        values[:, PANEL_COLUMNS.index("us_cpi")], inflation_months
    )
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


# --- model adapters ---------------------------------------------------------------------------


class Forecaster(Protocol):
    """A model's point forecasts at one origin: log monthly-average Brent by space.

    Called with the data known at the origin and the horizons (months after the origin);
    returns, for each space the model works in (``"nominal"`` and/or ``"real"``), an array
    of log prices, one per horizon. The other space is filled by the evaluation through the
    CPI forecast. Raise :class:`~forecast.errors.ForecastError` to skip an origin.
    """

    def __call__(self, data: OriginData, horizons: tuple[int, ...]) -> Mapping[Space, np.ndarray]:
        """Return log price forecasts by space."""
        ...


@dataclass(frozen=True, slots=True)
class CombinationSpec:
    """How the ``combination`` model pools its components.

    Attributes
    ----------
    components
        Models pooled (those unavailable or not run are left out).
    weights
        ``"inverse_mspe"``: weights proportional to 1 / MSPE over the last ``window``
        realised forecasts of the same horizon; ``"equal"``: equal weights.
    window
        Trailing realised forecasts used for the weights.
    min_realised
        Fewer realised forecasts than this: equal weights.
    """

    components: tuple[str, ...] = ("no_change_eom", "arima", "ets", "bvar", "bvar_oil", "svar")
    weights: Literal["inverse_mspe", "equal"] = "inverse_mspe"
    window: int = 36
    min_realised: int = 12


def _default_bvar_prior() -> MinnesotaPrior:
    return MinnesotaPrior(
        lags=12,
        overall=0.1,
        lag_decay=1.0,
        constant=0.01,
        own_lag_mean={
            "production_growth": 0.0, "kilian_rea_change": 0.0, "eom_change": 0.0, "eom_gap": 0.0,
        },
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class BVARSpec:
    """A backtest BVAR: its variables, prior and sample.

    Attributes
    ----------
    variables
        Names from :data:`BVAR_VARIABLES` in the VAR's order. The price forecast is
        ``price`` if present, else the end-of-month price (``eom_price``, or the last close
        plus the cumulated ``eom_change``) minus the forecast ``eom_gap``.
    prior
        The Minnesota prior (``own_lag_mean`` entries for absent variables are ignored;
        ``overall`` is used only without ``overall_grid``).
    overall_grid
        Values of ``lambda`` chosen from at each origin by the marginal likelihood.
    start
        First month of the expanding estimation sample.
    demean
        Variables demeaned over the estimation sample before the fit (their means are added
        back to the forecasts): with the intercepts shrunk to zero (``prior.constant``), the
        others then revert to their sample means while the price change has no drift.
    spaces
        The spaces the VAR is run in (once each): ``nominal`` prices for the nominal target,
        real for the real one. A space left out is reached through the CPI forecast.
    """

    variables: tuple[str, ...] = ("eom_change", "eom_gap")
    prior: MinnesotaPrior = field(default_factory=_default_bvar_prior)
    overall_grid: tuple[float, ...] = (0.05, 0.1, 0.2, 0.3, 0.5)
    start: str = "1992-01"
    demean: tuple[str, ...] = ("eom_gap",)
    spaces: tuple[Space, ...] = ("nominal", "real")


def _default_bvars() -> dict[str, BVARSpec]:
    oil = ("production_growth", "kilian_rea_change", "eom_change", "eom_gap")
    return {
        "bvar": BVARSpec(),
        "bvar_oil": BVARSpec(variables=oil, demean=tuple(v for v in oil if v != "eom_change")),
    }


@dataclass(frozen=True, slots=True)
class EvaluationSettings:
    """The choices of a backtest, recorded with its results.

    Attributes
    ----------
    release_lags
        Publication delays in months by panel column.
    inflation_months
        Known CPI months averaged for trend inflation.
    refit_months
        ARIMA and ETS parameters are re-estimated when the origin's month index
        (``month - 1``) is a multiple of this (12: every January); 1: every origin.
    baseline_window_months
        Estimation window of ARIMA and ETS at each refit.
    bvars
        The BVAR models by name (``bvar``, ``bvar_oil``).
    combination
        How ``combination`` pools.
    """

    release_lags: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_RELEASE_LAGS))
    inflation_months: int = 12
    refit_months: int = 12
    baseline_window_months: int = 240
    bvars: Mapping[str, BVARSpec] = field(default_factory=_default_bvars)
    combination: CombinationSpec = field(default_factory=CombinationSpec)


@dataclass(frozen=True, slots=True)
class ModelAdapter:
    """A model the backtest can run.

    Attributes
    ----------
    name
        The ``--model`` name.
    description
        One line for notes and help.
    make
        Builds a fresh :class:`Forecaster` for a run (it may cache fits across origins).
    unavailable
        Returns why the model cannot run (a note), or ``None`` when it can.
    """

    name: str
    description: str
    make: Callable[[EvaluationSettings], Forecaster]
    unavailable: Callable[[], str | None] = lambda: None


def _no_change(data: OriginData, horizons: tuple[int, ...]) -> dict[Space, np.ndarray]:
    return {s: np.full(len(horizons), data.log_price(s)[-1]) for s in TARGETS}


def _no_change_eom(data: OriginData, horizons: tuple[int, ...]) -> dict[Space, np.ndarray]:
    last = data.log_eom("nominal")[-1]
    if not np.isfinite(last):
        raise ForecastError(f"no daily Brent close in {data.origin:%Y-%m}")
    return {s: np.full(len(horizons), data.log_eom(s)[-1]) for s in TARGETS}


class _BaselineForecaster:
    """ARIMA or ETS from :mod:`forecast.models.baseline`, refitted on a schedule."""

    def __init__(self, method: Literal["arima", "ets"], settings: EvaluationSettings) -> None:
        self.method = method
        self.refit_months = settings.refit_months
        self.window = settings.baseline_window_months
        self._fits: dict[tuple[Space, pd.Timestamp], BaselineFit] = {}

    def _refit_month(self, origin: pd.Timestamp) -> pd.Timestamp:
        back = (origin.month - 1) % self.refit_months
        return origin - pd.DateOffset(months=back)

    def __call__(self, data: OriginData, horizons: tuple[int, ...]) -> dict[Space, np.ndarray]:
        from forecast.models.baseline import fit_baseline

        refit = self._refit_month(data.origin)
        steps = max(horizons)
        index = np.asarray(horizons) - 1
        out: dict[Space, np.ndarray] = {}
        for space in TARGETS:
            key = (space, refit)
            if key not in self._fits:
                known = data if refit == data.origin else data.truncate(refit)
                prices = _price_frame(known, space)
                self._fits[key] = fit_baseline(prices, self.method, window_months=self.window)
            fit = self._fits[key]
            results: Any = fit.raw["results"]
            if refit != data.origin:
                log_prices = np.log(_price_frame(data, space)["value"].to_numpy())
                start = data.dates.get_loc(fit.sample_start)
                results = _same_model(
                    results.model, log_prices[start:], self.method
                ).__getattribute__("filter" if self.method == "arima" else "smooth")(
                    np.asarray(results.params)
                )
            out[space] = np.asarray(results.forecast(steps), dtype=float)[index]
        return out


def _same_model(model: Any, endog: np.ndarray, method: str) -> Any:
    """Return the fitted model's specification on new data (ETS has no ``clone``)."""
    if method == "arima":
        return model.clone(endog)
    spec = ("error", "trend", "damped_trend", "seasonal", "seasonal_periods")
    kwargs = {name: getattr(model, name) for name in spec}
    return type(model)(endog, initialization_method=model.initialization_method, **kwargs)


def _price_frame(data: OriginData, space: Space) -> pd.DataFrame:
    log_price = data.log_price(space)
    keep = np.isfinite(log_price)
    first = int(np.argmax(keep)) if keep.any() else len(keep)
    return pd.DataFrame(
        {"date": data.dates[first:].astype("datetime64[ns]"), "value": np.exp(log_price[first:])}
    )


class _BVARForecaster:
    """A Minnesota BVAR, re-estimated at every origin, in each space it is asked for."""

    def __init__(self, spec: BVARSpec) -> None:
        self.variables = spec.variables
        prior = spec.prior
        if isinstance(prior.own_lag_mean, Mapping):  # the defaults cover every BVAR_VARIABLES
            means = {k: v for k, v in prior.own_lag_mean.items() if k in self.variables}
            prior = replace(prior, own_lag_mean=means)
        self.prior = prior
        self.start = pd.Timestamp(spec.start)
        self.demean = spec.demean
        self.grid = spec.overall_grid
        self.spaces = spec.spaces
        names = set(self.variables)
        unknown = sorted(names - set(BVAR_VARIABLES))
        if unknown:
            known = ", ".join(BVAR_VARIABLES)
            raise ForecastError(f"unknown BVAR variables {', '.join(unknown)}; they are: {known}")
        if "price" not in names and not ("eom_gap" in names and names & EOM_PRICES):
            raise ForecastError(
                "the BVAR's variables must include price, or eom_gap and one of "
                + ", ".join(sorted(EOM_PRICES))
            )

    def __call__(self, data: OriginData, horizons: tuple[int, ...]) -> dict[Space, np.ndarray]:
        """Forecast in each space; a space that fails (no CPI: no real prices) is left out."""
        out: dict[Space, np.ndarray] = {}
        errors: list[Exception] = []
        for space in self.spaces:
            try:
                out[space] = self._forecast(data, horizons, space)
            except (EstimationError, np.linalg.LinAlgError) as exc:
                errors.append(exc)
        if not out:
            raise errors[0]
        return out

    def _forecast(self, data: OriginData, horizons: tuple[int, ...], space: Space) -> np.ndarray:
        frame = bvar_frame(data, self.variables, space)
        frame = frame[frame["date"] >= self.start].reset_index(drop=True)
        means = {}
        for name in self.demean:
            means[name] = float(frame[name].mean())
            frame[name] = frame[name] - means[name]
        fit = fit_bvar(frame, self.prior, overall_grid=self.grid or None)
        path = forecast_path(fit, max(horizons))
        column = {name: path[:, i] + means.get(name, 0.0) for i, name in enumerate(fit.variables)}
        if "price" in column:
            log_price = column["price"]
        else:
            if "eom_price" in column:
                eom = column["eom_price"]
            else:
                eom = 100 * data.log_eom(space)[-1] + np.cumsum(column["eom_change"])
            log_price = eom - column["eom_gap"]
        return log_price[np.asarray(horizons) - 1] / 100.0


EOM_PRICES = frozenset({"eom_price", "eom_change"})
BVAR_VARIABLES: tuple[str, ...] = (
    "production_growth", "kilian_rea", "kilian_rea_change", "price", "eom_price", "eom_change",
    "eom_gap",
)  # fmt: skip
"""The variables a backtest BVAR can use (see :func:`bvar_frame`)."""


def bvar_frame(data: OriginData, variables: Sequence[str], space: Space = "real") -> pd.DataFrame:
    """Return the BVAR's data at an origin, in percent: ``date`` and the chosen variables.

    ``production_growth``: ``100 * diff(log world crude production)``; ``kilian_rea``: the
    index; ``kilian_rea_change``: its monthly change; ``price``: ``100 * log`` monthly-average
    Brent in ``space``; ``eom_price``: ``100 * log`` of the month's last daily close in
    ``space``; ``eom_change``: its monthly change; ``eom_gap``: ``100 * (log last close - log
    monthly average)``. Values not known at the origin are NaN (the ragged edge).

    Parameters
    ----------
    data
        The data known at the origin.
    variables
        Names from :data:`BVAR_VARIABLES`, in the VAR's order.
    space
        ``"nominal"`` or ``"real"`` prices.

    Returns
    -------
    pandas.DataFrame
        ``date`` and one column per variable.
    """
    production = data.column("world_crude_production_kbd")
    rea = data.column("kilian_rea")
    columns = {
        "production_growth": lambda: 100 * np.diff(np.log(production), prepend=np.nan),
        "kilian_rea": lambda: rea,
        "kilian_rea_change": lambda: np.diff(rea, prepend=np.nan),
        "price": lambda: 100 * data.log_price(space),
        "eom_price": lambda: 100 * data.log_eom(space),
        "eom_change": lambda: 100 * np.diff(data.log_eom(space), prepend=np.nan),
        "eom_gap": lambda: 100 * (data.log_eom("nominal") - data.log_price("nominal")),
    }
    frame = pd.DataFrame({"date": data.dates.astype("datetime64[ns]")})
    for name in variables:
        frame[name] = columns[name]()
    return frame


SVAR_LAGS = 24
"""Lags of the backtest SVAR (Kilian 2009)."""
SVAR_START = "1992-02"
"""First month of the SVAR's expanding sample (as :data:`forecast.models.svar.DEFAULT_START`)."""
_SVAR_COLUMNS = ("production_growth", "kilian_rea", "price")


def svar_forecast(
    data: OriginData,
    horizons: tuple[int, ...],
    *,
    lags: int = SVAR_LAGS,
    start: str = SVAR_START,
) -> Mapping[Space, np.ndarray]:
    """Point forecasts of the structural VAR of :mod:`forecast.models.svar` at one origin.

    The SVAR's variables come from :func:`bvar_frame` as known at the origin (publication
    delays applied): ``100 * diff(log production)``, the Kilian index and ``100 * log`` real
    Brent, renamed to :data:`forecast.models.svar.VARIABLES`, from ``start`` (leading months
    where a series has not started yet are dropped). The SVAR module measures the real price
    in dollars of its last month, the evaluation in dollars of 1982-84: the two differ by a
    constant, which a VAR with a constant absorbs in its intercept, so the forecasts are the
    same up to that constant and are returned in the evaluation's units directly.

    The VAR(``lags``) is estimated by OLS (:func:`~forecast.models.svar.fit_svar`) on the
    rows up to the last month in which every variable is known, re-estimated at every origin.
    The ragged edge after it (production is published 3 months late, the Kilian index 1
    month; the real price of the origin month is known over the nowcast CPI) is filled by
    the forecast conditional on the observed values
    (:func:`~forecast.models.svar.fill_ragged_edge`), and the VAR is iterated forward from
    the last ``lags`` filled months with zero shocks (intercept plus lag matrices): the
    conditional mean of ``y`` at the origin plus ``h``.

    Parameters
    ----------
    data
        The data known at the origin.
    horizons
        Months after the origin.
    lags
        The VAR's lag order.
    start
        First month of the expanding estimation sample.

    Returns
    -------
    dict
        ``{"real": log real monthly-average Brent (US$ of 1982-84) at each horizon}``; the
        nominal forecast is made by the evaluation at trend inflation (as for every model
        of one space).

    Raises
    ------
    ForecastError
        If a variable has a hole before the last complete month, or nothing is known.
    forecast.errors.EstimationError
        If the sample is too short for the lags (the origin is then skipped with a note).
    """
    from forecast.models import svar

    frame = bvar_frame(data, _SVAR_COLUMNS, "real")
    frame = frame[frame["date"] >= pd.Timestamp(start)]
    frame = frame.rename(columns=dict(zip(_SVAR_COLUMNS, svar.VARIABLES, strict=True)))
    values = frame[list(svar.VARIABLES)].to_numpy(dtype=float)
    complete = np.isfinite(values).all(axis=1)
    if not complete.any():
        raise ForecastError(f"svar: no month with all three variables by {data.origin:%Y-%m}")
    first, last = int(np.argmax(complete)), int(np.flatnonzero(complete)[-1])
    if not complete[first : last + 1].all():
        hole = frame["date"].iloc[first + int(np.argmin(complete[first : last + 1]))]
        raise ForecastError(f"svar: a variable is missing in {hole:%Y-%m} but known later")
    frame = frame.iloc[first:].reset_index(drop=True)
    fit = svar.fit_svar(frame.iloc[: last - first + 1], lags=lags)
    filled, _ = svar.fill_ragged_edge(fit, frame)
    path = _var.simulate(  # lags summed by einsum, the order the backtest was recorded with
        fit.coefs,
        fit.intercept,
        filled[-lags:],
        np.zeros((max(horizons), fit.k)),
        summation="einsum",
    )
    price = svar.VARIABLES.index("real_price_log")
    return {"real": path[np.asarray(horizons) - 1, price] / 100.0}


ADAPTERS: dict[str, ModelAdapter] = {
    adapter.name: adapter
    for adapter in (
        ModelAdapter("no_change", "last monthly average", lambda _s: _no_change),
        ModelAdapter("no_change_eom", "last daily close of the month", lambda _s: _no_change_eom),
        ModelAdapter(
            "arima", "ARIMA(1,1,0) on log prices", lambda s: _BaselineForecaster("arima", s)
        ),
        ModelAdapter(
            "ets", "damped-trend ETS on log prices", lambda s: _BaselineForecaster("ets", s)
        ),
        ModelAdapter(
            "bvar",
            "Minnesota BVAR: end-of-month price change and end-of-month gap",
            lambda s: _BVARForecaster(s.bvars["bvar"]),
        ),
        ModelAdapter(
            "bvar_oil",
            "Minnesota BVAR adding world production growth and the Kilian index change",
            lambda s: _BVARForecaster(s.bvars["bvar_oil"]),
        ),
        ModelAdapter("svar", "oil-market SVAR (Kilian 2009)", lambda _s: svar_forecast),
    )
}
"""The models the backtest runs at each origin (``combination`` is built from them)."""


# --- the rolling-origin run -------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class EvaluationResult:
    """The outcome of a backtest: the score table, every forecast, and how it was run.

    Attributes
    ----------
    table
        One row per target, model and horizon: :data:`TABLE_COLUMNS`.
    forecasts
        Every scored forecast: ``target, origin, target_date, horizon, model, forecast,
        actual, origin_value`` (levels; ``actual`` is NaN where the target month is not yet
        observed; ``origin_value`` is the origin's monthly average in the same space).
    weights
        The combination's weights: ``target, horizon, origin, model, weight``.
    start, end
        First and last scored origin.
    horizons
        The horizons, in months.
    models
        The models reported, benchmarks first.
    notes
        What was skipped or failed, and how the data were read.
    settings
        The choices the run used.

    Notes
    -----
    The frames are meant to be read-only; compare results with :meth:`equals`.
    """

    table: pd.DataFrame
    forecasts: pd.DataFrame
    weights: pd.DataFrame
    start: pd.Timestamp
    end: pd.Timestamp
    horizons: tuple[int, ...]
    models: tuple[str, ...]
    notes: tuple[str, ...]
    settings: EvaluationSettings

    def equals(self, other: object) -> bool:
        """Return whether ``other`` holds the same table and forecasts.

        Parameters
        ----------
        other
            Any object.

        Returns
        -------
        bool
            True if the tables, forecasts, window and horizons are equal.
        """
        return (
            isinstance(other, EvaluationResult)
            and self.table.equals(other.table)
            and self.forecasts.equals(other.forecasts)
            and (self.start, self.end, self.horizons) == (other.start, other.end, other.horizons)
        )

    def to_markdown(self, target: Space | None = None) -> str:
        """Return the score table as a Markdown table (optionally one target only).

        Parameters
        ----------
        target
            ``"nominal"``, ``"real"`` or ``None`` for both.

        Returns
        -------
        str
            A Markdown table, numbers rounded for reading.
        """
        table = self.table if target is None else self.table[self.table["target"] == target]
        header = "| " + " | ".join(TABLE_COLUMNS) + " |"
        lines = [header, "|" + "---|" * len(TABLE_COLUMNS)]
        for row in table.itertuples(index=False):
            cells = [_cell(getattr(row, column), column) for column in TABLE_COLUMNS]
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines)

    def summary(self) -> str:
        """Return the window, the models and the score table as text.

        Returns
        -------
        str
            A few lines plus the Markdown table.
        """
        lines = [
            (
                f"backtest of monthly Brent, origins {self.start:%Y-%m}..{self.end:%Y-%m}, "
                f"horizons {', '.join(map(str, self.horizons))} months"
            ),
            f"models: {', '.join(self.models)}",
            *[f"note: {note}" for note in self.notes],
            self.to_markdown(),
        ]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"EvaluationResult({self.start:%Y-%m}..{self.end:%Y-%m}, horizons={self.horizons}, "
            f"models={self.models})"
        )

    def __str__(self) -> str:
        return self.summary()


def _cell(value: object, column: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | np.integer) or column in {"horizon", "n"}:
        return str(int(value))  # type: ignore[call-overload]
    number = float(value)  # type: ignore[arg-type]
    if math.isnan(number):
        return ""
    if column == "mspe":
        return f"{number:.2f}"
    return f"{number:.3f}"


def _month(value: str | pd.Timestamp) -> pd.Timestamp:
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ForecastError(f"{value!r} is not a month (use YYYY-MM)") from exc
    if pd.isna(stamp):
        raise ForecastError(f"{value!r} is not a month (use YYYY-MM)")
    return stamp.to_period("M").to_timestamp()


def _checked_horizons(horizons: Sequence[int]) -> tuple[int, ...]:
    out = []
    for h in horizons:
        if isinstance(h, bool) or not isinstance(h, int | np.integer) or h < 1:
            raise ForecastError(BAD_HORIZONS.format(value=h))
        out.append(int(h))
    if not out:
        raise ForecastError(BAD_HORIZONS.format(value=tuple(horizons)))
    return tuple(sorted(set(out)))


def _resolve_models(
    models: Sequence[str] | None, settings: EvaluationSettings
) -> tuple[tuple[str, ...], tuple[str, ...], list[str]]:
    """Return (models to report, models to run, notes)."""
    known = (*ADAPTERS, COMBINATION)
    requested = list(dict.fromkeys(models or DEFAULT_MODELS))
    for name in requested:
        if name not in known:
            raise ForecastError(UNKNOWN_MODEL.format(name=name, known=", ".join(known)))
    notes: list[str] = []
    usable: dict[str, bool] = {}
    for name, adapter in ADAPTERS.items():
        reason = adapter.unavailable()
        usable[name] = reason is None
        if reason is not None and (
            name in requested
            or (COMBINATION in requested and name in settings.combination.components)
        ):
            notes.append(reason)
    reported = [BENCHMARK, BENCHMARK_EOM] + [
        name
        for name in requested
        if name not in {BENCHMARK, BENCHMARK_EOM} and (name == COMBINATION or usable[name])
    ]
    run = [name for name in reported if name != COMBINATION]
    if COMBINATION in reported:
        run += [
            name
            for name in settings.combination.components
            if name in ADAPTERS and usable[name] and name not in run
        ]
    return tuple(reported), tuple(run), notes


def evaluate(
    panel: pd.DataFrame,
    start: str | pd.Timestamp,
    end: str | pd.Timestamp,
    horizons: Sequence[int] = (1, 3, 6, 12),
    models: Sequence[str] | None = None,
    *,
    settings: EvaluationSettings | None = None,
    real_time: Mapping[pd.Timestamp, pd.DataFrame] | None = None,
    jobs: int = 1,
    progress: Callable[[str], None] | None = None,
) -> EvaluationResult:
    """Run a rolling-origin backtest: forecasts at every origin, then the score table.

    Parameters
    ----------
    panel
        From :func:`monthly_panel`: the latest data. Origins not in ``real_time`` use it cut
        at the origin (pseudo-real-time); the outcomes always come from it.
    start, end
        First and last scored origin (``YYYY-MM``).
    horizons
        Months ahead.
    models
        Models to run and report (default :data:`DEFAULT_MODELS`); both no-change
        benchmarks are always included. Unavailable models are skipped with a note.
    settings
        The modelling choices (default :class:`EvaluationSettings`).
    real_time
        Panels as they were known at given origins (from stored vintages).
    jobs
        Worker processes across years of origins (1: in this process). Workers are spawned
        with one BLAS thread each (the matrices are small; a multithreaded BLAS in every
        process oversubscribes the cores), so call from under ``if __name__ ==
        "__main__":`` in a script. In this process the caller's BLAS threading applies:
        ``OPENBLAS_NUM_THREADS=1`` makes a run several times faster on a busy 2-core machine.
    progress
        Called with a short message as blocks finish.

    Returns
    -------
    EvaluationResult
        The table, the forecasts and the notes.

    Raises
    ------
    ForecastError
        If a model is unknown, a horizon is not a positive whole number, or the window is
        empty or outside the data.
    """
    settings = settings or EvaluationSettings()
    steps = _checked_horizons(horizons)
    first_origin, last_origin = _month(start), _month(end)
    if first_origin > last_origin:
        raise ForecastError(BAD_WINDOW.format(start=first_origin, end=last_origin))
    dates = pd.DatetimeIndex(pd.to_datetime(panel["date"]))
    if last_origin > dates[-1] or first_origin < dates[0]:
        raise ForecastError(
            f"origins {first_origin:%Y-%m}..{last_origin:%Y-%m} are outside the monthly Brent "
            f"data ({dates[0]:%Y-%m}..{dates[-1]:%Y-%m})"
        )
    reported, run, notes = _resolve_models(models, settings)
    burn_in = 0
    if COMBINATION in reported and settings.combination.weights == "inverse_mspe":
        burn_in = settings.combination.window + max(steps) - 1
    earliest = max(first_origin - pd.DateOffset(months=burn_in), dates[0] + pd.DateOffset(months=1))
    origins = pd.date_range(min(earliest, first_origin), last_origin, freq="MS")
    blocks = [list(group) for _, group in pd.Series(origins).groupby(origins.year)]
    tasks = [
        (
            panel,
            {o: real_time[o] for o in block if real_time and o in real_time},
            block,
            steps,
            run,
            settings,
        )
        for block in blocks
    ]
    outputs: list[_BlockOutput] = []
    if jobs > 1 and len(tasks) > 1:
        with (
            _single_threaded_blas(),
            concurrent.futures.ProcessPoolExecutor(
                max_workers=min(jobs, len(tasks)), mp_context=multiprocessing.get_context("spawn")
            ) as pool,
        ):
            for done, output in enumerate(pool.map(_run_block, tasks), start=1):
                outputs.append(output)
                if progress:
                    progress(f"origins: {done}/{len(tasks)} years done")
    else:
        for done, task in enumerate(tasks, start=1):
            outputs.append(_run_block(task))
            if progress:
                progress(f"origins: {done}/{len(tasks)} years done")
    records = [record for output in outputs for record in output[0]]
    failures = [failure for output in outputs for failure in output[1]]
    troubles = [trouble for output in outputs for trouble in output[2]]
    notes += _failure_notes(failures, first_origin, MODEL_FAILED)
    notes += _failure_notes(troubles, first_origin, MODEL_TROUBLE)
    forecasts = _forecast_frame(records, panel)
    weights = pd.DataFrame(columns=["target", "horizon", "origin", "model", "weight"])
    if COMBINATION in reported:
        components = [m for m in settings.combination.components if m in run]
        lags = {"nominal": 0, "real": int(settings.release_lags.get("us_cpi", 0))}
        combined, weights = combine(forecasts, components, settings.combination, outcome_lags=lags)
        forecasts = pd.concat([forecasts, combined], ignore_index=True)
    scored = forecasts[
        (forecasts["origin"] >= first_origin)
        & (forecasts["origin"] <= last_origin)
        & forecasts["model"].isin(reported)
    ]
    order = {name: i for i, name in enumerate(reported)}
    scored = scored.sort_values(
        ["target", "model", "horizon", "origin"],
        key=lambda s: s.map(order) if s.name == "model" else s,
    ).reset_index(drop=True)
    weights = weights[(weights["origin"] >= first_origin) & (weights["origin"] <= last_origin)]
    return EvaluationResult(
        table=score(scored, models=reported),
        forecasts=scored[[*FORECAST_COLUMNS, "origin_value"]],
        weights=weights.reset_index(drop=True),
        start=first_origin,
        end=last_origin,
        horizons=steps,
        models=reported,
        notes=tuple(notes),
        settings=settings,
    )


_BLAS_THREAD_VARIABLES = (
    "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
)  # fmt: skip


@contextlib.contextmanager
def _single_threaded_blas() -> Iterator[None]:
    """Start worker processes with one BLAS thread each (restores the environment after).

    The matrices are small and the parallelism is across origins: a multithreaded BLAS in
    every worker oversubscribes the cores (about four times slower on two loaded cores).
    Spawned workers read these variables when they import numpy.
    """
    saved = {name: os.environ.get(name) for name in _BLAS_THREAD_VARIABLES}
    os.environ.update(dict.fromkeys(_BLAS_THREAD_VARIABLES, "1"))
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


_Event = tuple[str, pd.Timestamp, str]  # model, origin, message
_BlockOutput = tuple[list[tuple[Any, ...]], list[_Event], list[_Event]]


def _run_block(
    task: tuple[
        pd.DataFrame,
        Mapping[pd.Timestamp, pd.DataFrame],
        list[pd.Timestamp],
        tuple[int, ...],
        tuple[str, ...],
        EvaluationSettings,
    ],
) -> _BlockOutput:
    """Forecast every model at a block of origins (runs in a worker process if asked).

    Returns the forecast records, the failures (the model is skipped at that origin) and the
    estimation troubles (:class:`~forecast.errors.ConvergenceWarning`: the estimates are
    used, and the run's notes say so). Other warnings are re-issued.
    """
    panel, real_time, origins, horizons, names, settings = task
    forecasters = {name: ADAPTERS[name].make(settings) for name in names}
    records: list[tuple[Any, ...]] = []
    failures: list[_Event] = []
    troubles: list[_Event] = []
    for origin in origins:
        data = origin_data(
            real_time.get(origin, panel),
            origin,
            release_lags=settings.release_lags,
            inflation_months=settings.inflation_months,
        )
        cpi_ahead = data.log_cpi_ahead(horizons) - _LOG_100
        last = {space: float(data.log_price(space)[-1]) for space in TARGETS}
        for name, forecaster in forecasters.items():
            try:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    native = forecaster(data, horizons)
            except (ForecastError, EstimationError, np.linalg.LinAlgError, ValueError) as exc:
                failures.append((name, origin, str(exc).splitlines()[0]))
                continue
            for record in caught:
                if issubclass(record.category, ConvergenceWarning):
                    troubles.append((name, origin, str(record.message)))
                else:
                    warnings.warn_explicit(
                        record.message, record.category, record.filename, record.lineno
                    )
            both = _both_spaces(native, cpi_ahead)
            for space in TARGETS:
                for h, value in zip(horizons, both[space], strict=True):
                    records.append((space, name, origin, h, float(value), last[space]))
    return records, failures, troubles


def _both_spaces(
    native: Mapping[Space, np.ndarray], cpi_ahead: np.ndarray
) -> dict[Space, np.ndarray]:
    """Fill the missing space: ``log real = log nominal - log(cpi / 100)`` and back."""
    out: dict[Space, np.ndarray] = {s: np.asarray(v, dtype=float) for s, v in native.items()}
    if "nominal" not in out:
        out["nominal"] = out["real"] + cpi_ahead
    if "real" not in out:
        out["real"] = out["nominal"] - cpi_ahead
    return out


def _failure_notes(events: list[_Event], first_origin: pd.Timestamp, template: str) -> list[str]:
    """One note per model: how many origins from ``first_origin`` on, and the first reason."""
    scored = [f for f in events if f[1] >= first_origin]
    notes = []
    for name in dict.fromkeys(f[0] for f in scored):
        mine = [f for f in scored if f[0] == name]
        count = len({f[1] for f in mine})
        notes.append(template.format(model=name, count=count, first=mine[0][1], reason=mine[0][2]))
    return notes


def _forecast_frame(records: list[tuple[Any, ...]], panel: pd.DataFrame) -> pd.DataFrame:
    frame = pd.DataFrame(
        records, columns=["target", "model", "origin", "horizon", "log_forecast", "log_origin"]
    )
    frame["origin"] = pd.to_datetime(frame["origin"]).astype("datetime64[ns]")
    frame["horizon"] = frame["horizon"].astype("int64")
    frame["target_date"] = [
        o + pd.DateOffset(months=int(h))
        for o, h in zip(frame["origin"], frame["horizon"], strict=True)
    ]
    frame["target_date"] = pd.to_datetime(frame["target_date"]).astype("datetime64[ns]")
    actual = actual_log_prices(panel)
    frame["actual"] = np.nan
    for space in TARGETS:
        rows = frame["target"] == space
        frame.loc[rows, "actual"] = np.exp(
            actual[space].reindex(frame.loc[rows, "target_date"]).to_numpy()
        )
    frame["forecast"] = np.exp(frame["log_forecast"])
    frame["origin_value"] = np.exp(frame["log_origin"])
    return frame[[*FORECAST_COLUMNS, "origin_value"]]


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


# --- metrics ----------------------------------------------------------------------------------


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
