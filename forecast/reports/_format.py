"""Number formatting shared by the report's tables (the template prints strings only)."""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["fmt", "table"]


def fmt(value: float, digits: int = 1, *, sign: bool = False) -> str:
    """Return ``value`` with thousands separators and ``digits`` decimals ("" for NaN)."""
    if pd.isna(value):
        return ""
    return f"{value:+,.{digits}f}" if sign else f"{value:,.{digits}f}"


def table(frame: pd.DataFrame, digits: int = 3) -> dict[str, Any]:
    """Return a frame as ``{"columns": [...], "rows": [[...], ...]}``, numbers formatted."""
    rows = []
    for record in frame.to_dict("records"):
        cells = []
        for value in record.values():
            if isinstance(value, float):
                cells.append(fmt(value, digits))
            else:
                cells.append("" if value is None else str(value))
        rows.append(cells)
    return {"columns": [str(c) for c in frame.columns], "rows": rows}
