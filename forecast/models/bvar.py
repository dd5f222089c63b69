r"""Bayesian VAR with a Minnesota prior in the conjugate normal-inverse-Wishart form.

The model is the reduced-form VAR(p) ``y_t = c + A_1 y_{t-1} + ... + A_p y_{t-p} + e_t``,
``e_t ~ N(0, Sigma)``, written as ``Y = X B + E`` with the rows of ``X`` equal to
``[1, y_{t-1}', ..., y_{t-p}']`` (the constant first, then lag 1 of every variable, lag 2...).

Prior (Kadiyala & Karlsson 1997; Banbura, Giannone & Reichlin 2010)::

    B | Sigma ~ MN(B_0, Sigma, Omega_0)     (vec B | Sigma ~ N(vec B_0, Sigma kron Omega_0))
    Sigma     ~ IW(S_0, nu_0)

with the Minnesota choices:

* ``B_0``: zero except the own first lag of variable ``j``, which is ``delta_j``: 1 for a
  random walk (the log real price of oil), a value below 1 (or 0) for a stationary variable.
* ``Omega_0`` diagonal: the coefficient on lag ``l`` of variable ``j`` has prior variance
  ``Sigma_ii * (lambda / (l**d * s_j))**2`` in equation ``i``; with ``E[Sigma_ii] = s_i**2``
  that is Litterman's ``(lambda * s_i / (l**d * s_j))**2``. ``lambda`` (``overall``) sets the
  overall tightness, ``d`` (``lag_decay``) how fast longer lags shrink to zero, and the
  intercept's prior standard deviation is ``constant`` times ``sqrt(Sigma_ii)`` (loose).
  The conjugate form ties the cross-variable tightness to the own-lag tightness (no separate
  ``theta``): that is the price of a closed-form posterior.
* ``S_0 = (nu_0 - K - 1) diag(s_1**2, ..., s_K**2)`` with ``nu_0 = K + 2``, so that
  ``E[Sigma] = diag(s**2)``. The scales ``s_j`` are the residual standard deviations of
  univariate AR(1) regressions (with a constant) on the estimation sample, unless given.
* Optionally a sum-of-coefficients prior (Doan, Litterman & Sims 1984) on the variables
  whose prior is a random walk (``delta_j = 1``): one dummy observation each,
  ``Y_d = diag(ybar) / mu`` and ``X_d = [0, Y_d, ..., Y_d]`` (rows of those variables) with
  ``ybar`` the mean of the first ``p`` observations. Dummy observations keep the prior
  conjugate, so they are simply added to the data.

Posterior (closed form)::

    Omega_n = (Omega_0^-1 + X'X)^-1
    B_n     = Omega_n (Omega_0^-1 B_0 + X'Y)
    S_n     = S_0 + Y'Y + B_0' Omega_0^-1 B_0 - B_n' Omega_n^-1 B_n
    nu_n    = nu_0 + T

computed here as the least-squares fit of the data stacked under the prior written as dummy
observations, ``[Omega_0^{-1/2}; X]`` and ``[Omega_0^{-1/2} B_0; Y]``, with ``S_n = S_0 +``
the stacked residuals' cross-products (the formulas above are what the tests check it
against). The prior keeps ``X*' X*`` well conditioned, so its Cholesky factor is used (a
QR factorisation is slow for these small matrices under multithreaded BLAS).

Point forecasts iterate the VAR at the posterior mean of ``B`` (which is also the mode of the
marginal matrix-t posterior of ``B``). :func:`simulate_bvar` draws from the posterior
predictive distribution (``Sigma``, then ``B``, then the shocks), vectorised across draws.

**Ragged edge.** The sample used for estimation runs from the first to the last month in
which every variable is observed (no gaps in between). Months after that may lack some
variables (world production ends before the prices do, the Kilian index is published a month
late): their missing values are filled with their expectation conditional on everything
observed, by a Kalman filter on the VAR's state-space form at the posterior mean of ``B`` and
``Sigma`` (the Waggoner & Zha 1999 conditional forecast at the posterior mean). Forecasts
start after the last month of the data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import special

from forecast._arrays import check_count, frozen
from forecast.errors import EstimationError
from forecast.models import _var

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = [
    "BVARFit",
    "MinnesotaPrior",
    "NIWPrior",
    "draw_posterior",
    "fit_bvar",
    "forecast_bvar",
    "forecast_path",
    "minnesota_prior",
    "niw_posterior",
    "simulate_bvar",
]

NO_DATE = "data needs a 'date' column (month start) and one column per variable"
NOT_MONTHLY = "data: dates must be consecutive months; {before} is followed by {after}"
NO_VARIABLES = "data has no variable columns besides 'date'"
GAP_IN_SAMPLE = (
    "data: {variable} is missing in {month}, inside the balanced sample {start}..{end}; "
    "only months after the last complete month may lack values"
)
TOO_SHORT = (
    "a BVAR with {lags} lags needs at least {needed} complete months; got {nobs} ({start}..{end})"
)
NO_COMPLETE = "data: no month has a value for every variable ({variables})"
BAD_PRIOR = "MinnesotaPrior: {name} must be {rule}, not {value!r}"
UNKNOWN_DELTA = "own_lag_mean names variables not in the data: {names}"
NOT_FINITE = "data: {variable} has a non-finite value in {month}"


@dataclass(frozen=True, slots=True)
class MinnesotaPrior:
    """Hyperparameters of the Minnesota prior (conjugate normal-inverse-Wishart form).

    Attributes
    ----------
    lags
        VAR lag order ``p``.
    overall
        Overall tightness ``lambda`` (0.2 is the classic choice; smaller shrinks harder to
        the prior mean).
    lag_decay
        ``d``: the prior standard deviation of lag ``l`` is divided by ``l**d``.
    constant
        Prior standard deviation of each intercept, in units of that equation's shock
        standard deviation (large: nearly flat).
    own_lag_mean
        ``delta``: prior mean of each variable's own first-lag coefficient; one number for
        every variable or a mapping by variable (missing variables get 1.0).
    sum_of_coefficients
        ``mu`` of the sum-of-coefficients dummy observations, or ``None`` for none (smaller
        ``mu`` pulls the sum of each variable's own-lag coefficients harder to ``delta``).
    scales
        The scales ``s_j`` by variable; ``None`` estimates them (AR(1) residual standard
        deviations on the estimation sample).
    """

    lags: int = 12
    overall: float = 0.2
    lag_decay: float = 1.0
    constant: float = 100.0
    own_lag_mean: float | Mapping[str, float] = 1.0
    sum_of_coefficients: float | None = None
    scales: Mapping[str, float] | None = None

    def __post_init__(self) -> None:
        checks = (
            ("lags", self.lags, isinstance(self.lags, int) and self.lags >= 1, "an int >= 1"),
            ("overall", self.overall, _positive(self.overall), "a positive number"),
            ("lag_decay", self.lag_decay, _nonnegative(self.lag_decay), "a number >= 0"),
            ("constant", self.constant, _positive(self.constant), "a positive number"),
            (
                "sum_of_coefficients",
                self.sum_of_coefficients,
                self.sum_of_coefficients is None or _positive(self.sum_of_coefficients),
                "None or a positive number",
            ),
        )
        for name, value, ok, rule in checks:
            if not ok or isinstance(value, bool):
                raise ValueError(BAD_PRIOR.format(name=name, rule=rule, value=value))

    def delta(self, variables: Sequence[str]) -> np.ndarray:
        """Return the own-first-lag prior means in the order of ``variables``."""
        if isinstance(self.own_lag_mean, int | float):
            return np.full(len(variables), float(self.own_lag_mean))
        unknown = sorted(set(self.own_lag_mean) - set(variables))
        if unknown:
            raise ValueError(UNKNOWN_DELTA.format(names=", ".join(unknown)))
        return np.array([float(self.own_lag_mean.get(v, 1.0)) for v in variables])


@dataclass(frozen=True, slots=True, eq=False)
class NIWPrior:
    """A normal-inverse-Wishart prior ``B | Sigma ~ MN(mean, Sigma, scale)``, ``Sigma ~ IW``.

    Attributes
    ----------
    mean
        ``B_0``, shape ``(1 + K * p, K)``.
    scale
        ``Omega_0``, shape ``(1 + K * p, 1 + K * p)`` (diagonal for the Minnesota prior).
    sigma_scale
        ``S_0``, shape ``(K, K)``.
    sigma_df
        ``nu_0``.
    dummy_y, dummy_x
        Extra dummy observations (sum-of-coefficients), ``(n_d, K)`` and ``(n_d, 1 + K*p)``;
        empty when there are none.
    """

    mean: np.ndarray
    scale: np.ndarray
    sigma_scale: np.ndarray
    sigma_df: float
    dummy_y: np.ndarray
    dummy_x: np.ndarray


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class BVARFit:
    """The posterior of a Minnesota BVAR and the state to forecast from.

    ``B | Sigma, Y ~ MN(coef_mean, Sigma, coef_scale)`` and
    ``Sigma | Y ~ IW(sigma_scale, sigma_df)``. Arrays are read-only.

    Attributes
    ----------
    variables
        Variable names, in the order of the columns of ``coef_mean``.
    prior
        The hyperparameters used.
    niw_prior
        The prior matrices those hyperparameters gave.
    coef_mean
        ``B_n``, ``(1 + K * p, K)``: row 0 the intercepts, then lag 1 of every variable...
    coef_scale
        ``Omega_n``, ``(1 + K * p, 1 + K * p)``.
    sigma_scale
        ``S_n``, ``(K, K)``.
    sigma_df
        ``nu_n``.
    sample_start, sample_end
        First and last month of the balanced estimation sample (the first ``p`` months are
        presample lags).
    nobs
        Number of months used as left-hand side observations (``T``).
    last_date
        The last month of the data: forecasts start the month after.
    state
        The ``p`` most recent months up to ``last_date``, ``(p, K)``, most recent first, with
        ragged-edge gaps filled.
    tail_values
        The months after ``sample_end``, ``(n, K)``, with ragged-edge gaps filled.
    tail_filled
        Which of ``tail_values`` were filled (boolean, same shape).
    log_marginal_likelihood
        ``log p(Y)`` under the prior (the data density integrated over ``B`` and ``Sigma``);
        with sum-of-coefficients dummies, ``log p(Y, Y_d) - log p(Y_d)``.
    overall_grid
        The values of ``lambda`` compared by marginal likelihood (empty: none; ``prior``
        then holds the one chosen).
    """

    variables: tuple[str, ...]
    prior: MinnesotaPrior
    niw_prior: NIWPrior
    coef_mean: np.ndarray
    coef_scale: np.ndarray
    sigma_scale: np.ndarray
    sigma_df: float
    sample_start: pd.Timestamp
    sample_end: pd.Timestamp
    nobs: int
    last_date: pd.Timestamp
    state: np.ndarray
    tail_values: np.ndarray
    tail_filled: np.ndarray
    log_marginal_likelihood: float
    overall_grid: tuple[float, ...] = ()
    raw: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def nowcast(self) -> pd.DataFrame:
        """Tidy ``date, variable, value, filled`` of the months after ``sample_end``."""
        return _by_month(
            self.sample_end,
            self.variables,
            {"value": self.tail_values, "filled": self.tail_filled},
        )

    @property
    def params(self) -> pd.DataFrame:
        """Tidy ``equation, term, estimate, std_err``: posterior means and standard deviations.

        ``std_err`` is ``sqrt(Omega_n[r, r] * E[Sigma_jj])`` for row ``r`` of equation ``j``.
        """
        k, p = len(self.variables), self.lags
        terms = ["const"] + [f"{v}.l{lag}" for lag in range(1, p + 1) for v in self.variables]
        std = np.sqrt(np.outer(np.diag(self.coef_scale), np.diag(self.sigma_mean)))
        return pd.DataFrame(
            {
                "equation": np.repeat(np.array(self.variables, dtype=object), len(terms)),
                "term": np.tile(np.array(terms, dtype=object), k),
                "estimate": np.asarray(self.coef_mean).T.reshape(-1),
                "std_err": std.T.reshape(-1),
            }
        )

    @property
    def lags(self) -> int:
        """The VAR lag order."""
        return self.prior.lags

    @property
    def sigma_mean(self) -> np.ndarray:
        """Posterior mean of ``Sigma``: ``S_n / (nu_n - K - 1)``."""
        k = len(self.variables)
        return self.sigma_scale / (self.sigma_df - k - 1)

    def equals(self, other: object) -> bool:
        """Return whether ``other`` is a fit with the same posterior and state.

        Parameters
        ----------
        other
            Any object.

        Returns
        -------
        bool
            True if variables, prior, sample, posterior matrices and state are equal.
        """
        if not isinstance(other, BVARFit):
            return False
        return (
            self.variables == other.variables
            and self.prior == other.prior
            and self.sample_start == other.sample_start
            and self.last_date == other.last_date
            and all(
                np.array_equal(getattr(self, name), getattr(other, name))
                for name in ("coef_mean", "coef_scale", "sigma_scale", "state")
            )
            and self.sigma_df == other.sigma_df
        )

    def summary(self) -> str:
        """Return a short text description: variables, sample, prior and own-lag sums.

        Returns
        -------
        str
            A few lines of text.
        """
        k, p = len(self.variables), self.lags
        own = [sum(self.coef_mean[1 + lag * k + i, i] for lag in range(p)) for i in range(k)]
        lines = [
            f"Minnesota BVAR({p}) in {', '.join(self.variables)}",
            (
                f"sample {self.sample_start:%Y-%m}..{self.sample_end:%Y-%m} ({self.nobs} "
                f"months), data to {self.last_date:%Y-%m}"
            ),
            (
                f"lambda={self.prior.overall:g}, d={self.prior.lag_decay:g}, "
                f"mu={self.prior.sum_of_coefficients}, log ML={self.log_marginal_likelihood:.2f}"
            ),
        ]
        lines += [
            f"  sum of own lags, {v}: {s:.3f}" for v, s in zip(self.variables, own, strict=True)
        ]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"BVARFit(variables={self.variables!r}, lags={self.lags}, sample="
            f"{self.sample_start:%Y-%m}..{self.sample_end:%Y-%m}, last_date={self.last_date:%Y-%m})"
        )

    def __str__(self) -> str:
        return self.summary()


def minnesota_prior(y: np.ndarray, variables: Sequence[str], prior: MinnesotaPrior) -> NIWPrior:
    """Build the NIW prior matrices of the Minnesota prior for data ``y``.

    Parameters
    ----------
    y
        The balanced sample, ``(T + p, K)``, oldest first (presample included).
    variables
        The names of the ``K`` columns.
    prior
        The hyperparameters.

    Returns
    -------
    NIWPrior
        ``B_0``, ``Omega_0``, ``S_0``, ``nu_0`` and the sum-of-coefficients dummies.
    """
    k, p = y.shape[1], prior.lags
    delta = prior.delta(variables)
    if prior.scales is not None:
        scales = np.array([float(prior.scales[v]) for v in variables])
    else:
        scales = np.array([_ar1_scale(y[:, j]) for j in range(k)])
    m = 1 + k * p
    mean = np.zeros((m, k))
    mean[1 : 1 + k, :] = np.diag(delta)
    lag_of_row = np.repeat(np.arange(1, p + 1), k)
    var_of_row = np.tile(np.arange(k), p)
    diag = np.empty(m)
    diag[0] = prior.constant**2
    diag[1:] = (prior.overall / (lag_of_row**prior.lag_decay * scales[var_of_row])) ** 2
    nu0 = float(k + 2)
    sigma_scale = (nu0 - k - 1) * np.diag(scales**2)
    if prior.sum_of_coefficients is None:
        dummy_y, dummy_x = np.empty((0, k)), np.empty((0, m))
    else:
        walks = np.flatnonzero(delta == 1.0)
        ybar = y[:p].mean(axis=0)
        dummy_y = np.diag(ybar)[walks] / prior.sum_of_coefficients
        dummy_x = np.hstack([np.zeros((walks.size, 1)), np.tile(dummy_y, (1, p))])
    return NIWPrior(
        mean=mean,
        scale=np.diag(diag),
        sigma_scale=sigma_scale,
        sigma_df=nu0,
        dummy_y=dummy_y,
        dummy_x=dummy_x,
    )


def niw_posterior(
    y: np.ndarray, x: np.ndarray, prior: NIWPrior
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Return the NIW posterior ``(B_n, Omega_n, S_n, nu_n)`` of ``Y = X B + E``.

    The prior is written as dummy observations ``X_0 = Omega_0^{-1/2}``,
    ``Y_0 = Omega_0^{-1/2} B_0`` and stacked over the data with the prior's own dummy
    observations (if any); ``B_n`` is then the least-squares fit of the stacked data (solved
    through the Cholesky factor of ``X*' X* = Omega_n^{-1}``), and ``S_n`` adds the stacked
    residuals' cross-products to ``S_0``.

    Parameters
    ----------
    y
        Left-hand side, ``(T, K)``.
    x
        Regressors, ``(T, m)``.
    prior
        The NIW prior.

    Returns
    -------
    tuple
        ``coef_mean (m, K)``, ``coef_scale (m, m)``, ``sigma_scale (K, K)``, ``sigma_df``.
    """
    from scipy import linalg

    root = np.linalg.cholesky(np.linalg.inv(prior.scale)).T  # Omega_0^-1 = root' root
    x_all = np.vstack([root, prior.dummy_x, x])
    y_all = np.vstack([root @ prior.mean, prior.dummy_y, y])
    factor = linalg.cho_factor(x_all.T @ x_all, lower=True)
    coef = linalg.cho_solve(factor, x_all.T @ y_all)
    resid = y_all - x_all @ coef
    scale = linalg.cho_solve(factor, np.eye(x_all.shape[1]))
    sigma_scale = prior.sigma_scale + resid.T @ resid
    sigma_df = prior.sigma_df + y.shape[0] + prior.dummy_y.shape[0]
    return coef, (scale + scale.T) / 2, (sigma_scale + sigma_scale.T) / 2, float(sigma_df)


def _log_ml(y: np.ndarray, x: np.ndarray, prior: NIWPrior) -> float:
    """``log p(Y)`` of ``Y = X B + E`` under a NIW prior, its dummy observations ignored."""
    k = y.shape[1]
    base = NIWPrior(
        prior.mean, prior.scale, prior.sigma_scale, prior.sigma_df,
        np.empty((0, k)), np.empty((0, x.shape[1])),
    )  # fmt: skip
    _, scale_n, sigma_n, df_n = niw_posterior(y, x, base)
    return _log_ml_from(y.shape[0], base, scale_n, sigma_n, df_n)


def _log_ml_from(
    t: int, prior: NIWPrior, scale_n: np.ndarray, sigma_n: np.ndarray, df_n: float
) -> float:
    """Return the closed-form ``log p(Y)`` from the prior and posterior scale matrices."""
    k = prior.sigma_scale.shape[0]

    def logdet(a: np.ndarray) -> float:
        return float(np.linalg.slogdet(a)[1])

    return (
        -0.5 * t * k * math.log(math.pi)
        + float(special.multigammaln(df_n / 2, k) - special.multigammaln(prior.sigma_df / 2, k))
        - 0.5 * k * logdet(prior.scale)
        + 0.5 * k * logdet(scale_n)
        + 0.5 * prior.sigma_df * logdet(prior.sigma_scale)
        - 0.5 * df_n * logdet(sigma_n)
    )


def fit_bvar(
    data: pd.DataFrame,
    prior: MinnesotaPrior | None = None,
    *,
    window_months: int | None = None,
    overall_grid: Sequence[float] | None = None,
) -> BVARFit:
    """Estimate a Minnesota BVAR on monthly data; fill a ragged edge; ready to forecast.

    Parameters
    ----------
    data
        ``date`` (month start, consecutive months, oldest first) and one float column per
        variable, in the order the VAR uses. Months before the first complete month are
        dropped; months after the last complete month may lack values (the ragged edge).
    prior
        Hyperparameters (default: :class:`MinnesotaPrior` defaults: 12 lags, lambda 0.2,
        lag decay 1, random-walk prior means).
    window_months
        Estimate on the last ``window_months`` complete months (presample lags included);
        ``None``: every complete month.
    overall_grid
        Values of the overall tightness ``lambda`` to choose from by maximising the
        marginal likelihood (Giannone, Lenza & Primiceri 2015, on a grid); ``None`` uses
        ``prior.overall``.

    Returns
    -------
    BVARFit
        The closed-form posterior, the filled ragged edge and the state to forecast from.

    Raises
    ------
    EstimationError
        If ``date`` is missing, months are not consecutive, a value is infinite, a value is
        missing inside the balanced sample, or the sample is too short.
    ValueError
        If the prior names variables the data lack, or the grid holds a non-positive value.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> dates = pd.date_range("2000-01-01", periods=120, freq="MS")
    >>> data = pd.DataFrame({"date": dates, "a": rng.normal(size=120).cumsum(),
    ...                      "b": rng.normal(size=120)})
    >>> fit = fit_bvar(data, MinnesotaPrior(lags=2, own_lag_mean={"b": 0.0}))
    >>> forecast_bvar(fit, 3).shape
    (6, 3)
    """
    prior = prior or MinnesotaPrior()
    dates, variables, values = _checked(data)
    first, last = _balanced(dates, variables, values, prior.lags, window_months)
    sample = values[first : last + 1]
    x, y = _var.lagged(sample, prior.lags, 1)
    grid = tuple(float(v) for v in overall_grid) if overall_grid else ()
    candidates = [replace(prior, overall=lam) for lam in grid] if grid else [prior]
    best: tuple[float, MinnesotaPrior, NIWPrior, tuple[Any, ...]] | None = None
    for candidate in candidates:
        niw = minnesota_prior(sample, variables, candidate)
        posterior = niw_posterior(y, x, niw)
        if niw.dummy_y.size:  # p(Y) = p(Y, Y_d) / p(Y_d) under the Minnesota part
            stacked = _log_ml(np.vstack([niw.dummy_y, y]), np.vstack([niw.dummy_x, x]), niw)
            log_ml = stacked - _log_ml(niw.dummy_y, niw.dummy_x, niw)
        else:
            log_ml = _log_ml_from(y.shape[0], niw, *posterior[1:])
        if best is None or log_ml > best[0]:
            best = (log_ml, candidate, niw, posterior)
    if best is None:  # pragma: no cover (candidates is never empty)
        raise EstimationError("no prior to estimate with")
    log_ml, prior, niw, (coef, scale, sigma_scale, sigma_df) = best
    k = len(variables)
    tail = values[last + 1 :]
    coefs, intercept = _var.coefs_from_params(coef, k, prior.lags, 1)
    filled, state = _var.kalman_fill(
        coefs, intercept, sigma_scale / (sigma_df - k - 1), sample[-prior.lags :], tail
    )
    return BVARFit(
        variables=variables,
        prior=prior,
        niw_prior=niw,
        coef_mean=frozen(coef),
        coef_scale=frozen(scale),
        sigma_scale=frozen(sigma_scale),
        sigma_df=sigma_df,
        sample_start=dates[first],
        sample_end=dates[last],
        nobs=int(y.shape[0]),
        last_date=dates[-1],
        state=frozen(state),
        tail_values=frozen(filled),
        tail_filled=frozen(np.isnan(tail), bool),
        log_marginal_likelihood=float(log_ml),
        overall_grid=grid,
    )


def _balanced(
    dates: pd.DatetimeIndex,
    variables: tuple[str, ...],
    values: np.ndarray,
    lags: int,
    window_months: int | None,
) -> tuple[int, int]:
    """Return the first and last row of the balanced estimation sample, checked."""
    complete = np.all(np.isfinite(values), axis=1)
    needed = lags + len(variables) + 1
    if not complete.any():
        raise EstimationError(NO_COMPLETE.format(variables=", ".join(variables)))
    first, last = int(np.argmax(complete)), int(len(complete) - 1 - np.argmax(complete[::-1]))
    if window_months is not None:
        first = max(first, last - window_months + 1)
    inside = np.isnan(values[first : last + 1])
    if inside.any():
        row, col = np.argwhere(inside)[0]
        raise EstimationError(GAP_IN_SAMPLE.format(
            variable=variables[col], month=f"{dates[first + row]:%Y-%m}",
            start=f"{dates[first]:%Y-%m}", end=f"{dates[last]:%Y-%m}",
        ))  # fmt: skip
    if last - first + 1 < needed:
        raise EstimationError(TOO_SHORT.format(
            lags=lags, needed=needed, nobs=last - first + 1,
            start=f"{dates[first]:%Y-%m}", end=f"{dates[last]:%Y-%m}",
        ))  # fmt: skip
    return first, last


def forecast_bvar(fit: BVARFit, horizon: int) -> pd.DataFrame:
    """Point forecasts at the posterior mean of the coefficients.

    Parameters
    ----------
    fit
        From :func:`fit_bvar`.
    horizon
        Number of months after ``fit.last_date``.

    Returns
    -------
    pandas.DataFrame
        Tidy ``date, variable, mean``: ``horizon * K`` rows, by date then variable.

    Raises
    ------
    ValueError
        If ``horizon`` is not a positive whole number.
    """
    return _by_month(fit.last_date, fit.variables, {"mean": forecast_path(fit, horizon)})


def forecast_path(fit: BVARFit, horizon: int) -> np.ndarray:
    """Point forecasts as an array ``(horizon, K)`` (row ``h - 1`` is ``h`` months ahead).

    Parameters
    ----------
    fit
        From :func:`fit_bvar`.
    horizon
        Number of months after ``fit.last_date``.

    Returns
    -------
    numpy.ndarray
        The iterated forecasts at the posterior mean of ``B``.

    Raises
    ------
    ValueError
        If ``horizon`` is not a positive whole number.
    """
    check_count("horizon", horizon)
    k, coef = len(fit.variables), np.asarray(fit.coef_mean)
    coefs, intercept = _var.coefs_from_params(coef, k, fit.lags, 1)
    initial = np.asarray(fit.state)[::-1]  # oldest first
    return _var.simulate(  # the lag rows of coef_mean itself: its BLAS product as recorded
        coefs, intercept, initial, np.zeros((int(horizon), k)), lag_matrix=coef[1:]
    )


def draw_posterior(
    fit: BVARFit, draws: int, *, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``(B, Sigma)`` from the normal-inverse-Wishart posterior, vectorised.

    ``Sigma ~ IW(S_n, nu_n)``, then ``B | Sigma ~ MN(B_n, Sigma, Omega_n)``: the parameter
    draws of :func:`simulate_bvar` (which adds shocks after them, from the same ``rng``).

    Parameters
    ----------
    fit
        From :func:`fit_bvar`.
    draws
        Number of draws.
    rng
        The only source of randomness.

    Returns
    -------
    tuple of numpy.ndarray
        ``B`` draws ``(draws, 1 + K * p, K)`` in the layout of ``coef_mean`` and ``Sigma``
        draws ``(draws, K, K)``.

    Raises
    ------
    ValueError
        If ``draws`` is not a positive whole number.
    """
    from scipy import stats

    check_count("draws", draws)
    k, m = len(fit.variables), fit.coef_mean.shape[0]
    sigmas = stats.invwishart(df=fit.sigma_df, scale=np.asarray(fit.sigma_scale)).rvs(
        size=draws, random_state=rng
    )
    sigmas = np.asarray(sigmas, dtype=float).reshape(draws, k, k)
    chol_sigma = np.linalg.cholesky(sigmas)
    chol_omega = np.linalg.cholesky(np.asarray(fit.coef_scale))
    z = rng.standard_normal((draws, m, k))
    coefs = fit.coef_mean + np.einsum("ij,djk,dlk->dil", chol_omega, z, chol_sigma)
    return coefs, sigmas


def simulate_bvar(
    fit: BVARFit, horizon: int, draws: int, *, rng: np.random.Generator
) -> np.ndarray:
    """Draw paths from the posterior predictive distribution, vectorised across draws.

    Each draw takes ``Sigma ~ IW(S_n, nu_n)``, then ``B | Sigma ~ MN(B_n, Sigma, Omega_n)``,
    then Gaussian shocks with covariance ``Sigma``, starting from ``fit.state`` (ragged-edge
    gaps held at their filled values: their own uncertainty is left out).

    Parameters
    ----------
    fit
        From :func:`fit_bvar`.
    horizon
        Number of months after ``fit.last_date``.
    draws
        Number of paths.
    rng
        The only source of randomness.

    Returns
    -------
    numpy.ndarray
        ``(draws, horizon, K)``.

    Raises
    ------
    ValueError
        If ``horizon`` or ``draws`` is not a positive whole number.
    """
    check_count("horizon", horizon)
    check_count("draws", draws)
    k = len(fit.variables)
    coefs, sigmas = draw_posterior(fit, draws, rng=rng)
    chol_sigma = np.linalg.cholesky(sigmas)
    shocks = np.einsum("dij,hdj->hdi", chol_sigma, rng.standard_normal((horizon, draws, k)))
    lag_coefs, intercept = _var.coefs_from_params(coefs, k, fit.lags, 1)
    initial = np.asarray(fit.state)[::-1]  # oldest first
    return _var.simulate(  # the constant summed first, as the draws were recorded
        lag_coefs, intercept, initial, shocks.swapaxes(0, 1), summation="regressors"
    )


# --- helpers ---------------------------------------------------------------------------------


def _positive(value: object) -> bool:
    return isinstance(value, int | float) and math.isfinite(value) and value > 0


def _nonnegative(value: object) -> bool:
    return isinstance(value, int | float) and math.isfinite(value) and value >= 0


def _checked(data: pd.DataFrame) -> tuple[pd.DatetimeIndex, tuple[str, ...], np.ndarray]:
    if "date" not in data.columns:
        raise EstimationError(NO_DATE)
    variables = tuple(str(c) for c in data.columns if c != "date")
    if not variables:
        raise EstimationError(NO_VARIABLES)
    months = pd.to_datetime(data["date"]).to_numpy().astype("datetime64[M]")
    steps = np.diff(months).astype(np.int64)
    if np.any(steps != 1):
        at = int(np.flatnonzero(steps != 1)[0])
        raise EstimationError(NOT_MONTHLY.format(before=months[at], after=months[at + 1]))
    values = data[list(variables)].to_numpy(dtype=float)
    infinite = np.isinf(values)
    if infinite.any():
        row, col = np.argwhere(infinite)[0]
        raise EstimationError(NOT_FINITE.format(variable=variables[col], month=months[row]))
    return pd.DatetimeIndex(months.astype("datetime64[ns]")), variables, values


def _ar1_scale(series: np.ndarray) -> float:
    """Residual standard deviation of an AR(1) with a constant (OLS, ``T - 2`` dof)."""
    x = np.column_stack([np.ones(series.size - 1), series[:-1]])
    resid = series[1:] - x @ np.linalg.lstsq(x, series[1:], rcond=None)[0]
    scale = float(np.sqrt(resid @ resid / max(series.size - 3, 1)))
    return scale if scale > 0 else 1.0


def _by_month(
    after: pd.Timestamp, variables: Sequence[str], columns: Mapping[str, np.ndarray]
) -> pd.DataFrame:
    """Tidy ``date, variable, *columns`` from ``(n, K)`` arrays of the months after ``after``."""
    n, k = next(iter(columns.values())).shape
    dates = pd.date_range(after, periods=n + 1, freq="MS")[1:]
    frame = {
        "date": np.repeat(dates.astype("datetime64[ns]").to_numpy(), k),
        "variable": np.tile(np.array(variables, dtype=object), n),
    }
    return pd.DataFrame(frame | {name: values.reshape(-1) for name, values in columns.items()})
