"""No-outage price baselines: fit on log prices, simulate price paths with draws.

Three baselines give the path the oil price would follow without an outage, and the benchmark
every other model is judged against:

``no_change``
    A random walk without drift in log prices: the point forecast is the last price.
    Uncertainty comes from a bootstrap of the monthly log changes in the window, demeaned and
    reflected (each draw is ``+r`` or ``-r`` with equal chance). Resampling keeps the fat
    tails of oil returns; the reflection makes every cumulative change symmetric around zero,
    so the median path *is* the last price at every horizon. Without it the negative skew of
    monthly Brent changes (about -1.2 over 2006-2025) would put the median about 2% above the
    last price. The price of that choice is that the skew itself is not reproduced.
``no_change_eom``
    The same random walk anchored on the last daily close of the origin month instead of its
    monthly average (pass it as ``anchor``). The end-of-month price is a much better forecast
    of next month's average than this month's average is (the backtest: 44% lower MSPE at one
    month). The pool is the same (monthly changes of monthly averages), rescaled for the
    different target by the averaging arithmetic of a random walk (Working 1960): if the
    daily log price is a random walk with monthly variance ``s2``, the change of a monthly
    average has variance ``2/3 s2``, the change from a month's last close to the next
    month's average ``1/3 s2``, and each month after that adds ``s2``. So the first month's
    draw is the pooled change times ``sqrt(1/2)`` and the later months' draws are times
    ``sqrt(3/2)`` (:data:`EOM_SCALES`). Without it the one-month band was about 1.2-1.3 times
    too wide in standard deviation and the long bands too narrow; with it the 90% band
    covered 88, 91, 91 and 90% of outcomes at 1, 3, 6 and 12 months over 2005-2025 (the
    backtest's ``coverage_90``).
``arima``
    ``SARIMAX(log p, order=(1, 1, 0), trend="n")``: an AR(1) in monthly log changes, without
    drift. Oil returns have a little momentum (the AR coefficient is about 0.3 on Brent); a
    drift estimated over twenty years of oil prices is mostly noise and would dominate the
    long horizons, so there is none. Paths are simulated from the fitted state-space form with
    Gaussian innovations, starting from the predicted state after the last observation.
``ets``
    ``ETSModel(log p, error="add", trend="add", damped_trend=True)``: exponential smoothing
    with an additive, damped trend (statsmodels bounds the damping to [0.8, 0.98]). Paths are
    simulated by statsmodels from the end of the sample with Gaussian errors drawn here.

All three hold the parameters at their estimates (no parameter uncertainty in the draws).
Randomness comes only from the ``rng`` passed to :func:`simulate_baseline`, and the number of
random numbers used depends only on the method, ``horizon`` and ``draws``. statsmodels is
imported inside the functions that need it.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, get_args

import numpy as np
import pandas as pd

from forecast._arrays import check_count, frozen, psd_sqrt
from forecast._typing import PriceBaseline
from forecast.errors import ConvergenceWarning, EstimationError

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

__all__ = [
    "ARIMA_ORDER",
    "EOM_SCALES",
    "MIN_OBSERVATIONS",
    "BaselineFit",
    "BaselineMethod",
    "LinearStateSpace",
    "fit_baseline",
    "simulate_baseline",
]

BaselineMethod = PriceBaseline  # the no-outage price models (forecast._typing)
"""The baseline models: random walk (bootstrap), ARIMA(1,1,0) or damped-trend ETS."""

EOM_SCALES: tuple[float, float] = (float(np.sqrt(0.5)), float(np.sqrt(1.5)))
"""``no_change_eom``: factors on the pooled monthly-average changes, first month and later."""

ARIMA_ORDER: tuple[int, int, int] = (1, 1, 0)
"""The ARIMA order on log prices: AR(1) in monthly log changes, no drift."""

MIN_OBSERVATIONS: Mapping[str, int] = MappingProxyType(
    {"no_change": 13, "no_change_eom": 13, "arima": 24, "ets": 24}
)
"""The fewest monthly prices in the window each method accepts."""

_METHODS: tuple[str, ...] = get_args(BaselineMethod)

UNKNOWN_METHOD = "unknown baseline method {method!r}; the methods are: {methods}"
MISSING_COLUMNS = "prices need columns 'date' and 'value'; found: {found}"
BAD_WINDOW = "window_months must be a positive whole number or None, not {window!r}"
TOO_FEW = (
    "the {method} baseline needs at least {needed} monthly prices in the window; "
    "got {nobs} (window_months={window})"
)
BAD_DATE = "prices: row {row}: date {value!r} is not a date"
DUPLICATE_MONTH = "prices: month {month} appears more than once"
GAP = "prices: months missing between {before} and {after} (the window must be consecutive)"
NOT_FINITE = "prices: {date}: value {value!r} is not a finite number"
NOT_POSITIVE = (
    "prices: {date}: value {value!r} is not positive; the {method} baseline works on log "
    "prices and needs positive prices in the whole window"
)
FIT_FAILED = "the {method} baseline could not be estimated on {start}..{end}: {reason}"
NOT_CONVERGED = "the {method} baseline on {start}..{end}: {reason}"


@dataclass(frozen=True, slots=True)
class LinearStateSpace:
    """A time-invariant linear Gaussian state-space model, ready to simulate forward.

    ``y_t = design @ a_t + obs_intercept`` and
    ``a_{t+1} = transition @ a_t + state_intercept + selection @ eta_t`` with
    ``eta_t ~ N(0, state_cov)``; the first simulated month has ``a ~ N(initial_mean,
    initial_cov)``, the predicted state after the last observation. The ``*_sqrt`` arrays are
    symmetric square roots of the covariances. Arrays are read-only.
    """

    design: np.ndarray
    obs_intercept: float
    transition: np.ndarray
    state_intercept: np.ndarray
    selection: np.ndarray
    state_cov_sqrt: np.ndarray
    initial_mean: np.ndarray
    initial_cov_sqrt: np.ndarray

    @classmethod
    def from_results(cls, results: Any) -> LinearStateSpace:
        """Take the fitted matrices and the state after the sample from statsmodels results.

        Parameters
        ----------
        results
            A fitted ``MLEResults`` of a univariate, time-invariant model without
            measurement error (such as ``SARIMAXResults``).

        Returns
        -------
        LinearStateSpace
            The model at its estimated parameters, anchored after the last observation.

        Raises
        ------
        EstimationError
            If the model is time-varying, multivariate or has measurement error.
        """
        filtered = results.filter_results
        matrices = {
            name: np.asarray(getattr(filtered, name))
            for name in (
                "design",
                "obs_intercept",
                "obs_cov",
                "transition",
                "state_intercept",
                "selection",
                "state_cov",
            )
        }
        if any(matrix.shape[-1] != 1 for matrix in matrices.values()) or (
            matrices["design"].shape[0] != 1
        ):
            raise EstimationError("only univariate, time-invariant state-space models simulate")
        if np.any(matrices["obs_cov"] != 0):
            raise EstimationError("state-space models with measurement error do not simulate")
        return cls(
            design=frozen(matrices["design"][0, :, 0]),
            obs_intercept=float(matrices["obs_intercept"][0, 0]),
            transition=frozen(matrices["transition"][:, :, 0]),
            state_intercept=frozen(matrices["state_intercept"][:, 0]),
            selection=frozen(matrices["selection"][:, :, 0]),
            state_cov_sqrt=frozen(psd_sqrt(matrices["state_cov"][:, :, 0])),
            initial_mean=frozen(np.asarray(results.predicted_state)[:, -1]),
            initial_cov_sqrt=frozen(psd_sqrt(np.asarray(results.predicted_state_cov)[:, :, -1])),
        )

    def simulate(self, horizon: int, draws: int, *, rng: np.random.Generator) -> np.ndarray:
        """Simulate ``draws`` paths of ``horizon`` observations, vectorised across draws.

        Parameters
        ----------
        horizon
            Number of months after the last observation.
        draws
            Number of simulated paths.
        rng
            The source of randomness; ``draws * (k_states + horizon * k_shocks)`` standard
            normal numbers are taken from it.

        Returns
        -------
        numpy.ndarray
            Shape ``(draws, horizon)``: the simulated observations (here, log prices).
        """
        states = self.initial_mean.size
        alpha = self.initial_mean + rng.standard_normal((draws, states)) @ self.initial_cov_sqrt
        shocks = rng.standard_normal((horizon, draws, self.state_cov_sqrt.shape[0]))
        state_shocks = shocks @ self.state_cov_sqrt @ self.selection.T
        out = np.empty((draws, horizon))
        for step in range(horizon):  # a loop over months; every draw moves at once
            out[:, step] = alpha @ self.design + self.obs_intercept
            alpha = alpha @ self.transition.T + self.state_intercept + state_shocks[step]
        return out


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class BaselineFit:
    """A baseline fitted on the log prices of a window ending at the forecast origin.

    Attributes
    ----------
    method
        Which baseline.
    last_date
        The last observed month (month start): the forecast origin.
    last_price
        The price in that month (US$/bbl).
    params
        One row per estimated term: ``term, estimate, std_err`` (``std_err`` is NaN where
        statsmodels gives none, e.g. a parameter at its bound). ``no_change`` reports
        ``mean_log_change`` (removed: the walk has no drift) and ``sigma``, the standard
        deviation of the monthly log change; ``arima`` and ``ets`` report statsmodels'
        parameters and ``sigma2``, the innovation variance of the log price.
    sample_start
        The first month of the window.
    nobs
        Number of monthly prices in the window.
    window_months
        The window asked for (``None``: the whole series).
    log_changes
        The monthly log changes in the window, demeaned (``nobs - 1`` values, read-only):
        the pool the ``no_change`` bootstrap draws from.
    raw
        Read-only mapping. ``"results"``: the statsmodels results (``arima``, ``ets``);
        ``"state_space"``: the :class:`LinearStateSpace` that ``arima`` simulates from.

    Notes
    -----
    ``frozen`` does not freeze the ``params`` frame; treat it as read-only. Compare fits with
    :meth:`equals`.
    """

    method: BaselineMethod
    last_date: pd.Timestamp
    last_price: float
    params: pd.DataFrame
    sample_start: pd.Timestamp
    nobs: int
    window_months: int | None
    log_changes: np.ndarray
    raw: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))

    def equals(self, other: object) -> bool:
        """Return whether ``other`` is a fit of the same method on the same data.

        Parameters
        ----------
        other
            Any object.

        Returns
        -------
        bool
            True if method, window, origin, parameters and log changes are equal.
        """
        if not isinstance(other, BaselineFit):
            return False
        same = (
            self.method == other.method
            and self.last_date == other.last_date
            and self.last_price == other.last_price
            and self.sample_start == other.sample_start
            and self.nobs == other.nobs
            and self.window_months == other.window_months
            and np.array_equal(self.log_changes, other.log_changes)
        )
        return same and self.params.equals(other.params)

    def summary(self) -> str:
        """Return a short text description: method, window, origin and parameters.

        Returns
        -------
        str
            A few lines of text.
        """
        sample = f"{self.sample_start:%Y-%m}..{self.last_date:%Y-%m}"
        lines = [
            f"{self.method} baseline on log prices, {sample} ({self.nobs} months)",
            f"origin {self.last_date:%Y-%m}: {self.last_price:.2f}",
        ]
        lines += [
            f"  {row.term:<18} {row.estimate: .6g} (std err {row.std_err:.3g})"
            for row in self.params.itertuples()
        ]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"BaselineFit(method={self.method!r}, sample={self.sample_start:%Y-%m}.."
            f"{self.last_date:%Y-%m}, nobs={self.nobs}, last_price={self.last_price:.4g})"
        )

    def __str__(self) -> str:
        return self.summary()


def fit_baseline(
    prices: pd.DataFrame,
    method: BaselineMethod = "no_change",
    *,
    window_months: int | None = 240,
    anchor: float | None = None,
) -> BaselineFit:
    """Fit a no-outage baseline on the log of monthly prices.

    Parameters
    ----------
    prices
        Monthly ``date, value`` frame (one row per month; any day of the month is read as
        that month). The last observation is the forecast origin.
    method
        ``"no_change"`` (bootstrap random walk), ``"arima"`` (ARIMA(1,1,0) on log prices) or
        ``"ets"`` (additive-error, damped additive-trend ETS on log prices).
    window_months
        Fit on the last ``window_months`` months; ``None`` uses the whole series.
    anchor
        For ``"no_change_eom"`` (required there): the last daily close of the origin month,
        which becomes ``last_price``.

    Returns
    -------
    BaselineFit
        The fitted baseline; pass it to :func:`simulate_baseline`.

    Raises
    ------
    EstimationError
        If columns are missing, a date does not parse, a month repeats or is missing within
        the window, a value in the window is not finite or not positive, the window is too
        short for the method (see ``MIN_OBSERVATIONS``), or statsmodels fails.
    ValueError
        If ``method`` or ``window_months`` is not valid.

    Warns
    -----
    ConvergenceWarning
        If the optimiser reports trouble (statsmodels' own warnings are turned into this).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> dates = pd.date_range("2020-01-01", periods=36, freq="MS")
    >>> prices = pd.DataFrame({"date": dates, "value": np.linspace(50.0, 70.0, 36)})
    >>> fit = fit_baseline(prices, "no_change", window_months=24)
    >>> fit.nobs, f"{fit.last_date:%Y-%m}", fit.last_price
    (24, '2022-12', 70.0)
    """
    if method not in _METHODS:
        raise ValueError(UNKNOWN_METHOD.format(method=method, methods=", ".join(_METHODS)))
    if window_months is not None and (
        isinstance(window_months, bool) or not isinstance(window_months, int) or window_months < 1
    ):
        raise ValueError(BAD_WINDOW.format(window=window_months))
    months, values = _window(prices, method, window_months)
    log_prices = np.log(values)
    changes = np.diff(log_prices)
    start, end = months[0], months[-1]
    common: dict[str, Any] = {
        "method": method,
        "last_date": end.to_timestamp(),
        "last_price": float(values[-1]),
        "sample_start": start.to_timestamp(),
        "nobs": int(values.size),
        "window_months": window_months,
        "log_changes": frozen(changes - changes.mean()),
    }
    if method in {"no_change", "no_change_eom"}:
        if method == "no_change_eom":
            if anchor is None or not np.isfinite(anchor) or anchor <= 0:
                raise EstimationError(f"no_change_eom needs a positive anchor price, got {anchor}")
            common["last_price"] = float(anchor)
        return BaselineFit(params=_random_walk_params(changes), **common)
    where = {"method": method, "start": f"{start}", "end": f"{end}"}
    with _statsmodels_warnings(where):
        try:
            if method == "arima":
                params, raw = _fit_arima(log_prices)
            else:
                params, raw = _fit_ets(log_prices)
        except (ValueError, np.linalg.LinAlgError) as exc:
            raise EstimationError(FIT_FAILED.format(reason=exc, **where)) from exc
    if not np.all(np.isfinite(params["estimate"].to_numpy())):
        reason = "non-finite parameter estimates"
        raise EstimationError(FIT_FAILED.format(reason=reason, **where))
    return BaselineFit(params=params, raw=MappingProxyType(raw), **common)


def simulate_baseline(
    fit: BaselineFit, horizon: int, draws: int, *, rng: np.random.Generator
) -> np.ndarray:
    """Simulate no-outage price paths from a fitted baseline.

    Parameters
    ----------
    fit
        From :func:`fit_baseline`.
    horizon
        Number of months to simulate; column 0 is the month after ``fit.last_date``.
    draws
        Number of paths.
    rng
        The only source of randomness. The same generator state gives the same paths; how
        many numbers are taken depends only on the method, ``horizon`` and ``draws``.

    Returns
    -------
    numpy.ndarray
        Shape ``(draws, horizon)``: price levels in the units of the fitted prices
        (US$/bbl for Brent).

    Raises
    ------
    ValueError
        If ``horizon`` or ``draws`` is not a positive whole number.
    EstimationError
        If ``fit`` lacks what its method needs to simulate.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> dates = pd.date_range("2020-01-01", periods=36, freq="MS")
    >>> prices = pd.DataFrame({"date": dates, "value": 60 * np.exp(np.sin(np.arange(36.0)) / 10)})
    >>> fit = fit_baseline(prices)
    >>> paths = simulate_baseline(fit, 12, 500, rng=np.random.default_rng(1))
    >>> paths.shape
    (500, 12)
    """
    check_count("horizon", horizon)
    check_count("draws", draws)
    horizon, draws = int(horizon), int(draws)
    if fit.method in {"no_change", "no_change_eom"}:
        scales = None
        if fit.method == "no_change_eom":
            scales = np.full(horizon, EOM_SCALES[1])
            scales[0] = EOM_SCALES[0]
        log_paths = _bootstrap_walk(fit.log_changes, horizon, draws, rng, scales=scales)
        return fit.last_price * np.exp(log_paths)
    if fit.method == "arima":
        state_space = fit.raw.get("state_space")
        if not isinstance(state_space, LinearStateSpace):
            raise EstimationError("this arima fit has no state space to simulate from")
        return np.exp(state_space.simulate(horizon, draws, rng=rng))
    results = fit.raw.get("results")
    if results is None:
        raise EstimationError("this ets fit has no statsmodels results to simulate from")
    sigma = float(np.sqrt(results.scale))  # type: ignore[attr-defined]
    errors = rng.standard_normal((horizon, draws)) * sigma
    log_paths = results.simulate(  # type: ignore[attr-defined]
        horizon, anchor="end", repetitions=draws, random_errors=errors
    )
    return np.exp(np.asarray(log_paths, dtype=float).reshape(horizon, draws).T)


# --- helpers ---------------------------------------------------------------------------------


def _window(
    prices: pd.DataFrame, method: str, window_months: int | None
) -> tuple[pd.PeriodIndex, np.ndarray]:
    """Return the months and values of the estimation window, checked."""
    if not {"date", "value"}.issubset(prices.columns):
        raise EstimationError(MISSING_COLUMNS.format(found=", ".join(map(str, prices.columns))))
    dates = pd.to_datetime(prices["date"], errors="coerce")
    bad = dates.isna()
    if bad.any():
        row = prices.index[bad.to_numpy()][0]
        raise EstimationError(BAD_DATE.format(row=row, value=prices.loc[row, "date"]))
    months = pd.PeriodIndex(dates, freq="M")
    order = np.argsort(months.asi8, kind="stable")
    months = months[order]
    values = pd.to_numeric(prices["value"], errors="coerce").to_numpy(dtype=float)[order]
    if window_months is not None:
        months, values = months[-window_months:], values[-window_months:]
    needed = MIN_OBSERVATIONS[method]
    if values.size < needed:
        raise EstimationError(
            TOO_FEW.format(method=method, needed=needed, nobs=values.size, window=window_months)
        )
    steps = np.diff(months.asi8)
    if np.any(steps == 0):
        raise EstimationError(DUPLICATE_MONTH.format(month=months[1:][steps == 0][0]))
    if np.any(steps != 1):
        at = int(np.flatnonzero(steps != 1)[0])
        raise EstimationError(GAP.format(before=months[at], after=months[at + 1]))
    for test, template in ((~np.isfinite(values), NOT_FINITE), (values <= 0, NOT_POSITIVE)):
        if test.any():
            at = int(np.flatnonzero(test)[0])
            raise EstimationError(
                template.format(date=months[at], value=float(values[at]), method=method)
            )
    return months, values


def _random_walk_params(changes: np.ndarray) -> pd.DataFrame:
    n = changes.size
    sigma = float(changes.std(ddof=1)) if n > 1 else 0.0
    return pd.DataFrame(
        {
            "term": ["mean_log_change", "sigma"],
            "estimate": [float(changes.mean()), sigma],
            "std_err": [sigma / np.sqrt(n), sigma / np.sqrt(2 * max(n - 1, 1))],
        }
    )


def _bootstrap_walk(
    pool: np.ndarray,
    horizon: int,
    draws: int,
    rng: np.random.Generator,
    *,
    scales: np.ndarray | None = None,
) -> np.ndarray:
    """Return cumulative sums of reflected bootstrap draws from ``pool``, (draws, horizon).

    One uniform number per cell picks both the change and its sign, so the numbers taken
    from ``rng`` do not depend on the size of the pool. ``scales`` (one per month)
    multiplies each month's draw before the sum.
    """
    size = pool.size
    picks = np.minimum((rng.random((draws, horizon)) * (2 * size)).astype(np.int64), 2 * size - 1)
    signed = np.concatenate([pool, -pool])[picks]
    if scales is not None:
        signed = signed * scales
    return np.cumsum(signed, axis=1)


def _params_frame(names: list[str], estimates: np.ndarray, std_errs: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "term": [str(name) for name in names],
            "estimate": np.asarray(estimates, dtype=float),
            "std_err": np.asarray(std_errs, dtype=float),
        }
    )


def _fit_arima(log_prices: np.ndarray) -> tuple[pd.DataFrame, dict[str, object]]:
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    results = SARIMAX(log_prices, order=ARIMA_ORDER, trend="n").fit(disp=False)
    if not results.mle_retvals.get("converged", True):
        warnings.warn("the optimiser did not converge", ConvergenceWarning, stacklevel=2)
    names = list(results.model.param_names)
    params = _params_frame(names, np.asarray(results.params), np.asarray(results.bse))
    return params, {"results": results, "state_space": LinearStateSpace.from_results(results)}


def _fit_ets(log_prices: np.ndarray) -> tuple[pd.DataFrame, dict[str, object]]:
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    model = ETSModel(log_prices, error="add", trend="add", damped_trend=True)
    results = model.fit(disp=False)
    if not results.mle_retvals.get("converged", True):
        warnings.warn("the optimiser did not converge", ConvergenceWarning, stacklevel=2)
    names = [*model.param_names, "sigma2"]
    estimates = np.append(np.asarray(results.params, dtype=float), float(results.scale))
    std_errs = np.append(np.asarray(results.bse, dtype=float), np.nan)
    return _params_frame(names, estimates, std_errs), {"results": results}


@contextmanager
def _statsmodels_warnings(where: Mapping[str, str]) -> Iterator[None]:
    """Record the warnings raised while fitting and re-issue them as ``ConvergenceWarning``.

    statsmodels' model warnings (convergence, Hessian inversion...) and numerical
    ``RuntimeWarning`` are reported once each, as :class:`ConvergenceWarning` naming the
    method and window; other warnings (deprecations) pass through unchanged. Nothing is
    re-issued if the fit raises.
    """
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        yield
    for category, message in _dedupe(records or []):
        if issubclass(category, ConvergenceWarning) or _is_numerical(category):
            text = NOT_CONVERGED.format(reason=message, **where)
            warnings.warn(text, ConvergenceWarning, stacklevel=4)
        else:
            warnings.warn(message, category, stacklevel=4)


def _is_numerical(category: type[Warning]) -> bool:
    """Return whether a warning is about estimation trouble (statsmodels model warnings)."""
    if issubclass(category, RuntimeWarning):
        return True
    module = getattr(category, "__module__", "")
    return module.startswith("statsmodels") and not issubclass(
        category, DeprecationWarning | FutureWarning
    )


def _dedupe(records: list[warnings.WarningMessage]) -> Iterator[tuple[type[Warning], str]]:
    seen: set[tuple[type[Warning], str]] = set()
    for record in records:
        key = (record.category, str(record.message))
        if key not in seen:
            seen.add(key)
            yield key
