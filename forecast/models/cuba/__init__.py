"""Cuba channel: what losing Venezuela's concessional oil does to Cuba's GDP, oil and power.

Two models share the data and the accounting and differ in how lost barrels move GDP: the
calibrated one (:mod:`.calibrated`, the engine's ``cuba_calibrated``) puts an elasticity
judged from two episodes on the unreplaced gap; the econometric one (:mod:`.econometric`, the
engine's ``cuba``) regresses growth on the change in concessional supply and shrinks the
estimate towards the calibrated elasticity.

Modules
-------
``data``
    The fact tables read and reconciled (shipments with a band, Soviet deliveries, annual
    CPI, the oil price) and assembled into the validated annual :class:`CubaDataset`.
``accounting``
    The channels both models count alike: supply gap, import bill and its GDP drag,
    electricity at risk (:func:`accounting_channels`), and the GDP level index to start from.
``calibrated``
    :func:`~.calibrated.calibrate` (Special Period and 2019-24), its draws
    (:class:`CalibratedDraws`) and its projection.
``priors``
    The normal priors on the oil coefficients (:class:`CoefficientPrior`), from the
    calibration (:func:`calibrated_prior`) or the Special Period alone.
``econometric``
    The HC3 regression, the posterior (:func:`fit_cuba`), its draws
    (:class:`PosteriorDraws`, with sign restrictions) and :func:`project_cuba`.
``effects``
    The price channel's fixed coefficient (:func:`price_coefficient`) and the effect the
    draws carry (:func:`drawn_oil_effect`, :func:`with_drawn_effect`).
``backcast``
    The 2016-24 backcast of the econometric model (:func:`backcast`) and its scores.
``notes``
    The prose: turns a calibration or a fit into its ``notes``; the estimation modules
    compute numbers only.

Flow
----
::

    fact tables --data--> CubaDataset (+ calibrated.calibrate -> CubaCalibration)
        --econometric.fit_cuba--> CubaFit --draw_cuba--> PosteriorDraws
        --project_cuba(years, lost, replaced, Brent)--> growth, level, gap, bill, power
    calibrated: calibrate -> CubaCalibration --draw_cuba--> CalibratedDraws --project_cuba--> same

Both ``project_cuba`` take the same scenario arguments and return the same keys; both call
:func:`accounting_channels`. ``from forecast.models import cuba`` gives the econometric model
at the top (``cuba.fit_cuba``, ``cuba.draw_cuba``, ``cuba.project_cuba``, ``cuba.backcast``) and
the calibrated one as ``cuba.calibrated``.

Everything here is a pure function of frames, numbers and a :class:`numpy.random.Generator`;
nothing reads files.
"""

from __future__ import annotations

from forecast.models.cuba import calibrated
from forecast.models.cuba.accounting import CubaAccounts, accounting_channels
from forecast.models.cuba.backcast import backcast, backcast_summary
from forecast.models.cuba.calibrated import (
    CalibratedDraws,
    CalibrationFigures,
    CubaCalibration,
    calibrate,
    calibration_figures,
)
from forecast.models.cuba.data import (
    AGREEMENT_BAND,
    ALTERNATIVE_ESTIMATES_KBD,
    BARRELS_PER_TONNE,
    COVID_YEAR,
    DEFLATOR_INFLATION_PCT,
    INTERPOLATION_WIDENING,
    LEVEL_BASE_YEAR,
    MIN_SPREAD_BAND,
    MONTHLY_MIN_BAND,
    MULTI_YEAR_BAND,
    ONE_ESTIMATE_BAND,
    PARTIAL_YEAR_BAND,
    REGIME_START,
    SPECIAL_PERIOD,
    CubaDataset,
    annual_cpi,
    annual_shipments_kbd,
    cuba_dataset,
    dataset_schema,
    reconcile_shipments,
)
from forecast.models.cuba.econometric import (
    HAC_LAGS,
    CubaFit,
    PosteriorDraws,
    draw_cuba,
    fit_cuba,
    project_cuba,
    with_price_channel,
)
from forecast.models.cuba.effects import drawn_oil_effect, price_coefficient, with_drawn_effect
from forecast.models.cuba.priors import (
    SHARE_SD,
    CoefficientPrior,
    calibrated_prior,
    special_period_prior,
)

__all__ = [
    "AGREEMENT_BAND",
    "ALTERNATIVE_ESTIMATES_KBD",
    "BARRELS_PER_TONNE",
    "COVID_YEAR",
    "DEFLATOR_INFLATION_PCT",
    "HAC_LAGS",
    "INTERPOLATION_WIDENING",
    "LEVEL_BASE_YEAR",
    "MIN_SPREAD_BAND",
    "MONTHLY_MIN_BAND",
    "MULTI_YEAR_BAND",
    "ONE_ESTIMATE_BAND",
    "PARTIAL_YEAR_BAND",
    "REGIME_START",
    "SHARE_SD",
    "SPECIAL_PERIOD",
    "CalibratedDraws",
    "CalibrationFigures",
    "CoefficientPrior",
    "CubaAccounts",
    "CubaCalibration",
    "CubaDataset",
    "CubaFit",
    "PosteriorDraws",
    "accounting_channels",
    "annual_cpi",
    "annual_shipments_kbd",
    "backcast",
    "backcast_summary",
    "calibrate",
    "calibrated",
    "calibrated_prior",
    "calibration_figures",
    "cuba_dataset",
    "dataset_schema",
    "draw_cuba",
    "drawn_oil_effect",
    "fit_cuba",
    "price_coefficient",
    "project_cuba",
    "reconcile_shipments",
    "special_period_prior",
    "with_drawn_effect",
    "with_price_channel",
]
