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
