import numpy as np
import pytest

from forecast import _arrays


def test_frozen_copies_read_only_as_float() -> None:
    source = np.array([1, 2, 3])
    out = _arrays.frozen(source)
    assert out.dtype == float
    assert not out.flags.writeable
    source[0] = 9
    assert out[0] == 1.0


def test_frozen_numeric_keeps_integer_and_bool() -> None:
    assert _arrays.frozen_numeric(np.array([1, 2])).dtype.kind == "i"
    assert _arrays.frozen_numeric(np.array([True])).dtype == bool
    assert _arrays.frozen_numeric(np.array([1.5])).dtype == float


@pytest.mark.parametrize("value", [0, -1, 1.0, True, "3"])
def test_check_count_refuses(value: object) -> None:
    with pytest.raises(ValueError, match="draws must be a positive whole number"):
        _arrays.check_count("draws", value)


def test_check_count_accepts_numpy_int() -> None:
    _arrays.check_count("draws", np.int64(3))


def test_psd_roots_reproduce_matrix_and_clip_rounding() -> None:
    rng = np.random.default_rng(0)
    a = rng.normal(size=(4, 2))
    cov = a @ a.T  # rank 2: eigenvalues at rounding level may be slightly negative
    root = _arrays.psd_sqrt(cov)
    factor = _arrays.psd_factor(cov)
    np.testing.assert_allclose(root, root.T)
    np.testing.assert_allclose(root @ root, cov, atol=1e-12)
    np.testing.assert_allclose(factor @ factor.T, cov, atol=1e-12)
    assert np.isfinite(root).all()
