"""The BVAR and SVAR forecasters of the backtest, and the BVAR's variables at an origin."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from forecast.errors import EstimationError, ForecastError
from forecast.evaluation._panel import LONG_SERIES
from forecast.models import _var
from forecast.models.bvar import fit_bvar, forecast_path

if TYPE_CHECKING:
    from forecast._typing import LagCriterion
    from forecast.evaluation._panel import (
        OriginData,
        Space,
    )
    from forecast.evaluation._settings import (
        BVARSpec,
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


def _registry_default(name: str, option: str) -> Any:
    from forecast.models import registry

    return registry.get(name).option(option).default


SVAR_LAGS: int = _registry_default("svar", "lags")
"""Lags of the backtest SVAR (Kilian 2009): the ``svar`` registry entry's default."""


SVAR_START: str = _registry_default("svar", "start")
"""First month of the SVAR's expanding sample (the ``svar`` registry entry's default)."""


SPLICE_MONTH = "1992-02"
"""First month of EIA's production growth; earlier months need Känzig's long series."""


LONG_COLUMNS = LONG_SERIES
"""Panel columns of Känzig's (2021) long series that a sample starting before 1992-02 needs."""


_SVAR_COLUMNS = ("production_growth", "kilian_rea", "price")


def svar_frame(data: OriginData, start: str) -> tuple[pd.DataFrame, int]:
    """Return the SVAR's variables known at an origin, from ``start``, and its last complete row.

    The columns are ``date`` and :data:`forecast.models.svar.VARIABLES` from
    :func:`bvar_frame` (``real`` prices, in US$ of 1982-84), leading months where a series
    has not started yet dropped. A ``start`` before 1992-02 splices Känzig's (2021) long
    series (the panel's :data:`LONG_COLUMNS`) as :func:`forecast.models.svar.svar_dataset`
    does: production growth before 1992-02 from his world production, and the months before
    EIA's Brent (and the CPI) start from his Brent (and CPI).

    Parameters
    ----------
    data
        The data known at the origin.
    start
        First month of the sample.

    Returns
    -------
    tuple
        The frame and the position of its last row in which every variable is known.

    Raises
    ------
    ForecastError
        If a variable has a hole before the last complete month, or nothing is known.
    """
    from forecast.models import svar

    frame = bvar_frame(data, _SVAR_COLUMNS, "real")
    if pd.Timestamp(start) < pd.Timestamp(SPLICE_MONTH):
        _splice_long(data, frame)
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
    return frame.iloc[first:].reset_index(drop=True), last - first


def _splice_long(data: OriginData, frame: pd.DataFrame) -> None:
    """Put Känzig's long series into ``frame``'s months before EIA's data (in place)."""
    before = (frame["date"] < pd.Timestamp(SPLICE_MONTH)).to_numpy()
    long_production = data.column("world_crude_production_long_kbd")
    growth = 100 * np.diff(np.log(long_production), prepend=np.nan)
    frame.loc[before, "production_growth"] = growth[before]
    rows = np.arange(len(frame))
    nominal = data.column("brent_usd")
    head = rows < _first_finite(nominal)
    log_nominal = np.where(head, np.log(data.column("brent_long_usd")), np.log(nominal))
    log_cpi = np.asarray(data.log_cpi)
    cpi_head = rows < _first_finite(log_cpi)
    log_cpi = np.where(cpi_head, np.log(data.column("us_cpi_long")), log_cpi)
    frame["price"] = 100 * (log_nominal - log_cpi + math.log(100.0))


def _first_finite(values: np.ndarray) -> int:
    finite = np.isfinite(values)
    return int(np.argmax(finite)) if finite.any() else len(values)


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

    frame, last = svar_frame(data, start)
    fit = svar.fit_svar(frame.iloc[: last + 1], lags=lags)
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


class StructuralForecaster:
    """The reduced-form forecast of a structural registry model, re-estimated at each origin.

    ``reduced_form`` ``"var"``: the OLS VAR of :func:`svar_forecast` (the lag order chosen
    at each origin when ``lag_criterion`` is not ``"fixed"``); ``"bvar"``: the posterior
    mean of the Minnesota BVAR of :mod:`forecast.models.adapters.svar_bvar`
    (:func:`svar_bvar_forecast`). The settings are the registry entry's option defaults;
    its ``end`` (the last month of the identification sample) does not apply: the forecast
    at an origin uses the data through the origin.
    """

    def __init__(self, name: str) -> None:
        from forecast.models import registry

        entry = registry.get(name)
        options = entry.resolve_options(None)
        self.name = name
        self.reduced_form = entry.reduced_form
        self.lags = int(options["lags"])
        self.start = str(options["start"])
        self.criterion: LagCriterion = options.get("lag_criterion", "fixed")
        self.tightness = str(options.get("tightness", "ml"))

    def __call__(self, data: OriginData, horizons: tuple[int, ...]) -> Mapping[Space, np.ndarray]:
        """Forecast the log real price (the nominal one is made at trend inflation)."""
        if self.reduced_form == "bvar":
            return svar_bvar_forecast(
                data, horizons, lags=self.lags, start=self.start, tightness=self.tightness
            )
        lags = self.lags
        if self.criterion != "fixed":
            from forecast.models import svar

            frame, last = svar_frame(data, self.start)
            lags = svar.select_lags(frame.iloc[: last + 1], self.lags, self.criterion)
        return svar_forecast(data, horizons, lags=lags, start=self.start)


def svar_bvar_forecast(
    data: OriginData,
    horizons: tuple[int, ...],
    *,
    lags: int,
    start: str,
    tightness: str = "ml",
) -> Mapping[Space, np.ndarray]:
    """Posterior-mean forecasts of the oil-market Minnesota BVAR at one origin.

    The variables and sample are those of :func:`svar_forecast` (:func:`svar_frame`); the
    prior is :func:`forecast.models.adapters.svar_bvar.svar_prior` with the tightness chosen
    by marginal likelihood (``"ml"``) or fixed. The ragged edge is filled by the BVAR's own
    conditional forecast at the posterior mean, and the VAR is iterated at the posterior
    mean of its coefficients (:func:`forecast.models.bvar.forecast_path`).

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
    tightness
        ``"ml"`` or one overall tightness (a number as text).

    Returns
    -------
    dict
        ``{"real": log real monthly-average Brent (US$ of 1982-84) at each horizon}``.

    Raises
    ------
    ForecastError
        As :func:`svar_frame`.
    forecast.errors.EstimationError
        If the sample is too short for the lags.
    """
    from forecast.models import svar
    from forecast.models.adapters.svar_bvar import svar_prior, tightness_grid

    frame, _ = svar_frame(data, start)
    grid = tightness_grid(tightness)
    fit = fit_bvar(frame, svar_prior(lags, grid[0]), overall_grid=grid if len(grid) > 1 else None)
    path = forecast_path(fit, max(horizons))
    price = svar.VARIABLES.index("real_price_log")
    return {"real": path[np.asarray(horizons) - 1, price] / 100.0}
