"""The workbook people paste from: one formatted sheet per table and a ``run`` sheet.

Every sheet gets a bold, frozen header row, an autofilter, column widths fitted to the
text, real dates, and number formats by column (US$/bbl with 2 decimals, per cent and
probabilities with 1). Text that looks like a formula stays text.
"""

from __future__ import annotations

from importlib import metadata
from typing import TYPE_CHECKING, Any

import pandas as pd

from forecast._version import __version__

if TYPE_CHECKING:
    from pathlib import Path

    from forecast.results import RunResult

__all__ = ["FORMULA_STARTS", "cells_as_text", "run_sheet", "write_workbook"]

FORMULA_STARTS = ("=", "+", "-", "@")
"""A text cell starting with one of these is written as text, never as a formula."""

LIBRARIES = ("numpy", "pandas", "scipy", "statsmodels", "duckdb", "plotnine", "openpyxl")
USD_FORMAT = "#,##0.00"
PCT_FORMAT = "0.0"
SHARE_FORMAT = "0.0%"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
NUMBER_FORMAT = "#,##0.000"


def run_sheet(result: RunResult) -> pd.DataFrame:
    """Return the run's settings, versions and data vintages as ``item, value`` rows."""
    rows: list[tuple[str, str]] = [
        ("as_of", f"{result.as_of:%Y-%m}"),
        ("horizon_months", str(result.horizon)),
        ("seed", str(result.seed)),
        ("draws", str(result.draws)),
        ("models", ", ".join(result.models)),
        ("price_model", str(result.price_model)),
        ("cuba_model", str(result.cuba_model)),
        ("scenarios", ", ".join(result.scenario_ids)),
        ("forecast", __version__),
    ]
    for name in LIBRARIES:
        try:
            rows.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            rows.append((name, "not installed"))
    for row in result.data.to_dict("records"):
        vintage = "" if pd.isna(row["vintage_id"]) else f"vintage {int(row['vintage_id'])}"
        rows.append(
            (
                f"data: {row['series_id']}",
                f"{row['origin']} {vintage}".strip()
                + f", {row['source']}, {row['first_date']:%Y-%m} to {row['last_date']:%Y-%m}",
            )
        )
    return pd.DataFrame(rows, columns=["item", "value"])


def _format_for(column: str, unit: str | None) -> str | None:
    """Return the number format of a column from its name and the sheet's unit."""
    name = column.lower()
    if name == "probability":
        return SHARE_FORMAT
    if "pct" in name:
        return PCT_FORMAT
    if unit == "US$/bbl" and (name.startswith(("level", "diff", "mean", "q"))):
        return USD_FORMAT
    return None


def _dates_to_timestamps(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the frame with datetime columns as naive dates (written as Excel dates)."""
    frame = frame.copy()
    for column in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[column]):
            values = frame[column]
            if getattr(values.dt, "tz", None) is not None:
                values = values.dt.tz_convert("UTC").dt.tz_localize(None)
            frame[column] = values
    return frame


def _style(sheet: Any, frame: pd.DataFrame) -> None:
    """Bold frozen header, autofilter, widths, number and date formats, text kept text."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    for cell in sheet[1]:
        cell.font = bold
    sheet.freeze_panes = "A2"
    if sheet.max_row >= 1 and sheet.max_column >= 1:
        sheet.auto_filter.ref = sheet.dimensions
    units = frame["unit"].astype(str).tolist() if "unit" in frame.columns else None
    for index, column in enumerate(frame.columns, start=1):
        letter = get_column_letter(index)
        texts = [str(column), *(str(v) for v in frame[column].head(500))]
        sheet.column_dimensions[letter].width = min(60, max(8, max(map(len, texts)) + 2))
        is_date = pd.api.types.is_datetime64_any_dtype(frame[column])
        is_number = pd.api.types.is_float_dtype(frame[column])
        for row_index, cell in enumerate(sheet[letter][1:]):
            if is_date:
                cell.number_format = DATETIME_FORMAT if "_at" in str(column) else DATE_FORMAT
            elif is_number:
                unit = units[row_index] if units is not None else None
                cell.number_format = _format_for(str(column), unit) or NUMBER_FORMAT
    cells_as_text(sheet)


def cells_as_text(sheet: Any) -> None:
    """Make every text cell starting with ``=``, ``+``, ``-`` or ``@`` plain, quoted text.

    openpyxl writes a string starting with ``=`` as a live formula; a scenario title such
    as ``=HYPERLINK(...)`` must stay text. Numbers are not touched.
    """
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                cell.data_type = "s"
                cell.quotePrefix = True


def write_workbook(path: Path, sheets: dict[str, pd.DataFrame]) -> Path:
    """Write the frames to one workbook at ``path``, one formatted sheet each (in order)."""
    with pd.ExcelWriter(path, engine="openpyxl") as workbook:
        for name, frame in sheets.items():
            _dates_to_timestamps(frame).to_excel(workbook, sheet_name=name, index=False)
            _style(workbook.sheets[name], frame)
    return path
