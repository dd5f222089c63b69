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
(0.0258 in KM2012), and (``dynamic_horizon = 12``, KM2012's dynamic restrictions) a supply
disruption lowers cumulated production and real activity and raises the real price in
months 0..12. All kept rotations are returned (the identified set,
:func:`identified_set_frame` gives its range); the point model is the kept one closest
to the pointwise median responses (Fry & Pagan 2011). When no rotation is admissible an
:class:`EstimationError` says so: the restrictions are never loosened. ``"proxy"``
(Stock & Watson 2012; Mertens & Ravn 2013): the supply column of ``B`` is proportional to
the covariance of the residuals with an external instrument (Känzig's 2021 oil supply
surprises), scaled to a one-standard-deviation shock; the other two columns only complete
``B`` (they are not identified). The first-stage F is reported.

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
sign identification each bootstrap sample gets rotations in batches of ``rotations`` until
one is accepted (its first, a uniform draw from the sample's identified set) or a cap per
sample is reached; a sample whose identified set is empty is not used, and samples are
drawn in rounds until ``draws`` admissible models are collected (a cap on the samples makes
it an error naming the acceptance rate). Candidate rotations are unit quaternions (Haar
on SO(3); the column-sign normalisation covers the reflections). The bootstrap draws only
rotations whose first row leaves room for the elasticity bound (two entries at most ``rho
= bound |C[2]| / C[0, 0]``), as many as ``max_rotations`` Haar draws would put there (a
binomial number), which changes neither the accepted models' distribution nor a sample's
chance of being given up (:func:`~forecast.models.svar._identify.km_region`). Candidates
are screened by a cheap, loosened check of the impact signs and the bound
(:func:`~forecast.models.svar._identify.km_screen`): only the few candidates that pass get
their rotation matrix and the full check with the dynamic restrictions, which selects
exactly what checking every candidate would. No draw is reused and none is replaced by a kept
one, so the bands mix sampling and set-identification uncertainty over the samples that
the restrictions admit; the acceptance rate is in the draws' notes and
:meth:`SVARDraws.sampler_frame`. Under proxy identification the instrument is resampled
with the residuals; months before the instrument's first surprise are not covered
(:func:`align_instrument`), and :func:`first_stage_frame` gives its first stage.

**Lags** (:func:`lag_selection`, :func:`select_lags`): AIC, BIC and HQ for ``p = 1..24``
on one sample. **Sensitivity** (:func:`sensitivity_table`): the point multiplier across
identifications, lags and samples, with its range over each sign-identified set (one reduced
form per sample and lag length, shared by every identification).

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

from forecast._typing import BootstrapMethod, Identification, Innovations, Normalisation
from forecast.models.svar._common import (
    BASE_COMPONENT,
    DEFAULT_START,
    KM2012_ELASTICITY_BOUND,
    PRODUCTION_LEVEL,
    QUANTILES,
    SHOCKS,
    VARIABLES,
)
from forecast.models.svar._identify import KM2012_DYNAMIC_HORIZON, WEAK_INSTRUMENT_F
from forecast.models.svar.analysis import (
    SupplyPriceResponse,
    fevd_frame,
    first_stage_frame,
    historical_decomposition,
    identified_set_frame,
    irf_frame,
    supply_price_response,
    supply_response_paths,
)
from forecast.models.svar.bootstrap import SVARDraws, bootstrap_svar
from forecast.models.svar.dataset import (
    SVARDataset,
    align_instrument,
    svar_dataset,
    to_nominal_price,
)
from forecast.models.svar.estimation import SVARFit, fit_svar
from forecast.models.svar.projection import SVARProjection, fill_ragged_edge, project_svar
from forecast.models.svar.selection import lag_selection, lags_from_table, select_lags
from forecast.models.svar.sensitivity import sensitivity_table, sustained_supply_effect

__all__ = [
    "BASE_COMPONENT",
    "DEFAULT_START",
    "KM2012_DYNAMIC_HORIZON",
    "KM2012_ELASTICITY_BOUND",
    "PRODUCTION_LEVEL",
    "QUANTILES",
    "SHOCKS",
    "VARIABLES",
    "WEAK_INSTRUMENT_F",
    "BootstrapMethod",
    "Identification",
    "Innovations",
    "Normalisation",
    "SVARDataset",
    "SVARDraws",
    "SVARFit",
    "SVARProjection",
    "SupplyPriceResponse",
    "align_instrument",
    "bootstrap_svar",
    "fevd_frame",
    "fill_ragged_edge",
    "first_stage_frame",
    "fit_svar",
    "historical_decomposition",
    "identified_set_frame",
    "irf_frame",
    "lag_selection",
    "lags_from_table",
    "project_svar",
    "select_lags",
    "sensitivity_table",
    "supply_price_response",
    "supply_response_paths",
    "sustained_supply_effect",
    "svar_dataset",
    "to_nominal_price",
]
