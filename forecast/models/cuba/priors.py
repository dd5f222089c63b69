"""Priors of the econometric Cuba model: normal priors on the two oil coefficients.

Both come from the calibration (:mod:`forecast.models.cuba.calibrated`): its lognormal
elasticity and first-year share (:func:`calibrated_prior`), or the Special Period alone
(:func:`special_period_prior`, for the backcast). :mod:`forecast.models.cuba.econometric`
combines them with the regression.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import numpy as np

if TYPE_CHECKING:
    from forecast.models.cuba.calibrated import CubaCalibration
    from forecast.models.cuba.data import FloatArray

__all__ = ["SHARE_SD", "CoefficientPrior", "calibrated_prior", "special_period_prior"]


SHARE_SD: Final = 0.2
"""Prior sd of the first-year share of the oil effect (0.6 +/- 0.4 at two sd)."""

_Z90: Final = 1.2815515655446004  # standard normal 90th percentile


@dataclass(frozen=True, slots=True)
class CoefficientPrior:
    """Normal prior on the two oil coefficients ``(beta_now, beta_lag)``.

    Built from a lognormal cumulative elasticity (median, log sd) and a first-year share; see
    :mod:`forecast.models.cuba.econometric` for the formula.

    Parameters
    ----------
    source
        Plain-language origin of the prior.
    elasticity_median, elasticity_sigma
        The lognormal cumulative elasticity: % of GDP per 1 % of needs lost, i.e. growth pp
        (summed over the loss year and the next) per pp of needs lost.
    first_year_share, share_sd
        Share of the effect in the loss year, and its prior sd.
    years
        The years whose data the prior is built on (the likelihood leaves them out, so that
        no year counts twice).
    """

    source: str
    elasticity_median: float
    elasticity_sigma: float
    first_year_share: float
    share_sd: float = SHARE_SD
    years: tuple[int, ...] = ()

    @property
    def elasticity_mean(self) -> float:
        """Mean of the lognormal elasticity (the normal prior's mean of the sum)."""
        return self.elasticity_median * math.exp(self.elasticity_sigma**2 / 2.0)

    @property
    def elasticity_sd(self) -> float:
        """Sd of the lognormal elasticity (the normal prior's sd of the sum)."""
        return self.elasticity_mean * math.sqrt(math.expm1(self.elasticity_sigma**2))

    @property
    def mean(self) -> FloatArray:
        """Prior mean of ``(beta_now, beta_lag)``."""
        s = self.first_year_share
        return np.array([s, 1.0 - s]) * self.elasticity_mean

    @property
    def cov(self) -> FloatArray:
        """Prior covariance of ``(beta_now, beta_lag)``: ``t^2 v v' + m^2 sd_s^2 u u'``."""
        s, m, t = self.first_year_share, self.elasticity_mean, self.elasticity_sd
        v, u = np.array([s, 1.0 - s]), np.array([1.0, -1.0])
        return t**2 * np.outer(v, v) + (m * self.share_sd) ** 2 * np.outer(u, u)


def calibrated_prior(calib: CubaCalibration) -> CoefficientPrior:
    """Return the prior from the calibrated model: its elasticity and first-year share.

    Parameters
    ----------
    calib
        The calibration (:func:`forecast.models.cuba.calibrated.calibrate`).

    Returns
    -------
    CoefficientPrior
        Median and log sd of the calibrated elasticity (Special Period and 2019-24).
    """
    names = " and ".join(f"{e.name} ({e.start_year}-{e.end_year})" for e in calib.episodes)
    return CoefficientPrior(
        source=f"calibrated model: {names}",
        elasticity_median=calib.elasticity_median,
        elasticity_sigma=calib.elasticity_sigma,
        first_year_share=calib.first_year_share,
        years=tuple(y for e in calib.episodes for y in range(e.start_year, e.end_year + 1)),
    )


def special_period_prior(calib: CubaCalibration) -> CoefficientPrior:
    """Return a prior built on the Special Period alone (no GDP after 1993).

    The Special Period's elasticity puts the share ``attribution_special_period`` of the
    1989-93 GDP fall on oil (by default all of it, an upper bound): it is taken as the 90th
    percentile and a quarter of it as the 10th, so by default the median puts half of the
    fall on oil. The default prior of the econometric model (and of its backcast, whose fit
    may not see GDP after 2015): it uses no year after 1993, so the likelihood, which leaves
    out 1989-93, shares no year with it.

    Parameters
    ----------
    calib
        The calibration; only its Special Period episode is used.

    Returns
    -------
    CoefficientPrior
        Median half the episode value, log sd ``ln 4 / (2 z_0.9)``.
    """
    episode = calib.episodes[0]
    return CoefficientPrior(
        source=f"Special Period alone ({episode.start_year}-{episode.end_year}), a quarter to "
        + (
            "all of its GDP fall put down to oil"
            if episode.oil_attribution == 1.0
            else f"all of the {episode.oil_attribution:.0%} of its GDP fall put down to oil"
        ),
        elasticity_median=episode.elasticity / 2.0,
        elasticity_sigma=math.log(4.0) / (2.0 * _Z90),
        first_year_share=calib.first_year_share,
        years=tuple(range(episode.start_year, episode.end_year + 1)),
    )
