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
``svar_sign``, ``svar_proxy``, ``svar_bvar`` (every structural registry model)
    Each structural price model of :mod:`forecast.models.registry` (an entry with a
    ``reduced_form``) is backtested under its registry name by its reduced form, with the
    entry's default lags and sample start re-estimated at each origin on the data through
    the origin (:class:`StructuralForecaster`; the ``end`` option fixes only the
    identification sample). ``svar_sign``: VAR(6) from 1974-02, Känzig's long series
    spliced before 1992-02 as the SVAR's data set does (:func:`svar_frame`; skipped with a
    note when the store lacks them); ``svar_proxy``: the same VAR(24) as ``svar`` (the
    identification does not change a reduced-form forecast, so its record is ``svar``'s);
    ``svar_bvar``: the posterior mean of the Minnesota BVAR(24) on the same variables
    (:func:`svar_bvar_forecast`). All nest the monthly-average no-change forecast.
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
``dm_pvalue``, the two-sided Diebold-Mariano test of equal squared-error loss against the
monthly-average no-change forecast; ``dm_stat``/``dm_pvalue_better`` and
``dm_stat_eom``/``dm_pvalue_better_eom``, the signed DM statistic (negative: lower loss) and
the one-sided p-value of "better" against each no-change benchmark (:func:`diebold_mariano`:
HLN correction, Newey-West variance with ``h - 1`` lags, Student's t); ``cw_benchmark``,
``cw_stat``, ``cw_pvalue_better``, the one-sided Clark-West test against the random walk the
model nests (:attr:`ModelAdapter.nests`; :func:`clark_west`); and, for the models with a
predictive distribution (:attr:`ModelAdapter.density`: the no-change baselines' bootstrap),
``coverage_68``, ``coverage_90`` and ``crps`` (:func:`crps_from_draws`), from
:attr:`EvaluationResult.densities`.
"""

from __future__ import annotations

from forecast.evaluation._combine import combine
from forecast.evaluation._density import (
    BANDS,
    DENSITY_COLUMNS,
    BaselineDensity,
    DensityForecaster,
    coverage,
    crps_from_draws,
    density_scores,
)
from forecast.evaluation._panel import (
    DEFAULT_RELEASE_LAGS,
    LONG_SERIES,
    PANEL_COLUMNS,
    TARGETS,
    OriginData,
    Space,
    monthly_panel,
    origin_data,
)
from forecast.evaluation._registry import (
    ADAPTERS,
    DEFAULT_MODELS,
    Forecaster,
    ModelAdapter,
    structural_adapter,
)
from forecast.evaluation._result import EvaluationResult
from forecast.evaluation._run import _month, evaluate  # noqa: F401 (_month: backtest.py)
from forecast.evaluation._scores import (
    FORECAST_COLUMNS,
    TABLE_COLUMNS,
    directional_accuracy,
    score,
)
from forecast.evaluation._settings import BVARSpec, CombinationSpec, EvaluationSettings
from forecast.evaluation._significance import (
    CWResult,
    DMResult,
    clark_west,
    diebold_mariano,
    long_run_variance,
)
from forecast.evaluation._var_forecasters import (
    BVAR_VARIABLES,
    StructuralForecaster,
    bvar_frame,
    svar_bvar_forecast,
    svar_forecast,
    svar_frame,
)

__all__ = [
    "ADAPTERS",
    "BANDS",
    "BVAR_VARIABLES",
    "DEFAULT_MODELS",
    "DEFAULT_RELEASE_LAGS",
    "DENSITY_COLUMNS",
    "FORECAST_COLUMNS",
    "LONG_SERIES",
    "PANEL_COLUMNS",
    "TABLE_COLUMNS",
    "TARGETS",
    "BVARSpec",
    "BaselineDensity",
    "CWResult",
    "CombinationSpec",
    "DMResult",
    "DensityForecaster",
    "EvaluationResult",
    "EvaluationSettings",
    "Forecaster",
    "ModelAdapter",
    "OriginData",
    "Space",
    "StructuralForecaster",
    "bvar_frame",
    "clark_west",
    "combine",
    "coverage",
    "crps_from_draws",
    "density_scores",
    "diebold_mariano",
    "directional_accuracy",
    "evaluate",
    "long_run_variance",
    "monthly_panel",
    "origin_data",
    "score",
    "structural_adapter",
    "svar_bvar_forecast",
    "svar_forecast",
    "svar_frame",
]
