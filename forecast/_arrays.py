"""Small array helpers shared by the models and the evaluation code.

Read-only copies (results hand out arrays that callers must not change), the positive-count
check every simulation entry point makes, and square roots of covariance matrices that
tolerate the tiny negative eigenvalues rounding leaves behind.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["BAD_COUNT", "check_count", "frozen", "frozen_numeric", "psd_factor", "psd_sqrt"]

BAD_COUNT = "{name} must be a positive whole number, not {value!r}"


def frozen(array: Any, dtype: Any = float) -> np.ndarray:
    """Return a read-only copy of ``array`` as ``dtype`` (float by default)."""
    out = np.array(array, dtype=dtype)
    out.flags.writeable = False
    return out


def frozen_numeric(array: np.ndarray) -> np.ndarray:
    """Return a read-only copy that keeps a boolean or integer dtype, else float."""
    return frozen(array, array.dtype if array.dtype.kind in "biu" else float)


def check_count(name: str, value: object) -> None:
    """Raise ``ValueError`` unless ``value`` is a positive whole number (bools refused)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(BAD_COUNT.format(name=name, value=value))


def _eigh(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2.0)
    return np.sqrt(np.clip(values, 0.0, None)), vectors


def psd_sqrt(matrix: np.ndarray) -> np.ndarray:
    """Return the symmetric square root ``S`` of a covariance (``S @ S == matrix``)."""
    roots, vectors = _eigh(matrix)
    root: np.ndarray = (vectors * roots) @ vectors.T
    return root


def psd_factor(matrix: np.ndarray) -> np.ndarray:
    """Return the eigen factor ``F = V sqrt(L)`` of a covariance (``F @ F.T == matrix``)."""
    roots, vectors = _eigh(matrix)
    factor: np.ndarray = vectors * roots
    return factor
