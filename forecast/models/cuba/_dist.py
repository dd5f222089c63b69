"""The few normal and Student-t functions the Cuba model needs, from :mod:`scipy.special`.

``scipy.stats`` costs about 0.6 s to import (it loads ``scipy.optimize``, ``scipy.sparse``,
``scipy.spatial`` and ``scipy.linalg``); the Cuba model used it only for a t tail, normal
tails and densities, and a truncated normal quantile. These functions compute exactly what
``scipy.stats`` computes for them (its ``t``, ``norm`` and ``truncnorm`` call the same
``scipy.special`` functions in the same order; checked bit for bit in
``tests/unit/test_cuba_dist.py``), at the import cost of ``scipy.special`` alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float64]

__all__ = ["norm_cdf", "norm_pdf", "norm_sf", "t_sf", "truncnorm_ppf_below"]

_NORM_PDF_C = np.sqrt(2 * np.pi)


def t_sf(x: npt.ArrayLike, df: npt.ArrayLike) -> FloatArray:
    """Return the Student-t survival function, ``scipy.stats.t.sf(x, df)`` (``df > 0``)."""
    from scipy import special

    return np.asarray(special.stdtr(np.asarray(df, dtype=float), -np.asarray(x, dtype=float)))


def norm_cdf(x: float, loc: float = 0.0, scale: float = 1.0) -> float:
    """Return the normal CDF, ``scipy.stats.norm.cdf(x, loc, scale)``."""
    from scipy import special

    return float(special.ndtr(np.asarray((x - loc) / scale, dtype=float)))


def norm_sf(x: float, loc: float = 0.0, scale: float = 1.0) -> float:
    """Return the normal survival function, ``scipy.stats.norm.sf(x, loc, scale)``."""
    from scipy import special

    return float(special.ndtr(-np.asarray((x - loc) / scale, dtype=float)))


def norm_pdf(x: float) -> float:
    """Return the standard normal density, ``scipy.stats.norm.pdf(x)``."""
    z = np.asarray(x, dtype=float)
    return float(np.exp(-(z**2) / 2.0) / _NORM_PDF_C)


def _log_gauss_mass(a: FloatArray, b: FloatArray) -> FloatArray:
    """Return the log standard normal mass in ``[a, b]``, ``a = -inf`` (scipy's recipe)."""
    from scipy import special

    case_left = b <= 0
    case_central = ~case_left  # a = -inf is never > 0, so there is no right case
    out = np.full_like(a, fill_value=np.nan, dtype=np.complex128)
    if a[case_left].size:
        left_a, left_b = a[case_left], b[case_left]
        out[case_left] = special.logsumexp(
            [special.log_ndtr(left_b), special.log_ndtr(left_a) + np.pi * 1j], axis=0
        )
    if a[case_central].size:
        mid_a, mid_b = a[case_central], b[case_central]
        out[case_central] = special.log1p(-special.ndtr(mid_a) - special.ndtr(-mid_b))
    return np.real(out)


def truncnorm_ppf_below(q: FloatArray, upper: float, loc: float, scale: float) -> FloatArray:
    """Return quantiles of a normal truncated to ``<= loc + upper * scale``.

    The same numbers as ``scipy.stats.truncnorm.ppf(q, -inf, upper, loc=loc, scale=scale)``
    for ``q`` in ``(0, 1]`` and ``scale > 0``: the inverse CDF in log space,
    ``ndtri_exp(log(Phi(a) + q (Phi(b) - Phi(a))))`` with ``a = -inf``.
    """
    from scipy import special

    q = np.asarray(q, dtype=float)
    if not scale > 0 or np.isnan(loc):
        return np.full(q.shape, np.nan)
    inside = (q > 0) & (q < 1)
    out = np.full(q.shape, np.nan)
    out[q == 1] = upper * scale + loc
    if np.any(inside):
        qs = q[inside]
        a, b = np.full(qs.shape, -np.inf), np.full(qs.shape, float(upper))
        log_phi = special.logsumexp(
            [special.log_ndtr(a), np.log(qs) + _log_gauss_mass(a, b)], axis=0
        )
        out[inside] = special.ndtri_exp(log_phi) * scale + loc
    return out
