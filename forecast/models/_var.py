"""Numerical kernels of the oil-market SVAR: batched OLS, moving averages, simulation.

Everything here is plain numpy on arrays whose leading axes (if any) index bootstrap or
simulation draws: ``y`` is ``(..., T, K)``, VAR coefficients are ``(..., p, K, K)`` with
``coefs[..., l, i, j]`` the effect of variable ``j`` at lag ``l + 1`` on variable ``i``, and
OLS parameters are laid out as statsmodels lays them out, ``(..., k_trend + K * p, K)``: the
constant (if any), then lag 1 of every variable, lag 2, ...
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, get_args

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "Summation",
    "coefs_from_params",
    "companion",
    "conditional_fill",
    "haar_rotations",
    "haar_rotations_so3",
    "kalman_fill",
    "lagged",
    "ma_rep",
    "ols",
    "ols_batch",
    "quaternion_rotations",
    "simulate",
    "structural_ma",
    "supply_shocks_for_path",
    "wide_coefs",
]


def lagged(y: np.ndarray, lags: int, k_trend: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the VAR design matrix and left-hand side, ``(..., T - p, m)`` and ``(..., T - p, K)``.

    Row ``t`` of the design is ``[1, y[t+p-1], y[t+p-2], ..., y[t]]`` (the constant only when
    ``k_trend == 1``), so that it explains ``y[t + p]``.
    """
    total = y.shape[-2]
    blocks = [y[..., lags - lag : total - lag, :] for lag in range(1, lags + 1)]
    if k_trend:
        shape = (*y.shape[:-2], total - lags, 1)
        blocks.insert(0, np.ones(shape, dtype=float))
    return np.concatenate(blocks, axis=-1), y[..., lags:, :]


def ols(y: np.ndarray, lags: int, k_trend: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Equation-by-equation OLS of a VAR, as statsmodels computes it.

    Returns ``params`` ``(m, K)``, residuals ``(T - p, K)`` and the residual covariance with
    statsmodels' degrees of freedom, ``resid' resid / (T - p - m)``.
    """
    design, lhs = lagged(y, lags, k_trend)
    params = np.linalg.lstsq(design, lhs, rcond=1e-15)[0]
    resid = lhs - design @ params
    dof = design.shape[0] - design.shape[1]
    sigma = resid.T @ resid / dof
    return params, resid, (sigma + sigma.T) / 2


OLS_CHUNK = 64
"""Draws estimated together by :func:`ols_batch` (its intermediates stay in cache)."""


def ols_batch(y: np.ndarray, lags: int, k_trend: int) -> tuple[np.ndarray, np.ndarray]:
    """OLS of many VARs at once, ``y`` of shape ``(n, T, K)``.

    The draws are estimated ``OLS_CHUNK`` at a time: each draw's numbers do not depend on
    the others, and the per-chunk intermediates (``X'X`` is ``(n, m, m)``, its block-Toeplitz
    part ``n p^2 K^2`` numbers) stay small enough for the cache instead of costing page
    faults and memory traffic.

    Returns ``params`` ``(n, m, K)`` and residual covariances ``(n, K, K)`` (statsmodels'
    degrees of freedom).
    """
    n = y.shape[0]
    if n <= OLS_CHUNK:
        return _ols_chunk(y, lags, k_trend)
    m, k = k_trend + y.shape[-1] * lags, y.shape[-1]
    params, sigma = np.empty((n, m, k)), np.empty((n, k, k))
    for start in range(0, n, OLS_CHUNK):
        part = slice(start, start + OLS_CHUNK)
        params[part], sigma[part] = _ols_chunk(y[part], lags, k_trend)
    return params, sigma


def _ols_chunk(y: np.ndarray, lags: int, k_trend: int) -> tuple[np.ndarray, np.ndarray]:
    """OLS of the VARs ``y`` ``(n, T, K)``, all at once (:func:`ols_batch` does it in chunks).

    The design matrices are never built. ``X'X`` is block-Toeplitz up to its edges: block
    ``(i, i + d)`` is ``M_d`` = ``sum_{t=p}^{T-1} z_t z_{t-d}'`` plus the products that enter
    at the start of its window minus those that leave at the end (at most ``p`` of each), so
    only ``M_0 .. M_p`` (one small batched matmul each) and the edge products are computed:
    ``O(n T K^2 p)`` work instead of ``O(n T K^2 p^2)``. With a constant the data are first
    demeaned (an exact reparametrisation: the slopes do not change and the constant is mapped
    back), and the normal equations are solved in a batch after scaling the regressors to
    unit length (a Jacobi preconditioner).

    Returns ``params`` ``(n, m, K)`` and residual covariances ``(n, K, K)`` (statsmodels'
    degrees of freedom).
    """
    n, total, k = y.shape
    p = lags
    rows = total - p
    m = k_trend + k * p
    shift = y.mean(axis=1, keepdims=True) if k_trend else np.zeros((n, 1, k))
    z = y - shift
    main_t = np.ascontiguousarray(z[:, p:].swapaxes(1, 2))  # (n, K, T - p)
    moments = np.stack([main_t @ z[:, p - d : total - d] for d in range(p + 1)], axis=1)
    # Block (i, j), j >= i, of the lag part of X'X is sum_{t=p}^{T-1} z_{t-i} z_{t-j}'
    # = M_{j-i} + sum_{q<i} w_{i-1-q} w_{j-1-q}' - sum_{q<i} v_{i-1-q} v_{j-1-q}', with
    # w_u = z_{p-1-u} (values entering the window at its start) and v_u = z_{T-1-u} (leaving
    # it at the end): a block-Toeplitz matrix plus L_w L_w' - L_v L_v', L_x[i, q] = x_{i-q}.
    offset = np.arange(p)[:, None] - np.arange(p)[None, :]  # i - q (or j - i)
    lower = (offset >= 0)[None, :, :, None]
    reach = np.clip(offset, 0, None)
    edges = []
    for values in (z[:, p - 1 :: -1], z[:, total - 1 : total - p - 1 : -1]):
        tri = values[:, reach] * lower  # (n, p, p, K): [i, q] -> x_{i-q}
        tri = tri.swapaxes(2, 3).reshape(n, p * k, p)
        edges.append(tri @ tri.swapaxes(-1, -2))
    toeplitz = moments[:, np.abs(offset)]  # (n, p, p, K, K), block (i, j) = M_|j-i|
    below = offset > 0  # j < i: the transpose of M_{i-j}
    toeplitz[:, below] = toeplitz[:, below].swapaxes(-1, -2)
    lag_gram = toeplitz.swapaxes(2, 3).reshape(n, p * k, p * k) + edges[0] - edges[1]
    gram = np.empty((n, m, m))
    gram[:, k_trend:, k_trend:] = lag_gram
    cross = np.empty((n, m, k))
    cross[:, k_trend:, :] = moments[:, 1:].swapaxes(-1, -2).reshape(n, k * p, k)
    if k_trend:
        window = z[:, p:].sum(axis=1)  # (n, K)
        head_level = np.flip(np.cumsum(np.flip(z[:, :p], axis=1), axis=1), axis=1)
        tail_level = np.flip(np.cumsum(np.flip(z[:, total - p :], axis=1), axis=1), axis=1)
        first = np.arange(1, p + 1)
        lagged_sums = window[:, None] + head_level[:, p - first] - tail_level[:, p - first]
        gram[:, 0, 0] = rows
        gram[:, 0, 1:] = lagged_sums.reshape(n, k * p)
        gram[:, 1:, 0] = gram[:, 0, 1:]
        cross[:, 0, :] = window
    scale = np.sqrt(np.einsum("nii->ni", gram))
    scale = np.where(scale > 0, scale, 1.0)
    scaled = gram / (scale[:, :, None] * scale[:, None, :])
    beta = np.linalg.solve(scaled, cross / scale[:, :, None]) / scale[:, :, None]
    resid_ss = moments[:, 0] - cross.swapaxes(-1, -2) @ beta
    sigma = resid_ss / (rows - m)
    if k_trend:  # c = c~ + (I - sum_l A_l) mu, with A_l' the lag blocks of beta
        slopes = beta[:, 1:, :].reshape(n, p, k, k).sum(axis=1)  # (sum_l A_l)'
        mu = shift[:, 0, :]
        beta[:, 0, :] += mu - np.einsum("nj,nji->ni", mu, slopes)
    return beta, (sigma + sigma.swapaxes(-1, -2)) / 2


def coefs_from_params(
    params: np.ndarray, k: int, lags: int, k_trend: int
) -> tuple[np.ndarray, np.ndarray]:
    """Split statsmodels-layout ``params`` into coefficients ``(..., p, K, K)`` and intercepts."""
    lead = params.shape[:-2]
    block = params[..., k_trend:, :].reshape(*lead, lags, k, k)
    coefs = np.ascontiguousarray(block.swapaxes(-1, -2))
    intercept = params[..., 0, :].copy() if k_trend else np.zeros((*lead, k))
    return coefs, intercept


def wide_coefs(coefs: np.ndarray) -> np.ndarray:
    """Return ``[A_1, A_2, ..., A_p]`` side by side, ``(..., K, p K)``."""
    *lead, lags, k, _ = coefs.shape
    return np.ascontiguousarray(np.moveaxis(coefs, -3, -2).reshape(*lead, k, lags * k))


def companion(coefs: np.ndarray) -> np.ndarray:
    """Return the companion matrices ``(..., p K, p K)`` of VAR coefficients."""
    *lead, lags, k, _ = coefs.shape
    out = np.zeros((*lead, lags * k, lags * k))
    out[..., :k, :] = wide_coefs(coefs)
    if lags > 1:
        out[..., k:, : (lags - 1) * k] = np.eye((lags - 1) * k)
    return out


def ma_rep(coefs: np.ndarray, steps: int) -> np.ndarray:
    """Reduced-form moving-average coefficients ``Phi_0 .. Phi_steps``, ``(..., steps + 1, K, K)``.

    ``Phi_0 = I`` and ``Phi_h = sum_{l=1}^{min(h, p)} A_l Phi_{h-l}``; one batched matmul per
    horizon.
    """
    *lead, lags, k, _ = coefs.shape
    wide = wide_coefs(coefs)
    phis = np.zeros((*lead, steps + 1, k, k))
    phis[..., 0, :, :] = np.eye(k)
    for h in range(1, steps + 1):
        used = min(h, lags)
        # Phi_{h-1}, Phi_{h-2}, ..., Phi_{h-used} stacked vertically: (..., used K, K).
        stacked = phis[..., h - 1 : h - used - 1 if h - used - 1 >= 0 else None : -1, :, :]
        stacked = stacked.reshape(*lead, used * k, k)
        phis[..., h, :, :] = wide[..., :, : used * k] @ stacked
    return phis


def structural_ma(coefs: np.ndarray, impact: np.ndarray, steps: int) -> np.ndarray:
    """Structural impulse responses ``Theta_h = Phi_h B``, ``(..., steps + 1, K, K)``.

    ``Theta_h[i, j]`` is the response of variable ``i`` ``h`` months after a one-standard-
    deviation shock ``j``.
    """
    return ma_rep(coefs, steps) @ impact[..., None, :, :]


Summation = Literal["blas", "einsum", "regressors"]
"""How :func:`simulate` sums the lags of one step (the results differ in the last bits).

``"blas"``: ``[y_{t-1}, ..., y_{t-p}] @ [A_1, ..., A_p]'`` (one GEMM or batched matmul), then
``+ (c + e_t)``. ``"einsum"``: ``c + einsum("lij,lj->i", A, y)`` (the SVAR backtest forecast),
then ``+ e_t``. ``"regressors"``: one ``einsum`` over the regressors ``[1, y_{t-1}, ...,
y_{t-p}]`` and the statsmodels-layout parameters (the constant summed first, as the BVAR's
posterior draws do), then ``+ e_t``.
"""


def simulate(
    coefs: np.ndarray,
    intercept: np.ndarray,
    initial: np.ndarray,
    innovations: np.ndarray,
    *,
    summation: Summation = "blas",
    lag_matrix: np.ndarray | None = None,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Run the VAR forward from ``initial`` ``(..., p, K)`` with ``innovations`` ``(..., H, K)``.

    Coefficients and intercepts broadcast against the leading axes (one VAR for every draw,
    or one per draw). Returns the ``H`` new observations, ``(..., H, K)``. ``summation``
    chooses the floating-point order of each step (:data:`Summation`); every choice gives
    the same numbers up to rounding, and each caller keeps the order its outputs were
    recorded with. ``lag_matrix``, with one VAR for every draw and ``"blas"``, is the
    ``(p K, K)`` block ``[A_1, ..., A_p]'`` to multiply by when the caller holds it (the
    rows after the constant of statsmodels-layout parameters): BLAS results depend in the
    last bits on where a matrix lies in memory, so a copy would not reproduce them. ``out``
    (``(..., H, K)``, e.g. a slice of a larger array) receives the path instead of a new array.

    The path is kept in reverse time order, so that the ``p`` lags of every step are one
    contiguous slice (a view); with one VAR for all draws each step is a single GEMM.
    """
    lags, k = coefs.shape[-3], coefs.shape[-1]
    horizon = innovations.shape[-2]
    lead = np.broadcast_shapes(
        initial.shape[:-2], innovations.shape[:-2], coefs.shape[:-3], intercept.shape[:-1]
    )
    wide = wide_coefs(coefs)
    shared = wide.ndim == 2
    wide_t = np.ascontiguousarray(wide.T) if shared else wide
    if lag_matrix is not None:
        if not shared or summation != "blas" or lag_matrix.shape != wide_t.shape:
            raise ValueError("lag_matrix needs one VAR for every draw, 'blas', shape (p K, K)")
        wide_t = lag_matrix
    step_of = _step_function(coefs, intercept, wide, summation, lead)
    size = lags + horizon
    # backwards[..., s, :] is y at time size - 1 - s (time 0 = the oldest initial value).
    backwards = np.empty((*lead, size, k))
    backwards[..., horizon:, :] = np.flip(initial, axis=-2)
    # "blas" adds c + e_t, one step at a time (the same sums as adding c to every e_t first,
    # without an (..., H, K) array of them); the other orders add e_t alone
    constant = np.asarray(intercept) if summation == "blas" else None
    for t in range(horizon):
        at = horizon - 1 - t  # slot of time lags + t; its lags fill slots at + 1 .. at + p
        block = backwards[..., at + 1 : at + 1 + lags, :]
        if step_of is not None:
            step = step_of(block)
        else:
            recent = block.reshape(*lead, lags * k)
            step = recent @ wide_t if shared else (wide @ recent[..., None])[..., 0]
        shock = innovations[..., t, :] if constant is None else constant + innovations[..., t, :]
        backwards[..., at, :] = step + shock
    path = np.flip(backwards[..., :horizon, :], axis=-2)
    if out is None:
        return path.copy()
    out[...] = path
    return out


def _step_function(
    coefs: np.ndarray,
    intercept: np.ndarray,
    wide: np.ndarray,
    summation: Summation,
    lead: tuple[int, ...],
) -> Callable[[np.ndarray], np.ndarray] | None:
    """Return the lag sum of one step for the ``einsum`` orders (``None`` for ``blas``)."""
    if summation == "blas":
        return None
    if summation == "einsum":
        return lambda block: intercept + np.einsum("...lij,...lj->...i", coefs, block)
    if summation != "regressors":
        raise ValueError(f"summation must be one of {get_args(Summation)}, not {summation!r}")
    params = np.ascontiguousarray(  # statsmodels layout, C order (einsum follows strides)
        np.concatenate(
            [np.broadcast_to(intercept, wide.shape[:-1])[..., None, :], wide.swapaxes(-1, -2)],
            axis=-2,
        )
    )
    ones = np.ones((*lead, 1))

    def step(block: np.ndarray) -> np.ndarray:
        regressors = np.concatenate([ones, block.reshape(*lead, -1)], axis=-1)
        summed: np.ndarray = np.einsum("...m,...mk->...k", regressors, params)
        return summed

    return step


def haar_rotations(rng: np.random.Generator, shape: tuple[int, ...], k: int) -> np.ndarray:
    """Draw orthogonal matrices uniformly (Haar), ``(*shape, K, K)``, by QR of Gaussian draws.

    The signs of ``R``'s diagonal are moved into ``Q`` so the draw is uniform (Stewart 1980).
    """
    gauss = rng.standard_normal((*shape, k, k))
    q, r = np.linalg.qr(gauss)
    signs = np.sign(np.einsum("...ii->...i", r))
    signs = np.where(signs == 0, 1.0, signs)
    return q * signs[..., None, :]


def haar_rotations_so3(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Draw rotations of SO(3) uniformly (Haar), ``(*shape, 3, 3)``, from unit quaternions.

    Four standard normals per rotation (drawn as one ``(4, *shape)`` block: component first)
    give a uniform direction on the 3-sphere, i.e. a uniform unit quaternion, whose rotation
    matrix is Haar-distributed on SO(3) (Shoemake 1992). Cheaper than :func:`haar_rotations`'s
    batched QR; the reflections of O(3) are not drawn (every use here normalises the column
    signs, which covers them).
    """
    return quaternion_rotations(np.moveaxis(rng.standard_normal((4, *shape)), 0, -1))


def quaternion_rotations(quaternions: np.ndarray) -> np.ndarray:
    """Rotation matrices ``(..., 3, 3)`` of quaternions ``(..., 4)`` ``(w, x, y, z)`` of any norm.

    The matrix of ``q / |q|``: the unnormalised products divided by ``|q|^2``.
    """
    w, x, y, z = np.moveaxis(quaternions, -1, 0)
    ww, xx, yy, zz = w * w, x * x, y * y, z * z
    xy, xz, yz, wx, wy, wz = x * y, x * z, y * z, w * x, w * y, w * z
    rows = (
        (ww + xx - yy - zz, 2.0 * (xy - wz), 2.0 * (xz + wy)),
        (2.0 * (xy + wz), ww - xx + yy - zz, 2.0 * (yz - wx)),
        (2.0 * (xz - wy), 2.0 * (yz + wx), ww - xx - yy + zz),
    )
    matrix = np.stack([np.stack(row, axis=-1) for row in rows], axis=-2)
    norm2 = ww + xx + yy + zz
    rotations: np.ndarray = matrix / norm2[..., None, None]
    return rotations


def supply_shocks_for_path(theta_own: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Solve ``sum_{j<=h} theta_own[h-j] e_j = target[h]`` for ``e`` by forward substitution.

    ``theta_own`` ``(..., H)`` is the response of the targeted variable to the shock at
    horizons ``0..H-1``; ``target`` ``(H,)`` the wanted deviations. Returns ``e`` ``(..., H)``;
    a zero target gives exactly zero shocks.
    """
    horizon = target.shape[-1]
    lead = theta_own.shape[:-1]
    shocks = np.zeros((*lead, horizon))
    for h in range(horizon):
        past = np.einsum("...j,...j->...", theta_own[..., h:0:-1], shocks[..., :h]) if h else 0.0
        shocks[..., h] = (target[h] - past) / theta_own[..., 0]
    return shocks


def conditional_fill(
    coefs: np.ndarray,
    intercept: np.ndarray,
    impact: np.ndarray,
    initial: np.ndarray,
    future: np.ndarray,
) -> np.ndarray:
    """Fill the NaNs of ``future`` ``(m, K)`` with the forecast conditional on its other values.

    The path after ``initial`` ``(p, K)`` is the unconditional forecast plus
    ``sum_j Theta_{h-j} eps_j``; the structural shocks ``eps`` are the minimum-norm solution of
    the linear constraints that the observed values impose, which is their mean given those
    values when the shocks are standard normal (Waggoner & Zha 1999). Observed values are
    returned unchanged.
    """
    months, k = future.shape
    forecast = simulate(coefs, intercept, initial, np.zeros((months, k)))
    theta = structural_ma(coefs, impact, months - 1)  # (months, K, K)
    # Stacked map from the shocks (months K) to the path (months K): block (h, j) = Theta_{h-j}.
    blocks = np.zeros((months, k, months, k))
    for lag in range(months):
        rows = np.arange(lag, months)
        blocks[rows, :, rows - lag, :] = theta[lag]
    big = blocks.reshape(months * k, months * k)
    observed = ~np.isnan(future).reshape(-1)
    filled = future.copy()
    if not observed.any():
        return forecast
    gap = future.reshape(-1)[observed] - forecast.reshape(-1)[observed]
    shocks = np.linalg.lstsq(big[observed], gap, rcond=None)[0]
    conditional = (forecast.reshape(-1) + big @ shocks).reshape(months, k)
    filled[np.isnan(future)] = conditional[np.isnan(future)]
    return filled


def kalman_fill(
    coefs: np.ndarray,
    intercept: np.ndarray,
    sigma: np.ndarray,
    initial: np.ndarray,
    future: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Fill the NaNs of ``future`` ``(m, K)`` by a Kalman filter on the VAR's companion form.

    Each month is predicted from the state, then updated with its observed values; a
    missing value is filled with its filtered mean, its expectation given the data through
    that month. :func:`conditional_fill` conditions on the whole window instead (a smoother:
    later observations of the other variables move earlier fills), so the two agree only in
    the last month. The BVAR uses this one, and carries its filtered state forward.

    Parameters
    ----------
    coefs, intercept
        VAR coefficients ``(p, K, K)`` and intercepts ``(K,)``.
    sigma
        Reduced-form shock covariance ``(K, K)``.
    initial
        The last ``p`` complete months, oldest first, ``(p, K)``.
    future
        The months after them, NaN where unobserved.

    Returns
    -------
    tuple of numpy.ndarray
        ``future`` with its NaNs filled (observed values are the filtered means, equal to
        them), and the filtered state: the mean of the last ``p`` months given all of
        ``future``, ``(p, K)``, most recent first (as :func:`conditional_fill` gives them).
    """
    p, k = initial.shape
    state = initial[::-1]
    filled = future.copy()
    if future.shape[0] == 0:
        return filled, state
    dim = p * k
    transition = companion(coefs)
    shift = np.zeros(dim)
    shift[:k] = intercept
    shock_cov = np.zeros((dim, dim))
    shock_cov[:k, :k] = sigma
    mean = state.reshape(-1).copy()
    cov = np.zeros((dim, dim))
    for row in range(future.shape[0]):
        mean = shift + transition @ mean
        cov = transition @ cov @ transition.T + shock_cov
        seen = np.flatnonzero(np.isfinite(future[row]))
        if seen.size:
            gain = np.linalg.solve(cov[np.ix_(seen, seen)], cov[seen]).T  # (dim, n_seen)
            mean = mean + gain @ (future[row, seen] - mean[seen])
            cov = cov - gain @ cov[seen]
            cov = (cov + cov.T) / 2
        filled[row] = mean[:k]
    return filled, mean.reshape(p, k)
