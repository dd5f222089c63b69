"""The shared VAR kernel (forecast.models._var) and CPI helper (forecast.models._cpi)."""

from __future__ import annotations

import numpy as np
import pytest

from forecast.models import _cpi, _var

K, P, H = 3, 4, 9


@pytest.fixture(scope="module")
def var() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(42)
    coefs = rng.normal(scale=0.15, size=(P, K, K))
    intercept = rng.normal(size=K)
    initial = rng.normal(size=(P, K))
    shocks = rng.normal(size=(5, H, K))
    return coefs, intercept, initial, shocks


def _loop(coefs: np.ndarray, intercept: np.ndarray, initial: np.ndarray, shocks: np.ndarray):
    """The textbook recursion, one step at a time."""
    history = [*initial]
    for t in range(shocks.shape[0]):
        step = intercept + sum(coefs[lag] @ history[-1 - lag] for lag in range(P))
        history.append(step + shocks[t])
    return np.array(history[P:])


@pytest.mark.parametrize("summation", ["blas", "einsum", "regressors"])
def test_every_summation_order_is_the_same_recursion(var, summation: str) -> None:
    coefs, intercept, initial, shocks = var
    out = _var.simulate(coefs, intercept, initial, shocks, summation=summation)  # type: ignore[arg-type]
    assert out.shape == (5, H, K)
    for d in range(5):
        np.testing.assert_allclose(out[d], _loop(coefs, intercept, initial, shocks[d]), atol=1e-12)


@pytest.mark.parametrize("summation", ["blas", "einsum", "regressors"])
def test_out_receives_the_same_path(var, summation: str) -> None:
    coefs, intercept, initial, shocks = var
    path = _var.simulate(coefs, intercept, initial, shocks, summation=summation)  # type: ignore[arg-type]
    whole = np.full((5, P + H, K), np.nan)
    got = _var.simulate(coefs, intercept, initial, shocks, summation=summation, out=whole[:, P:])  # type: ignore[arg-type]
    assert np.shares_memory(got, whole)
    assert np.array_equal(whole[:, P:], path)  # bit for bit
    assert np.isnan(whole[:, :P]).all()


def test_per_draw_coefficients_broadcast(var) -> None:
    coefs, intercept, initial, shocks = var
    many = np.broadcast_to(coefs, (5, *coefs.shape)).copy()
    for summation in ("blas", "regressors"):
        out = _var.simulate(many, intercept, initial, shocks, summation=summation)  # type: ignore[arg-type]
        np.testing.assert_allclose(out, _var.simulate(coefs, intercept, initial, shocks))


def test_lag_matrix_is_the_stacked_lag_block(var) -> None:
    coefs, intercept, initial, _ = var
    zeros = np.zeros((H, K))
    params = np.vstack([intercept, _var.wide_coefs(coefs).T])  # statsmodels layout
    out = _var.simulate(coefs, intercept, initial, zeros, lag_matrix=params[1:])
    np.testing.assert_allclose(out, _var.simulate(coefs, intercept, initial, zeros), atol=1e-12)
    with pytest.raises(ValueError, match="lag_matrix needs"):
        _var.simulate(coefs, intercept, initial, zeros, lag_matrix=params)
    with pytest.raises(ValueError, match="lag_matrix needs"):
        _var.simulate(coefs, intercept, initial, zeros, summation="einsum", lag_matrix=params[1:])


def test_unknown_summation_is_refused(var) -> None:
    coefs, intercept, initial, shocks = var
    with pytest.raises(ValueError, match="summation must be one of"):
        _var.simulate(coefs, intercept, initial, shocks, summation="fast")  # type: ignore[arg-type]


def test_kalman_fill_is_the_shock_fill_given_the_data_through_each_month(var) -> None:
    coefs, intercept, initial, _ = var
    rng = np.random.default_rng(7)
    sigma = np.cov(rng.normal(size=(K, 50))) + np.eye(K) * 0.1
    impact = np.linalg.cholesky(sigma)
    future = _var.simulate(coefs, intercept, initial, rng.normal(size=(6, K)))
    future[2:, 0] = np.nan
    future[4:, 1] = np.nan
    by_kalman, state = _var.kalman_fill(coefs, intercept, sigma, initial, future)
    for row in range(future.shape[0]):  # filtered (Kalman) = smoothed (shocks) at the last row
        through = _var.conditional_fill(coefs, intercept, impact, initial, future[: row + 1])
        np.testing.assert_allclose(by_kalman[row], through[-1], atol=1e-8)
    smoothed = _var.conditional_fill(coefs, intercept, impact, initial, future)
    assert not np.allclose(by_kalman[2:4, 0], smoothed[2:4, 0])  # later data move the smoother
    # The state carried forward is the filtered state vector: the last p months given all data.
    np.testing.assert_allclose(state, smoothed[::-1][:P], atol=1e-8)
    observed = np.isfinite(future)
    np.testing.assert_allclose(by_kalman[observed], future[observed], atol=1e-8)
    empty, unchanged = _var.kalman_fill(coefs, intercept, sigma, initial, np.empty((0, K)))
    assert empty.shape == (0, K)
    np.testing.assert_array_equal(unchanged, initial[::-1])


def test_cpi_holes_are_interpolated_in_logs_and_the_end_nowcast() -> None:
    cpi = np.array([np.nan, 100.0, np.nan, 104.04, 106.1208, np.nan, np.nan])
    logs = _cpi.interpolated_logs(cpi)
    assert np.isnan(logs[0])
    assert np.isnan(logs[-2:]).all()
    assert logs[2] == pytest.approx(np.log(102.0))
    filled, rate = _cpi.nowcast_logs(cpi, 12)
    assert rate == pytest.approx(np.log(1.02))
    np.testing.assert_allclose(np.exp(filled[1:]), 100 * 1.02 ** np.arange(6))
    short, short_rate = _cpi.nowcast_logs(cpi, 1)  # only the last change
    assert short_rate == pytest.approx(np.log(106.1208 / 104.04))
    assert short[-1] == pytest.approx(np.log(106.1208) + 2 * short_rate)


def test_cpi_without_known_values() -> None:
    logs, rate = _cpi.nowcast_logs(np.array([np.nan, 0.0, -1.0]), 12)
    assert np.isnan(logs).all()
    assert rate == 0.0
    one, flat = _cpi.nowcast_logs(np.array([np.nan, 50.0, np.nan]), 12)
    assert flat == 0.0
    np.testing.assert_allclose(one[1:], np.log(50.0))


def test_quaternion_rotations_are_haar_on_so3() -> None:
    rotations = _var.haar_rotations_so3(np.random.default_rng(5), (40_000,))
    eye = np.broadcast_to(np.eye(3), rotations.shape)
    np.testing.assert_allclose(rotations @ np.swapaxes(rotations, -1, -2), eye, atol=1e-12)
    np.testing.assert_allclose(np.linalg.det(rotations), 1.0, atol=1e-12)
    # Haar: the image of a fixed unit vector is uniform on the sphere, so each coordinate is
    # uniform on [-1, 1] (Archimedes), for any fixed vector; and E[R] = 0, E[R_ij^2] = 1/3.
    from scipy import stats

    for vector in (np.array([1.0, 0.0, 0.0]), np.array([1.0, -2.0, 0.5]) / np.sqrt(5.25)):
        image = rotations @ vector
        for axis in range(3):
            assert stats.kstest(image[:, axis], stats.uniform(-1, 2).cdf).pvalue > 0.001
    np.testing.assert_allclose(rotations.mean(axis=0), 0.0, atol=0.02)
    np.testing.assert_allclose((rotations**2).mean(axis=0), 1 / 3, atol=0.01)
    # The rotation of q does not depend on its norm.
    q = np.random.default_rng(6).standard_normal((5, 4))
    np.testing.assert_allclose(
        _var.quaternion_rotations(q), _var.quaternion_rotations(3.5 * q), atol=1e-14
    )


def test_ols_batch_in_chunks_equals_each_draw_alone() -> None:
    rng = np.random.default_rng(3)
    y = rng.standard_normal((_var.OLS_CHUNK + 5, 80, 3)).cumsum(axis=1) * 0.1
    params, sigma = _var.ols_batch(y, 4, 1)
    for i in (0, _var.OLS_CHUNK - 1, _var.OLS_CHUNK, len(y) - 1):
        alone = _var.ols_batch(y[i : i + 1], 4, 1)
        np.testing.assert_array_equal(params[i], alone[0][0])
        np.testing.assert_array_equal(sigma[i], alone[1][0])
