"""Recursive-design bootstrap of the SVAR: samples, OLS and identification batched over draws."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, get_args

import numpy as np

from forecast._arrays import check_count, frozen_numeric
from forecast._typing import BootstrapMethod, Identification
from forecast.errors import EstimationError
from forecast.models import _var
from forecast.models.svar._common import (
    NO_ROTATION,
    cholesky,
    disruption_signs,
    sign_filter,
)

if TYPE_CHECKING:
    from forecast.models.svar.estimation import SVARFit

__all__ = ["SVARDraws", "bootstrap_svar"]

_METHODS = get_args(BootstrapMethod)

BAD_METHOD = "method must be one of {known}, not {value!r}"


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class SVARDraws:
    """Bootstrap draws of an SVAR's parameters, one structural model per draw.

    Attributes
    ----------
    coefs
        ``(n, p, K, K)``.
    intercept
        ``(n, K)``.
    sigma
        ``(n, K, K)``.
    impact
        ``(n, K, K)``: each draw's ``B``, identified as the fit was.
    method
        The bootstrap's innovations: ``"residual"``, ``"wild"`` or ``"gaussian"``.
    identification
        As in the fit.
    requested
        Draws asked for; fewer are kept when sign identification finds no rotation for some.
    notes
        What happened (draws dropped).
    """

    coefs: np.ndarray
    intercept: np.ndarray
    sigma: np.ndarray
    impact: np.ndarray
    method: BootstrapMethod
    identification: Identification
    requested: int
    notes: tuple[str, ...] = ()

    def __len__(self) -> int:
        return int(self.coefs.shape[0])

    def irfs(self, horizon: int) -> np.ndarray:
        """Structural impulse responses of every draw, ``(n, horizon + 1, K, K)``."""
        return _var.structural_ma(self.coefs, self.impact, horizon)

    def max_roots(self) -> np.ndarray:
        """``(n,)``: largest companion-root modulus of each draw (>= 1: explosive)."""
        roots: np.ndarray = np.abs(np.linalg.eigvals(_var.companion(self.coefs))).max(axis=-1)
        return roots

    def __repr__(self) -> str:
        return (
            f"SVARDraws(n={len(self)}, method={self.method!r}, "
            f"identification={self.identification!r})"
        )


def bootstrap_svar(
    fit: SVARFit,
    draws: int,
    *,
    rng: np.random.Generator,
    method: BootstrapMethod = "residual",
    rotations: int = 500,
) -> SVARDraws:
    """Draw bootstrap SVARs, all at once: samples, OLS and identification in batched numpy.

    Parameters
    ----------
    fit
        From :func:`fit_svar`.
    draws
        Number of bootstrap samples.
    rng
        The only source of randomness. Numbers taken: ``draws * (T - p)`` integers
        (``"residual"``, ``"wild"``) or ``draws * (T - p) * K`` normals (``"gaussian"``), plus
        ``draws * rotations * K * K`` normals under sign identification.
    method
        ``"residual"``: i.i.d. resampling of the centred, degrees-of-freedom-inflated
        residuals; ``"wild"``: those residuals times a Rademacher sign per month (robust to
        conditional heteroskedasticity, but ``Σ`` hardly varies); ``"gaussian"``:
        ``N(0, Σ)`` innovations (statsmodels' Monte Carlo).
    rotations
        Candidate rotations per draw under sign identification; a draw for which none is
        accepted is dropped (see ``notes``).

    Returns
    -------
    SVARDraws
        Coefficients, covariances and impact matrices of each draw.

    Raises
    ------
    ValueError
        If ``draws``, ``method`` or ``rotations`` is not valid.
    EstimationError
        If a bootstrap covariance is not positive definite, or sign identification keeps
        no draw.

    Examples
    --------
    >>> import numpy as np
    >>> from forecast.models.svar import fit_svar
    >>> y = np.random.default_rng(0).standard_normal((200, 3)).cumsum(axis=0) * 0.1
    >>> boot = bootstrap_svar(fit_svar(y, lags=2), 50, rng=np.random.default_rng(1))
    >>> len(boot), boot.irfs(12).shape
    (50, (50, 13, 3, 3))
    """
    check_count("draws", draws)
    if method not in _METHODS:
        raise ValueError(BAD_METHOD.format(known=", ".join(_METHODS), value=method))
    n, p, k = int(draws), fit.lags, fit.k
    rows = fit.residuals.shape[0]
    resid = fit.residuals * fit.dof_inflation  # innovations' covariance is Sigma
    if method == "residual":
        picks = rng.integers(0, rows, size=(n, rows))
        innovations = (resid - resid.mean(axis=0))[picks]
    elif method == "wild":
        signs = 2.0 * rng.integers(0, 2, size=(n, rows)) - 1.0
        innovations = signs[:, :, None] * resid
    else:
        innovations = rng.standard_normal((n, rows, k)) @ cholesky(fit.sigma).T
    initial = np.broadcast_to(fit.data[:p], (n, p, k))
    samples = np.concatenate(
        [initial, _var.simulate(fit.coefs, fit.intercept, initial, innovations)], axis=1
    )
    params, sigma = _var.ols_batch(samples, p, fit.k_trend)
    coefs, intercept = _var.coefs_from_params(params, k, p, fit.k_trend)
    chol = cholesky(sigma)
    col_signs = disruption_signs(k, fit.supply_disruption)
    notes: list[str] = []
    if fit.identification == "recursive":
        impact = chol * col_signs
    else:
        check_count("rotations", rotations)
        candidates = chol[:, None] @ _var.haar_rotations(rng, (n, int(rotations)), k)
        accepted, ordered = sign_filter(candidates, float(fit.elasticity_bound or 0.0))
        keep = accepted.any(axis=1)
        if not keep.any():
            raise EstimationError(NO_ROTATION.format(tried=rotations, bound=fit.elasticity_bound))
        first = np.argmax(accepted, axis=1)
        impact = ordered[np.arange(n), first][keep] * col_signs
        coefs, intercept, sigma = coefs[keep], intercept[keep], sigma[keep]
        if not keep.all():
            notes.append(
                f"{n - int(keep.sum())} of {n} draws dropped: none of their {rotations} "
                "rotations satisfied the sign restrictions"
            )
    return SVARDraws(
        coefs=frozen_numeric(coefs),
        intercept=frozen_numeric(intercept),
        sigma=frozen_numeric(sigma),
        impact=frozen_numeric(impact),
        method=method,
        identification=fit.identification,
        requested=n,
        notes=tuple(notes),
    )
