"""Read a series from a CSV file, parse every cell and validate it against the catalog.

The default layout is ``date,value`` (as in the development data); other column names can be
given. Rows are named by their line in the file (the header is line 1), so every error points
at the line to fix. Nothing here touches the store.

Only regular files are read, up to :data:`DEFAULT_MAX_IMPORT_BYTES` (64 MB; set
``$FORECAST_MAX_IMPORT_BYTES`` to change it): a FIFO or a device would hang or never end, and
a huge file would exhaust memory. Quoted cells in messages are shortened.
"""

from __future__ import annotations

import hashlib
import io
import os
import stat
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from forecast import catalog, schemas
from forecast.errors import DataSourceError, DataValidationError

__all__ = [
    "DEFAULT_MAX_IMPORT_BYTES",
    "MISSING_TOKENS",
    "ImportedSeries",
    "max_import_bytes",
    "parse_series",
    "read_series_csv",
]

DEFAULT_MAX_IMPORT_BYTES = 64 * 1024 * 1024
"""Largest file :func:`read_series_csv` reads, unless ``$FORECAST_MAX_IMPORT_BYTES`` says."""
MAX_IMPORT_ENV = "FORECAST_MAX_IMPORT_BYTES"
_MAX_SHOWN = 60  # characters of a cell or column name quoted in a message

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
NOT_REGULAR = "{path}: not a regular file ({kind}); only regular files can be imported"
TOO_LARGE = (
    "{path}: the file has {size:,} bytes, more than the import limit of {limit:,} bytes "
    "(set ${env} to raise it)"
)
BAD_LIMIT = "${env} must be a positive whole number of bytes, got {value!r}"


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


def _shorten(text: str) -> str:
    """Shorten a cell or column name quoted in a message to about 60 characters."""
    if len(text) <= _MAX_SHOWN:
        return text
    return f"{text[:_MAX_SHOWN]}... ({len(text):,} characters)"


def max_import_bytes() -> int:
    """Return the import size limit: ``$FORECAST_MAX_IMPORT_BYTES``, else the default.

    Raises
    ------
    DataSourceError
        If the variable is set but not a positive whole number.
    """
    value = os.environ.get(MAX_IMPORT_ENV, "").strip()
    if not value:
        return DEFAULT_MAX_IMPORT_BYTES
    try:
        limit = int(value)
    except ValueError:
        limit = 0
    if limit <= 0:
        raise DataSourceError(BAD_LIMIT.format(env=MAX_IMPORT_ENV, value=_shorten(value)))
    return limit


def _file_kind(mode: int) -> str:
    kinds = {stat.S_ISDIR: "a directory", stat.S_ISFIFO: "a FIFO", stat.S_ISSOCK: "a socket",
             stat.S_ISCHR: "a character device", stat.S_ISBLK: "a block device"}  # fmt: skip
    return next((name for test, name in kinds.items() if test(mode)), "not a regular file")


def _read_bounded(path: Path) -> bytes:
    """Read a regular file of at most :func:`max_import_bytes` bytes, without blocking.

    Raises
    ------
    DataSourceError
        If the file cannot be opened or read.
    DataValidationError
        If it is not a regular file, or is larger than the limit.
    """
    limit = max_import_bytes()
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO must not block the open
    except OSError as exc:
        raise DataSourceError(FILE_UNREADABLE.format(path=path, reason=exc.strerror)) from exc
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            message = NOT_REGULAR.format(path=path, kind=_file_kind(mode))
            raise _refuse(message, "file is a regular file")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise DataSourceError(FILE_UNREADABLE.format(path=path, reason=exc.strerror)) from exc
    finally:
        os.close(fd)
    if size > limit:
        size = max(size, path.stat().st_size) if path.exists() else size
        message = TOO_LARGE.format(path=path, size=size, limit=limit, env=MAX_IMPORT_ENV)
        raise _refuse(message, f"file is at most {limit} bytes")
    return b"".join(chunks)


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
        message = NOT_CSV.format(path=origin, reason=_shorten(reason))
        raise _refuse(message, "file is a CSV") from exc
    raw.columns = [str(c).strip() for c in raw.columns]
    for column in (date_col, value_col):
        if column not in raw.columns:
            found = ", ".join(_shorten(c) for c in raw.columns[:20]) or "none"
            if len(raw.columns) > 20:
                found += f", ... ({len(raw.columns)} columns)"
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
        failures.append(
            {"row": line, "column": "date", "check": check, "value": _shorten(dates[line])}
        )
    failures.extend(
        {"row": line, "column": "value", "check": "value is a number",
         "value": _shorten(values[line])}
        for line in values.index[numbers.isna() & ~missing_value]
    )  # fmt: skip
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
        If it is not a regular file, is larger than :func:`max_import_bytes`, or is not a
        CSV of valid observations; the message names file, lines and checks.
    """
    path = Path(path)
    origin = str(path.resolve())
    payload = _read_bounded(path)
    text = _decode(payload, str(path))
    frame = parse_series(text, series_id, origin=str(path), date_col=date_col, value_col=value_col)
    return ImportedSeries(series_id, frame, origin, hashlib.sha256(payload).hexdigest())
