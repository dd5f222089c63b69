"""The attributes every adapter has, with empty defaults."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from forecast.models.protocol import PARAM_COLUMNS, Assumption

if TYPE_CHECKING:
    from collections.abc import Mapping


class AdapterBase:
    """Empty ``notes``, ``tables``, ``params``, ``assumptions`` and ``raw`` to override."""

    name: str = ""
    notes: tuple[str, ...] = ()
    tables: Mapping[str, pd.DataFrame] = {}
    assumptions: tuple[Assumption, ...] = ()
    raw: Mapping[str, Any] = {}

    @property
    def params(self) -> pd.DataFrame:
        """Parameters as ``model, variable, term, estimate, std_err`` (none by default)."""
        return pd.DataFrame({c: pd.Series(dtype=float) for c in PARAM_COLUMNS})


def scaled_baselines(
    baseline: Mapping[str, np.ndarray], effect: np.ndarray
) -> dict[str, np.ndarray]:
    """``{sid: base[None] * effect}`` for ``(draws, horizon)`` baselines and a batch ``effect``.

    For a batch model's ``project_many``: the last product is written into ``effect``
    itself (the same multiplications, one ``(points, draws, horizon)`` array fewer), so
    ``effect`` must be the caller's own.
    """
    last = len(baseline) - 1
    return {
        sid: np.multiply(base[None, :, :], effect, out=effect if i == last else None)
        for i, (sid, base) in enumerate(baseline.items())
    }
