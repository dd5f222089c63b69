"""The local store: one DuckDB file holding every series with its vintages.

Two tables:

``vintages``
    One row per series and write: source, origin (file or URL), content hash, time written
    (UTC), the rows in the series as of that vintage, what changed, and library versions.
``observations``
    Only what a vintage changed: a new date, a revised value, or a tombstone for a date the
    source no longer has. Re-importing unchanged data writes nothing, so the file does not
    grow; reading "as of vintage V" takes, per date, the newest row with ``vintage_id <= V``.

Writes happen after validation, in one transaction for a whole batch (a refresh of one
source, or one import): a reader sees the store fully before or fully after it, and a process
killed mid-write leaves the last committed state (DuckDB's write-ahead log rolls back the
rest). If the file did not exist and the write fails, it is removed again.

The path is the ``path`` argument, else ``$FORECAST_STORE``, else
``data/store/forecast.duckdb`` under the working directory.
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import duckdb
import pandas as pd

from forecast import catalog, schemas
from forecast._paths import default_store_path
from forecast._version import __version__
from forecast.errors import StoreError, StoreLockedError

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

__all__ = [
    "SeriesUpdate",
    "Store",
    "WriteMode",
    "WriteReport",
    "resolve_store_path",
]

WriteMode = Literal["replace", "merge"]

SCHEMA_VERSION = "1"
STORE_LOCKED = (
    "store {path} is locked by another forecast process (a refresh or import in progress); "
    "try again when it has finished"
)
STORE_UNREADABLE = "store {path} could not be opened: {reason}"

_DDL = """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS vintages (
    vintage_id BIGINT PRIMARY KEY,
    series_id VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    origin VARCHAR NOT NULL,
    origin_sha256 VARCHAR,
    written_at TIMESTAMP NOT NULL,
    batch_id BIGINT NOT NULL,
    n_rows BIGINT NOT NULL,
    n_added BIGINT NOT NULL,
    n_revised BIGINT NOT NULL,
    n_removed BIGINT NOT NULL,
    first_date DATE,
    last_date DATE,
    forecast_version VARCHAR NOT NULL,
    source_version VARCHAR
);
CREATE TABLE IF NOT EXISTS observations (
    series_id VARCHAR NOT NULL,
    date DATE NOT NULL,
    vintage_id BIGINT NOT NULL,
    value DOUBLE,
    removed BOOLEAN NOT NULL
);
"""

_LATEST_SQL = """
SELECT date, value, removed FROM observations
WHERE series_id = ? AND vintage_id <= ?
QUALIFY row_number() OVER (PARTITION BY date ORDER BY vintage_id DESC) = 1
"""


def resolve_store_path(path: str | os.PathLike[str] | None = None) -> Path:
    """Return the store path: ``path``, else ``$FORECAST_STORE``, else the default."""
    if path is not None:
        return Path(path)
    env = os.environ.get("FORECAST_STORE")
    return Path(env) if env else default_store_path()


@dataclass(frozen=True, slots=True)
class SeriesUpdate:
    """A validated series ready to be written as a new vintage.

    Attributes
    ----------
    series_id
        Catalog id.
    frame
        ``date, value`` frame that passed the series' schema.
    source
        ``csv``, ``fred``, ``eia``, ``yahoo``...
    origin
        Where the data came from: a file path or a URL.
    origin_sha256
        Hash of the raw payload, when there is one.
    mode
        ``replace``: the frame is the whole series (dates it lacks are marked removed).
        ``merge``: the frame updates and extends the series; other dates are kept.
    source_version
        Version of the client library, e.g. ``yfinance 0.2.54``.
    """

    series_id: str
    frame: pd.DataFrame
    source: str
    origin: str
    origin_sha256: str | None = None
    mode: WriteMode = "replace"
    source_version: str | None = None


@dataclass(frozen=True, slots=True)
class WriteReport:
    """What a write did to one series."""

    series_id: str
    status: Literal["written", "unchanged"]
    vintage_id: int | None
    rows: int
    added: int
    revised: int
    removed: int
    first_date: date | None
    last_date: date | None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def describe(self) -> str:
        """One log line: what changed and the span of the series."""
        span = f"{self.first_date}..{self.last_date}" if self.first_date else "empty"
        if self.status == "unchanged":
            return f"{self.series_id}: unchanged ({self.rows} rows, {span}); no new vintage"
        return (
            f"{self.series_id}: vintage {self.vintage_id} written ({self.rows} rows, {span}; "
            f"{self.added} added, {self.revised} revised, {self.removed} removed)"
        )


class Store:
    """A DuckDB file of series vintages.

    Parameters
    ----------
    path
        The DuckDB file; see :func:`resolve_store_path` for the default.
    lock_timeout
        Seconds to wait for another process's write lock before raising
        :class:`~forecast.errors.StoreLockedError`.

    Examples
    --------
    >>> store = Store("/tmp/example.duckdb")  # doctest: +SKIP
    >>> store.read("brent_usd").tail(1)  # doctest: +SKIP
    """

    def __init__(
        self, path: str | os.PathLike[str] | None = None, *, lock_timeout: float = 0
    ) -> None:
        self.path = resolve_store_path(path)
        self.lock_timeout = lock_timeout

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    # -- connections --------------------------------------------------------------------

    @contextlib.contextmanager
    def _connect(self, *, read_only: bool) -> Iterator[duckdb.DuckDBPyConnection]:
        deadline = time.monotonic() + self.lock_timeout
        while True:
            try:
                con = duckdb.connect(str(self.path), read_only=read_only)
                break
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower():
                    raise StoreError(STORE_UNREADABLE.format(path=self.path, reason=exc)) from exc
                if time.monotonic() >= deadline:
                    raise StoreLockedError(STORE_LOCKED.format(path=self.path)) from exc
                time.sleep(0.2)
            except duckdb.Error as exc:
                raise StoreError(STORE_UNREADABLE.format(path=self.path, reason=exc)) from exc
        try:
            yield con
        finally:
            con.close()

    def exists(self) -> bool:
        """Whether the store file exists (an absent store reads as empty)."""
        return self.path.exists()

    def _has_tables(self, con: duckdb.DuckDBPyConnection) -> bool:
        found = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'vintages'"
        ).fetchone()
        return bool(found and found[0])

    # -- writing --------------------------------------------------------------------------

    def write(self, updates: Sequence[SeriesUpdate]) -> list[WriteReport]:
        """Write each update as a new vintage of its series, all in one transaction.

        A series whose data did not change gets no new vintage. Every resulting series is
        validated again against its schema (a ``merge`` could open a gap) before anything is
        written; on any error nothing is written.

        Raises
        ------
        DataValidationError
            If a resulting series fails its schema.
        StoreLockedError
            If another process holds the store.
        StoreError
            If the file cannot be opened or written.
        """
        if not updates:
            return []
        created = not self.path.exists()
        if created:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with self._connect(read_only=False) as con:
                return self._write(con, updates)
        except BaseException:
            if created:
                for leftover in (self.path, self.path.with_name(self.path.name + ".wal")):
                    leftover.unlink(missing_ok=True)
            raise

    def _write(
        self, con: duckdb.DuckDBPyConnection, updates: Sequence[SeriesUpdate]
    ) -> list[WriteReport]:
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(_DDL)
            con.execute(
                "INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT DO NOTHING",
                [SCHEMA_VERSION],
            )
            row = con.execute(
                "SELECT coalesce(max(vintage_id), 0), coalesce(max(batch_id), 0) FROM vintages"
            ).fetchone()
            next_vintage, batch_id = (int(row[0]) + 1, int(row[1]) + 1) if row else (1, 1)
            written_at = datetime.now(UTC).replace(tzinfo=None)
            reports = []
            for update in updates:
                report = self._write_one(con, update, next_vintage, batch_id, written_at)
                if report.status == "written":
                    next_vintage += 1
                reports.append(report)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return reports

    def _write_one(
        self,
        con: duckdb.DuckDBPyConnection,
        update: SeriesUpdate,
        vintage_id: int,
        batch_id: int,
        written_at: datetime,
    ) -> WriteReport:
        current = self._read_latest(con, update.series_id)
        incoming = _as_mapping(update.frame)
        result = dict(current) if update.mode == "merge" else {}
        result.update(incoming)
        added = [d for d in incoming if d not in current]
        revised = [d for d in incoming if d in current and not _same(incoming[d], current[d])]
        removed = [d for d in current if d not in result]
        resulting = _as_frame(result)
        schemas.validate_series(
            resulting,
            update.series_id,
            origin=f"{update.origin} merged with the store's latest vintage",
        )
        first = resulting["date"].iloc[0].date() if len(resulting) else None
        last = resulting["date"].iloc[-1].date() if len(resulting) else None
        if not (added or revised or removed):
            return WriteReport(
                update.series_id, "unchanged", None, rows=len(resulting), added=0, revised=0,
                removed=0, first_date=first, last_date=last,
            )  # fmt: skip
        changes = pd.DataFrame(
            {
                "series_id": update.series_id,
                "date": pd.to_datetime(added + revised + removed),
                "vintage_id": vintage_id,
                "value": [_to_sql(result[d]) for d in added + revised] + [None] * len(removed),
                "removed": [False] * (len(added) + len(revised)) + [True] * len(removed),
            }
        )
        con.register("changes_df", changes)
        try:
            con.execute(
                "INSERT INTO observations SELECT series_id, CAST(date AS DATE), vintage_id, "
                "CAST(value AS DOUBLE), removed FROM changes_df"
            )
        finally:
            con.unregister("changes_df")
        con.execute(
            "INSERT INTO vintages VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                vintage_id, update.series_id, update.source, update.origin,
                update.origin_sha256, written_at, batch_id, len(resulting), len(added),
                len(revised), len(removed), first, last, __version__, update.source_version,
            ],
        )  # fmt: skip
        return WriteReport(
            update.series_id, "written", vintage_id, rows=len(resulting), added=len(added),
            revised=len(revised), removed=len(removed), first_date=first, last_date=last,
        )  # fmt: skip

    # -- reading --------------------------------------------------------------------------

    def _read_latest(
        self, con: duckdb.DuckDBPyConnection, series_id: str, vintage_id: int | None = None
    ) -> dict[pd.Timestamp, float]:
        bound = vintage_id if vintage_id is not None else 2**62
        rows = con.execute(_LATEST_SQL, [series_id, bound]).fetchall()
        return {
            pd.Timestamp(d): (math.nan if v is None else float(v))
            for d, v, gone in rows
            if not gone
        }

    def read(
        self,
        series_id: str,
        *,
        vintage: int | None = None,
        known_at: datetime | None = None,
    ) -> pd.DataFrame | None:
        """Read a series as of a vintage or a time.

        Parameters
        ----------
        series_id
            Catalog id.
        vintage
            Read the series as it stood after this vintage id. Default: the latest.
        known_at
            Read the series as it was known at this time (UTC): the newest vintage written
            at or before it.

        Returns
        -------
        pandas.DataFrame or None
            ``date, value`` frame, or ``None`` if the store has no such series (then).
        """
        catalog.get(series_id)
        meta = self.vintage_info(series_id, vintage=vintage, known_at=known_at)
        if meta is None:
            return None
        with self._connect(read_only=True) as con:
            values = self._read_latest(con, series_id, int(meta["vintage_id"]))
        return _as_frame(values)

    def vintage_info(
        self,
        series_id: str,
        *,
        vintage: int | None = None,
        known_at: datetime | None = None,
    ) -> dict[str, Any] | None:
        """Return the metadata of the vintage that a read with these arguments would use."""
        frame = self.vintages(series_id)
        if vintage is not None:
            frame = frame[frame["vintage_id"] <= vintage]
        if known_at is not None:
            stamp = pd.Timestamp(known_at)
            if stamp.tzinfo is not None:
                stamp = stamp.tz_convert("UTC").tz_localize(None)
            frame = frame[frame["written_at"] <= stamp]
        if frame.empty:
            return None
        return {str(key): value for key, value in frame.iloc[-1].items()}

    def vintages(self, series_id: str | None = None) -> pd.DataFrame:
        """Return the vintage log, oldest first, optionally for one series."""
        columns = [
            "vintage_id", "series_id", "source", "origin", "origin_sha256", "written_at",
            "batch_id", "n_rows", "n_added", "n_revised", "n_removed", "first_date",
            "last_date", "forecast_version", "source_version",
        ]  # fmt: skip
        if not self.exists():
            return pd.DataFrame(columns=columns)
        with self._connect(read_only=True) as con:
            if not self._has_tables(con):
                return pd.DataFrame(columns=columns)
            where, params = ("WHERE series_id = ?", [series_id]) if series_id else ("", [])
            return con.execute(
                f"SELECT {', '.join(columns)} FROM vintages {where} ORDER BY vintage_id", params
            ).df()

    def status(self, *, today: date | None = None) -> pd.DataFrame:
        """One row per stored series: span, rows, latest vintage, source and staleness.

        Parameters
        ----------
        today
            The date staleness is judged against (default: today, UTC).
        """
        log = self.vintages()
        columns = [
            "series_id", "title", "unit", "frequency", "first_date", "last_date", "rows",
            "vintage_id", "vintages", "source", "origin", "written_at", "stale",
        ]  # fmt: skip
        if log.empty:
            return pd.DataFrame(columns=columns)
        today = today or datetime.now(UTC).date()
        rows = []
        for series_id, group in log.groupby("series_id", sort=False):
            latest = group.iloc[-1]
            spec = catalog.CATALOG.get(str(series_id))
            last = pd.Timestamp(latest["last_date"]).date()
            stale = (
                spec is not None
                and (today - _period_end(last, spec.frequency)).days > spec.stale_after_days
            )
            rows.append(
                {
                    "series_id": series_id,
                    "title": spec.title if spec else "",
                    "unit": spec.unit if spec else "",
                    "frequency": spec.frequency if spec else "",
                    "first_date": pd.Timestamp(latest["first_date"]).date(),
                    "last_date": last,
                    "rows": int(latest["n_rows"]),
                    "vintage_id": int(latest["vintage_id"]),
                    "vintages": len(group),
                    "source": latest["source"],
                    "origin": latest["origin"],
                    "written_at": pd.Timestamp(latest["written_at"]).to_pydatetime(),
                    "stale": bool(stale),
                }
            )
        order = {sid: i for i, sid in enumerate(catalog.CATALOG)}
        frame = pd.DataFrame(rows, columns=columns)
        return frame.sort_values(
            "series_id", key=lambda s: s.map(lambda x: order.get(x, len(order)))
        ).reset_index(drop=True)


def _period_end(last: date, frequency: str) -> date:
    """Return the last day a dated observation covers (a month is known once it ends)."""
    stamp = pd.Timestamp(last)
    if frequency == "monthly":
        return (stamp + pd.offsets.MonthEnd(0)).date()
    if frequency == "annual":
        return (stamp + pd.offsets.YearEnd(0)).date()
    return last


def _same(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b


def _to_sql(value: float) -> float | None:
    return None if math.isnan(value) else value


def _as_mapping(frame: pd.DataFrame) -> dict[pd.Timestamp, float]:
    return {
        pd.Timestamp(d): float(v)
        for d, v in zip(frame["date"], frame["value"].astype("float64"), strict=True)
    }


def _as_frame(values: dict[pd.Timestamp, float]) -> pd.DataFrame:
    dates = sorted(values)
    return pd.DataFrame(
        {
            "date": pd.to_datetime(pd.Series(dates, dtype="datetime64[ns]")),
            "value": pd.Series([values[d] for d in dates], dtype="float64"),
        }
    )
