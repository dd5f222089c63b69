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

SCREEN_TOLERANCE = 1e-9
"""Relative slack of :func:`km_screen`'s comparisons (far above the rounding it covers)."""
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
    return accepted & km_dynamic(ordered, phis), ordered


def km_dynamic(ordered: np.ndarray, phis: np.ndarray) -> np.ndarray:
    """Kilian-Murphy's (2012) dynamic restrictions on ordered impact matrices ``(..., 3, 3)``.

    ``ordered`` as :func:`sign_filter` orders it (supply column with production rising);
    ``phis`` the reduced-form MA matrices ``Phi_0..Phi_H`` broadcastable as in
    :func:`km_filter`. True where, after a supply disruption, cumulated production stays
    negative, real activity's response negative and the real price's positive at every
    horizon ``0..H``.
    """
    disruption = -ordered[..., :, 0]  # the supply column, production falling
    responses = (phis @ disruption[..., None, :, None])[..., 0]  # (..., H + 1, 3)
    production = np.cumsum(responses[..., PROD], axis=-1)
    dynamic = (production < 0) & (responses[..., 1] < 0) & (responses[..., 2] > 0)
    passed: np.ndarray = dynamic.all(axis=-1)
    return passed


def km_admissible(
    quaternions: np.ndarray, chol: np.ndarray, bound: float, phis: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Every candidate of one reduced form that satisfies the Kilian-Murphy impact checks.

    The point fit's identified set, from the sampler of :func:`km_first_admissible`:
    :func:`km_screen` first, the exact checks on its survivors only.

    Parameters
    ----------
    quaternions
        ``(4, r)``: the candidates' quaternions (any norm), candidate ``j`` being
        ``chol @ R(q[:, j])``.
    chol
        ``(3, 3)``: the lower Cholesky factor of the residual covariance.
    bound
        The supply-elasticity bound.
    phis
        ``(H + 1, 3, 3)`` reduced-form MA matrices for the dynamic restrictions, or ``None``.

    Returns
    -------
    tuple of numpy.ndarray
        The candidates that satisfy the impact signs and the elasticity bound, ordered as
        :func:`sign_filter` orders them, in draw order ``(n, 3, 3)``, and which of them also
        satisfy the dynamic restrictions ``(n,)`` (all True without ``phis``): exactly the
        sets :func:`km_filter` accepts among all ``r`` candidates, without and with ``phis``.
    """
    _, cols = km_screen(quaternions[:, None, :], chol[None], bound)
    rotations = _var.quaternion_rotations(quaternions[:, cols].T)
    accepted, ordered = sign_filter(chol @ rotations, bound)
    impact: np.ndarray = ordered[accepted]
    if phis is None:
        return impact, np.ones(impact.shape[0], dtype=bool)
    return impact, km_dynamic(impact, phis)


def km_screen(
    quaternions: np.ndarray, chol: np.ndarray, bound: float
) -> tuple[np.ndarray, np.ndarray]:
    """Cheap necessary condition for the impact signs and the elasticity bound.

    Parameters
    ----------
    quaternions
        ``(4, n, r)``: the candidates' quaternions (any norm, see
        :func:`~forecast.models._var.quaternion_rotations`), ``r`` per Cholesky factor.
    chol
        ``(n, 3, 3)``: lower Cholesky factors; candidate ``(i, j)`` is ``chol[i] @ R(q[:, i, j])``.
    bound
        The supply-elasticity bound.

    Returns
    -------
    tuple of numpy.ndarray
        Row and column indices (row-major order) of the candidates that pass; every
        candidate :func:`sign_filter` accepts is among them. Signs and bound ratios are
        computed from the unnormalised rotation (they are scale-free) and every comparison is
        loosened by ``SCREEN_TOLERANCE`` times its magnitude, so that rounding differences
        with the exact check cannot hide an accepted candidate.
    """
    w, x, y, z = quaternions
    ww, xx, yy, zz = w * w, x * x, y * y, z * z
    norm2 = ww + xx + yy + zz
    # Stage 1, production only: the two demand columns of B = C R have |C[0, 0] R[0, j]| <=
    # bound |C[2] . R[:, j]| <= bound |C[2]| (|R[:, j]| = 1), so two of R's first row's
    # entries are at most rho = bound |C[2]| / C[0, 0] in absolute value.
    rho = abs(bound) * np.sqrt((chol[:, 2] ** 2).sum(axis=-1)) / chol[:, 0, 0]
    limit = (rho * (1.0 + SCREEN_TOLERANCE) + SCREEN_TOLERANCE)[:, None] * norm2
    small = (
        (np.abs(ww + xx - yy - zz) <= limit).view(np.uint8)
        + (np.abs(2.0 * (x * y - w * z)) <= limit).view(np.uint8)
        + (np.abs(2.0 * (x * z + w * y)) <= limit).view(np.uint8)
    )
    rows, cols = np.nonzero(small >= 2)  # the two demand columns
    passed = _screen_signs(quaternions[:, rows, cols], chol[rows], bound)
    return rows[passed], cols[passed]


def _screen_signs(quaternions: np.ndarray, chol: np.ndarray, bound: float) -> np.ndarray:
    """Stage 2 of :func:`km_screen`: every impact sign and the bound, loosened; ``(m,)``."""
    w, x, y, z = quaternions
    ww, xx, yy, zz = w * w, x * x, y * y, z * z
    norm2 = ww + xx + yy + zz
    xy, xz, yz, wx, wy, wz = x * y, x * z, y * z, w * x, w * y, w * z
    columns = (
        (ww + xx - yy - zz, 2.0 * (xy + wz), 2.0 * (xz - wy)),
        (2.0 * (xy - wz), ww - xx + yy - zz, 2.0 * (yz + wx)),
        (2.0 * (xz + wy), 2.0 * (yz - wx), ww - xx - yy + zz),
    )
    c = np.moveaxis(chol, 0, -1)  # (3, 3, m)
    scale = np.sqrt((c**2).sum(axis=(0, 1)))
    slack = SCREEN_TOLERANCE * norm2 * scale
    slack_sign = slack * norm2
    slack_rea = slack_sign * scale
    slack_bound = slack * (1.0 + abs(bound))
    literals = []
    for r0, r1, r2 in columns:
        price = c[2, 0] * r0 + c[2, 1] * r1 + c[2, 2] * r2
        prod_price = r0 * price  # > 0: production rises once the column raises the price
        rea_price = (c[1, 0] * r0 + c[1, 1] * r1) * price
        within = bound * np.abs(price) - c[0, 0] * np.abs(r0) > -slack_bound
        literals.append(
            (
                (prod_price > -slack_sign) & within,  # a demand column's production and bound
                prod_price < slack_sign,  # the supply column's production
                rea_price > -slack_rea,
                rea_price < slack_rea,
            )
        )
    passed = np.zeros(norm2.shape, dtype=bool)
    for supply, one, two in ((0, 1, 2), (1, 0, 2), (2, 0, 1)):
        demand_one, _, up_one, down_one = literals[one]
        demand_two, _, up_two, down_two = literals[two]
        _, supply_down, _, supply_rea_down = literals[supply]
        passed |= (
            supply_down
            & supply_rea_down
            & demand_one
            & demand_two
            & ((up_one & down_two) | (down_one & up_two))
        )
    return passed


def km_first_admissible(
    quaternions: np.ndarray, chol: np.ndarray, bound: float, phis: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """First candidate of each row that satisfies every Kilian-Murphy restriction.

    Parameters
    ----------
    quaternions, chol, bound
        As for :func:`km_screen`.
    phis
        ``(n, H + 1, 3, 3)`` reduced-form MA matrices of each row, or ``None`` (impact only).

    Returns
    -------
    tuple of numpy.ndarray
        The rows with an admissible candidate ``(m,)`` and their first admissible candidate,
        ordered as :func:`sign_filter` orders it ``(m, 3, 3)``: exactly what :func:`km_filter`
        on every ``chol[i] @ R(q[:, i, j])`` would select, computed only for the candidates
        :func:`km_screen` passes.
    """
    rows, cols = km_screen(quaternions, chol, bound)
    rotations = _var.quaternion_rotations(quaternions[:, rows, cols].T)
    accepted, ordered = km_filter(
        chol[rows] @ rotations, bound, None if phis is None else phis[rows]
    )
    found, first = np.unique(rows[accepted], return_index=True)
    chosen: np.ndarray = ordered[accepted][first]
    return found, chosen


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


def proxy_identification(
    residuals: np.ndarray, sigma: np.ndarray, instrument: np.ndarray, signs: np.ndarray
) -> tuple[np.ndarray, float]:
    """Proxy-identified ``B`` and the first-stage F on the months the instrument covers.

    ``residuals`` ``(T - p, K)`` and ``instrument`` ``(T - p,)`` (NaN: not observed); raises
    an :class:`EstimationError` when fewer than :data:`MIN_INSTRUMENT_MONTHS` months have both.
    """
    observed = np.isfinite(instrument)
    months = int(observed.sum())
    if months < MIN_INSTRUMENT_MONTHS:
        raise EstimationError(SHORT_INSTRUMENT.format(months=months, least=MIN_INSTRUMENT_MONTHS))
    impact = proxy_impact(residuals, sigma, instrument, signs)
    return impact, first_stage_f(residuals[observed, 0], instrument[observed])
