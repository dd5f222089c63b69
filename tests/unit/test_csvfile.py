"""Every kind of malformed file the foundation issue lists is refused with a precise message."""

from pathlib import Path

import pandas as pd
import pytest

from forecast.errors import DataSourceError, DataValidationError
from forecast.sources.csvfile import read_series_csv

GOOD = "date,value\n2020-01-01,60.5\n2020-02-01,55.1\n2020-03-01,33.7\n"

# name -> (file content, series, regex the message must match)
MALFORMED: dict[str, tuple[bytes, str, str]] = {
    "duplicate date": (
        b"date,value\n2020-01-01,1\n2020-02-01,2\n2020-02-01,3\n",
        "brent_usd",
        r"line 4, column 'date': failed 'dates unique \(duplicate date\)' \(got 2020-02-01\)",
    ),
    "unsorted dates": (
        b"date,value\n2020-01-01,1\n2020-03-01,2\n2020-02-01,3\n",
        "brent_usd",
        r"line 4, column 'date': failed 'dates sorted ascending'",
    ),
    "non-numeric value": (
        b"date,value\n2020-01-01,1\n2020-02-01,n/a2\n2020-03-01,3\n",
        "brent_usd",
        r"line 3, column 'value': failed 'value is a number' \(got 'n/a2'\)",
    ),
    "empty value in a price series": (
        b"date,value\n2020-01-01,1\n2020-02-01,\n2020-03-01,3\n",
        "brent_usd",
        r"line 3, column 'value': failed 'no empty values'",
    ),
    "absurd price": (
        b"date,value\n2020-01-01,1\n2020-02-01,1000000\n",
        "brent_usd",
        r"line 3, column 'value': failed 'value within plausible range \[-100, 500\] US\$/bbl'",
    ),
    "wrong unit (b/d instead of kb/d)": (
        b"date,value\n2023-01-01,81500000\n2023-02-01,81600000\n",
        "world_crude_production_kbd",
        r"line 2, column 'value': failed 'value within plausible range .* kb/d'",
    ),
    "missing value column": (
        b"date,price\n2020-01-01,1\n",
        "brent_usd",
        r"required column 'value' not found \(columns are: date, price\)",
    ),
    "empty file": (b"", "brent_usd", r"the file is empty"),
    "header only": (b"date,value\n", "brent_usd", r"header but no observations"),
    "impossible date": (
        b"date,value\n2020-01-01,1\n2020-02-30,2\n",
        "brent_usd",
        r"line 3, column 'date': failed 'date parses \(YYYY-MM-DD\)' \(got '2020-02-30'\)",
    ),
    "random bytes": (
        bytes(range(256)) * 3,
        "brent_usd",
        r"not a UTF-8 text CSV file",
    ),
    "missing month in a monthly price series": (
        b"date,value\n2020-01-01,1\n2020-02-01,2\n2020-04-01,4\n",
        "brent_usd",
        r"line 4, column 'date': failed 'no missing month before this date' \(got 2020-04-01\)",
    ),
    "daily dates in a monthly series": (
        b"date,value\n2020-01-01,1\n2020-01-02,2\n",
        "brent_usd",
        r"line 3, column 'date': failed 'dates on the first of the month'",
    ),
    "ragged rows": (
        b'date,value\n2020-01-01,1\n2020-02-01,2,3,4\n"2020-03-01,3\n',
        "brent_usd",
        r"not a readable CSV file",
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_file_is_refused_with_file_line_and_check(tmp_path: Path, case: str) -> None:
    content, series_id, pattern = MALFORMED[case]
    path = tmp_path / "input.csv"
    path.write_bytes(content)
    with pytest.raises(DataValidationError, match=pattern) as info:
        read_series_csv(path, series_id)
    assert "input.csv" in str(info.value), "the message names the file"
    assert info.value.failure_cases is not None
    assert not info.value.failure_cases.empty


def test_a_good_file_parses(tmp_path: Path) -> None:
    path = tmp_path / "good.csv"
    path.write_text(GOOD)
    imported = read_series_csv(path, "brent_usd")
    assert list(imported.frame.columns) == ["date", "value"]
    assert imported.frame["date"].dtype == "datetime64[ns]"
    assert imported.frame["value"].tolist() == [60.5, 55.1, 33.7]
    assert len(imported.sha256) == 64


def test_custom_columns_month_dates_bom_and_trailing_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "custom.csv"
    path.write_bytes("\ufeffmonth,brent,note\n2020-01,60.5,a\n2020-02,55.1,b\n\n\n".encode())
    imported = read_series_csv(path, "brent_usd", date_col="month", value_col="brent")
    assert imported.frame["date"].tolist() == [
        pd.Timestamp("2020-01-01"),
        pd.Timestamp("2020-02-01"),
    ]


def test_fred_missing_marker_is_an_empty_value(tmp_path: Path) -> None:
    path = tmp_path / "cpi.csv"
    path.write_text("date,value\n2025-09-01,324.4\n2025-10-01,.\n2025-11-01,325.0\n")
    frame = read_series_csv(path, "us_cpi").frame
    assert frame["value"].isna().tolist() == [False, True, False]


def test_unparseable_cell_is_reported_once(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("date,value\n2020-01-01,abc\n")
    with pytest.raises(DataValidationError) as info:
        read_series_csv(path, "brent_usd")
    cases = info.value.failure_cases
    assert cases is not None
    assert cases["check"].tolist() == ["value is a number"]


def test_missing_file_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(DataSourceError, match="cannot read the file"):
        read_series_csv(tmp_path / "absent.csv", "brent_usd")
