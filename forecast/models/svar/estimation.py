"""Estimate the SVAR by OLS and identify its shocks: recursive (Cholesky) or sign restrictions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import get_args

import numpy as np
import pandas as pd

from forecast._arrays import check_count, frozen_numeric
from forecast._typing import Identification, Trend
from forecast.errors import EstimationError
from forecast.models import _var
from forecast.models.svar._common import (
    KM2012_ELASTICITY_BOUND,
    NO_ROTATION,
    SHOCKS,
    VARIABLES,
    cholesky,
    disruption_signs,
)
from forecast.models.svar._identify import (
    KM2012_DYNAMIC_HORIZON,
    km_admissible,
    proxy_identification,
    reduced_ma,
)

__all__ = ["SVARFit", "fit_svar"]

FRY_PAGAN_HORIZON = 24
"""Horizon of the responses compared to pick the median-target model (Fry & Pagan 2011)."""
_IDENTIFICATIONS = get_args(Identification)

BAD_DATA = "data must be a T x K array or frame of numbers, got shape {shape}"
NOT_FINITE_DATA = (
    "data row {row} has a missing or non-finite value; fit on complete rows (fill the ragged "
    "edge after fitting)"
)
TOO_FEW = (
    "a VAR({lags}) with {m} regressors per equation needs more than {m} rows after the lags; "
    "got {rows}"
)
BAD_TREND = "trend must be 'c' (constant) or 'n' (none), not {trend!r}"
BAD_IDENTIFICATION = "identification must be one of {known}, not {value!r}"
SIGN_NEEDS = "sign identification needs {what}"
PROXY_NEEDS = "proxy identification needs {what}"
BAD_INSTRUMENT = "instrument must have one value per data row ({rows}), got shape {shape}"


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class SVARFit:
    """An estimated and identified structural VAR.

    Attributes
    ----------
    variables, shocks
        Names of the ``K`` variables and shocks, in order.
    lags
        ``p``.
    trend
        ``"c"`` (constant) or ``"n"``.
    identification
        ``"recursive"`` or ``"sign"``.
    data
        ``(T, K)``: the estimation sample (read-only); ``dates`` its months if known.
    params
        ``(k_trend + K p, K)``: OLS coefficients in statsmodels' layout (``VARResults.params``).
    coefs, intercept
        ``(p, K, K)`` lag matrices ``A_l`` and ``(K,)`` constants.
    sigma
        ``(K, K)``: residual covariance, statsmodels' degrees of freedom.
    residuals
        ``(T - p, K)``: reduced-form residuals.
    impact
        ``(K, K)``: ``B`` with ``u_t = B ε_t`` (column ``j``: impact response to shock ``j``).
    impact_set
        ``(n, K, K)``: every accepted impact matrix (sign identification); ``impact[None]``
        for recursive identification.
    elasticity_bound
        The supply-elasticity bound of sign identification (``None`` for recursive).
    rotations
        Rotations tried (sign identification; 0 for recursive).
    supply_disruption
        Whether the first shock is normalised as a disruption (lowers production).
    dynamic_horizon
        Months of Kilian-Murphy's dynamic restrictions (sign identification; 0: none).
    instrument
        ``(T - p,)``: the external instrument on the residuals' months, NaN where it is not
        observed (proxy identification; ``None`` otherwise).
    first_stage_f
        F statistic of the production residual on the instrument (proxy identification).

    Notes
    -----
    Arrays are read-only.
    """

    variables: tuple[str, ...]
    shocks: tuple[str, ...]
    lags: int
    trend: Trend
    identification: Identification
    data: np.ndarray
    dates: pd.DatetimeIndex | None
    params: np.ndarray
    coefs: np.ndarray
    intercept: np.ndarray
    sigma: np.ndarray
    residuals: np.ndarray
    impact: np.ndarray
    impact_set: np.ndarray
    elasticity_bound: float | None
    rotations: int
    supply_disruption: bool
    dynamic_horizon: int = 0
    instrument: np.ndarray | None = None
    first_stage_f: float | None = None

    @property
    def k(self) -> int:
        """Number of variables."""
        return int(self.data.shape[1])

    @property
    def k_trend(self) -> int:
        """Number of deterministic regressors (1 with a constant)."""
        return 1 if self.trend == "c" else 0

    @property
    def nobs(self) -> int:
        """Observations used in the regressions, ``T - p``."""
        return int(self.residuals.shape[0])

    @property
    def dof_inflation(self) -> float:
        """``sqrt((T - p) / (T - p - m))``: scales residuals so their covariance is ``sigma``.

        With ``m = 73`` regressors per equation and ``T - p = 357`` the plain residuals would
        be 11% too small; the bootstrap and the projected shocks both use it.
        """
        return float(np.sqrt(self.nobs / (self.nobs - self.params.shape[0])))

    @property
    def companion(self) -> np.ndarray:
        """The ``(K p, K p)`` companion matrix."""
        return _var.companion(self.coefs)

    @property
    def max_root(self) -> float:
        """Largest modulus of the companion matrix's eigenvalues (< 1: stable)."""
        return float(np.max(np.abs(np.linalg.eigvals(self.companion))))

    @property
    def structural_residuals(self) -> np.ndarray:
        """``(T - p, K)``: estimated structural shocks ``ε_t = B^{-1} u_t``."""
        shocks: np.ndarray = np.linalg.solve(self.impact, self.residuals.T).T
        return shocks

    def irfs(self, horizon: int) -> np.ndarray:
        """Structural impulse responses ``(horizon + 1, K, K)``: ``[h, variable, shock]``."""
        return _var.structural_ma(self.coefs, self.impact, horizon)

    def params_frame(self) -> pd.DataFrame:
        """Coefficients as a tidy frame: ``equation, term, estimate``."""
        terms = (["const"] if self.k_trend else []) + [
            f"L{lag}.{name}" for lag in range(1, self.lags + 1) for name in self.variables
        ]
        return pd.DataFrame(
            {
                "equation": np.repeat(self.variables, len(terms)),
                "term": np.tile(terms, self.k),
                "estimate": self.params.T.reshape(-1),
            }
        )

    def summary(self) -> str:
        """Describe sample, lags, identification, stability and shock sizes in a few lines."""
        span = (
            f"{self.dates[0]:%Y-%m}..{self.dates[-1]:%Y-%m}"
            if self.dates is not None and len(self.dates)
            else f"{self.data.shape[0]} rows"
        )
        lines = [
            f"SVAR({self.lags}), trend={self.trend!r}, {self.identification} identification",
            f"  sample {span}, {self.nobs} observations after lags",
            f"  largest companion root {self.max_root:.4f}",
            "  residual std: "
            + ", ".join(
                f"{name} {s:.4g}"
                for name, s in zip(self.variables, np.sqrt(np.diag(self.sigma)), strict=True)
            ),
        ]
        if self.identification == "sign":
            lines.append(
                f"  {self.impact_set.shape[0]} of {self.rotations} rotations accepted "
                f"(supply-elasticity bound {self.elasticity_bound}, dynamic restrictions "
                f"over {self.dynamic_horizon} months)"
            )
        if self.identification == "proxy" and self.instrument is not None:
            months = int(np.isfinite(self.instrument).sum())
            lines.append(
                f"  instrument observed in {months} months, first-stage F {self.first_stage_f:.2f}"
            )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return (
            f"SVARFit(lags={self.lags}, identification={self.identification!r}, "
            f"nobs={self.nobs}, variables={self.variables})"
        )


def fit_svar(
    data: np.ndarray | pd.DataFrame,
    lags: int = 24,
    *,
    trend: Trend = "c",
    identification: Identification = "recursive",
    rng: np.random.Generator | None = None,
    rotations: int = 5000,
    elasticity_bound: float = KM2012_ELASTICITY_BOUND,
    supply_disruption: bool = True,
    dynamic_horizon: int = KM2012_DYNAMIC_HORIZON,
    instrument: np.ndarray | pd.Series | None = None,
) -> SVARFit:
    """Estimate a VAR by OLS and identify its structural shocks.

    Parameters
    ----------
    data
        ``T x K`` numbers without NaN, oldest first. A frame's columns name the variables; a
        ``date`` column (dropped) or a ``DatetimeIndex`` gives the months. With K = 3 the
        order must be :data:`VARIABLES`.
    lags
        ``p`` (24 in Kilian 2009).
    trend
        ``"c"``: a constant in every equation; ``"n"``: none.
    identification
        ``"recursive"`` (Cholesky, the default), ``"sign"`` (Kilian & Murphy 2012; K = 3) or
        ``"proxy"`` (external instrument for the supply shock; needs ``instrument``).
    rng
        Needed for sign identification (draws the rotations).
    rotations
        Candidate rotations drawn for sign identification (the identified set is the
        accepted ones).
    elasticity_bound
        Upper bound on the impact price elasticity of oil supply (sign identification).
    supply_disruption
        Normalise the first shock to *lower* the first variable (a supply disruption).
    dynamic_horizon
        Sign identification: months ``0..dynamic_horizon`` over which a supply disruption
        must lower cumulated production and real activity and raise the real price (12 in
        KM2012; 0 keeps the impact restrictions only).
    instrument
        Proxy identification: one value per data row (NaN where unobserved), e.g. Känzig's
        (2021) oil supply surprises; the supply column of ``B`` is proportional to the
        covariance of the residuals with it.

    Returns
    -------
    SVARFit
        Coefficients equal to ``statsmodels`` ``VAR(data).fit(lags, trend=trend)``.

    Raises
    ------
    EstimationError
        If the data are not finite, too short for the lags, the residual covariance is not
        positive definite, no rotation satisfies the restrictions (no admissible model: the
        restrictions are never loosened), or the instrument is too short or irrelevant.
    ValueError
        If ``lags``, ``trend``, ``identification`` or ``rotations`` is not valid, or sign
        identification lacks ``rng`` or three variables, or proxy identification lacks its
        instrument.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.random.default_rng(0).standard_normal((200, 3)).cumsum(axis=0) * 0.1
    >>> fit = fit_svar(y, lags=2)
    >>> fit.params.shape, fit.impact.shape
    ((7, 3), (3, 3))
    """
    check_count("lags", lags)
    if trend not in ("c", "n"):
        raise ValueError(BAD_TREND.format(trend=trend))
    if identification not in _IDENTIFICATIONS:
        raise ValueError(
            BAD_IDENTIFICATION.format(known=", ".join(_IDENTIFICATIONS), value=identification)
        )
    values, names, dates = _as_array(data)
    t, k = values.shape
    k_trend = 1 if trend == "c" else 0
    m = k_trend + k * lags
    if t - lags <= m:
        raise EstimationError(TOO_FEW.format(lags=lags, m=m, rows=t - lags))
    params, resid, sigma = _var.ols(values, lags, k_trend)
    coefs, intercept = _var.coefs_from_params(params, k, lags, k_trend)
    signs = disruption_signs(k, supply_disruption)
    extra: dict[str, object] = {}
    if identification == "recursive":
        impact = cholesky(sigma) * signs
        impact_set = impact[None]
        bound: float | None = None
        tried = 0
    elif identification == "sign":
        impact_set = (
            _sign_set(coefs, sigma, rng, rotations, elasticity_bound, dynamic_horizon) * signs
        )
        impact = impact_set[_median_target(coefs, impact_set)]
        bound, tried = float(elasticity_bound), int(rotations)
        extra["dynamic_horizon"] = int(dynamic_horizon)
    else:
        z = _instrument(instrument, t)[lags:]
        impact, f_stat = proxy_identification(resid, sigma, z, signs)
        impact_set = impact[None]
        bound, tried = None, 0
        extra.update(instrument=frozen_numeric(z), first_stage_f=f_stat)
    return SVARFit(
        variables=names,
        shocks=SHOCKS if k == 3 else tuple(f"shock_{i + 1}" for i in range(k)),
        lags=int(lags),
        trend=trend,
        identification=identification,
        data=frozen_numeric(values),
        dates=dates,
        params=frozen_numeric(params),
        coefs=frozen_numeric(coefs),
        intercept=frozen_numeric(intercept),
        sigma=frozen_numeric(sigma),
        residuals=frozen_numeric(resid),
        impact=frozen_numeric(impact),
        impact_set=frozen_numeric(impact_set),
        elasticity_bound=bound,
        rotations=tried,
        supply_disruption=supply_disruption,
        **extra,  # type: ignore[arg-type]
    )


def _sign_set(
    coefs: np.ndarray,
    sigma: np.ndarray,
    rng: np.random.Generator | None,
    rotations: int,
    bound: float,
    dynamic_horizon: int,
) -> np.ndarray:
    """Every accepted rotation of ``chol(sigma)`` (columns ordered, before the signs)."""
    k = sigma.shape[0]
    if k != 3:
        raise ValueError(SIGN_NEEDS.format(what=f"three variables, got {k}"))
    if rng is None:
        raise ValueError(SIGN_NEEDS.format(what="an rng to draw rotations"))
    check_count("rotations", rotations)
    if dynamic_horizon < 0:
        raise ValueError(f"dynamic_horizon must be >= 0, not {dynamic_horizon}")
    # Haar rotations of SO(3) from unit quaternions (the draws of _var.haar_rotations_so3),
    # screened before the exact checks: the set km_filter would accept among them.
    quaternions = rng.standard_normal((4, int(rotations)))
    phis = reduced_ma(coefs, dynamic_horizon) if dynamic_horizon else None
    impact, dynamic = km_admissible(quaternions, cholesky(sigma), bound, phis)
    if not dynamic.any():
        raise EstimationError(NO_ROTATION.format(tried=rotations, bound=bound))
    accepted_set: np.ndarray = impact[dynamic]
    return accepted_set


def _instrument(instrument: np.ndarray | pd.Series | None, rows: int) -> np.ndarray:
    """Return the instrument as a float ``(rows,)`` array (NaN: not observed)."""
    if instrument is None:
        raise ValueError(PROXY_NEEDS.format(what="an instrument (one value per data row)"))
    z = np.asarray(instrument, dtype=float)
    if z.shape != (rows,):
        raise ValueError(BAD_INSTRUMENT.format(rows=rows, shape=z.shape))
    return z


def _as_array(
    data: np.ndarray | pd.DataFrame,
) -> tuple[np.ndarray, tuple[str, ...], pd.DatetimeIndex | None]:
    dates: pd.DatetimeIndex | None = None
    if isinstance(data, pd.DataFrame):
        frame = data
        if "date" in frame.columns:
            dates = pd.DatetimeIndex(pd.to_datetime(frame["date"]))
            frame = frame.drop(columns="date")
        elif isinstance(frame.index, pd.DatetimeIndex):
            dates = frame.index
        names = tuple(str(c) for c in frame.columns)
        values = frame.to_numpy(dtype=float)
    else:
        values = np.array(data, dtype=float)
        names = ()
    if values.ndim != 2 or values.shape[1] < 1:
        raise EstimationError(BAD_DATA.format(shape=values.shape))
    if not names:
        k = values.shape[1]
        names = VARIABLES if k == 3 else tuple(f"y{i + 1}" for i in range(k))
    bad = ~np.isfinite(values).all(axis=1)
    if bad.any():
        raise EstimationError(NOT_FINITE_DATA.format(row=int(np.flatnonzero(bad)[0])))
    return values, names, dates


def _median_target(coefs: np.ndarray, impact_set: np.ndarray) -> int:
    """Index of the accepted model closest to the pointwise median responses (Fry-Pagan)."""
    responses = _var.structural_ma(coefs, impact_set, FRY_PAGAN_HORIZON)
    flat = responses.reshape(responses.shape[0], -1)
    spread = flat.std(axis=0)
    spread = np.where(spread > 0, spread, 1.0)
    distance = (((flat - np.median(flat, axis=0)) / spread) ** 2).sum(axis=1)
    return int(np.argmin(distance))
