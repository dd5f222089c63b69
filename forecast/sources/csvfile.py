"""Read a series from a CSV file, parse every cell and validate it against the catalog.

The default layout is ``date,value`` (as in the development data); other column names can be
given. Rows are named by their line in the file (the header is line 1), so every error points
at the line to fix. Nothing here touches the store.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from forecast import catalog, schemas
from forecast.errors import DataSourceError, DataValidationError

__all__ = ["MISSING_TOKENS", "ImportedSeries", "parse_series", "read_series_csv"]

MISSING_TOKENS = frozenset({"", ".", "na", "n/a", "nan", "null", "none", "#n/a"})
FILE_UNREADABLE = "{path}: cannot read the file: {reason}"
NOT_TEXT = "{path}: not a UTF-8 text CSV file (undecodable byte at line {line})"
EMPTY_FILE = "{path}: the file is empty"
NOT_CSV = "{path}: not a readable CSV file: {reason}"
MISSING_COLUMN = (
    "{path}: required column {column!r} not found (columns are: {found}); "
    "use --date-col/--value-col to name them"
)
NO_ROWS = "{path}: the file has a header but no observations"


@dataclass(frozen=True, slots=True)
class ImportedSeries:
    """A series read from a file and validated: ready for the store."""

    series_id: str
    frame: pd.DataFrame
    origin: str
    sha256: str


def _refuse(message: str, check: str) -> DataValidationError:
    failures = schemas.failure_frame([{"row": None, "column": None, "check": check, "value": None}])
    return DataValidationError(message, failure_cases=failures)


def _decode(raw: bytes, path: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise _refuse(NOT_TEXT.format(path=path, line=line), "file is UTF-8 text") from exc


def parse_series(
    text: str,
    series_id: str,
    *,
    origin: str,
    date_col: str = "date",
    value_col: str = "value",
) -> pd.DataFrame:
    """Parse CSV text into a validated ``date, value`` frame of ``series_id``.

    Parameters
    ----------
    text
        The CSV text, with a header line.
    series_id
        Catalog id; its schema is applied.
    origin
        Name of the file or URL, for messages.
    date_col, value_col
        The columns holding dates (ISO ``YYYY-MM-DD`` or ``YYYY-MM``) and values.

    Returns
    -------
    pandas.DataFrame
        Validated ``date, value`` frame with a fresh index.

    Raises
    ------
    DataValidationError
        Naming the origin, the lines and the checks that failed.
    """
    catalog.get(series_id)
    if not text.strip():
        raise _refuse(EMPTY_FILE.format(path=origin), "file is not empty")
    try:
        raw = pd.read_csv(
            io.StringIO(text),
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            skipinitialspace=True,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise _refuse(NOT_CSV.format(path=origin, reason=reason), "file is a CSV") from exc
    raw.columns = [str(c).strip() for c in raw.columns]
    for column in (date_col, value_col):
        if column not in raw.columns:
            found = ", ".join(raw.columns) or "none"
            message = MISSING_COLUMN.format(path=origin, column=column, found=found)
            raise _refuse(message, f"required column {column!r} present")
    raw.index = pd.RangeIndex(2, len(raw) + 2)  # line numbers: header is line 1
    raw = raw[[date_col, value_col]].fillna("")
    blank = raw.apply(lambda col: col.str.strip() == "").all(axis=1)
    raw = raw[~blank]
    if raw.empty:
        raise _refuse(NO_ROWS.format(path=origin), "at least one observation")
    frame, failures = _parse_cells(raw[date_col].str.strip(), raw[value_col].str.strip())
    valid = schemas.validate_series(
        frame,
        series_id,
        origin=origin,
        row_label="line",
        extra_failures=failures,
    )
    return valid.reset_index(drop=True)


def _parse_cells(dates: pd.Series, values: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    parsed_dates = pd.to_datetime(dates, format="ISO8601", errors="coerce")
    if getattr(parsed_dates.dt, "tz", None) is not None:
        parsed_dates = parsed_dates.dt.tz_localize(None)
    parsed_dates = parsed_dates.astype("datetime64[ns]")
    missing_value = values.str.lower().isin(MISSING_TOKENS)
    numbers = pd.to_numeric(values.where(~missing_value), errors="coerce").astype("float64")
    failures = []
    for line in dates.index[parsed_dates.isna()]:
        check = "date is present" if dates[line] == "" else "date parses (YYYY-MM-DD)"
        failures.append({"row": line, "column": "date", "check": check, "value": dates[line]})
    failures.extend(
        {"row": line, "column": "value", "check": "value is a number", "value": values[line]}
        for line in values.index[numbers.isna() & ~missing_value]
    )
    frame = pd.DataFrame({"date": parsed_dates, "value": numbers}, index=dates.index)
    return frame, schemas.failure_frame(failures)


def read_series_csv(
    path: str | Path,
    series_id: str,
    *,
    date_col: str = "date",
    value_col: str = "value",
) -> ImportedSeries:
    """Read and validate a CSV file as series ``series_id``.

    Raises
    ------
    DataSourceError
        If the file cannot be read.
    DataValidationError
        If it is not a CSV of valid observations; the message names file, lines and checks.
    """
    path = Path(path)
    origin = str(path.resolve())
    try:
        payload = path.read_bytes()
    except OSError as exc:
        raise DataSourceError(FILE_UNREADABLE.format(path=path, reason=exc.strerror)) from exc
    text = _decode(payload, str(path))
    frame = parse_series(text, series_id, origin=str(path), date_col=date_col, value_col=value_col)
    return ImportedSeries(series_id, frame, origin, hashlib.sha256(payload).hexdigest())
