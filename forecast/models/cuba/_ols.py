"""Least squares with HC3 and Newey-West covariances, in numpy (no statsmodels import).

The Cuba model's regressions are small (a few dozen years, a handful of regressors), and
importing statsmodels for them cost more than the rest of the model. :func:`ols_robust`
computes what ``sm.OLS(y, x).fit(cov_type="HC3", use_t=True)`` and
``fit(cov_type="HAC", cov_kwds={"maxlags": lags}, use_t=True)`` give, with the same
operations in the same order (the pseudo-inverse from the SVD with statsmodels' cut-off,
the HC3 sandwich on it, the Bartlett-weighted HAC sandwich on ``(X'X)^-1`` without a
small-sample correction), so the numbers are the same to the last bit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forecast.models.cuba._dist import t_sf

__all__ = ["OLSFit", "ols_robust"]

RCOND = 1e-15
"""Singular values below ``RCOND`` times the largest are treated as zero (statsmodels)."""


@dataclass(frozen=True, slots=True)
class OLSFit:
    """An OLS fit with its classical, HC3 and HAC covariances.

    Attributes
    ----------
    params
        ``(k,)`` coefficients.
    normalized_cov_params
        ``(X'X)^-1`` (from the pseudo-inverse); times ``scale`` the classical covariance.
    scale
        Residual variance, ``e'e / df_resid``.
    df_resid
        Observations minus the rank of ``X``.
    cov_hc3, cov_hac
        ``(k, k)``: HC3 and Newey-West (Bartlett) covariances of ``params``.
    pvalues
        ``(k,)``: two-sided t-test p-values with the HC3 standard errors.
    resid
        ``(n,)``: ``y - X params``.
    """

    params: np.ndarray
    normalized_cov_params: np.ndarray
    scale: float
    df_resid: float
    cov_hc3: np.ndarray
    cov_hac: np.ndarray
    pvalues: np.ndarray
    resid: np.ndarray

    def cov_params(self) -> np.ndarray:
        """Return the HC3 covariance of ``params`` (as statsmodels' fit with HC3 does)."""
        return self.cov_hc3


def _pinv(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the pseudo-inverse of ``x`` and its singular values (statsmodels' recipe)."""
    u, s, vt = np.linalg.svd(x.conjugate(), full_matrices=False)
    singular = np.copy(s)
    cutoff = RCOND * np.maximum.reduce(s)
    for i in range(min(u.shape[0], vt.shape[1])):
        s[i] = 1.0 / s[i] if s[i] > cutoff else 0.0
    return np.dot(np.transpose(vt), np.multiply(s[:, np.newaxis], np.transpose(u))), singular


def ols_robust(y: np.ndarray, x: np.ndarray, hac_lags: int) -> OLSFit:
    """Regress ``y`` ``(n,)`` on ``x`` ``(n, k)``: coefficients, HC3 and HAC covariances.

    Parameters
    ----------
    y, x
        The regressand and the regressors (with the constant column, if any).
    hac_lags
        Highest lag of the Newey-West (Bartlett) window.

    Returns
    -------
    OLSFit
        As statsmodels' ``OLS`` with ``cov_type="HC3"`` (and ``"HAC"``), ``use_t=True``.

    Examples
    --------
    >>> x = np.column_stack([np.ones(6), np.arange(6.0)])
    >>> fit = ols_robust(1.0 + 2.0 * np.arange(6.0) + [0.1, -0.1, 0, 0.1, -0.1, 0], x, 1)
    >>> np.round(fit.params, 3)
    array([1.029, 1.989])
    """
    y, x = np.asarray(y, dtype=float), np.asarray(x, dtype=float)
    pinv, singular = _pinv(x)
    normalized = np.dot(pinv, np.transpose(pinv))
    rank = np.linalg.matrix_rank(np.diag(singular))
    params = np.dot(pinv, y)
    resid = y - np.dot(x, params)
    df_resid = float(x.shape[0]) - rank
    scale = float(np.dot(resid, resid) / df_resid)
    leverage = np.einsum("ij,ik,kj->i", x, x, normalized)
    cov_hc3 = np.dot(pinv, ((resid / (1 - leverage)) ** 2)[:, None] * pinv.T)
    scores = x * resid[:, None]
    weights = 1 - np.arange(hac_lags + 1) / (hac_lags + 1.0)
    inner = weights[0] * np.dot(scores.T, scores)
    for lag in range(1, hac_lags + 1):
        product = np.dot(scores[lag:].T, scores[:-lag])
        inner += weights[lag] * (product + product.T)
    cov_hac = np.dot(np.dot(normalized, inner), normalized.T)
    tvalues = params / np.sqrt(np.diag(cov_hc3))
    pvalues = t_sf(np.abs(tvalues), df_resid) * 2
    return OLSFit(
        params=params,
        normalized_cov_params=normalized,
        scale=scale,
        df_resid=df_resid,
        cov_hc3=cov_hc3,
        cov_hac=cov_hac,
        pvalues=np.asarray(pvalues, dtype=float),
        resid=resid,
    )
