import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecast.reports._xlsx import write_workbook


def test_workbook_cells_as_to_excel_and_the_sheet_formats_leave_them(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    frame = pd.DataFrame(
        {
            "title": ['=HYPERLINK("x")', "plain", None],
            "date": pd.to_datetime(["2026-01-01", None, "2026-03-01"]),
            "fetched_at": pd.to_datetime(
                ["2026-01-01 10:30", "2026-01-02 00:00", "2026-01-03 00:00"]
            ),
            "unit": ["US$/bbl", "%", "US$/bbl"],
            "level": [61.5, np.nan, np.inf],
            "count": [1, 2, 3],
        }
    )
    path = write_workbook(tmp_path / "w.xlsx", {"t": frame, "empty": frame.iloc[:0]})
    sheet = openpyxl.load_workbook(path)["t"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:F4"
    assert [c.value for c in sheet[1]] == list(frame.columns)
    assert all(c.font.b for c in sheet[1])
    title = sheet["A2"]
    assert (title.value, title.data_type, title.quotePrefix) == ('=HYPERLINK("x")', "s", True)
    assert sheet["A4"].value is None
    assert sheet["B2"].number_format == "yyyy-mm-dd"
    assert sheet["B3"].value is None
    assert sheet["C2"].number_format == "yyyy-mm-dd hh:mm"
    assert sheet["E2"].number_format == "#,##0.00"
    assert sheet["E3"].number_format == "#,##0.000"  # not US$/bbl: the generic format
    assert sheet["E4"].value == "inf"
    assert (sheet["F2"].value, sheet["F2"].number_format) == (1, "General")
    assert sheet.column_dimensions["A"].width == 17
    empty = openpyxl.load_workbook(path)["empty"]
    assert empty.auto_filter.ref == "A1:F1"


def _reference_cells(sheet: object, values: list[object], formats: object) -> list[object]:
    """One column's cells as the old writer made them: plain values, else styled cells."""
    from openpyxl.cell import WriteOnlyCell

    from forecast.reports._xlsx import FORMULA_STARTS, _excel_value

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


def _reference_workbook(path: Path, sheets: dict[str, pd.DataFrame]) -> None:
    """Write the workbook cell by cell through openpyxl's write-only mode (the old writer)."""
    from openpyxl import Workbook
    from openpyxl.cell import Cell, WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from forecast.reports._xlsx import _body_formats, _dates_to_timestamps

    book = Workbook(write_only=True)
    for name, frame in sheets.items():
        sheet = book.create_sheet(name)
        columns = list(frame.columns)
        for index, column in enumerate(columns, start=1):
            texts = [str(column), *(str(v) for v in frame[column].head(500))]
            width = min(60, max(8, max(map(len, texts)) + 2))
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = "A2"
        last = get_column_letter(max(len(columns), 1))
        sheet.auto_filter.ref = f"A1:{last}{len(frame) + 1 if columns else 1}"
        header = [
            c if isinstance(c, Cell) else WriteOnlyCell(sheet, c)
            for c in _reference_cells(sheet, columns, None)
        ]
        for cell in header:
            cell.font = Font(bold=True)
        sheet.append(header)
        timestamps = _dates_to_timestamps(frame)
        body = [
            _reference_cells(sheet, timestamps[c].tolist(), _body_formats(frame, c))
            for c in columns
        ]
        for row in zip(*body, strict=True):
            sheet.append(list(row))
    book.save(path)


def _parts(path: Path) -> dict[str, bytes]:
    import zipfile

    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _tricky() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "text": [
                '=HYPERLINK("x")',
                "plain",
                None,
                "#N/A",
                " lead",
                "trail\t",
                "a&b<c>d\"e'",
                "K\u00e4nzig \u201cq\u201d \U0001f600",
                "line\r\nbreak",
                "-neg",
                "+p",
                "@a",
                "=",
                "",
                "#DIV/0!",
                "x" * 40000,
            ],
            "date": pd.to_datetime(["2026-01-01", None, "2026-03-01"] + ["1900-01-15"] * 13),
            "fetched_at": pd.to_datetime(["2026-01-01 10:30:15.5"] * 16, utc=True),
            "unit": ["US$/bbl", "%", "US$/bbl", None] * 4,
            "level": [
                61.5,
                np.nan,
                np.inf,
                -np.inf,
                1e-300,
                1e300,
                -0.0,
                0.1 + 0.2,
                1 / 3,
                5e-324,
                2.5,
                3.0,
                123456789.123456789,
                -7.25,
                1e16,
                12345678901234567.0,
            ],
            "count": list(range(16)),
            "big": [2**62] * 16,
            "flag": [True, False] * 8,
            "mixed": [
                1,
                2.5,
                "s",
                True,
                pd.Timestamp("2020-01-01"),
                None,
                np.nan,
                pd.NaT,
                np.float32(1.1),
                np.int64(7),
                pd.Timedelta("1D 2h"),
                dt.date(2020, 5, 1),
                "-x",
                np.inf,
                b"by",
                3 + 0j,
            ],
            "pct_change": np.linspace(-1, 1, 16),
            "probability": np.linspace(0, 1, 16),
            "cat": pd.Categorical(["a", "b"] * 8),
            "nullable": pd.array([1, None] * 8, dtype="Int64"),
            "=header": [pd.Timestamp("2021-01-01 12:00")] * 16,
        }
    )


def test_workbook_parts_equal_openpyxls_cell_by_cell_writer(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    if not openpyxl.LXML:
        pytest.skip("the rows are written as openpyxl writes them with lxml")
    frame = _tricky()
    sheets = {
        "t": frame,
        "reversed": frame.iloc[::-1],
        "empty": frame.iloc[:0],
        "no columns": pd.DataFrame(index=[0, 1]),
        "numbers": pd.DataFrame({"a": [1, 2], 5: [2.0, np.nan], "unit": ["kb/d", "US$/bbl"]}),
    }
    write_workbook(tmp_path / "new.xlsx", sheets)
    _reference_workbook(tmp_path / "old.xlsx", sheets)
    new, old = _parts(tmp_path / "new.xlsx"), _parts(tmp_path / "old.xlsx")
    assert list(new) == list(old)
    for name in old:
        if name != "docProps/core.xml":  # creation and modification times
            assert new[name] == old[name], name


def test_workbook_refuses_characters_excel_cannot_hold(tmp_path: Path) -> None:
    from openpyxl.utils.exceptions import IllegalCharacterError

    frame = pd.DataFrame({"text": ["fine", "bell\x07"]})
    with pytest.raises(IllegalCharacterError, match="bell"):
        write_workbook(tmp_path / "w.xlsx", {"t": frame})
