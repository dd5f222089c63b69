"""The attributes every adapter has, with empty defaults."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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
