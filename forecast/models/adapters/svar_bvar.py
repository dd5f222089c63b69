"""The oil-market VAR as a Minnesota BVAR, identified recursively on each posterior draw.

The shrinkage counterpart of :mod:`forecast.models.adapters.svar`: the same data
(:func:`forecast.models.svar.svar_dataset`, the same estimation sample), the Minnesota prior
of :mod:`forecast.models.bvar` (random-walk prior means for the Kilian index and the real
price, white noise for production growth; the overall tightness chosen by the marginal
likelihood or fixed), and a Cholesky (Kilian 2009) identification of every posterior draw
of ``(B, Sigma)``, so the bands are posterior bands, not bootstrap ones. The point model is
the posterior mean of ``B`` with the posterior mean of ``Sigma``. The outage scenarios go
through the SVAR adapter's projection (:func:`forecast.models.svar.project_svar`), path
``i`` with posterior draw ``i``: every draw is used once.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, cast

import numpy as np
import pandas as pd

from forecast._arrays import frozen_numeric
from forecast.models import _var, svar
from forecast.models.adapters import svar as svar_adapter
from forecast.models.bvar import BVARFit, MinnesotaPrior, draw_posterior, fit_bvar
from forecast.models.svar import _common as svar_common

if TYPE_CHECKING:
    from forecast._typing import BootstrapMethod
    from forecast.models.protocol import RunContext

__all__ = [
    "OWN_LAG_MEAN",
    "TIGHTNESS_GRID",
    "SVARBVARAdapter",
    "fit_svar_bvar",
    "posterior_svar_draws",
    "setup",
    "svar_prior",
    "tightness_grid",
]

TIGHTNESS_GRID: tuple[float, ...] = (0.05, 0.1, 0.2, 0.5, 1.0)
"""The overall tightness values the marginal likelihood chooses from (option ``ml``)."""

OWN_LAG_MEAN = {"prod_growth_pct": 0.0, "rea": 1.0, "real_price_log": 1.0}
"""Prior means of the own first lags: white-noise production growth, random-walk levels."""

POSTERIOR_NOTE = (
    "SVAR estimated as a Minnesota BVAR ({lags} lags, overall tightness {overall:g}{how}, "
    "intercepts nearly flat); every one of the {draws} posterior draws of the VAR's "
    "coefficients and covariance is identified recursively (Kilian 2009) and used once: the "
    "bands are posterior bands."
)


def svar_prior(lags: int, overall: float = 0.2) -> MinnesotaPrior:
    """Return the Minnesota prior of the oil-market BVAR.

    Parameters
    ----------
    lags
        The VAR's lag order.
    overall
        Overall tightness ``lambda``.

    Returns
    -------
    MinnesotaPrior
        Lag decay 1, a loose intercept (100 shock standard deviations) and
        :data:`OWN_LAG_MEAN`.
    """
    return MinnesotaPrior(lags=lags, overall=overall, own_lag_mean=dict(OWN_LAG_MEAN))


def tightness_grid(tightness: str) -> tuple[float, ...]:
    """Return the tightness values to choose from: the grid for ``"ml"``, else the one value."""
    return TIGHTNESS_GRID if tightness == "ml" else (float(tightness),)


def fit_svar_bvar(
    data: pd.DataFrame, lags: int, grid: tuple[float, ...] = TIGHTNESS_GRID
) -> tuple[BVARFit, svar.SVARFit]:
    """Estimate the oil-market BVAR and its recursive point model on a complete sample.

    Parameters
    ----------
    data
        ``date`` and :data:`forecast.models.svar.VARIABLES`, no missing values (an
        :meth:`~forecast.models.svar.SVARDataset.complete` sample).
    lags
        The VAR's lag order.
    grid
        Overall tightness values; the marginal likelihood chooses among several.

    Returns
    -------
    tuple
        The posterior (:class:`~forecast.models.bvar.BVARFit`) and an
        :class:`~forecast.models.svar.SVARFit` at the posterior means of ``B`` and
        ``Sigma``, identified recursively with the supply shock as a disruption (its
        residuals are those of the posterior-mean coefficients).
    """
    prior = svar_prior(lags, grid[0])
    posterior = fit_bvar(data, prior, overall_grid=grid if len(grid) > 1 else None)
    ols = svar.fit_svar(data, lags)
    k = ols.k
    params = np.asarray(posterior.coef_mean, dtype=float)
    coefs, intercept = _var.coefs_from_params(params, k, lags, 1)
    x, y = _var.lagged(np.asarray(ols.data), lags, 1)
    sigma = np.asarray(posterior.sigma_mean, dtype=float)
    impact = svar_common.cholesky(sigma) * svar_common.disruption_signs(k, supply_disruption=True)
    point = replace(
        ols,
        params=frozen_numeric(params),
        coefs=frozen_numeric(coefs),
        intercept=frozen_numeric(intercept),
        sigma=frozen_numeric(sigma),
        residuals=frozen_numeric(y - x @ params),
        impact=frozen_numeric(impact),
        impact_set=frozen_numeric(impact[None]),
    )
    return posterior, point


def posterior_svar_draws(
    posterior: BVARFit, draws: int, *, rng: np.random.Generator
) -> svar.SVARDraws:
    """Draw ``(B, Sigma)`` from the posterior and identify each draw recursively.

    Parameters
    ----------
    posterior
        From :func:`fit_svar_bvar`.
    draws
        Number of draws (each is one structural model).
    rng
        The only source of randomness.

    Returns
    -------
    SVARDraws
        ``draws`` models; ``impact`` is ``chol(Sigma_d)`` with the supply column flipped
        (a disruption), ``method`` is ``"posterior"``.

    Raises
    ------
    EstimationError
        If a drawn covariance is not positive definite.
    """
    b, sigmas = draw_posterior(posterior, draws, rng=rng)
    k = len(posterior.variables)
    coefs, intercept = _var.coefs_from_params(b, k, posterior.lags, 1)
    impact = svar_common.cholesky(sigmas) * svar_common.disruption_signs(k, supply_disruption=True)
    return svar.SVARDraws(
        coefs=frozen_numeric(coefs),
        intercept=frozen_numeric(intercept),
        sigma=frozen_numeric(sigmas),
        impact=frozen_numeric(impact),
        # SVARDraws.method names how the draws were made; its type lists the bootstrap's.
        method=cast("BootstrapMethod", "posterior"),
        identification="recursive",
        requested=int(draws),
        samples_tried=int(draws),
        samples_accepted=int(draws),
    )


class SVARBVARAdapter(svar_adapter.SVARAdapter):
    """The BVAR's posterior, its recursive draws and the as-of state (SVAR projection)."""

    def __init__(self, context: RunContext) -> None:
        if context.baseline is None:  # pragma: no cover - the engine sets the baseline up first
            raise ValueError("the svar_bvar model needs the run's baseline")
        options = context.options
        self.name = context.name
        self.dataset = svar_adapter._dataset(context)  # noqa: SLF001 - the SVAR's own data
        data = svar_adapter._estimation_sample(self.dataset, options["end"])  # noqa: SLF001
        lags = int(options["lags"])
        self.lag_table = svar.lag_selection(data, lags)
        grid = tightness_grid(options["tightness"])
        self.posterior, self.fit = fit_svar_bvar(data, lags, grid)
        self.draws = posterior_svar_draws(
            self.posterior, context.draws, rng=context.rng("posterior")
        )
        svar_adapter._check_scenario(context, self.fit, self.draws)  # noqa: SLF001
        filled, _ = svar.fill_ragged_edge(self.fit, self.dataset.frame)
        self.state = filled[-self.fit.lags :]
        self.context = context
        self.baseline = context.baseline.draws
        self.world_kbd = context.inputs.world_kbd
        how = " by marginal likelihood" if len(grid) > 1 else ""
        self.notes = (
            *self._notes(),
            POSTERIOR_NOTE.format(
                lags=lags, overall=self.posterior.prior.overall, how=how, draws=len(self.draws)
            ),
        )
        self.tables = self._tables()
        self.raw = {
            "fit": self.fit,
            "draws": self.draws,
            "dataset": self.dataset,
            "posterior": self.posterior,
        }

    def _tables(self) -> dict[str, pd.DataFrame]:
        """Impulse responses with posterior bands, decompositions, lag criteria, the prior."""
        prior = self.posterior.prior
        return {
            "svar_irf": svar.irf_frame(self.fit, self.draws),
            "svar_fevd": svar.fevd_frame(self.fit, self.draws),
            "svar_hd": svar.historical_decomposition(self.fit),
            "svar_supply_response": svar.supply_price_response(self.fit, self.draws).peak,
            "svar_lag_selection": self.lag_table,
            "svar_bvar_prior": pd.DataFrame(
                [
                    {
                        "lags": prior.lags,
                        "overall": prior.overall,
                        "grid": " ".join(f"{v:g}" for v in self.posterior.overall_grid),
                        "log_marginal_likelihood": self.posterior.log_marginal_likelihood,
                        "nobs": self.posterior.nobs,
                        "draws": len(self.draws),
                    }
                ]
            ),
        }


def setup(context: RunContext) -> SVARBVARAdapter:
    """Estimate the BVAR and draw its posterior once for the run (errors name the model)."""
    return svar_adapter.named_errors(context, SVARBVARAdapter)
