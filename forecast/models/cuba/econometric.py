"""Cuba channel, econometric version: GDP growth against the loss of concessional oil.

This is the successor of :mod:`forecast.models.cuba.calibrated` and offers the same
projection interface (:func:`draw_cuba`, :func:`project_cuba`, same output keys), so the
engine can run either. Its data come from :mod:`forecast.models.cuba.data`, its notes from
:mod:`forecast.models.cuba.notes`, its 2016-24 backcast is :mod:`forecast.models.cuba.backcast`.

The model
---------
Annual real GDP growth ``g_t`` (per cent) is regressed by OLS on

* ``supply_change_pct``: the change in concessional oil supply (Soviet/Russian deliveries,
  then Venezuelan shipments) as a share of Cuba's oil needs, ``100 * (S_t - S_{t-1}) / N_t``
  (percentage points of needs; a loss is negative), and its first lag: a loss in year ``t``
  lowers growth in ``t`` and, through the lag, in ``t + 1``; the level effect of a loss that
  lasts is the sum of the two coefficients;
* ``real_price_change_pct``: ``100 * dlog`` of the real Brent price (nominal Brent deflated by
  US CPI);
* ``regime_2016``: a level shift from 2016 (the data demand it: without it the residuals of
  2016-24 average about -1.8 pp), and a one-year dummy for 2020 (COVID); 2021 gets none (its
  residual is inside one standard deviation: there was no rebound to capture).

Robust standard errors are HC3 (MacKinnon and White 1985), the small-sample choice (Long and
Ervin 2000): a few years (the Special Period, 2005-06, 2015) have high leverage and large
residuals. A one-year dummy has leverage 1, where HC3 is undefined: its coefficient is
estimated as that year's residual from the regression without the year (identical to the
dummy regression) and carries the classical standard error. Newey-West (HAC, 1 lag)
standard errors are shown alongside; with about 30 years they are smaller than HC3 and known
to be biased down, so HC3 is the one used.

Prior and posterior
-------------------
The calibrated model's elasticity ``e`` (per cent of GDP lost per 1 % of needs lost,
lognormal) is the cumulative level effect, ``beta_now + beta_lag`` here, and its first-year
share ``s`` (0.6) splits it. The lognormal is replaced by the normal with its mean and sd, and
``(beta_now, beta_lag) = (s e, (1 - s) e)`` gets the prior mean ``(s m, (1 - s) m)`` and the
first-order covariance ``t^2 v v' + m^2 sd_s^2 u u'`` with ``v = (s, 1 - s)``,
``u = (1, -1)``, ``m, t`` the elasticity's mean and sd and ``sd_s`` =
:data:`~forecast.models.cuba.priors.SHARE_SD` (the priors live in :mod:`.priors`). The
OLS estimate, taken as ``N(b, V_HC3)``, is combined with it by the normal-normal
(precision-weighted) rule with a flat prior on every other coefficient (Theil-Goldberger
mixed estimation): ``V_post = (V^-1 + P)^-1``, ``b_post = V_post (V^-1 b + P b_prior)``.

No year counts twice. The calibration is built on the Special Period and on 2019-24, years
that are also in the regression; the prior is built on the Special Period alone
(:func:`~forecast.models.cuba.priors.special_period_prior`: a quarter to all of the share
``attribution_special_period`` of its GDP fall put down to oil), and the likelihood comes
from the regression that leaves out 1989-93, so the prior's years
(:attr:`CoefficientPrior.years`) and the likelihood's (:attr:`CubaFit.likelihood_years`) do
not overlap. The other way round (the calibrated prior, the likelihood without 2019-24) was
rejected: 2019-24 is the only large move in Venezuelan supply after 1993, and without it the
regression says almost nothing about oil (HC3 se of the cumulative effect about 0.42, against
0.10) or the 2016 level shift (se about 5 pp), so the posterior would be the prior, the
recent episode's hand-set attribution share included. This way the 2019-24 data estimate what
that share assumed. The backcast uses the same prior. ``prior="calibrated"`` gives the old,
double-counting posterior, for the sensitivity table.

Draws
-----
Coefficients are drawn from the posterior with two sign restrictions: the oil coefficients are
non-negative (losing concessional oil never raises growth) and the price coefficient is
non-positive. The unrestricted price coefficient is positive: in the sample most price moves
came with world demand, which also lifted Cuba's exports, tourism and Venezuela's aid; a
supply-driven rise, which a Venezuelan halt causes, can only hurt an oil importer. The
regression does not identify that response, so its value is an assumption, not an estimate:
``price_channel`` (a scenario's ``cuba.price_channel``) picks it. By default
(``"restricted_estimate"``) the projection's price coefficient is drawn
from the estimate's marginal truncated at zero, independently of the other coefficients
(which keep their unrestricted joint posterior, bar the oil signs). Its mean, about -0.007 pp
per 1 %, matches an accounting cross-check: 50 kb/d bought at market prices, 65 US$/bbl, half
of the extra bill off a 100 bn US$ GDP gives -0.006 (``"accounting"`` uses that value;
``"none"`` sets the coefficient to 0; a number sets it to that). The residual sd is drawn
from its scaled inverse chi-square, and each year gets a normal shock.

Channels
--------
The accounting channels (oil supply gap, the extra import bill at the scenario's Brent, the
electricity at risk, and the GDP drag of that bill) come from
:func:`forecast.models.cuba.accounting.accounting_channels`, so the two
models count them identically. The growth effect of the unreplaced loss comes from the
posterior oil coefficients; replaced barrels are not a loss of supply but cost the import
bill. Projected growth is::

    n_dt = a_d + b_now_d x0_t + b_lag_d x0_{t-1} + c_d pi_dt + e_dt
    g_dt = n_dt + (b_now_d l_t + b_lag_d l_{t-1}) (100 + n_dt) / (100 + n_d1) + drag_dt

with ``x0`` the baseline change in concessional supply (observed up to the last year of the
shipments table, zero after: baseline shipments stay flat), ``l`` minus the change in the
unreplaced gap, ``n_d1`` the first projection year's no-loss growth (the scaling keeps the
loss's level effect proportional to the no-loss level), and ``pi`` the real change of the
scenario's Brent (nominal draws deflated at :data:`DEFLATOR_INFLATION_PCT` a year). With
no loss and nothing replaced the projection is exactly the baseline for the same Brent draws.

Everything here is a pure function of frames, numbers and a :class:`numpy.random.Generator`.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from forecast._arrays import check_count, frozen, psd_factor
from forecast.errors import EstimationError
from forecast.models.cuba import notes
from forecast.models.cuba._dist import norm_cdf, norm_pdf, norm_sf, t_sf, truncnorm_ppf_below
from forecast.models.cuba._ols import ols_robust
from forecast.models.cuba.accounting import BAD_INPUT, BAD_SHAPE, scenario_accounts, start_level
from forecast.models.cuba.calibrated import (
    RECENT_OIL_ATTRIBUTION,
    SPECIAL_PERIOD_OIL_ATTRIBUTION,
    CalibrationFigures,
    CubaCalibration,
    calibrate,
)
from forecast.models.cuba.data import (
    CONST,
    COVID,
    DEFLATOR_INFLATION_PCT,
    PRICE,
    REGIME,
    REGIME_START,
    SPECIAL_PERIOD,
    SUPPLY,
    SUPPLY_LAG,
    CubaDataset,
    cuba_dataset,
    nominal_brent,
)
from forecast.models.cuba.effects import price_coefficient
from forecast.models.cuba.priors import CoefficientPrior, calibrated_prior, special_period_prior

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from forecast._typing import LikelihoodSample, PriorSource
    from forecast.models.cuba.data import FloatArray

__all__ = [
    "HAC_LAGS",
    "OIL_TERMS",
    "REGRESSORS",
    "RESTRICTIONS",
    "CubaFit",
    "PosteriorDraws",
    "Regression",
    "draw_cuba",
    "fit_cuba",
    "growth_paths",
    "project_cuba",
    "with_price_channel",
]


# --- assumptions (each one is stated in the notes) --------------------------------------------

HAC_LAGS: Final = 1
"""Lags of the Newey-West standard errors shown next to HC3."""

_MAX_REJECTION_ROUNDS: Final = 200

REGRESSORS: Final = (SUPPLY, SUPPLY_LAG, PRICE, REGIME)
OIL_TERMS: Final = (SUPPLY, SUPPLY_LAG)
RESTRICTIONS: Final[Mapping[str, str]] = MappingProxyType(
    {SUPPLY: ">= 0", SUPPLY_LAG: ">= 0", PRICE: "<= 0"}
)

# --- message templates ------------------------------------------------------------------------

TOO_FEW_YEARS = (
    "Cuba model: {n} years in the {sample} sample for {k} coefficients; need at least {need}"
)
REJECTION_FAILED = (
    "Cuba model: could not draw coefficients with the sign restrictions ({left} of {draws} "
    "draws still outside after {rounds} rounds); the posterior puts almost no mass there"
)

# --- estimation ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class Regression:
    """One OLS regression of the Cuba model (:func:`fit_cuba` runs one per sample).

    ``cov`` is HC3, ``cov_hac`` Newey-West; a one-year dummy is kept apart in ``dummies`` as
    ``(term, year, estimate, classical se)``; ``result`` is the
    :class:`~forecast.models.cuba._ols.OLSFit`.
    """

    label: str
    years: tuple[int, ...]
    terms: tuple[str, ...]
    params: FloatArray
    cov: FloatArray
    cov_hac: FloatArray
    pvalues: FloatArray
    residual_sd: float
    df_resid: int
    dummies: tuple[tuple[str, int, float, float], ...]  # term, year, estimate, classical se
    residuals: pd.Series
    result: Any

    @property
    def nobs(self) -> int:
        """Years in the regression (one-year dummies apart)."""
        return len(self.years)

    def index(self, term: str) -> int:
        """Position of ``term`` in ``terms``."""
        return self.terms.index(term)

    def mean_residual(self, start: int) -> float:
        """Mean residual of the years from ``start`` on."""
        resid = self.residuals
        return float(resid[resid.index >= start].mean())

    def autocorrelation(self) -> float:
        """First-order autocorrelation of the residuals."""
        resid = self.residuals.to_numpy(dtype=float)
        resid = resid - resid.mean()
        return float(resid[1:] @ resid[:-1] / (resid @ resid))

    def table(self) -> pd.DataFrame:
        """Return the coefficients as rows of :attr:`CubaFit.coefficients`."""
        rows = [
            {
                "term": term,
                "estimate": float(self.params[i]),
                "std_err": float(math.sqrt(self.cov[i, i])),
                "std_err_hac": float(math.sqrt(self.cov_hac[i, i])),
                "p_value": float(self.pvalues[i]),
                "se_type": "HC3",
                "sample": self.label,
                "n_obs": self.nobs + len(self.dummies),
            }
            for i, term in enumerate(self.terms)
        ]
        rows += [
            {
                "term": term,
                "estimate": est,
                "std_err": se,
                "std_err_hac": float("nan"),
                "p_value": _two_sided_p(est / se, self.df_resid),
                "se_type": "classical (one-year dummy: HC3 undefined)",
                "sample": self.label,
                "n_obs": self.nobs + len(self.dummies),
            }
            for term, _year, est, se in self.dummies
        ]
        return pd.DataFrame(rows)


def _two_sided_p(t: float, df: int) -> float:
    return float(2.0 * t_sf(abs(t), df))


def _ols(rows: pd.DataFrame, label: str, regressors: Sequence[str] = REGRESSORS) -> Regression:
    """OLS of growth on the regressors with HC3 (and HAC) covariance; one-year dummies apart.

    A regressor without variation in the sample (the 2016 shift before 2016) is dropped.
    """
    dummy_mask = rows[COVID].to_numpy(dtype=float) > 0
    fit_rows = rows[~dummy_mask]
    terms = [t for t in regressors if float(fit_rows[t].std(ddof=0)) > 0]
    k = len(terms) + 1
    if len(fit_rows) < k + 5:
        raise EstimationError(TOO_FEW_YEARS.format(n=len(fit_rows), sample=label, k=k, need=k + 5))
    y = fit_rows["gdp_growth_pct"].to_numpy(dtype=float)
    x = np.column_stack([np.ones(len(fit_rows)), fit_rows[terms].to_numpy(dtype=float)])
    names = (CONST, *terms)
    res = ols_robust(y, x, HAC_LAGS)
    params = res.params
    classical = res.normalized_cov_params * res.scale
    dummies = []
    for rec in rows[dummy_mask].itertuples(index=False):
        row = rows[rows["year"] == rec.year].iloc[0]
        x0 = np.concatenate(([1.0], row[terms].to_numpy(dtype=float)))
        estimate = float(row["gdp_growth_pct"]) - float(x0 @ params)
        se = math.sqrt(float(res.scale) + float(x0 @ classical @ x0))
        dummies.append((COVID, int(row["year"]), estimate, se))
    years = tuple(int(v) for v in fit_rows["year"])
    return Regression(
        label=label,
        years=years,
        terms=names,
        params=params,
        cov=res.cov_hc3,
        cov_hac=res.cov_hac,
        pvalues=res.pvalues,
        residual_sd=math.sqrt(float(res.scale)),
        df_resid=int(res.df_resid),
        dummies=tuple(dummies),
        residuals=pd.Series(np.asarray(res.resid, dtype=float), index=list(years)),
        result=res,
    )


def _combine(reg: Regression, prior: CoefficientPrior) -> tuple[FloatArray, FloatArray]:
    """Normal-normal combination: prior on the oil block, flat on the rest."""
    k = len(reg.terms)
    idx = [reg.index(t) for t in OIL_TERMS]
    precision_prior = np.zeros((k, k))
    precision_prior[np.ix_(idx, idx)] = np.linalg.inv(prior.cov)
    prior_mean = np.zeros(k)
    prior_mean[idx] = prior.mean
    precision_data = np.linalg.inv(reg.cov)
    cov = np.linalg.inv(precision_data + precision_prior)
    cov = (cov + cov.T) / 2.0
    mean = cov @ (precision_data @ reg.params + precision_prior @ prior_mean)
    return mean, cov


def _oil_summary(mean: FloatArray, cov: FloatArray, idx: Sequence[int]) -> dict[str, float]:
    i, j = idx
    return {
        "first_year": float(mean[i]),
        "first_year_sd": math.sqrt(float(cov[i, i])),
        "second_year": float(mean[j]),
        "second_year_sd": math.sqrt(float(cov[j, j])),
        "cumulative": float(mean[i] + mean[j]),
        "cumulative_sd": math.sqrt(float(cov[i, i] + cov[j, j] + 2.0 * cov[i, j])),
    }


@dataclass(frozen=True, slots=True, eq=False)
class CubaFit:
    """The estimated Cuba model: regressions, prior, posterior and what projections need.

    Build it with :func:`fit_cuba`. Frames are read-only by convention; the posterior arrays
    are read-only.

    Parameters
    ----------
    calibration
        The calibrated model (accounting channels, needs, GDP level history, prior).
    dataset
        The assembled data (:func:`cuba_dataset`).
    coefficients
        Tidy OLS table: ``term, estimate, std_err`` (HC3; classical for a one-year dummy),
        ``std_err_hac``, ``p_value``, ``se_type``, ``sample``, ``n_obs``; one block per
        sample (all years; without the Special Period; and, as a sensitivity, without the
        Special Period and without the 2016 level shift).
    posterior
        ``term, prior_mean, prior_sd, ols_estimate, ols_std_err, mean, sd, restriction,
        prob_outside`` (posterior mass the sign restriction removes), one row per coefficient
        of the likelihood regression.
    oil_effect
        The oil coefficients by source (prior, OLS on each sample, posterior, and the
        posterior a full-sample likelihood would give): ``source, first_year,
        first_year_sd, second_year, second_year_sd, cumulative, cumulative_sd``.
    prior
        The prior on the oil coefficients.
    terms
        Coefficient names, in the order of ``posterior_mean``.
    posterior_mean, posterior_cov
        The (unrestricted) normal posterior.
    residual_sd, residual_df
        Residual sd of the likelihood regression (pp of growth) and its degrees of freedom.
    likelihood
        Which sample gives the likelihood.
    likelihood_years
        The years of the likelihood regression (its one-year dummies included); none of
        them is in ``prior.years`` with the default prior.
    train_end
        Last year of the estimation sample.
    inflation_pct
        Flat US inflation over the projection (deflates the scenario's Brent).
    brent_history
        ``(year, nominal Brent)`` pairs known to the fit.
    notes
        Plain-language statements for the report.
    raw
        The OLS fits (:class:`~forecast.models.cuba._ols.OLSFit`), by sample.
    """

    calibration: CubaCalibration
    dataset: CubaDataset
    coefficients: pd.DataFrame
    posterior: pd.DataFrame
    oil_effect: pd.DataFrame
    prior: CoefficientPrior
    terms: tuple[str, ...]
    posterior_mean: FloatArray
    posterior_cov: FloatArray
    residual_sd: float
    residual_df: int
    likelihood: LikelihoodSample
    likelihood_years: tuple[int, ...]
    train_end: int
    inflation_pct: float
    brent_history: tuple[tuple[int, float], ...]
    notes: tuple[str, ...] = ()
    raw: Mapping[str, object] = field(default_factory=dict)

    def posterior_of(self, term: str) -> tuple[float, float]:
        """Return the posterior ``(mean, sd)`` of a coefficient (before sign restrictions)."""
        i = self.terms.index(term)
        return float(self.posterior_mean[i]), math.sqrt(float(self.posterior_cov[i, i]))

    def restricted_mean(self, term: str) -> float:
        """Return the posterior mean of a coefficient under its sign restriction, if any.

        A term the fit does not have gives 0.
        """
        mean, sd = self.posterior_of(term) if term in self.terms else (0.0, 0.0)
        return _truncated_mean(mean, sd, RESTRICTIONS.get(term, ""))

    def price_reference(self, first_year: int) -> tuple[int, float]:
        """Nominal Brent of the year before ``first_year``, or the latest year before it."""
        known = [(y, p) for y, p in self.brent_history if y < first_year]
        if not known:
            raise ValueError(
                BAD_INPUT.format(
                    name="years", problem=f"no annual Brent before {first_year} in the fit"
                )
            )
        return known[-1]

    def table(self) -> pd.DataFrame:
        """Return the fit as a tidy table for reports, like ``CubaCalibration.table``.

        Returns
        -------
        pandas.DataFrame
            ``parameter, value, unit, derivation``.
        """
        rows: list[tuple[str, float, str, str]] = []
        units = {
            CONST: "pp",
            SUPPLY: "pp growth per pp of needs",
            SUPPLY_LAG: "pp growth per pp of needs",
            PRICE: "pp growth per 1% real oil price",
            REGIME: "pp",
        }
        for rec in self.posterior.to_dict("records"):
            term = str(rec["term"])
            unit = units.get(term, "pp")
            rows.append((f"posterior_mean_{term}", float(rec["mean"]), unit, "normal-normal"))
            rows.append((f"posterior_sd_{term}", float(rec["sd"]), unit, "normal-normal"))
        rows += [
            (f"oil_cumulative_{source}", float(value), "pp growth per pp of needs",
             "beta_now + beta_lag")
            for source, value in zip(
                self.oil_effect["source"], self.oil_effect["cumulative"], strict=True
            )
        ]  # fmt: skip
        rows += [
            ("residual_sd", self.residual_sd, "pp", f"likelihood sample ({self.likelihood})"),
            ("residual_df", float(self.residual_df), "years", "n - k"),
            ("oil_needs_kbd", self.dataset.needs_kbd, "kb/d", "calibration, oil balance mean"),
            ("inflation_pct", self.inflation_pct, "%", "flat deflator over the projection"),
        ]
        return pd.DataFrame(rows, columns=["parameter", "value", "unit", "derivation"])


def fit_cuba(
    gdp_growth: pd.DataFrame,
    special_period: pd.DataFrame,
    shipments: pd.DataFrame,
    oil_balance: pd.DataFrame,
    electricity: pd.DataFrame,
    prices: pd.DataFrame,
    cpi: pd.DataFrame | None = None,
    *,
    train_end: int | None = None,
    likelihood: LikelihoodSample = "without_special_period",
    prior: PriorSource | None = None,
    inflation_pct: float = DEFLATOR_INFLATION_PCT,
    attribution_special_period: float = SPECIAL_PERIOD_OIL_ATTRIBUTION,
    attribution_venezuelan_decline: float = RECENT_OIL_ATTRIBUTION,
    dataset: CubaDataset | None = None,
    figures: CalibrationFigures | None = None,
) -> CubaFit:
    """Estimate the Cuba model and combine it with the calibrated prior.

    Steps: calibrate the first model on the same tables (accounting channels and prior);
    assemble the data (:func:`cuba_dataset`); OLS with HC3 on all years with data and on the
    years without the Special Period; combine the chosen sample's estimate with the prior
    (normal-normal, prior on the two oil coefficients only).

    Parameters
    ----------
    gdp_growth, special_period, shipments, oil_balance, electricity
        The fact tables, as :func:`forecast.models.cuba.calibrated.calibrate` takes them.
    prices
        ``brent_wti_annual_average_usd``; rows after the GDP table (e.g. the as-of year's
        average) set the reference price of the projection's first year.
    cpi
        Annual US CPI (``year, cpi``, see :func:`annual_cpi`); without it a flat deflator.
    train_end
        Last year of the estimation sample (default: the last year with data).
    likelihood
        ``"without_special_period"`` (default: the prior already carries it) or ``"full"``.
    prior
        ``"special_period"`` (default: the prior is built on 1989-93 alone, which the
        likelihood leaves out, so no year counts twice) or ``"calibrated"`` (both episodes:
        with a likelihood that has 2019-24, those years count twice; kept for the
        sensitivity table).
    inflation_pct
        Flat US inflation over the projection horizon, per cent a year.
    attribution_special_period, attribution_venezuelan_decline
        The calibration's shares of each episode's GDP fall put down to oil
        (:func:`~forecast.models.cuba.calibrated.calibrate`); the Special Period's sets the
        default prior, the recent episode's only the calibrated one.
    dataset
        The data :func:`cuba_dataset` assembled from the same tables (e.g. ``fit.dataset``
        of a fit with other attributions), to skip assembling them again; used only when its
        ``needs_kbd`` is this calibration's (else the data are assembled anew). Its
        regressions on a sample are run once and shared by the fits that reuse it.
    figures
        What :func:`~forecast.models.cuba.calibrated.calibration_figures` read from these
        same tables, to calibrate without reading them again (the same numbers).

    Returns
    -------
    CubaFit
        The regressions, prior, posterior and notes.

    Raises
    ------
    EstimationError
        If a table lacks what the model needs or the sample is too short.
    DataValidationError
        If the assembled data fail their schema.

    Examples
    --------
    >>> from forecast import facts  # doctest: +SKIP
    >>> fit = fit_cuba(*(facts.load(n) for n in (  # doctest: +SKIP
    ...     "cuba_real_gdp_growth_annual", "cuba_special_period_1989_1993",
    ...     "venezuela_to_cuba_oil_shipments", "cuba_oil_balance_estimates",
    ...     "cuba_electricity_generation_onei", "brent_wti_annual_average_usd")))
    >>> fit.posterior_of("supply_change_pct")  # doctest: +SKIP
    """
    calib = calibrate(
        gdp_growth, special_period, shipments, oil_balance, electricity,
        attribution_special_period=attribution_special_period,
        attribution_venezuelan_decline=attribution_venezuelan_decline,
        figures=figures,
    )  # fmt: skip
    data = dataset
    if data is None or data.needs_kbd != calib.oil_needs_kbd:
        data = cuba_dataset(
            gdp_growth, special_period, shipments, prices, needs_kbd=calib.oil_needs_kbd, cpi=cpi
        )
    rows = data.sample(end=train_end)
    if rows.empty:
        raise EstimationError(
            TOO_FEW_YEARS.format(n=0, sample="estimation", k=len(REGRESSORS) + 1, need="some")
        )
    last = int(rows["year"].max())
    # pure functions of the data set's rows: fits with other shares or priors share them
    full, without, no_shift = data.derived(("regressions", train_end), lambda: _regressions(rows))
    fitted = [reg for reg in (full, without, no_shift) if reg is not None]
    source: PriorSource = prior or "special_period"  # no year in the prior and the likelihood
    coef_prior = calibrated_prior(calib) if source == "calibrated" else special_period_prior(calib)
    chosen, other = (without, full) if likelihood == "without_special_period" else (full, without)
    mean, cov = _combine(chosen, coef_prior)
    alt_mean, alt_cov = _combine(other, coef_prior)

    posterior = _posterior_frame(chosen, coef_prior, mean, cov)
    oil = _oil_effect_table(
        coef_prior,
        fitted,
        [
            (f"posterior ({chosen.label})", mean, cov, _oil_idx(chosen)),
            (f"posterior if the likelihood were {other.label}", alt_mean, alt_cov, _oil_idx(other)),
        ],
    )
    nominal, _ = nominal_brent(prices)
    history = tuple(
        (int(y), float(p)) for y, p in zip(nominal.index, nominal.to_numpy(), strict=True)
    )
    fit = CubaFit(
        calibration=calib,
        dataset=data,
        coefficients=pd.concat([reg.table() for reg in fitted], ignore_index=True),
        posterior=posterior,
        oil_effect=oil,
        prior=coef_prior,
        terms=chosen.terms,
        posterior_mean=frozen(mean),
        posterior_cov=frozen(cov),
        residual_sd=chosen.residual_sd,
        residual_df=chosen.df_resid,
        likelihood=likelihood,
        likelihood_years=tuple(sorted((*chosen.years, *(d[1] for d in chosen.dummies)))),
        train_end=last,
        inflation_pct=float(inflation_pct),
        brent_history=history,
        raw={
            "full": full.result,
            "without_special_period": without.result,
            "without_special_period_no_shift": None if no_shift is None else no_shift.result,
        },
    )
    text = notes.fit_notes(fit, full=full, without=without, chosen=chosen, no_shift=no_shift)
    return dataclasses.replace(fit, notes=text)


def _oil_idx(reg: Regression) -> list[int]:
    return [reg.index(t) for t in OIL_TERMS]


def _regressions(rows: pd.DataFrame) -> tuple[Regression, Regression, Regression | None]:
    """OLS on every year, without the Special Period, and (with a regime term) without the shift."""
    first, last = int(rows["year"].min()), int(rows["year"].max())
    sp_text = notes.years_text(*SPECIAL_PERIOD)
    full = _ols(rows, f"{first}-{last}")
    without = _ols(
        rows[~rows["special_period"]].reset_index(drop=True), f"{first}-{last} without {sp_text}"
    )
    no_shift = (
        _ols(
            rows[~rows["special_period"]].reset_index(drop=True),
            f"{first}-{last} without {sp_text}, no {REGIME_START} shift",
            regressors=tuple(t for t in REGRESSORS if t != REGIME),
        )
        if REGIME in without.terms
        else None
    )
    return full, without, no_shift


def _oil_effect_table(
    prior: CoefficientPrior,
    regressions: Sequence[Regression],
    posteriors: Sequence[tuple[str, FloatArray, FloatArray, list[int]]],
) -> pd.DataFrame:
    """One row per source of the oil effect: the prior, each OLS fit, each posterior."""
    return pd.DataFrame(
        [
            {"source": "prior", **_oil_summary(prior.mean, prior.cov, (0, 1))},
            *(
                {
                    "source": f"ols {reg.label}",
                    **_oil_summary(reg.params, reg.cov, _oil_idx(reg)),
                }
                for reg in regressions
            ),
            *(
                {"source": source, **_oil_summary(mean, cov, idx)}
                for source, mean, cov, idx in posteriors
            ),
        ]
    )


def _posterior_frame(
    reg: Regression, prior: CoefficientPrior, mean: FloatArray, cov: FloatArray
) -> pd.DataFrame:
    prior_mean = dict(zip(OIL_TERMS, prior.mean, strict=True))
    prior_sd = dict(zip(OIL_TERMS, np.sqrt(np.diag(prior.cov)), strict=True))
    rows = []
    for i, term in enumerate(reg.terms):
        sd = math.sqrt(float(cov[i, i]))
        restriction = RESTRICTIONS.get(term, "")
        if restriction == ">= 0":
            outside = norm_cdf(0.0, loc=mean[i], scale=sd)
        elif restriction == "<= 0":
            outside = norm_sf(0.0, loc=mean[i], scale=sd)
        else:
            outside = 0.0
        rows.append(
            {
                "term": term,
                "prior_mean": float(prior_mean.get(term, np.nan)),
                "prior_sd": float(prior_sd.get(term, np.inf)),
                "ols_estimate": float(reg.params[i]),
                "ols_std_err": math.sqrt(float(reg.cov[i, i])),
                "mean": float(mean[i]),
                "sd": sd,
                "restriction": restriction,
                "prob_outside": outside,
            }
        )
    return pd.DataFrame(rows)


def _truncated_mean(mean: float, sd: float, restriction: str) -> float:
    """Mean of a normal restricted to ``>= 0`` or ``<= 0``."""
    if not restriction or sd <= 0:
        return mean
    a = -mean / sd
    if restriction == ">= 0":
        return mean + sd * float(norm_pdf(a) / max(norm_sf(a), 1e-300))
    return mean - sd * float(norm_pdf(a) / max(norm_cdf(a), 1e-300))


# --- draws --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class PosteriorDraws:
    """Per-draw parameters of the econometric Cuba model, drawn by :func:`draw_cuba` (read-only).

    Parameters
    ----------
    terms
        Coefficient names (columns of ``coefficients``).
    coefficients
        Shape ``(draws, len(terms))``: posterior draws with the sign restrictions.
    sigma
        Shape ``(draws,)``: residual sd per draw, pp.
    shocks_pct
        Shape ``(draws, years)``: the growth shock of each projection year, pp.
    """

    terms: tuple[str, ...]
    coefficients: FloatArray
    sigma: FloatArray
    shocks_pct: FloatArray

    def __post_init__(self) -> None:
        n = self.sigma.shape[0] if self.sigma.ndim == 1 else -1
        if self.coefficients.shape != (n, len(self.terms)):
            raise ValueError(
                BAD_SHAPE.format(
                    name="coefficients",
                    shape=self.coefficients.shape,
                    expected="(draws, terms) with the draws of sigma",
                )
            )
        if self.shocks_pct.ndim != 2 or self.shocks_pct.shape[0] != n:
            raise ValueError(
                BAD_SHAPE.format(
                    name="shocks_pct", shape=self.shocks_pct.shape, expected="(draws, years)"
                )
            )

    @property
    def draws(self) -> int:
        """Number of draws."""
        return int(self.sigma.shape[0])

    @property
    def years(self) -> int:
        """Number of projection years."""
        return int(self.shocks_pct.shape[1])

    def coefficient(self, term: str) -> FloatArray:
        """Return the draws of one coefficient (zeros if the fit does not have it)."""
        if term not in self.terms:
            return np.zeros(self.draws)
        return self.coefficients[:, self.terms.index(term)]


def _draw_coefficients(
    mean: FloatArray,
    cov: FloatArray,
    terms: tuple[str, ...],
    draws: int,
    rng: np.random.Generator,
) -> FloatArray:
    """Posterior draws: price from its marginal truncated at 0, the rest jointly, oil >= 0."""
    k = len(terms)
    out = np.empty((draws, k))
    todo = np.arange(draws)
    oil = [terms.index(t) for t in OIL_TERMS if t in terms]
    p = terms.index(PRICE) if PRICE in terms else None
    rest = [j for j in range(k) if j != p]
    root = psd_factor(cov[np.ix_(rest, rest)])
    for _ in range(_MAX_REJECTION_ROUNDS):
        n = todo.size
        rows = np.empty((n, k))
        if p is not None:
            sd_p = math.sqrt(float(cov[p, p]))
            u = 1.0 - rng.random(n)  # in (0, 1]
            upper = -float(mean[p]) / sd_p
            rows[:, p] = truncnorm_ppf_below(u, upper, float(mean[p]), sd_p)
        rows[:, rest] = mean[rest] + rng.standard_normal((n, len(rest))) @ root.T
        ok = np.all(rows[:, oil] >= 0.0, axis=1) if oil else np.ones(n, dtype=bool)
        out[todo[ok]] = rows[ok]
        todo = todo[~ok]
        if todo.size == 0:
            return out
    raise EstimationError(
        REJECTION_FAILED.format(left=todo.size, draws=draws, rounds=_MAX_REJECTION_ROUNDS)
    )


def draw_cuba(
    fit: CubaFit,
    draws: int,
    years: int,
    *,
    rng: np.random.Generator,
    price_channel: str | float = "restricted_estimate",
) -> PosteriorDraws:
    """Draw the per-draw parameters of the Cuba model.

    The generator is used in a fixed order: ``draws * years`` normals for the yearly shocks,
    ``draws`` chi-squares for the residual sd, then the coefficients (a uniform and normals
    per draw, repeated for the draws an oil coefficient puts below zero). The same seed gives
    the same draws whatever the scenario (common random numbers).

    * coefficients: the price coefficient from its posterior marginal truncated to ``<= 0``
      (inverse CDF), independently of the others (the restriction is about the response to a
      supply-driven price rise, which the regression does not identify, so it does not move
      the other coefficients); the others jointly from their posterior, with the oil
      coefficients restricted to ``>= 0`` (by rejection);
    * residual sd: ``s * sqrt(df / chi2_df)``;
    * shocks: ``sigma_d * z_dt``.

    Parameters
    ----------
    fit
        The fitted model.
    draws
        Number of draws, at least 1.
    years
        Number of projection years, at least 1.
    rng
        The random number generator.
    price_channel
        How the price coefficient is set (:func:`price_coefficient`); a fixed value replaces
        the drawn one after the draws, so every other draw is the same whatever the channel.

    Returns
    -------
    PosteriorDraws
        Coefficients, residual sd and shocks.

    Raises
    ------
    ValueError
        If ``draws`` or ``years`` is smaller than 1.
    EstimationError
        If the restricted posterior cannot be sampled (almost no mass inside).
    """
    check_count("draws", draws)
    check_count("years", years)
    z = rng.standard_normal((draws, years))
    chi2 = rng.chisquare(fit.residual_df, draws)
    sigma = fit.residual_sd * np.sqrt(fit.residual_df / chi2)
    coefficients = _draw_coefficients(fit.posterior_mean, fit.posterior_cov, fit.terms, draws, rng)
    drawn = PosteriorDraws(
        terms=fit.terms,
        coefficients=frozen(coefficients),
        sigma=frozen(sigma),
        shocks_pct=frozen(sigma[:, None] * z),
    )
    return with_price_channel(fit, drawn, price_channel)


def with_price_channel(
    fit: CubaFit, cdraws: PosteriorDraws, price_channel: str | float
) -> PosteriorDraws:
    """Return the draws with the price coefficient that ``price_channel`` fixes.

    ``draw_cuba(fit, ..., price_channel=c)`` equals ``with_price_channel(fit, draw_cuba(fit,
    ...), c)`` for the same generator state: a channel only replaces the drawn price
    coefficient, so the draws of several channels need one draw (the arrays other than the
    coefficients are shared, read-only).
    """
    fixed = price_coefficient(fit, price_channel)
    if fixed is None or PRICE not in fit.terms:
        return cdraws
    coefficients = np.array(cdraws.coefficients)
    coefficients[:, fit.terms.index(PRICE)] = fixed
    return dataclasses.replace(cdraws, coefficients=frozen(coefficients))


# --- projection ----------------------------------------------------------------------------------


def growth_paths(
    cdraws: PosteriorDraws,
    years: npt.NDArray[np.int64],
    supply: FloatArray,
    supply_lag: FloatArray,
    price: FloatArray,
) -> FloatArray:
    """Return growth ``a + b_now x + b_lag x_lag + c pi + shock`` per draw and year.

    Parameters
    ----------
    cdraws
        The draws.
    years
        The calendar years (the 2016 level shift applies from :data:`REGIME_START`).
    supply, supply_lag
        ``(years,)``: the change in concessional supply (pp of needs) and its lag.
    price
        The real oil price change, % (log points), ``(years,)`` or ``(draws, years)``.

    Returns
    -------
    numpy.ndarray
        ``(draws, years)``, per cent.
    """
    regime = (years >= REGIME_START).astype(float)
    intercept = (
        cdraws.coefficient(CONST)[:, None] + cdraws.coefficient(REGIME)[:, None] * regime[None, :]
    )
    return (
        intercept
        + cdraws.coefficient(SUPPLY)[:, None] * supply[None, :]
        + cdraws.coefficient(SUPPLY_LAG)[:, None] * supply_lag[None, :]
        + cdraws.coefficient(PRICE)[:, None] * price
        + cdraws.shocks_pct
    )


def _baseline_supply(fit: CubaFit, years: npt.NDArray[np.int64]) -> tuple[FloatArray, FloatArray]:
    """Observed supply change (and lag) where the data reach, zero after (flat shipments)."""
    known = fit.dataset.supply_change()
    now = np.array([known.get(int(y), 0.0) for y in years])
    lag = np.array([known.get(int(y) - 1, 0.0) for y in years])
    return now, lag


def _price_change(fit: CubaFit, years: npt.NDArray[np.int64], brent: FloatArray) -> FloatArray:
    """Real change of the scenario's Brent, % (log points), per draw and year."""
    _ref_year, ref = fit.price_reference(int(years[0]))
    prev = np.concatenate((np.full((brent.shape[0], 1), ref), brent[:, :-1]), axis=1)
    return 100.0 * (np.log(brent) - np.log(prev)) - 100.0 * math.log1p(fit.inflation_pct / 100.0)


def _point_growth(fit: CubaFit, year: int, supply: Mapping[int, float]) -> float:
    """Posterior-mean growth of a year with the observed supply change and a flat real price."""
    mean = dict(zip(fit.terms, fit.posterior_mean, strict=True))
    return float(
        mean.get(CONST, 0.0)
        + mean.get(REGIME, 0.0) * (year >= REGIME_START)
        + mean.get(SUPPLY, 0.0) * supply.get(year, 0.0)
        + mean.get(SUPPLY_LAG, 0.0) * supply.get(year - 1, 0.0)
    )


def _bridge_at_posterior_mean(fit: CubaFit) -> Callable[[int, float, int], float]:
    """Years after the GDP table grow at the posterior-mean growth with the observed supply."""

    def bridge(last_year: int, last_level: float, year: int) -> float:
        supply = fit.dataset.supply_change()
        level = last_level
        for y in range(last_year + 1, year + 1):
            level *= 1.0 + _point_growth(fit, y, supply) / 100.0
        return level

    return bridge


def project_cuba(
    fit: CubaFit,
    cdraws: PosteriorDraws,
    *,
    years: Sequence[int],
    lost_kbd: npt.ArrayLike,
    replaced_kbd: npt.ArrayLike,
    brent_usd: npt.ArrayLike,
) -> dict[str, FloatArray]:
    """Project Cuba's GDP growth and the oil accounting channels for one scenario.

    Per year ``t`` (consecutive calendar years) and draw ``d``:

    * accounting: :func:`forecast.models.cuba.accounting.accounting_channels` gives
      the gap ``gap_kbd = lost - replaced`` and ``gap_pct`` (% of needs,
      capped at 100), the extra import bill at ``brent_dt`` and its GDP drag ``drag_dt``
      (growth pp: the bill's level effect, undone when the bill stops), and the electricity
      at risk;
    * supply change ``x_t = x0_t - (gap_pct_t - gap_pct_{t-1})`` with ``gap_pct_{-1} = 0`` and
      ``x0`` the observed change up to the last year of the shipments data, zero after;
    * real price change ``pi_dt = 100 ln(brent_dt / brent_{d,t-1}) - 100 ln(1 + inflation)``,
      the year before the projection taken from the fit's Brent history (its latest year if
      that year is missing);
    * growth without the loss ``n_dt = a_dt + b_now_d x0_t + b_lag_d x0_{t-1} + c_d pi_dt +
      e_dt`` (``a`` the constant plus the 2016 level shift), the loss's effect
      ``f_dt = b_now_d l_t + b_lag_d l_{t-1}`` (``l = x - x0``) and growth
      ``g_dt = n_dt + f_dt (100 + n_dt) / (100 + n_d1) + drag_dt``: exactly ``n + f + drag``
      in the first year; after it the effect is scaled so that the loss's level effect, as a
      share of the no-loss level, does not drift with the yearly shocks (a loss that ends
      never leaves the level above a smaller loss's);
    * level index: the calibration's index for the year before the projection (years after
      the GDP table are bridged at the posterior-mean growth), cumulated with ``g``.

    With no loss and nothing replaced, growth is exactly the baseline for the same Brent
    draws. More barrels lost never raises growth in the year of the loss.

    Parameters
    ----------
    fit
        The fitted model.
    cdraws
        The draws, with as many years as ``years``.
    years, lost_kbd, replaced_kbd, brent_usd
        The scenario, as for :func:`forecast.models.cuba.calibrated.project_cuba`: consecutive
        calendar years, barrels lost and replaced (kb/d, ``(years,)``) and the nominal Brent
        per draw (US$/bbl, ``(draws, years)``).

    Returns
    -------
    dict of str to numpy.ndarray
        Each of shape ``(draws, years)``: ``cuba_gdp_growth_pct``, ``cuba_gdp_level_index``
        (``LEVEL_BASE_YEAR`` = 100), ``cuba_oil_supply_gap_kbd``, ``cuba_oil_supply_gap_pct``,
        ``cuba_import_bill_usd_m`` and ``cuba_electricity_at_risk_gwh``.

    Raises
    ------
    ValueError
        If a shape does not match, a value is negative, not finite or (Brent) not positive,
        more barrels are replaced than lost, or ``years`` are not consecutive.
    """
    year_arr, accounts = scenario_accounts(
        fit.calibration,
        cdraws.draws,
        cdraws.years,
        years=years,
        lost_kbd=lost_kbd,
        replaced_kbd=replaced_kbd,
        brent_usd=brent_usd,
    )
    brent = np.asarray(brent_usd, dtype=np.float64)
    if np.any(brent <= 0):
        raise ValueError(BAD_INPUT.format(name="brent_usd", problem="has values <= 0"))
    gap_pct = accounts.gap_pct
    loss_change = -np.diff(gap_pct, prepend=0.0)
    loss_lag = np.concatenate(([0.0], loss_change[:-1]))
    base_now, base_lag = _baseline_supply(fit, year_arr)
    price = _price_change(fit, year_arr, brent)
    no_loss = growth_paths(cdraws, year_arr, base_now, base_lag, price)
    effect = (
        cdraws.coefficient(SUPPLY)[:, None] * loss_change[None, :]
        + cdraws.coefficient(SUPPLY_LAG)[:, None] * loss_lag[None, :]
    )
    # the loss's pp scaled by the no-loss growth factor relative to the first year: exact in
    # the first year, and its level effect (% of the no-loss level) does not drift with shocks
    scale = (100.0 + no_loss) / (100.0 + no_loss[:, :1])
    growth = no_loss + effect * scale + accounts.drag_growth_pct()
    start = start_level(fit.calibration, int(year_arr[0]), _bridge_at_posterior_mean(fit))
    index: FloatArray = start * np.cumprod(1.0 + growth / 100.0, axis=1, dtype=np.float64)
    return {
        "cuba_gdp_growth_pct": growth,
        "cuba_gdp_level_index": index,
        **accounts.channels(),
    }
