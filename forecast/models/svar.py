"""The oil-market structural VAR (Kilian 2009): estimation, identification, bands, scenarios.

**Variables and units** (:func:`svar_dataset`), in this order:

``prod_growth_pct``
    ``100 * Δlog`` of world crude production: the monthly % change. Its cumulated response is
    the % deviation of the production *level*.
``rea``
    Kilian's index of global real economic activity (% deviation from trend), as published.
``real_price_log``
    ``100 * log(Brent * CPI_ref / CPI)``: 100 times the log real price of Brent in dollars of
    the as-of month (``CPI_ref`` is the CPI of that month, so in the as-of month the real
    price *is* the nominal one). Responses are therefore in % (log points x 100).

**Model.** A VAR(``p``) with a constant, ``y_t = c + A_1 y_{t-1} + ... + A_p y_{t-p} + u_t``,
estimated by OLS equation by equation exactly as statsmodels' ``VAR(y).fit(p)`` does
(``Σ = U'U / (T - p - 1 - Kp)``). Reduced-form errors are ``u_t = B ε_t`` with structural
shocks ``ε_t`` of unit variance, in the order supply, aggregate demand, oil-specific demand.

**Identification.** ``"recursive"`` (Kilian 2009): ``B`` is the Cholesky factor of ``Σ``;
production does not react within the month to demand shocks, and activity not to
oil-specific demand shocks. ``"sign"`` (Kilian & Murphy 2012): ``B = chol(Σ) Q`` with ``Q``
drawn uniformly (Haar) among rotations; a draw is kept when, after flipping each column so
that it raises the real price, its columns show the impact signs of the three shocks
(supply: production -, activity -, price +; aggregate demand: +, +, +; oil-specific demand:
+, -, +) and the impact price elasticity of oil supply implied by both demand shocks
(production response / price response, both in %) is at most ``elasticity_bound``
(0.0258 in KM2012). All kept rotations are returned; the point model is the kept one closest
to the pointwise median responses (Fry & Pagan 2011).

**Sign convention.** The supply shock is a *disruption*: a positive supply shock lowers
production (``supply_disruption=True``, the default), so that all three shocks raise the
real price of oil, as in Kilian's (2009) figures. ``supply_disruption=False`` keeps the
Cholesky sign (then the recursive impulse responses equal statsmodels' ``orth_ma_rep``).

**Bootstrap** (:func:`bootstrap_svar`), all draws at once in numpy: recursive-design samples
start from the first ``p`` observations and run the estimated VAR forward with innovations
that are (``"residual"``) drawn with replacement from the centred residuals, (``"wild"``)
the residuals times a Rademacher sign per month, common to the equations, which keeps
conditional heteroskedasticity (Gonçalves & Kilian 2004), or (``"gaussian"``) drawn from
``N(0, Σ)`` (the Monte Carlo of statsmodels' ``irf_errband_mc``). Residuals are inflated by
``sqrt((T - p) / (T - p - m))`` (``m`` regressors per equation) so that their covariance is
``Σ`` (Stine 1987); with ``m = 73`` the plain residuals would be 11% too small. The wild
bootstrap barely varies ``Σ`` (squared residuals do not change sign), so it understates the
uncertainty of impact responses (Brüggemann, Jentsch & Trenkler 2016); use it for the
dynamics under heteroskedasticity, with that caveat. Every sample is re-estimated by OLS
in a batch (normal equations assembled from lag cross-products, one batched solve) and
re-identified. Bands are percentile intervals of the draws (no bias correction). Under
sign identification each draw keeps the first of ``rotations`` candidate rotations that
passes (draws with none are dropped and counted in ``notes``), so the bands mix sampling
and set-identification uncertainty.

**Scenarios** (:func:`project_svar`, Antolín-Díaz, Petrella & Rubio-Ramírez 2021): a path
of the production level (log deviation from the no-outage path) is produced by a sequence
of supply shocks only, solved horizon by horizon; the price path is the resulting
conditional forecast. **Ragged edge** (:func:`fill_ragged_edge`, Waggoner & Zha 1999):
months where only some variables are observed are filled by the forecast conditional on
the observed ones.

Randomness comes only from the ``rng`` passed in. statsmodels is not needed here (the OLS
is our own and is tested equal to statsmodels').
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
import pandas as pd

from forecast._arrays import check_count, frozen_numeric
from forecast.errors import EstimationError
from forecast.models import _cpi as _cpi_logs
from forecast.models import _var

__all__ = [
    "BASE_COMPONENT",
    "DEFAULT_START",
    "KM2012_ELASTICITY_BOUND",
    "PRODUCTION_LEVEL",
    "QUANTILES",
    "SHOCKS",
    "VARIABLES",
    "BootstrapMethod",
    "Identification",
    "Innovations",
    "Normalisation",
    "SVARDataset",
    "SVARDraws",
    "SVARFit",
    "SVARProjection",
    "SupplyPriceResponse",
    "bootstrap_svar",
    "fevd_frame",
    "fill_ragged_edge",
    "fit_svar",
    "historical_decomposition",
    "irf_frame",
    "project_svar",
    "supply_price_response",
    "svar_dataset",
    "to_nominal_price",
]

Identification = Literal["recursive", "sign"]
"""How the structural shocks are identified: Cholesky (Kilian 2009) or sign restrictions."""
BootstrapMethod = Literal["residual", "wild", "gaussian"]
"""Innovations of the recursive-design bootstrap samples."""
Innovations = Literal["bootstrap", "gaussian"]
"""Future structural shocks of projected paths: resampled estimates or standard normal."""
Normalisation = Literal["impact", "sustained"]
"""How a supply shock is scaled to a 1% loss of world supply (see supply_price_response)."""
Trend = Literal["c", "n"]

VARIABLES: tuple[str, str, str] = ("prod_growth_pct", "rea", "real_price_log")
"""The SVAR's variables, in order (see the module notes for units)."""
SHOCKS: tuple[str, str, str] = ("supply", "aggregate_demand", "oil_specific_demand")
"""The structural shocks, in order."""
DEFAULT_START = "1992-02"
"""First month of the sample: EIA's world production aggregate is incomplete before 1992."""
KM2012_ELASTICITY_BOUND = 0.0258
"""Kilian & Murphy's (2012) bound on the impact price elasticity of oil supply."""
QUANTILES: dict[str, float] = {"q05": 0.05, "q16": 0.16, "q50": 0.50, "q84": 0.84, "q95": 0.95}
"""Band quantiles of every tidy output (the same as the project's path quantiles)."""
PRODUCTION_LEVEL = "production_level_pct"
"""Name of the cumulated production response in :func:`irf_frame` (% of the level)."""
BASE_COMPONENT = "initial_and_deterministic"
"""The non-shock component of :func:`historical_decomposition`."""
FRY_PAGAN_HORIZON = 24

_PROD, _PRICE, _SUPPLY = 0, 2, 0
_IDENTIFICATIONS = get_args(Identification)
_METHODS = get_args(BootstrapMethod)

MISSING_COLUMNS = "{name}: needs columns 'date' and 'value'; found: {found}"
BAD_DATES = "{name}: a date does not parse or a month appears twice"
NOT_POSITIVE = "{name}: {month}: value {value!r} must be positive (the SVAR uses its log)"
NO_START = (
    "{variable}: no value for {month}, the first month of the sample (its source starts "
    "later): pass a later start"
)
HOLE = (
    "{variable}: missing in {month} but observed later; only the end of a series may be "
    "missing (the ragged edge)"
)
CPI_HOLE = "us_cpi: {months} missing; interpolated log-linearly between the neighbouring months"
CPI_EXTRAPOLATED = (
    "us_cpi ends {last}; {months} extrapolated at its mean monthly log change over the last "
    "12 months ({rate:.3f}% a month)"
)
CPI_TREND_MONTHS = 12
"""Known CPI months whose mean log change extends a missing end of the CPI."""
RAGGED = (
    "{variable} ends {last}: {first}..{end} ({count} months) are filled by the forecast "
    "conditional on the observed variables (Waggoner & Zha 1999)"
)
EMPTY_SAMPLE = "the sample {start}..{as_of} is empty"
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
NO_ROTATION = (
    "none of {tried} rotations satisfies the sign restrictions and the supply-elasticity bound "
    "{bound}; draw more rotations or loosen the bound"
)
NOT_PD = "the residual covariance is not positive definite ({reason})"
BAD_METHOD = "method must be one of {known}, not {value!r}"
BAD_STATE = "state must be a finite {lags} x {k} array (the last lags observations), got {shape}"
BAD_TARGET = "production_level_deviation must be a finite array of shape ({horizon},); {problem}"
NEEDS_THREE = "{what} needs the three oil-market variables (K = 3), the fit has K = {k}"
NO_IMPACT = "the supply shock does not move production on impact in draw {draw}"
RAGGED_SHAPE = "data must be a T x {k} array, got shape {shape}"
RAGGED_HOLE = (
    "data row {row} is missing a value but a later row is complete; only trailing rows may "
    "be incomplete"
)
RAGGED_SHORT = "the ragged edge needs {lags} complete rows before it; got {rows}"


# --- data ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class SVARDataset:
    """The SVAR's monthly data, aligned, with the ragged edge left missing.

    Attributes
    ----------
    frame
        Columns ``date`` (month start) and :data:`VARIABLES`, one row per month from the
        start to ``as_of``. Trailing months of a series that ends early are NaN (read-only).
    as_of
        The last month of the frame.
    last_complete
        The last month in which every variable is observed (the end of the estimation sample).
    notes
        What was done to the data (CPI holes, extrapolation, the ragged edge).
    filled
        One entry per variable missing at the end: ``"variable: YYYY-MM..YYYY-MM (n months)"``.
    cpi_ref
        The CPI level that real prices are expressed in (that of ``as_of``).
    cpi_last
        The CPI level of ``as_of`` (equal to ``cpi_ref``; kept for the nominal conversion).
    inflation_pct
        Mean monthly CPI inflation over the 12 months to ``as_of``, ``100 * Δlog CPI``: used to
        turn projected real prices into nominal ones (:func:`to_nominal_price`).
    """

    frame: pd.DataFrame
    as_of: pd.Timestamp
    last_complete: pd.Timestamp
    notes: tuple[str, ...]
    filled: tuple[str, ...]
    cpi_ref: float
    cpi_last: float
    inflation_pct: float

    @property
    def array(self) -> np.ndarray:
        """The ``T x 3`` data (NaN at the ragged edge), a copy."""
        return self.frame[list(VARIABLES)].to_numpy(dtype=float)

    @property
    def missing(self) -> np.ndarray:
        """Boolean ``T x 3`` mask of the values missing at the ragged edge."""
        return np.isnan(self.array)

    def complete(self) -> pd.DataFrame:
        """Rows up to :attr:`last_complete` (the estimation sample), ``date`` and variables."""
        return self.frame[self.frame["date"] <= self.last_complete].reset_index(drop=True)

    def summary(self) -> str:
        """Describe the sample, the ragged edge and the notes in a few lines."""
        first = self.frame["date"].iloc[0]
        lines = [
            (
                f"SVAR data {first:%Y-%m}..{self.as_of:%Y-%m} ({len(self.frame)} months), "
                f"complete to {self.last_complete:%Y-%m}"
            ),
            (
                f"  real prices in {self.as_of:%Y-%m} dollars (CPI {self.cpi_ref:.3f}); "
                f"recent inflation {self.inflation_pct:.3f}% a month"
            ),
        ]
        lines += [f"  filled: {entry}" for entry in self.filled]
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return (
            f"SVARDataset({self.frame['date'].iloc[0]:%Y-%m}..{self.as_of:%Y-%m}, "
            f"complete to {self.last_complete:%Y-%m}, filled={len(self.filled)})"
        )


def svar_dataset(
    production: pd.DataFrame,
    activity: pd.DataFrame,
    price: pd.DataFrame,
    cpi: pd.DataFrame,
    *,
    start: str | pd.Timestamp = DEFAULT_START,
    as_of: str | pd.Timestamp | None = None,
) -> SVARDataset:
    """Align the four monthly series into the SVAR's variables.

    Parameters
    ----------
    production
        ``date, value``: world crude production, kb/d (``world_crude_production_kbd``).
    activity
        ``date, value``: Kilian's real activity index (``kilian_rea``).
    price
        ``date, value``: nominal Brent, US$/bbl (``brent_usd``).
    cpi
        ``date, value``: US CPI (``us_cpi``); NaN values are holes.
    start
        First month of the sample (production growth needs the month before it). The
        default, 1992-02, avoids EIA's incomplete world aggregate before 1992.
    as_of
        Last month; default the last month any series has. Later data is ignored.

    Returns
    -------
    SVARDataset
        The aligned frame, with NaN at the end of series that stop before ``as_of``.

    Raises
    ------
    EstimationError
        If a frame lacks ``date``/``value``, a month repeats, a series has no value in the
        first month, a value is missing before a later one (other than CPI, whose holes are
        interpolated), or a level is not positive.

    Notes
    -----
    CPI holes inside the data are interpolated log-linearly; if the CPI ends before
    ``as_of`` it is extrapolated at its mean monthly log change over its last 12 months.
    Both are recorded in ``notes``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> dates = pd.date_range("2000-01-01", periods=6, freq="MS")
    >>> frame = lambda v: pd.DataFrame({"date": dates[: len(v)], "value": v})
    >>> data = svar_dataset(frame([100.0, 101, 102, 103]), frame([0.0, 1, 2, 3, 4, 5]),
    ...                     frame([50.0] * 6), frame([100.0] * 6), start="2000-02")
    >>> data.filled
    ('prod_growth_pct: 2000-05..2000-06 (2 months)',)
    """
    series = {
        "world_crude_production_kbd": _monthly(production, "world_crude_production_kbd"),
        "kilian_rea": _monthly(activity, "kilian_rea"),
        "brent_usd": _monthly(price, "brent_usd"),
        "us_cpi": _monthly(cpi, "us_cpi"),
    }
    first = pd.Period(pd.Timestamp(start), freq="M")
    if as_of is None:
        last = max(s.dropna().index.max() for s in series.values() if s.notna().any())
    else:
        last = pd.Period(pd.Timestamp(as_of), freq="M")
    if last < first:
        raise EstimationError(EMPTY_SAMPLE.format(start=first, as_of=last))
    months = pd.period_range(first, last, freq="M")
    notes: list[str] = []

    production_levels = series["world_crude_production_kbd"].reindex(
        pd.period_range(first - 1, last, freq="M")
    )
    _check_positive(production_levels, "world_crude_production_kbd")
    growth = (100.0 * np.log(production_levels).diff()).iloc[1:]
    growth.index = months
    cpi_levels, cpi_notes = _cpi(series["us_cpi"], months)
    notes += cpi_notes
    brent = series["brent_usd"].reindex(months)
    _check_positive(brent, "brent_usd")
    cpi_ref = float(cpi_levels.iloc[-1])
    real = (brent * cpi_ref / cpi_levels).to_numpy(dtype=float)
    data = {
        "prod_growth_pct": growth.to_numpy(dtype=float),
        "rea": series["kilian_rea"].reindex(months).to_numpy(dtype=float),
        "real_price_log": 100.0 * np.log(real),
    }
    filled: list[str] = []
    for variable, values in data.items():
        missing = np.isnan(values)
        if missing[0]:
            raise EstimationError(NO_START.format(variable=variable, month=months[0]))
        observed = np.flatnonzero(~missing)
        end = int(observed[-1])
        holes = np.flatnonzero(missing[: end + 1])
        if holes.size:
            raise EstimationError(HOLE.format(variable=variable, month=months[holes[0]]))
        if end < len(months) - 1:
            count = len(months) - 1 - end
            entry = f"{variable}: {months[end + 1]}..{months[-1]} ({count} months)"
            filled.append(entry)
            notes.append(
                RAGGED.format(
                    variable=variable,
                    last=months[end],
                    first=months[end + 1],
                    end=months[-1],
                    count=count,
                )
            )
    dates = months.to_timestamp().astype("datetime64[ns]")
    frame = pd.DataFrame({"date": dates, **data})
    complete = frame[list(VARIABLES)].notna().all(axis=1).to_numpy()
    last_complete = pd.Timestamp(dates[int(np.flatnonzero(complete)[-1])])
    log_cpi = np.log(cpi_levels.to_numpy(dtype=float))
    window = log_cpi[-13:]
    inflation = 100.0 * float(np.mean(np.diff(window))) if window.size > 1 else 0.0
    return SVARDataset(
        frame=frame,
        as_of=pd.Timestamp(dates[-1]),
        last_complete=last_complete,
        notes=tuple(notes),
        filled=tuple(filled),
        cpi_ref=cpi_ref,
        cpi_last=cpi_ref,
        inflation_pct=inflation,
    )


def to_nominal_price(real_price_log: np.ndarray, dataset: SVARDataset) -> np.ndarray:
    """Turn projected real prices into nominal US$/bbl.

    Parameters
    ----------
    real_price_log
        ``(..., H)``: projected ``real_price_log`` for the ``H`` months after ``as_of``.
    dataset
        The data the model was fitted on (its CPI level and recent inflation).

    Returns
    -------
    numpy.ndarray
        ``exp(real / 100) * CPI_{as_of + h} / CPI_ref``, with the CPI growing at the
        dataset's recent monthly inflation: nominal US$/bbl, same shape.
    """
    real = np.asarray(real_price_log, dtype=float)
    months = np.arange(1, real.shape[-1] + 1, dtype=float)
    deflator = (dataset.cpi_last / dataset.cpi_ref) * np.exp(months * dataset.inflation_pct / 100)
    nominal: np.ndarray = np.exp(real / 100.0) * deflator
    return nominal


# --- estimation ----------------------------------------------------------------------------------


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
                f"(supply-elasticity bound {self.elasticity_bound})"
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
        ``"recursive"`` (Cholesky, the default) or ``"sign"`` (Kilian & Murphy 2012; K = 3).
    rng
        Needed for sign identification (draws the rotations).
    rotations
        Candidate rotations drawn for sign identification.
    elasticity_bound
        Upper bound on the impact price elasticity of oil supply (sign identification).
    supply_disruption
        Normalise the first shock to *lower* the first variable (a supply disruption).

    Returns
    -------
    SVARFit
        Coefficients equal to ``statsmodels`` ``VAR(data).fit(lags, trend=trend)``.

    Raises
    ------
    EstimationError
        If the data are not finite, too short for the lags, the residual covariance is not
        positive definite, or no rotation satisfies the sign restrictions.
    ValueError
        If ``lags``, ``trend``, ``identification`` or ``rotations`` is not valid, or sign
        identification lacks ``rng`` or three variables.

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
    chol = _cholesky(sigma)
    signs = _disruption_signs(k, supply_disruption)
    if identification == "recursive":
        impact = chol * signs
        impact_set = impact[None]
        bound: float | None = None
        tried = 0
    else:
        if k != 3:
            raise ValueError(SIGN_NEEDS.format(what=f"three variables, got {k}"))
        if rng is None:
            raise ValueError(SIGN_NEEDS.format(what="an rng to draw rotations"))
        check_count("rotations", rotations)
        candidates = chol @ _var.haar_rotations(rng, (int(rotations),), k)
        accepted, ordered = _sign_filter(candidates, elasticity_bound)
        if not accepted.any():
            raise EstimationError(NO_ROTATION.format(tried=rotations, bound=elasticity_bound))
        impact_set = ordered[accepted] * signs
        impact = impact_set[_median_target(coefs, impact_set)]
        bound, tried = float(elasticity_bound), int(rotations)
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
    )


# --- bootstrap -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class SVARDraws:
    """Bootstrap draws of an SVAR's parameters, one structural model per draw.

    Attributes
    ----------
    coefs
        ``(n, p, K, K)``.
    intercept
        ``(n, K)``.
    sigma
        ``(n, K, K)``.
    impact
        ``(n, K, K)``: each draw's ``B``, identified as the fit was.
    method
        The bootstrap's innovations: ``"residual"``, ``"wild"`` or ``"gaussian"``.
    identification
        As in the fit.
    requested
        Draws asked for; fewer are kept when sign identification finds no rotation for some.
    notes
        What happened (draws dropped).
    """

    coefs: np.ndarray
    intercept: np.ndarray
    sigma: np.ndarray
    impact: np.ndarray
    method: BootstrapMethod
    identification: Identification
    requested: int
    notes: tuple[str, ...] = ()

    def __len__(self) -> int:
        return int(self.coefs.shape[0])

    def irfs(self, horizon: int) -> np.ndarray:
        """Structural impulse responses of every draw, ``(n, horizon + 1, K, K)``."""
        return _var.structural_ma(self.coefs, self.impact, horizon)

    def max_roots(self) -> np.ndarray:
        """``(n,)``: largest companion-root modulus of each draw (>= 1: explosive)."""
        roots: np.ndarray = np.abs(np.linalg.eigvals(_var.companion(self.coefs))).max(axis=-1)
        return roots

    def __repr__(self) -> str:
        return (
            f"SVARDraws(n={len(self)}, method={self.method!r}, "
            f"identification={self.identification!r})"
        )


def bootstrap_svar(
    fit: SVARFit,
    draws: int,
    *,
    rng: np.random.Generator,
    method: BootstrapMethod = "residual",
    rotations: int = 500,
) -> SVARDraws:
    """Draw bootstrap SVARs, all at once: samples, OLS and identification in batched numpy.

    Parameters
    ----------
    fit
        From :func:`fit_svar`.
    draws
        Number of bootstrap samples.
    rng
        The only source of randomness. Numbers taken: ``draws * (T - p)`` integers
        (``"residual"``, ``"wild"``) or ``draws * (T - p) * K`` normals (``"gaussian"``), plus
        ``draws * rotations * K * K`` normals under sign identification.
    method
        ``"residual"``: i.i.d. resampling of the centred, degrees-of-freedom-inflated
        residuals; ``"wild"``: those residuals times a Rademacher sign per month (robust to
        conditional heteroskedasticity, but ``Σ`` hardly varies); ``"gaussian"``:
        ``N(0, Σ)`` innovations (statsmodels' Monte Carlo).
    rotations
        Candidate rotations per draw under sign identification; a draw for which none is
        accepted is dropped (see ``notes``).

    Returns
    -------
    SVARDraws
        Coefficients, covariances and impact matrices of each draw.

    Raises
    ------
    ValueError
        If ``draws``, ``method`` or ``rotations`` is not valid.
    EstimationError
        If a bootstrap covariance is not positive definite, or sign identification keeps
        no draw.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.random.default_rng(0).standard_normal((200, 3)).cumsum(axis=0) * 0.1
    >>> boot = bootstrap_svar(fit_svar(y, lags=2), 50, rng=np.random.default_rng(1))
    >>> len(boot), boot.irfs(12).shape
    (50, (50, 13, 3, 3))
    """
    check_count("draws", draws)
    if method not in _METHODS:
        raise ValueError(BAD_METHOD.format(known=", ".join(_METHODS), value=method))
    n, p, k = int(draws), fit.lags, fit.k
    rows = fit.residuals.shape[0]
    # Residuals inflated by sqrt(T / (T - m)) so the innovations' covariance is Sigma (with
    # 73 regressors per equation and T = 357, plain residuals would be 11% too small).
    resid = fit.residuals * np.sqrt(rows / (rows - fit.params.shape[0]))
    if method == "residual":
        picks = rng.integers(0, rows, size=(n, rows))
        innovations = (resid - resid.mean(axis=0))[picks]
    elif method == "wild":
        signs = 2.0 * rng.integers(0, 2, size=(n, rows)) - 1.0
        innovations = signs[:, :, None] * resid
    else:
        innovations = rng.standard_normal((n, rows, k)) @ _cholesky(fit.sigma).T
    initial = np.broadcast_to(fit.data[:p], (n, p, k))
    samples = np.concatenate(
        [initial, _var.simulate(fit.coefs, fit.intercept, initial, innovations)], axis=1
    )
    params, sigma = _var.ols_batch(samples, p, fit.k_trend)
    coefs, intercept = _var.coefs_from_params(params, k, p, fit.k_trend)
    chol = _cholesky(sigma)
    col_signs = _disruption_signs(k, fit.supply_disruption)
    notes: list[str] = []
    if fit.identification == "recursive":
        impact = chol * col_signs
    else:
        check_count("rotations", rotations)
        candidates = chol[:, None] @ _var.haar_rotations(rng, (n, int(rotations)), k)
        accepted, ordered = _sign_filter(candidates, float(fit.elasticity_bound or 0.0))
        keep = accepted.any(axis=1)
        if not keep.any():
            raise EstimationError(NO_ROTATION.format(tried=rotations, bound=fit.elasticity_bound))
        first = np.argmax(accepted, axis=1)
        impact = ordered[np.arange(n), first][keep] * col_signs
        coefs, intercept, sigma = coefs[keep], intercept[keep], sigma[keep]
        if not keep.all():
            notes.append(
                f"{n - int(keep.sum())} of {n} draws dropped: none of their {rotations} "
                "rotations satisfied the sign restrictions"
            )
    return SVARDraws(
        coefs=frozen_numeric(coefs),
        intercept=frozen_numeric(intercept),
        sigma=frozen_numeric(sigma),
        impact=frozen_numeric(impact),
        method=method,
        identification=fit.identification,
        requested=n,
        notes=tuple(notes),
    )


# --- tidy outputs --------------------------------------------------------------------------------


def irf_frame(
    fit: SVARFit,
    draws: SVARDraws | None = None,
    horizon: int = 24,
    *,
    cumulate: tuple[str, ...] = ("prod_growth_pct",),
) -> pd.DataFrame:
    """Impulse responses to one-standard-deviation structural shocks, with bands.

    Parameters
    ----------
    fit
        From :func:`fit_svar`.
    draws
        Bootstrap draws for the bands; ``None``: bands are NaN.
    horizon
        Last horizon (months after impact).
    cumulate
        Variables reported cumulated: ``prod_growth_pct`` becomes ``production_level_pct``
        (the % response of the production level); others get the suffix ``_cum``.

    Returns
    -------
    pandas.DataFrame
        ``shock, variable, horizon, estimate, mean, q05, q16, q50, q84, q95``.
    """
    check_count("horizon", horizon)
    point = fit.irfs(horizon)
    samples = draws.irfs(horizon) if draws is not None else None
    names = list(fit.variables)
    for i, name in enumerate(fit.variables):
        if name in cumulate:
            point[:, i, :] = point[:, i, :].cumsum(axis=0)
            if samples is not None:
                samples[:, :, i, :] = samples[:, :, i, :].cumsum(axis=1)
            names[i] = PRODUCTION_LEVEL if name == "prod_growth_pct" else f"{name}_cum"
    return _tidy(point, samples, fit.shocks, names, np.arange(horizon + 1))


def fevd_frame(fit: SVARFit, draws: SVARDraws | None = None, horizon: int = 24) -> pd.DataFrame:
    """Forecast-error variance decomposition, with bands.

    Parameters
    ----------
    fit
        From :func:`fit_svar`.
    draws
        Bootstrap draws for the bands; ``None``: bands are NaN.
    horizon
        Longest forecast horizon (months ahead; horizon 1 is the impact month).

    Returns
    -------
    pandas.DataFrame
        ``shock, variable, horizon, estimate, mean, q05, ..., q95``: the share (0 to 1) of
        the ``horizon``-step forecast-error variance of ``variable`` due to ``shock``. Shares
        of each variable and horizon add up to 1 (in the estimate and in every draw).
    """
    check_count("horizon", horizon)
    point = _fevd(fit.irfs(horizon - 1))
    samples = _fevd(draws.irfs(horizon - 1)) if draws is not None else None
    return _tidy(point, samples, fit.shocks, list(fit.variables), np.arange(1, horizon + 1))


def historical_decomposition(fit: SVARFit) -> pd.DataFrame:
    """Split each variable into the contributions of the structural shocks.

    ``y_t = d_t + sum_j c_{j,t}``: ``d_t`` runs the VAR from the first ``p`` observations
    with its constant and no shocks (``initial_and_deterministic``); ``c_{j,t}`` is the
    cumulated effect of the estimated shocks ``j`` since the start of the sample. They add up
    to the data exactly (to rounding).

    Parameters
    ----------
    fit
        From :func:`fit_svar`.

    Returns
    -------
    pandas.DataFrame
        ``date`` (or ``t``, the row of the sample, when the fit has no dates), ``variable``,
        ``component`` (each shock and ``initial_and_deterministic``), ``value``; one row per
        month after the first ``p``.
    """
    p, k = fit.lags, fit.k
    shocks = fit.structural_residuals  # (T - p, K)
    # One innovation series per shock: u_t^{(j)} = B[:, j] eps_{j,t}.
    innovations = shocks.T[:, :, None] * fit.impact.T[:, None, :]  # (K, T - p, K)
    parts = _var.simulate(fit.coefs, np.zeros(k), np.zeros((k, p, k)), innovations)
    base = _var.simulate(fit.coefs, fit.intercept, fit.data[:p], np.zeros_like(shocks))
    components = np.concatenate([parts, base[None]], axis=0)  # (K + 1, T - p, K)
    labels = [*fit.shocks, BASE_COMPONENT]
    rows = fit.nobs
    time = (
        pd.DatetimeIndex(fit.dates[p:]).astype("datetime64[ns]")
        if fit.dates is not None
        else np.arange(p, p + rows)
    )
    key = "date" if fit.dates is not None else "t"
    return pd.DataFrame(
        {
            key: np.tile(np.repeat(time, k), k + 1),
            "variable": np.tile(np.asarray(fit.variables, dtype=object), rows * (k + 1)),
            "component": np.repeat(np.asarray(labels, dtype=object), rows * k),
            "value": components.reshape(-1),
        }
    )


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class SupplyPriceResponse:
    """The real-price response to a loss of 1% of world oil supply.

    Attributes
    ----------
    path
        ``horizon, estimate, mean, q05, ..., q95``: % change of the real price ``horizon``
        months after the loss begins.
    peak
        One row: ``normalise, peak_horizon, estimate, mean, q05, ..., q95``; ``estimate`` is
        the point estimate's largest response (at ``peak_horizon``), the bands are those of
        each draw's largest response.
    normalise
        ``"impact"`` or ``"sustained"`` (see :func:`supply_price_response`).
    """

    path: pd.DataFrame
    peak: pd.DataFrame
    normalise: Normalisation

    def summary(self) -> str:
        """One line: the peak response with its 68% and 90% bands."""
        row = self.peak.iloc[0]
        return (
            f"peak real-price response per 1% of world supply lost ({self.normalise}): "
            f"{row['estimate']:.2f}% at {int(row['peak_horizon'])} months "
            f"(68%: {row['q16']:.2f}..{row['q84']:.2f}; 90%: {row['q05']:.2f}..{row['q95']:.2f})"
        )

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return f"SupplyPriceResponse({self.summary()})"


def supply_price_response(
    fit: SVARFit,
    draws: SVARDraws | None = None,
    horizon: int = 24,
    *,
    normalise: Normalisation = "impact",
) -> SupplyPriceResponse:
    """Return the real-price response (%) per 1% of world supply lost (the SVAR's multiplier).

    Parameters
    ----------
    fit
        From :func:`fit_svar` (K = 3).
    draws
        Bootstrap draws for the bands; ``None``: bands are NaN.
    horizon
        Months after the loss over which the peak is sought.
    normalise
        ``"impact"``: the supply-shock response scaled so the production level falls 1% on
        impact (production then recovers as the estimated dynamics say).
        ``"sustained"``: the structural scenario in which production stays 1% below its
        no-outage path at every horizon, produced by supply shocks alone (the experiment of
        the elasticity model and of a long outage).

    Returns
    -------
    SupplyPriceResponse
        The response path and its peak, with bands.
    """
    check_count("horizon", horizon)
    if fit.k != 3:
        raise ValueError(NEEDS_THREE.format(what="supply_price_response", k=fit.k))

    def paths(coefs: np.ndarray, impact: np.ndarray) -> np.ndarray:
        theta = _var.structural_ma(coefs, impact, horizon)  # (..., H + 1, K, K)
        if normalise == "impact":
            scale = -1.0 / theta[..., 0, _PROD, _SUPPLY]
            return theta[..., :, _PRICE, _SUPPLY] * scale[..., None]
        target = np.zeros(horizon + 1)
        target[0] = -1.0  # production growth: -1% in the first month, level -1% after
        _, effect = _scenario_effect(theta, target)
        return effect[..., _PRICE]

    point = paths(fit.coefs, fit.impact)
    samples = paths(draws.coefs, draws.impact) if draws is not None else None
    hours = np.arange(horizon + 1)
    path = _tidy(point[:, None, None], None if samples is None else samples[:, :, None, None],
                 ("supply",), ["real_price_log"], hours)  # fmt: skip
    path = path.drop(columns=["shock", "variable"])
    peak_at = int(np.argmax(point))
    peak_samples = samples.max(axis=1) if samples is not None else None
    peak = _tidy(
        np.array([[[point[peak_at]]]]),
        None if peak_samples is None else peak_samples[:, None, None, None],
        ("supply",),
        ["real_price_log"],
        np.array([peak_at]),
    )
    peak = peak.drop(columns=["shock", "variable"]).rename(columns={"horizon": "peak_horizon"})
    peak.insert(0, "normalise", normalise)
    return SupplyPriceResponse(path=path, peak=peak, normalise=normalise)


# --- ragged edge and scenarios -------------------------------------------------------------------


def fill_ragged_edge(
    fit: SVARFit, data_with_trailing_nans: np.ndarray | pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """Fill the missing end of some series with the forecast conditional on the others.

    After the last complete month, the structural shocks are set to the minimum-norm
    sequence that reproduces every observed value (their mean given the observations when
    shocks are standard normal: Waggoner & Zha 1999), and the missing values are the
    resulting forecast. Observed values are kept as they are.

    Parameters
    ----------
    fit
        The SVAR whose dynamics fill the gap.
    data_with_trailing_nans
        ``T x K`` (array, or frame with the fit's variable columns and an optional ``date``
        column): complete rows, then rows in which some values are missing.

    Returns
    -------
    tuple of numpy.ndarray
        The filled ``T x K`` array and the ``T x K`` boolean mask of the filled values.

    Raises
    ------
    EstimationError
        If a value is missing before a complete row, or fewer than ``p`` complete rows
        precede the gap.
    """
    if isinstance(data_with_trailing_nans, pd.DataFrame):
        frame = data_with_trailing_nans
        values = frame[list(fit.variables)].to_numpy(dtype=float)
    else:
        values = np.array(data_with_trailing_nans, dtype=float)
    if values.ndim != 2 or values.shape[1] != fit.k:
        raise EstimationError(RAGGED_SHAPE.format(k=fit.k, shape=values.shape))
    missing = ~np.isfinite(values)
    complete = ~missing.any(axis=1)
    if complete.all():
        return values, missing
    if not complete.any():
        raise EstimationError(RAGGED_SHORT.format(lags=fit.lags, rows=0))
    last = int(np.flatnonzero(complete)[-1])
    incomplete_before = np.flatnonzero(~complete[:last])
    if incomplete_before.size:
        raise EstimationError(RAGGED_HOLE.format(row=int(incomplete_before[0])))
    if last + 1 < fit.lags:
        raise EstimationError(RAGGED_SHORT.format(lags=fit.lags, rows=last + 1))
    future = np.where(missing[last + 1 :], np.nan, values[last + 1 :])
    filled = values.copy()
    filled[last + 1 :] = _var.conditional_fill(
        fit.coefs, fit.intercept, fit.impact, values[last + 1 - fit.lags : last + 1], future
    )
    return filled, missing


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class SVARProjection:
    """Simulated paths without and with a structural supply scenario, draw by draw.

    All arrays are ``(n, horizon)``, column 0 the month after the state, in the SVAR's units
    (``prod_growth_pct``: % a month; ``rea``: index; ``real_price_log``: 100 x log real
    price in as-of dollars). Row ``i`` of ``scenario_*`` is row ``i`` of ``baseline_*`` plus
    the deterministic effect of ``supply_shocks[i]`` under draw ``draw_index[i]``'s
    parameters (common random numbers).

    Attributes
    ----------
    baseline_prod_growth, baseline_rea, baseline_real_price_log
        No-outage paths: future shocks and parameter uncertainty.
    scenario_prod_growth, scenario_rea, scenario_real_price_log
        The same paths plus the effect of the supply shocks of the scenario.
    supply_shocks
        The added structural supply shocks (standard deviations; positive: disruption).
    production_level_deviation
        ``(horizon,)``: the target, log points (fraction) of the production level.
    draw_index
        ``(n,)``: the bootstrap draw used by each path (-1: the point estimate).
    innovations
        ``"bootstrap"``, ``"gaussian"`` or ``"none"`` (the future shocks of the baselines).
    """

    baseline_prod_growth: np.ndarray
    baseline_rea: np.ndarray
    baseline_real_price_log: np.ndarray
    scenario_prod_growth: np.ndarray
    scenario_rea: np.ndarray
    scenario_real_price_log: np.ndarray
    supply_shocks: np.ndarray
    production_level_deviation: np.ndarray
    draw_index: np.ndarray
    innovations: str

    def __len__(self) -> int:
        return int(self.baseline_real_price_log.shape[0])

    @property
    def price_effect_pct(self) -> np.ndarray:
        """``(n, horizon)``: scenario minus baseline real price, % (100 x log points)."""
        effect: np.ndarray = self.scenario_real_price_log - self.baseline_real_price_log
        return effect

    @property
    def production_level_effect(self) -> np.ndarray:
        """``(n, horizon)``: realised production-level deviation, log points (fraction)."""
        effect: np.ndarray = np.cumsum(
            self.scenario_prod_growth - self.baseline_prod_growth, axis=1
        )
        return effect / 100.0

    def __repr__(self) -> str:
        n, horizon = self.baseline_real_price_log.shape
        return f"SVARProjection(n={n}, horizon={horizon}, innovations={self.innovations!r})"


def project_svar(
    fit: SVARFit,
    draws: SVARDraws | None,
    state: np.ndarray,
    horizon: int,
    *,
    production_level_deviation: np.ndarray,
    rng: np.random.Generator,
    shocks: bool = True,
    innovations: Innovations = "bootstrap",
    paths: int | None = None,
) -> SVARProjection:
    """Simulate baseline paths and the structural supply scenario, draw by draw.

    Path ``i`` uses bootstrap draw ``i % len(draws)`` (or the point estimate when ``draws``
    is ``None``). Its baseline runs that draw's VAR forward from ``state`` with future
    structural shocks (if ``shocks``); its scenario adds the supply shocks that make the
    production level deviate from the baseline by ``production_level_deviation`` with the
    other shocks at zero (Antolín-Díaz, Petrella & Rubio-Ramírez 2021), solved with that
    draw's impulse responses. A zero target gives exactly the baseline.

    Parameters
    ----------
    fit
        From :func:`fit_svar` (K = 3, order :data:`VARIABLES`).
    draws
        Bootstrap draws (parameter uncertainty), or ``None`` for the point estimate.
    state
        ``(p, 3)``: the last ``p`` observations up to the as-of month, oldest first (ragged
        edge filled: see :func:`fill_ragged_edge`).
    horizon
        Months to project.
    production_level_deviation
        ``(horizon,)``: the production level's deviation from the no-outage path in log
        points, e.g. ``log(1 - net_loss_kbd / world_kbd)`` (about ``-net_loss_kbd /
        world_kbd``); 0 where there is no loss.
    rng
        Future shocks. The numbers taken depend only on ``horizon``, the number of paths,
        ``shocks`` and ``innovations``: never on the target.
    shocks
        Add future structural shocks to the baselines (``False``: conditional means).
    innovations
        ``"bootstrap"``: resample the estimated structural shocks (whole months, keeping fat
        tails; inflated to unit variance; ``paths * horizon`` integers); ``"gaussian"``:
        standard normal shocks (``paths * horizon * 3`` normals). Either is mapped through
        each draw's ``B``.
    paths
        Number of paths; default ``len(draws)`` (1 without draws).

    Returns
    -------
    SVARProjection
        Baseline and scenario paths of every variable, and the supply shocks.

    Raises
    ------
    ValueError
        Bad ``state``, ``horizon``, target, ``paths`` or ``innovations``.
    EstimationError
        If a draw's supply shock does not move production on impact.

    Notes
    -----
    The baselines are the VAR's own forecasts: a VAR in the level of the real price with a
    constant pulls it back towards its sample mean (about 80 US$/bbl in 2025 dollars over
    1994-2023), so from a price below that mean the baseline drifts up. To keep a no-change
    price baseline, apply each draw's effect instead: ``baseline * exp(price_effect_pct /
    100)``.
    """
    if fit.k != 3:
        raise ValueError(NEEDS_THREE.format(what="project_svar", k=fit.k))
    check_count("horizon", horizon)
    horizon = int(horizon)
    start = np.asarray(state, dtype=float)
    if start.shape != (fit.lags, fit.k) or not np.all(np.isfinite(start)):
        raise ValueError(BAD_STATE.format(lags=fit.lags, k=fit.k, shape=start.shape))
    target = np.asarray(production_level_deviation, dtype=float)
    if target.shape != (horizon,):
        raise ValueError(BAD_TARGET.format(horizon=horizon, problem=f"got {target.shape}"))
    if not np.all(np.isfinite(target)):
        raise ValueError(BAD_TARGET.format(horizon=horizon, problem="got a non-finite value"))
    if innovations not in get_args(Innovations):
        raise ValueError(f"innovations must be 'bootstrap' or 'gaussian', not {innovations!r}")
    if draws is None:
        n = 1 if paths is None else paths
        check_count("paths", n)
        index = np.full(int(n), -1)
        coefs, intercept, impact = fit.coefs[None], fit.intercept[None], fit.impact[None]
    else:
        n = len(draws) if paths is None else paths
        check_count("paths", n)
        index = np.arange(int(n)) % len(draws)
        coefs, intercept, impact = draws.coefs[index], draws.intercept[index], draws.impact[index]
    n = int(n)
    k = fit.k
    if shocks:
        if innovations == "bootstrap":
            # Inflated like the bootstrap's residuals, so the shocks have unit variance.
            inflate = np.sqrt(fit.nobs / (fit.nobs - fit.params.shape[0]))
            pool = fit.structural_residuals * inflate
            eps = pool[rng.integers(0, fit.nobs, size=(n, horizon))]
        else:
            eps = rng.standard_normal((n, horizon, k))
        future = np.einsum("nij,nhj->nhi", np.broadcast_to(impact, (n, k, k)), eps)
    else:
        future = np.zeros((n, horizon, k))
    baseline = _var.simulate(coefs, intercept, start, future)  # (n, H, K)
    theta = _var.structural_ma(coefs, impact, horizon - 1)  # (n or 1, H, K, K)
    own = theta[..., 0, _PROD, _SUPPLY]
    if np.any(np.abs(own) < 1e-12):
        raise EstimationError(NO_IMPACT.format(draw=int(np.flatnonzero(np.abs(own) < 1e-12)[0])))
    growth_target = 100.0 * np.diff(target, prepend=0.0)
    supply, effect = _scenario_effect(theta, growth_target)
    supply = np.broadcast_to(supply, (n, horizon))
    scenario = baseline + effect
    return SVARProjection(
        baseline_prod_growth=frozen_numeric(baseline[..., 0]),
        baseline_rea=frozen_numeric(baseline[..., 1]),
        baseline_real_price_log=frozen_numeric(baseline[..., 2]),
        scenario_prod_growth=frozen_numeric(scenario[..., 0]),
        scenario_rea=frozen_numeric(scenario[..., 1]),
        scenario_real_price_log=frozen_numeric(scenario[..., 2]),
        supply_shocks=frozen_numeric(supply),
        production_level_deviation=frozen_numeric(target),
        draw_index=frozen_numeric(index),
        innovations=innovations if shocks else "none",
    )


# --- helpers -------------------------------------------------------------------------------------


def _monthly(frame: pd.DataFrame, name: str) -> pd.Series:
    """Return a ``date, value`` frame as a float Series indexed by month (NaN values kept)."""
    if not {"date", "value"}.issubset(frame.columns):
        raise EstimationError(
            MISSING_COLUMNS.format(name=name, found=", ".join(map(str, frame.columns)))
        )
    dates = pd.to_datetime(frame["date"], errors="coerce")
    if dates.isna().any():
        raise EstimationError(BAD_DATES.format(name=name))
    months = pd.PeriodIndex(dates, freq="M")
    if months.has_duplicates:
        raise EstimationError(BAD_DATES.format(name=name))
    values = pd.to_numeric(frame["value"], errors="coerce").to_numpy(dtype=float)
    return pd.Series(values, index=months, name=name).sort_index()


def _check_positive(values: pd.Series, name: str) -> None:
    bad = values.notna() & (values <= 0)
    if bad.any():
        month = values.index[bad.to_numpy()][0]
        raise EstimationError(NOT_POSITIVE.format(name=name, month=month, value=values[month]))


def _cpi(cpi: pd.Series, months: pd.PeriodIndex) -> tuple[pd.Series, list[str]]:
    """CPI over ``months``: holes interpolated, a missing end extrapolated (log-linear)."""
    _check_positive(cpi, "us_cpi")
    observed = cpi.dropna()
    if observed.empty or observed.index[0] > months[0]:
        raise EstimationError(NO_START.format(variable="us_cpi", month=months[0]))
    span = pd.period_range(observed.index[0], max(months[-1], observed.index[-1]), freq="M")
    levels_on_span = cpi.reindex(span).to_numpy(dtype=float)
    known = ~np.isnan(levels_on_span)
    last = int(np.flatnonzero(known)[-1])
    notes = []
    holes = np.flatnonzero(~known[: last + 1])
    window = span[holes]
    inside = window[(window >= months[0]) & (window <= months[-1])]
    if inside.size:
        notes.append(CPI_HOLE.format(months=", ".join(str(m) for m in inside)))
    logs, rate = _cpi_logs.nowcast_logs(levels_on_span, CPI_TREND_MONTHS)
    if last < span.size - 1:
        notes.append(
            CPI_EXTRAPOLATED.format(
                last=span[last], months=f"{span[last + 1]}..{span[-1]}", rate=100 * rate
            )
        )
    levels = pd.Series(np.exp(logs), index=span).reindex(months)
    return levels, notes


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


def _cholesky(sigma: np.ndarray) -> np.ndarray:
    try:
        chol: np.ndarray = np.linalg.cholesky(sigma)
    except np.linalg.LinAlgError as exc:
        raise EstimationError(NOT_PD.format(reason=exc)) from exc
    return chol


def _disruption_signs(k: int, supply_disruption: bool) -> np.ndarray:
    signs = np.ones(k)
    if supply_disruption:
        signs[_SUPPLY] = -1.0
    return signs


# Shock position of each impact sign pattern, coded 2 * (production > 0) + (activity > 0)
# after each column is flipped to raise the price: (-, -) supply, (+, +) aggregate demand,
# (+, -) oil-specific demand; (-, +) matches no shock.
_PATTERN_SHOCK = np.array([0, -1, 2, 1])


def _sign_filter(candidates: np.ndarray, bound: float) -> tuple[np.ndarray, np.ndarray]:
    """Check Kilian-Murphy impact restrictions on candidate ``B`` matrices ``(..., 3, 3)``.

    Returns the acceptance mask ``(...)`` and the candidates with columns flipped to raise
    the price and ordered (supply with production *rising*, i.e. before the disruption sign
    convention is applied; aggregate demand; oil-specific demand).
    """
    price = candidates[..., _PRICE, :]
    flipped = candidates * np.where(price < 0, -1.0, 1.0)[..., None, :]
    prod, rea, price = flipped[..., 0, :], flipped[..., 1, :], flipped[..., 2, :]
    strict = (prod != 0) & (rea != 0) & (price > 0)
    code = 2 * (prod > 0).astype(int) + (rea > 0).astype(int)
    shock = _PATTERN_SHOCK[code]
    distinct = np.sort(shock, axis=-1)
    accepted = strict.all(axis=-1) & np.all(distinct == np.arange(3), axis=-1)
    order = np.argsort(np.where(shock < 0, 3, shock), axis=-1, kind="stable")
    ordered = np.take_along_axis(flipped, order[..., None, :], axis=-1)
    # Supply column: flip to production +, price - (Cholesky's orientation); the disruption
    # sign is applied by the caller like for the recursive scheme.
    ordered[..., :, 0] *= -1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        elasticity = ordered[..., 0, 1:] / ordered[..., 2, 1:]
    accepted &= np.all(elasticity <= bound, axis=-1)
    return accepted, ordered


def _median_target(coefs: np.ndarray, impact_set: np.ndarray) -> int:
    """Index of the accepted model closest to the pointwise median responses (Fry-Pagan)."""
    responses = _var.structural_ma(coefs, impact_set, FRY_PAGAN_HORIZON)
    flat = responses.reshape(responses.shape[0], -1)
    spread = flat.std(axis=0)
    spread = np.where(spread > 0, spread, 1.0)
    distance = (((flat - np.median(flat, axis=0)) / spread) ** 2).sum(axis=1)
    return int(np.argmin(distance))


def _scenario_effect(theta: np.ndarray, growth_target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Supply shocks that move variable 0 by ``growth_target`` and their effect on all.

    ``theta`` ``(..., >=H, K, K)``; returns shocks ``(..., H)`` and effects ``(..., H, K)``.
    """
    horizon = growth_target.shape[0]
    column = theta[..., :horizon, :, _SUPPLY]  # (..., H, K)
    supply = _var.supply_shocks_for_path(column[..., _PROD], growth_target)
    effect = np.zeros((*supply.shape, column.shape[-1]))
    for h in range(horizon):
        # sum_{j<=h} Theta_{h-j}[:, supply] e_j
        effect[..., h, :] = np.einsum(
            "...jk,...j->...k", column[..., h::-1, :], supply[..., : h + 1]
        )
    return supply, effect


def _fevd(theta: np.ndarray) -> np.ndarray:
    """FEVD shares ``(..., H, K, K)`` for 1..H steps ahead from ``Theta_0..Theta_{H-1}``."""
    cumulated = np.cumsum(theta**2, axis=-3)
    total = cumulated.sum(axis=-1, keepdims=True)
    shares: np.ndarray = cumulated / np.where(total > 0, total, 1.0)
    return shares


def _tidy(
    point: np.ndarray,
    samples: np.ndarray | None,
    shocks: tuple[str, ...],
    variables: list[str],
    horizons: np.ndarray,
) -> pd.DataFrame:
    """Long frame from ``point`` ``(H, K, S)`` and ``samples`` ``(n, H, K, S)``."""
    n_h, k, s = point.shape
    frame = pd.DataFrame(
        {
            "shock": np.repeat(np.asarray(shocks, dtype=object), n_h * k),
            "variable": np.tile(np.repeat(np.asarray(variables, dtype=object), n_h), s),
            "horizon": np.tile(np.asarray(horizons, dtype=np.int64), k * s),
            "estimate": np.moveaxis(point, -1, 0).swapaxes(1, 2).reshape(-1),
        }
    )
    if samples is None:
        frame["mean"] = np.nan
        for name in QUANTILES:
            frame[name] = np.nan
        return frame
    ordered = np.moveaxis(samples, -1, 1).swapaxes(2, 3).reshape(samples.shape[0], -1)
    frame["mean"] = ordered.mean(axis=0)
    quantiles = np.quantile(ordered, list(QUANTILES.values()), axis=0)
    for name, row in zip(QUANTILES, quantiles, strict=True):
        frame[name] = row
    return frame
