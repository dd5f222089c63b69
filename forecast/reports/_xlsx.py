"""The workbook people paste from: one formatted sheet per table and a ``run`` sheet.

Every sheet gets a bold, frozen header row, an autofilter, column widths fitted to the
text, real dates, and number formats by column (US$/bbl with 2 decimals, per cent and
probabilities with 1). Text that looks like a formula stays text.
"""

from __future__ import annotations

import datetime as dt
from importlib import metadata
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from forecast._version import __version__

if TYPE_CHECKING:
    from collections.abc import Sequence
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
PANDAS_DATETIME = "YYYY-MM-DD HH:MM:SS"
PANDAS_DATE = "YYYY-MM-DD"
"""``DataFrame.to_excel``'s formats of datetimes and dates (a sheet's own formats replace them)."""


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


def _widths(frame: pd.DataFrame) -> list[int]:
    """Return each column's width: its longest text in the first 500 rows, within 8..60."""
    widths = []
    for column in frame.columns:
        texts = [str(column), *(str(v) for v in frame[column].head(500))]
        widths.append(min(60, max(8, max(map(len, texts)) + 2)))
    return widths


def _body_formats(frame: pd.DataFrame, column: str) -> list[str | None] | str | None:
    """Return a column's number format: one for every row, one per row, or ``None``."""
    if pd.api.types.is_datetime64_any_dtype(frame[column]):
        return DATETIME_FORMAT if "_at" in str(column) else DATE_FORMAT
    if not pd.api.types.is_float_dtype(frame[column]):
        return None
    if "unit" not in frame.columns:
        return _format_for(str(column), None) or NUMBER_FORMAT
    by_unit: dict[str, str] = {}
    formats: list[str | None] = []
    for unit in frame["unit"].astype(str).tolist():
        if unit not in by_unit:
            by_unit[unit] = _format_for(str(column), unit) or NUMBER_FORMAT
        formats.append(by_unit[unit])
    return formats


def _excel_value(value: object) -> tuple[object, str | None]:
    """Return a cell's value and pandas' number format for it, as ``DataFrame.to_excel`` does.

    Missing values become empty text, infinities the text ``inf``/``-inf``, numpy scalars
    Python numbers; datetimes and dates keep pandas' default formats (a sheet's own formats
    replace them), time spans are days.
    """
    if pd.api.types.is_scalar(value) and pd.isna(value):  # type: ignore[call-overload]
        return "", None
    converted: object
    if isinstance(value, bool | np.bool_):
        converted = bool(value)
    elif isinstance(value, int | np.integer):
        converted = int(value)
    elif isinstance(value, float | np.floating):
        converted = float(value)
        if np.isinf(converted):
            converted = "inf" if converted > 0 else "-inf"
    elif isinstance(value, dt.date | dt.timedelta):
        return _date_value(value)
    else:
        converted = str(value)
    return converted, None


def _date_value(value: dt.date | dt.timedelta) -> tuple[object, str | None]:
    """Return a datetime, date or time span as ``DataFrame.to_excel`` writes it (with format)."""
    if isinstance(value, dt.datetime):
        return value, PANDAS_DATETIME
    if isinstance(value, dt.date):
        return value, PANDAS_DATE
    return value.total_seconds() / 86400, "0"


def _column_cells(
    sheet: Any, values: Sequence[object], formats: list[str | None] | str | None
) -> list[object]:
    """Return one column's cells: plain values where no style is needed, styled cells else."""
    from openpyxl.cell import WriteOnlyCell

    cells: list[object] = []
    for row, raw in enumerate(values):
        value, pandas_format = _excel_value(raw)
        number_format = formats[row] if isinstance(formats, list) else formats
        text = isinstance(value, str) and value.startswith(FORMULA_STARTS)
        if not (pandas_format or number_format or text):
            cells.append(value)
            continue
        cell = WriteOnlyCell(sheet, value)
        if pandas_format:
            cell.number_format = pandas_format
        if number_format:
            cell.number_format = number_format
        if text:
            cell.data_type = "s"
            cell.quotePrefix = True
        cells.append(cell)
    return cells


def _write_sheet(book: Any, name: str, frame: pd.DataFrame) -> None:
    """Append one formatted sheet to the write-only ``book``, row by row.

    Bold frozen header, autofilter, widths, number and date formats by column (per row
    where the sheet has a unit column), and text that looks like a formula kept text.
    """
    from openpyxl.cell import Cell, WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(name)
    columns = list(frame.columns)
    for index, width in enumerate(_widths(frame), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    last = get_column_letter(max(len(columns), 1))
    sheet.auto_filter.ref = f"A1:{last}{len(frame) + 1 if columns else 1}"
    bold = Font(bold=True)
    header = [
        cell if isinstance(cell, Cell) else WriteOnlyCell(sheet, cell)
        for cell in _column_cells(sheet, columns, None)
    ]
    for cell in header:
        cell.font = bold
    sheet.append(header)
    timestamps = _dates_to_timestamps(frame)
    body = [
        _column_cells(sheet, timestamps[column].tolist(), _body_formats(frame, column))
        for column in columns
    ]
    for row in zip(*body, strict=True):
        sheet.append(list(row))


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
    """Write the frames to one workbook at ``path``, one formatted sheet each (in order).

    The workbook is written in openpyxl's write-only mode, row by row, with every cell's
    value and style decided when it is created (as ``DataFrame.to_excel`` and the sheet's
    formats would leave it), instead of formatting the cells of a finished sheet one by one.
    """
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for name, frame in sheets.items():
        _write_sheet(book, name, frame)
    book.save(path)
    return path
