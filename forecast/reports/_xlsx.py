"""The workbook people paste from: one formatted sheet per table and a ``run`` sheet.

Every sheet gets a bold, frozen header row, an autofilter, column widths fitted to the
text, real dates, and number formats by column (US$/bbl with 2 decimals, per cent and
probabilities with 1). Text that looks like a formula stays text.

openpyxl writes the package (workbook, styles, theme, properties) and each sheet's settings
and header row; the rows below the header are written here as worksheet XML, exactly as
openpyxl's write-only mode (with lxml) writes them cell by cell, which took most of the
workbook's time (``tests/unit/test_xlsx.py`` compares every part with that writer's).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from importlib import metadata
from typing import TYPE_CHECKING, Any

import numpy as np
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
    head = frame.head(500)
    return [
        min(60, max(8, max([len(str(column)), *map(len, map(str, head[column].tolist()))]) + 2))
        for column in frame.columns
    ]


def _body_formats(
    frame: pd.DataFrame, column: str, units: list[str] | None = None
) -> list[str | None] | str | None:
    """Return a column's number format: one for every row, one per row, or ``None``.

    ``units`` is the frame's ``unit`` column as text (read from the frame when not given).
    """
    if pd.api.types.is_datetime64_any_dtype(frame[column]):
        return DATETIME_FORMAT if "_at" in str(column) else DATE_FORMAT
    if not pd.api.types.is_float_dtype(frame[column]):
        return None
    if "unit" not in frame.columns:
        return _format_for(str(column), None) or NUMBER_FORMAT
    if units is None:
        units = frame["unit"].astype(str).tolist()
    by_unit = {u: _format_for(str(column), u) or NUMBER_FORMAT for u in dict.fromkeys(units)}
    return [by_unit[unit] for unit in units]


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


def _cell(sheet: Any, value: object, pandas_format: str | None, number_format: str | None) -> Any:
    """Return an openpyxl cell made as ``DataFrame.to_excel`` and the sheet's formats leave it.

    The value is bound first (a date gets openpyxl's default date format), then pandas'
    format and the sheet's format are set; text that looks like a formula is quoted text.
    """
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value)
    if pandas_format:
        cell.number_format = pandas_format
    if number_format:
        cell.number_format = number_format
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


_Kind = tuple[type, str | None, str | None, bool]
"""What decides a cell's style: its value's type, pandas' format, the sheet's, quoted text."""

_INFINITIES = (np.inf, -np.inf)
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
"""Text content as libxml2 escapes it (non-ASCII becomes character references on encoding)."""


class _SheetBody:
    """The rows below a sheet's header as worksheet XML, written as openpyxl writes them.

    openpyxl's write-only mode (with lxml) writes a cell as ``<c r=.. s=.. t=..>`` with an
    inline string, a number formatted ``%.16g``, a boolean, an error code or a date as its
    Excel serial; a cell with a style has its ``s`` index. The workbook's number formats and
    cell styles are lists in order of first use, so they are registered in openpyxl's order:
    number formats as the cells are made (column by column), cell styles as the rows are
    written (row by row), through one openpyxl cell per distinct style.
    """

    def __init__(self, sheet: Any) -> None:
        from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
        from openpyxl.utils.datetime import to_excel

        self.sheet = sheet
        self.epoch = sheet.parent.epoch
        self.to_excel = to_excel
        self.errors = frozenset(ERROR_CODES)
        self.illegal = ILLEGAL_CHARACTERS_RE
        self.cells: dict[_Kind, Any] = {}  # one openpyxl cell per style, made in cell order
        self.texts: dict[str, str] = {}  # a text's cell XML after its coordinate and style
        self.serials: dict[object, str] = {}  # a date's cell XML likewise

    def column(
        self, values: list[object], formats: list[str | None] | str | None
    ) -> tuple[list[str], list[_Kind | None]]:
        """Return one column's cells (the XML after ``r`` and ``s``) and their styles."""
        parts: list[str] = []
        kinds: list[_Kind | None] = []
        column_formats = formats if isinstance(formats, list) else [formats] * len(values)
        value: object
        pandas_format: str | None
        cells = self.cells
        for raw, number_format in zip(values, column_formats, strict=True):
            if type(raw) is float and raw == raw and raw not in _INFINITIES:  # noqa: PLR0124
                # the common case, inline: a finite float is written as it is
                parts.append(' t="n"><v>%.16g</v></c>' % raw)  # noqa: UP031 - openpyxl's format
                if number_format is None:
                    kinds.append(None)
                    continue
                kind: _Kind = (float, None, number_format, False)
                if kind not in cells:
                    cells[kind] = _cell(self.sheet, raw, None, number_format)
                kinds.append(kind)
                continue
            if type(raw) is str:
                value, pandas_format = raw, None
            else:
                value, pandas_format = _excel_value(raw)
            text = isinstance(value, str) and value.startswith(FORMULA_STARTS)
            parts.append(self._xml(value, quoted=text))
            if not (pandas_format or number_format or text):
                kinds.append(None)
                continue
            kind = (type(value), pandas_format, number_format, text)
            if kind not in cells:
                cells[kind] = _cell(self.sheet, value, pandas_format, number_format)
            kinds.append(kind)
        return parts, kinds

    def _xml(self, value: object, *, quoted: bool) -> str:
        """Return a cell's XML after its ``r`` and ``s`` attributes."""
        if isinstance(value, str):
            cached = self.texts.get(value)
            if cached is None:
                cached = self.texts[value] = self._text(value, quoted=quoted)
            return cached
        if isinstance(value, bool):
            return f' t="b"><v>{value:d}</v></c>'
        if isinstance(value, int | float):
            return ' t="n"><v>%.16g</v></c>' % value  # noqa: UP031 - openpyxl's safe_string
        if isinstance(value, dt.date):
            cached = self.serials.get(value)
            if cached is None:
                if getattr(value, "tzinfo", None) is not None:
                    message = (
                        "Excel does not support timezones in datetimes. "
                        "The tzinfo in the datetime/time object must be set to None."
                    )
                    raise TypeError(message)
                serial = self.to_excel(value, self.epoch)
                cached = self.serials[value] = ' t="n"><v>%.16g</v></c>' % serial  # noqa: UP031
            return cached
        raise TypeError(value)  # pragma: no cover - _excel_value returns no other type

    def _text(self, value: str, *, quoted: bool) -> str:
        """Return a text cell's XML: an inline string, an error code, or empty."""
        from openpyxl.utils.exceptions import IllegalCharacterError

        value = value[:32767]
        if self.illegal.search(value):
            message = f"{value} cannot be used in worksheets."
            raise IllegalCharacterError(message)
        if not value:
            return ' t="inlineStr"></c>'
        escaped = value.translate(_ESCAPES)
        # openpyxl types an error code's text as an error (quoted text starts otherwise)
        if value in self.errors and not quoted:
            return f' t="e"><v>{escaped}</v></c>'
        space = ' xml:space="preserve"' if value != value.strip() else ""
        return f' t="inlineStr"><is><t{space}>{escaped}</t></is></c>'

    def rows(self, columns: list[tuple[list[str], list[_Kind | None]]], first: int) -> bytes:
        """Return the rows from row ``first`` on; cell styles registered in row order."""
        from openpyxl.utils import get_column_letter

        letters = [get_column_letter(i) for i in range(1, len(columns) + 1)]
        ids: dict[_Kind, str] = {}
        out: list[str] = []
        count = len(columns[0][0]) if columns else 0
        for row in range(count):
            r = str(first + row)
            out.append(f'<row r="{r}">')
            for letter, (parts, kinds) in zip(letters, columns, strict=True):
                kind = kinds[row]
                if kind is None:
                    out.append(f'<c r="{letter}{r}"{parts[row]}')
                    continue
                style = ids.get(kind)
                if style is None:
                    style = ids[kind] = f' s="{self.cells[kind].style_id}"'
                out.append(f'<c r="{letter}{r}"{style}{parts[row]}')
            out.append("</row>")
        return "".join(out).encode("ascii", "xmlcharrefreplace")


def _write_sheet(book: Any, name: str, frame: pd.DataFrame) -> tuple[Any, bytes]:
    """Append one formatted sheet to the write-only ``book``; return it and its rows' XML.

    Bold frozen header, autofilter, widths, number and date formats by column (per row
    where the sheet has a unit column), and text that looks like a formula kept text.
    openpyxl writes the settings and the header row; the rows below it are returned as
    XML (:class:`_SheetBody`) for :func:`write_workbook` to put in the sheet.
    """
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
    header = [_cell(sheet, *_excel_value(column), None) for column in columns]
    for cell in header:
        cell.font = bold
    body = _SheetBody(sheet)
    timestamps = _dates_to_timestamps(frame)
    units = frame["unit"].astype(str).tolist() if "unit" in frame.columns else None
    cells = [
        body.column(timestamps[column].tolist(), _body_formats(frame, column, units))
        for column in columns
    ]
    sheet.append(header)
    return sheet, body.rows(cells, first=2)


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

    openpyxl (write-only mode) writes the package, each sheet's settings and its header
    row; each sheet's other rows are written as XML here (:class:`_SheetBody`), exactly as
    openpyxl would write those cells, and put in the sheet's part as the package is copied
    to ``path``.
    """
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    bodies = [_write_sheet(book, name, frame) for name, frame in sheets.items()]
    package = io.BytesIO()
    book.save(package)
    rows = {sheet.path.lstrip("/"): body for sheet, body in bodies}
    with (
        zipfile.ZipFile(package) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as target,
    ):
        for info in source.infolist():
            data = source.read(info)
            if info.filename in rows:
                head, end, tail = data.rpartition(b"</sheetData>")
                data = head + rows[info.filename] + end + tail
            copy = zipfile.ZipInfo(info.filename, info.date_time)
            copy.compress_type = info.compress_type
            copy.external_attr = info.external_attr
            target.writestr(copy, data)
    return path
