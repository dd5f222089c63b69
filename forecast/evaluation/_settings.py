"""The choices of a backtest: BVAR specifications, the combination, the settings record."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from forecast.evaluation._panel import (
    DEFAULT_RELEASE_LAGS,
    Space,
)
from forecast.models.bvar import MinnesotaPrior

if TYPE_CHECKING:
    from collections.abc import Mapping


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
    density_draws
        Draws per origin of the models that give a predictive distribution (the no-change
        baselines' bootstrap).
    density_seed
        Seeds those draws: origin ``t`` uses ``SeedSequence([density_seed, year, month])``,
        so the draws do not depend on ``jobs`` or on which origins are run.
    """

    release_lags: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_RELEASE_LAGS))
    inflation_months: int = 12
    refit_months: int = 12
    baseline_window_months: int = 240
    bvars: Mapping[str, BVARSpec] = field(default_factory=_default_bvars)
    combination: CombinationSpec = field(default_factory=CombinationSpec)
    density_draws: int = 2000
    density_seed: int = 20050101
