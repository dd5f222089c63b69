"""Identification kernels shared by the fit and the bootstrap: Kilian-Murphy and proxy.

``km_filter`` adds Kilian & Murphy's (2012) dynamic restrictions to the impact checks of
:func:`~forecast.models.svar._common.sign_filter`; ``proxy_impact`` builds the impact matrix
whose supply column is identified by an external instrument (Stock & Watson 2012; Mertens &
Ravn 2013).
"""

from __future__ import annotations

import numpy as np

from forecast.errors import EstimationError
from forecast.models import _var
from forecast.models.svar._common import PROD, cholesky, sign_filter

KM2012_DYNAMIC_HORIZON = 12
"""Months after impact over which KM2012's dynamic restrictions on a supply disruption hold."""
WEAK_INSTRUMENT_F = 10.0
"""First-stage F below which an instrument is called weak (Staiger & Stock 1997)."""
MIN_INSTRUMENT_MONTHS = 24
"""Fewest months with both a residual and an instrument value that proxy identification uses."""

SHORT_INSTRUMENT = (
    "proxy identification: only {months} months have both a VAR residual and an instrument "
    "value (at least {least} are needed)"
)
NO_RELEVANCE = (
    "proxy identification: the instrument is uncorrelated with the production residual in "
    "this sample; the supply shock is not identified"
)


def km_filter(
    candidates: np.ndarray, bound: float, phis: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Kilian-Murphy (2012) restrictions on candidate impact matrices ``(..., 3, 3)``.

    Impact signs and the supply-elasticity bound (:func:`sign_filter`), and, when ``phis``
    (the reduced-form MA matrices ``Phi_0..Phi_H``, ``(..., H + 1, 3, 3)`` broadcastable
    against the candidates' leading axes with a length-1 axis for the rotations) is given,
    the dynamic restrictions: after a supply *disruption* the cumulated production response
    stays negative, real activity's response negative and the real price's positive at
    every horizon ``0..H``.

    Returns the acceptance mask and the ordered candidates (as :func:`sign_filter`).
    """
    accepted, ordered = sign_filter(candidates, bound)
    if phis is None:
        return accepted, ordered
    disruption = -ordered[..., :, 0]  # the supply column, production falling
    responses = (phis @ disruption[..., None, :, None])[..., 0]  # (..., H + 1, 3)
    production = np.cumsum(responses[..., PROD], axis=-1)
    dynamic = (production < 0) & (responses[..., 1] < 0) & (responses[..., 2] > 0)
    return accepted & dynamic.all(axis=-1), ordered


def reduced_ma(coefs: np.ndarray, horizon: int) -> np.ndarray:
    """``Phi_0..Phi_horizon`` of ``coefs`` ``(..., p, K, K)``."""
    return _var.ma_rep(coefs, horizon)


def first_stage_f(residual: np.ndarray, instrument: np.ndarray) -> float:
    """F statistic of the regression of ``residual`` on a constant and ``instrument``.

    Both ``(n,)`` over the months where the instrument is observed; homoskedastic F (= t^2).
    """
    z = instrument - instrument.mean()
    u = residual - residual.mean()
    szz = float(z @ z)
    if szz == 0.0:
        return 0.0
    slope = float(z @ u) / szz
    fitted = slope * z
    rss = float(((u - fitted) ** 2).sum())
    dof = residual.shape[0] - 2
    if rss == 0.0 or dof <= 0:
        return float("inf")
    return float(slope**2 * szz / (rss / dof))


def proxy_impact(
    residuals: np.ndarray, sigma: np.ndarray, instrument: np.ndarray, signs: np.ndarray
) -> np.ndarray:
    """Impact matrices whose first column is identified by the instrument.

    Parameters
    ----------
    residuals
        ``(..., n, K)`` reduced-form residuals.
    sigma
        ``(..., K, K)`` their covariance.
    instrument
        ``(..., n)``, NaN where the instrument is not observed (those months are left out).
    signs
        Column signs (-1 for the supply column under the disruption convention).

    Returns
    -------
    numpy.ndarray
        ``(..., K, K)``: ``B`` with ``B B' = Σ``. Column 0 is proportional to ``E[u z]``,
        scaled to a one-standard-deviation shock (``b' Σ^{-1} b = 1``) and signed to raise
        production before ``signs`` are applied; columns 1 and 2 are an orthonormal
        completion (the Cholesky factor of ``Σ`` times a fixed rotation): they are not
        identified, only the supply shock is.
    """
    observed = np.isfinite(instrument)
    z = np.where(observed, instrument, 0.0)
    count = observed.sum(axis=-1)
    mean_z = z.sum(axis=-1) / count
    centred = np.where(observed, z - mean_z[..., None], 0.0)
    cov = np.einsum("...t,...tk->...k", centred, residuals) / count[..., None]
    if np.any(np.abs(cov[..., PROD]) < 1e-14):
        raise EstimationError(NO_RELEVANCE)
    relative = cov / cov[..., PROD : PROD + 1]  # production's impact response is 1
    chol = cholesky(sigma)
    q1 = np.linalg.solve(chol, relative[..., None])[..., 0]
    q1 /= np.linalg.norm(q1, axis=-1, keepdims=True)
    k = sigma.shape[-1]
    basis = np.broadcast_to(np.eye(k), (*q1.shape[:-1], k, k)).copy()
    basis[..., :, 0] = q1
    q, r = np.linalg.qr(basis)
    q = q * np.sign(np.einsum("...ii->...i", r))[..., None, :]
    impact: np.ndarray = (chol @ q) * signs
    return impact
