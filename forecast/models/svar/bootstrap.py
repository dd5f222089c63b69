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
    NO_DRAW_ROTATION,
    cholesky,
    disruption_signs,
)
from forecast.models.svar._identify import km_filter, proxy_impact, reduced_ma

if TYPE_CHECKING:
    from forecast.models.svar.estimation import SVARFit

__all__ = ["SVARDraws", "bootstrap_svar"]

_METHODS = get_args(BootstrapMethod)

BAD_METHOD = "method must be one of {known}, not {value!r}"
PROXY_GAUSSIAN = (
    "proxy identification resamples residuals and instrument together: use the residual or "
    "wild bootstrap, not gaussian"
)
MAX_ROTATIONS = 100_000
"""Default cap on the rotations tried for one bootstrap draw under sign identification."""


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
        Draws asked for (every one is kept: none is dropped).
    notes
        What happened (rotations needed under sign identification).
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
    max_rotations: int = MAX_ROTATIONS,
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
        under sign identification ``rotations * K * K`` normals per draw and batch.
    method
        ``"residual"``: i.i.d. resampling of the centred, degrees-of-freedom-inflated
        residuals; ``"wild"``: those residuals times a Rademacher sign per month (robust to
        conditional heteroskedasticity, but ``Σ`` hardly varies); ``"gaussian"``:
        ``N(0, Σ)`` innovations (statsmodels' Monte Carlo; not with proxy identification).
        Under proxy identification the instrument is resampled with the residuals (the same
        months, or times the same sign: Mertens & Ravn 2013).
    rotations
        Candidate rotations per draw and batch under sign identification: batches are drawn
        for the draws that have no accepted rotation yet, until every draw has one (its
        first accepted rotation is kept). No draw is dropped.
    max_rotations
        Cap on the rotations tried for one draw; reaching it is an error naming the draw.

    Returns
    -------
    SVARDraws
        Coefficients, covariances and impact matrices of each draw (exactly ``draws``).

    Raises
    ------
    ValueError
        If ``draws``, ``method`` or ``rotations`` is not valid.
    EstimationError
        If a bootstrap covariance is not positive definite, or a draw has no admissible
        rotation within ``max_rotations``.

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
    if fit.identification == "proxy" and method == "gaussian":
        raise ValueError(PROXY_GAUSSIAN)
    n, p, k = int(draws), fit.lags, fit.k
    rows = fit.residuals.shape[0]
    resid = fit.residuals * fit.dof_inflation  # innovations' covariance is Sigma
    instrument = fit.instrument
    if method == "residual":
        picks = rng.integers(0, rows, size=(n, rows))
        innovations = (resid - resid.mean(axis=0))[picks]
        if instrument is not None:
            instrument = instrument[picks]
    elif method == "wild":
        signs = 2.0 * rng.integers(0, 2, size=(n, rows)) - 1.0
        innovations = signs[:, :, None] * resid
        if instrument is not None:
            instrument = signs * instrument
    else:
        innovations = rng.standard_normal((n, rows, k)) @ cholesky(fit.sigma).T
    initial = np.broadcast_to(fit.data[:p], (n, p, k))
    samples = np.concatenate(
        [initial, _var.simulate(fit.coefs, fit.intercept, initial, innovations)], axis=1
    )
    params, sigma = _var.ols_batch(samples, p, fit.k_trend)
    coefs, intercept = _var.coefs_from_params(params, k, p, fit.k_trend)
    col_signs = disruption_signs(k, fit.supply_disruption)
    notes: list[str] = []
    if fit.identification == "recursive":
        impact = cholesky(sigma) * col_signs
    elif fit.identification == "sign":
        check_count("rotations", rotations)
        ordered, tried = _sign_draws(fit, coefs, sigma, rng, int(rotations), max_rotations)
        impact = ordered * col_signs
        notes.append(
            f"sign identification: every one of the {n} bootstrap draws has an accepted "
            f"rotation (up to {int(tried.max())} rotations tried for one draw, "
            f"{int(tried.sum())} in all)"
        )
    else:
        design, lhs = _var.lagged(samples, p, fit.k_trend)
        boot_resid = lhs - design @ params
        impact = proxy_impact(boot_resid, sigma, np.asarray(instrument), col_signs)
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


def _sign_draws(
    fit: SVARFit,
    coefs: np.ndarray,
    sigma: np.ndarray,
    rng: np.random.Generator,
    rotations: int,
    max_rotations: int,
) -> tuple[np.ndarray, np.ndarray]:
    """First accepted rotation of each draw, drawn in batches; rotations tried per draw."""
    n, k = sigma.shape[0], sigma.shape[-1]
    chol = cholesky(sigma)
    horizon = fit.dynamic_horizon
    phis = reduced_ma(coefs, horizon) if horizon else None
    bound = float(fit.elasticity_bound or 0.0)
    chosen = np.zeros((n, k, k))
    tried = np.zeros(n, dtype=np.int64)
    pending = np.arange(n)
    while pending.size:
        over = pending[tried[pending] >= max_rotations]
        if over.size:
            raise EstimationError(
                NO_DRAW_ROTATION.format(draw=int(over[0]), tried=int(tried[over[0]]), bound=bound)
            )
        candidates = chol[pending, None] @ _var.haar_rotations(rng, (pending.size, rotations), k)
        batch_phis = None if phis is None else phis[pending, None]
        accepted, ordered = km_filter(candidates, bound, batch_phis)
        tried[pending] += rotations
        found = accepted.any(axis=1)
        first = np.argmax(accepted, axis=1)
        chosen[pending[found]] = ordered[np.flatnonzero(found), first[found]]
        pending = pending[~found]
    return chosen, tried
