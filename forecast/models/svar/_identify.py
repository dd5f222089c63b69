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
SQUARE_LIMIT = 0.5
"""``rho`` from which :func:`km_region` no longer restricts the rotations.

Its six squares are disjoint for ``rho < 1/sqrt 3`` and its ``rate`` is a probability for
``rho`` below about 0.56 (0.68 at 0.5).
"""
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
    quaternions: np.ndarray,
    chol: np.ndarray,
    bound: float,
    *,
    kept: np.ndarray | None = None,
    square: bool = False,
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
    kept
        ``(n, r)``: only these candidates are screened (all when ``None``).
    square
        The candidates come from :func:`square_quaternions` (rows with ``rho <
        SQUARE_LIMIT``): ``R[0, 0] >= h > rho``, so column 0 cannot be a demand shock and
        an admissible candidate has its supply shock there; only that arrangement is
        screened.

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
    if square:
        stage_one = _supply_first(quaternions, norm2, chol)
    else:
        # Stage 1, production only: the two demand columns of B = C R have |C[0, 0] R[0, j]|
        # <= bound |C[2] . R[:, j]| <= bound |C[2]| (|R[:, j]| = 1), so two of R's first
        # row's entries are at most rho = bound |C[2]| / C[0, 0] in absolute value.
        limit = km_demand_limit(chol, bound)[:, None] * norm2
        small = (
            (np.abs(ww + xx - yy - zz) <= limit).view(np.uint8)
            + (np.abs(2.0 * (x * y - w * z)) <= limit).view(np.uint8)
            + (np.abs(2.0 * (x * z + w * y)) <= limit).view(np.uint8)
        )
        stage_one = small >= 2  # the two demand columns
    if kept is not None:
        stage_one &= kept
    rows, cols = np.nonzero(stage_one)
    # Stage 2 on the survivors, each Cholesky entry one contiguous (m,) array.
    entries = chol.reshape(-1, 9).T[:, rows].reshape(3, 3, -1)
    passed = _screen_signs(
        quaternions[:, rows, cols], entries, bound, _SUPPLY_FIRST if square else _ARRANGEMENTS
    )
    return rows[passed], cols[passed]


def _supply_first(quaternions: np.ndarray, norm2: np.ndarray, chol: np.ndarray) -> np.ndarray:
    """Stage 1 of :func:`km_screen` when column 0 is the supply shock; ``(n, r)``.

    The supply column's production and activity responses must have the sign opposite to
    its price response, with :func:`_screen_signs`'s slack.
    """
    w, x, y, z = quaternions
    r0 = 2.0 * (w * w + x * x) - norm2  # column 0 of the unnormalised rotation
    r1, r2 = 2.0 * (x * y + w * z), 2.0 * (x * z - w * y)
    c = chol[..., None]  # (n, 3, 3, 1): broadcast over the candidates
    price = c[:, 2, 0] * r0 + c[:, 2, 1] * r1 + c[:, 2, 2] * r2
    scale = np.sqrt((chol**2).sum(axis=(1, 2)))[:, None]
    slack_sign = SCREEN_TOLERANCE * norm2 * scale * norm2
    passed: np.ndarray = r0 * price < slack_sign
    passed &= (c[:, 1, 0] * r0 + c[:, 1, 1] * r1) * price < slack_sign * scale
    return passed


def km_demand_limit(chol: np.ndarray, bound: float) -> np.ndarray:
    """``(n,)``: ``rho = |bound| |C[2]| / C[0, 0]``, loosened as :func:`km_screen` loosens it.

    A demand column ``j`` of an admissible ``B = C R`` has ``|R[0, j]| <= rho``.
    """
    rho = abs(bound) * np.sqrt((chol[:, 2] ** 2).sum(axis=-1)) / chol[:, 0, 0]
    limit: np.ndarray = rho * (1.0 + SCREEN_TOLERANCE) + SCREEN_TOLERANCE
    return limit


def km_region(chol: np.ndarray, bound: float) -> tuple[np.ndarray, np.ndarray]:
    """Where admissible rotations lie: ``rho`` and the proposal rate of :func:`square_quaternions`.

    An admissible ``R`` has two (demand) entries of its first row ``u`` at most ``rho`` in
    absolute value (:func:`km_demand_limit`), so ``u`` lies in one of six "squares"
    ``{sign * u_s > 0, |u_j| <= rho for j != s}`` of the unit sphere. For ``rho < 1/sqrt 3``
    they are disjoint, and a signed permutation of ``R``'s columns with determinant 1 maps
    any one onto any other, keeping the Haar measure and what :func:`sign_filter` accepts
    and returns (it flips and reorders the columns of ``C R``). So the accepted models of
    Haar rotations in the six squares have the distribution of those in the one square
    around ``e_0``, whose rotations :func:`square_quaternions` draws.

    The Haar density of ``u`` near ``e_0`` in the coordinates ``(u_1, u_2)`` is ``1 / (4 pi
    u_0)`` (the sphere's area ``du_1 du_2 / u_0`` over ``4 pi``), at most ``1 / (4 pi h)``
    on the square, ``h = sqrt(1 - 2 rho^2)`` being ``u_0`` at its corners. A Haar draw
    therefore has the distribution of: with probability ``rate = 6 * 4 rho^2 / (4 pi h)``
    a proposal (a uniform point of the square, a uniform rotation about ``e_0``) that is
    kept with probability ``h / u_0``, else nothing (a rotation outside the squares,
    which no restriction admits). ``n`` Haar draws become ``Binomial(n, rate)`` proposals.

    Parameters
    ----------
    chol
        ``(n, 3, 3)``: lower Cholesky factors.
    bound
        The supply-elasticity bound.

    Returns
    -------
    tuple of numpy.ndarray
        ``rho`` ``(n,)`` and ``rate`` ``(n,)``: 1 where ``rho >= SQUARE_LIMIT`` (no
        restriction: the rotations are drawn from the whole group).
    """
    rho = km_demand_limit(chol, bound)
    square = rho < SQUARE_LIMIT
    rho2 = np.where(square, rho, 0.0) ** 2
    rate: np.ndarray = np.where(square, 6.0 * rho2 / (np.pi * np.sqrt(1.0 - 2.0 * rho2)), 1.0)
    return rho, rate


def square_quaternions(
    rng: np.random.Generator, rho: np.ndarray, rotations: int
) -> tuple[np.ndarray, np.ndarray]:
    """Proposals of :func:`km_region`: quaternions ``(4, n, rotations)`` and which are kept.

    Per proposal three uniforms (``u_1``, ``u_2`` on ``[-rho, rho]``, then the keep draw
    ``V``: kept if ``V u_0 < h``) and two normals ``g`` (the rotation about ``e_0``). With
    ``u_0 = sqrt(1 - u_1^2 - u_2^2)``, ``a = sqrt((1 + u_0) / 2)``, ``b = sqrt((1 - u_0) /
    2)``, ``zeta^2 = (u_2 + i u_1) / |u_2 + i u_1|`` and ``omega = g_0 + i g_1``, the
    quaternion ``(a Re(zeta omega), a Im(zeta omega), b Re(omega conj(zeta)), b Im(omega
    conj(zeta)))`` has a rotation with first row ``(u_0, u_1, u_2)``: for ``(w, x, y, z) =
    (a cos phi, a sin phi, b cos psi, b sin psi)`` the first row is ``(a^2 - b^2, 2ab
    sin(phi - psi), 2ab cos(phi - psi))``; here ``phi - psi`` is the angle of ``zeta^2``
    and ``phi + psi``, twice the angle of ``omega``, is uniform. Changing ``phi + psi``
    multiplies the rotation on the left by a rotation about ``e_0``; given its first row,
    a Haar rotation is uniform over those (the Haar measure is invariant under them, and
    they act freely and transitively on the rotations with that first row), so the
    proposal is a Haar rotation given its first row.

    ``rho`` ``(n,)`` must be below :data:`SQUARE_LIMIT`.
    """
    shape = (rho.shape[0], int(rotations))
    uniform = rng.random((3, *shape))
    g0, g1 = rng.standard_normal((2, *shape))
    half = rho[:, None]
    u1, u2 = half * (2.0 * uniform[0] - 1.0), half * (2.0 * uniform[1] - 1.0)
    s2 = u1 * u1 + u2 * u2
    u0 = np.sqrt(1.0 - s2)
    kept = uniform[2] * u0 < np.sqrt(1.0 - 2.0 * half * half)
    cos = np.clip(u2 / np.maximum(np.sqrt(s2), np.finfo(float).tiny), -1.0, 1.0)
    zr, zi = np.sqrt(0.5 * (1.0 + cos)), np.copysign(np.sqrt(0.5 * (1.0 - cos)), u1)
    a, b = np.sqrt(0.5 * (1.0 + u0)), np.sqrt(0.5 * s2 / (1.0 + u0))
    quaternions = np.empty((4, *shape))
    np.multiply(a, zr * g0 - zi * g1, out=quaternions[0])
    np.multiply(a, zr * g1 + zi * g0, out=quaternions[1])
    np.multiply(b, zr * g0 + zi * g1, out=quaternions[2])
    np.multiply(b, zr * g1 - zi * g0, out=quaternions[3])
    return quaternions, kept


_ARRANGEMENTS = ((0, 1, 2), (1, 0, 2), (2, 0, 1))
"""(supply, demand, demand) columns of a candidate: any column may be the supply shock."""
_SUPPLY_FIRST = ((0, 1, 2),)
"""The only arrangement of a candidate from :func:`square_quaternions`."""


def _screen_signs(
    quaternions: np.ndarray,
    c: np.ndarray,
    bound: float,
    arrangements: tuple[tuple[int, int, int], ...],
) -> np.ndarray:
    """Stage 2 of :func:`km_screen`: every impact sign and the bound, loosened; ``(m,)``.

    ``c`` ``(3, 3, m)``: each candidate's Cholesky factor; ``arrangements`` the (supply,
    demand, demand) column orders that may hold.
    """
    w, x, y, z = quaternions
    ww, xx, yy, zz = w * w, x * x, y * y, z * z
    norm2 = ww + xx + yy + zz
    xy, xz, yz, wx, wy, wz = x * y, x * z, y * z, w * x, w * y, w * z
    columns = (
        (ww + xx - yy - zz, 2.0 * (xy + wz), 2.0 * (xz - wy)),
        (2.0 * (xy - wz), ww - xx + yy - zz, 2.0 * (yz + wx)),
        (2.0 * (xz + wy), 2.0 * (yz - wx), ww - xx - yy + zz),
    )
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
    for supply, one, two in arrangements:
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
    quaternions: np.ndarray,
    chol: np.ndarray,
    bound: float,
    phis: np.ndarray | None,
    *,
    kept: np.ndarray | None = None,
    square: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """First candidate of each row that satisfies every Kilian-Murphy restriction.

    Parameters
    ----------
    quaternions, chol, bound
        As for :func:`km_screen`.
    phis
        ``(n, H + 1, 3, 3)`` reduced-form MA matrices of each row, or ``None`` (impact only).
    kept, square
        As for :func:`km_screen`.

    Returns
    -------
    tuple of numpy.ndarray
        The rows with an admissible candidate ``(m,)`` and their first admissible candidate,
        ordered as :func:`sign_filter` orders it ``(m, 3, 3)``: exactly what :func:`km_filter`
        on every ``chol[i] @ R(q[:, i, j])`` would select, computed only for the candidates
        :func:`km_screen` passes.
    """
    rows, cols = km_screen(quaternions, chol, bound, kept=kept, square=square)
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
