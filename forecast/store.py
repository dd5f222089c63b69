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
rest). If the file did not exist and the write fails, it is removed again. :meth:`Store.plan`
reports what a write would do, through the same computation, on a read-only connection.

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
    "WriteStatus",
    "resolve_store_path",
]

WriteMode = Literal["replace", "merge"]
WriteStatus = Literal["written", "planned", "unchanged"]

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

_VINTAGE_COLUMNS = [
    "vintage_id", "series_id", "source", "origin", "origin_sha256", "written_at",
    "batch_id", "n_rows", "n_added", "n_revised", "n_removed", "first_date",
    "last_date", "forecast_version", "source_version",
]  # fmt: skip

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
    """What a write did, or what a plan says a write would do, to one series.

    ``status`` is ``written`` (a new vintage, ``vintage_id``), ``planned`` (from
    :meth:`Store.plan`: a write would add a vintage; ``vintage_id`` is ``None``) or
    ``unchanged`` (no new vintage; the counts are zero).
    """

    series_id: str
    status: WriteStatus
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
        what = (
            "would write a new vintage"
            if self.status == "planned"
            else f"vintage {self.vintage_id} written"
        )
        return (
            f"{self.series_id}: {what} ({self.rows} rows, {span}; "
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

    @contextlib.contextmanager
    def _reader(self) -> Iterator[duckdb.DuckDBPyConnection | None]:
        """Yield a read-only connection, or ``None`` if the store has no tables (yet).

        An absent store reads as empty and is not created.
        """
        if not self.exists():
            yield None
            return
        with self._connect(read_only=True) as con:
            yield con if self._has_tables(con) else None

    def exists(self) -> bool:
        """Whether the store file exists (an absent store reads as empty)."""
        return self.path.exists()

    def _has_tables(self, con: duckdb.DuckDBPyConnection) -> bool:
        found = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'vintages'"
        ).fetchone()
        return bool(found and found[0])

    # -- writing --------------------------------------------------------------------------

    def plan(self, updates: Sequence[SeriesUpdate]) -> list[WriteReport]:
        """Return what :meth:`write` would do with these updates, without writing anything.

        The same computation as :meth:`write`: the same counts, and every resulting series
        validated the same way. Each report's status is ``planned`` where a write would add a
        vintage (``vintage_id`` is ``None``) and ``unchanged`` where it would not. The store
        is opened read-only; an absent store plans every row as added and is not created.

        Raises
        ------
        DataValidationError
            If a resulting series fails its schema (a write would refuse the batch).
        StoreLockedError
            If another process holds the store.
        StoreError
            If the file cannot be opened or read.
        """
        if not updates:
            return []
        with self._reader() as con:
            pending: dict[str, dict[pd.Timestamp, float]] = {}  # earlier updates in the batch
            reports = []
            for update in updates:
                sid = update.series_id
                if sid in pending:
                    current = pending[sid]
                else:
                    current = self._read_latest(con, sid) if con is not None else {}
                change = _diff(current, update)
                pending[sid] = change.result
                reports.append(change.report("planned"))
            return reports

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
        change = _diff(self._read_latest(con, update.series_id), update)
        if not change.changed:
            return change.report("written")  # reports "unchanged"
        dates = change.added + change.revised + change.removed
        kept = change.added + change.revised
        changes = pd.DataFrame(
            {
                "series_id": update.series_id,
                "date": pd.to_datetime(dates),
                "vintage_id": vintage_id,
                "value": [_to_sql(change.result[d]) for d in kept] + [None] * len(change.removed),
                "removed": [False] * len(kept) + [True] * len(change.removed),
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
        report = change.report("written", vintage_id)
        con.execute(
            "INSERT INTO vintages VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                vintage_id, update.series_id, update.source, update.origin,
                update.origin_sha256, written_at, batch_id, report.rows, report.added,
                report.revised, report.removed, report.first_date, report.last_date,
                __version__, update.source_version,
            ],
        )  # fmt: skip
        return report

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

    def read_many(
        self,
        series_ids: Sequence[str],
        *,
        vintage: int | None = None,
        known_at: datetime | None = None,
    ) -> dict[str, tuple[pd.DataFrame, dict[str, Any]] | None]:
        """Read several series, each with its vintage's metadata, in one read-only connection.

        For each id, the same as ``(read(id, ...), vintage_info(id, ...))`` with the same
        ``vintage`` and ``known_at``, but from one consistent state of the store.

        Returns
        -------
        dict
            Series id (in the order given, without repeats) -> ``(frame, vintage info)``, or
            ``None`` if the store has no such series (then).

        Raises
        ------
        UnknownSeriesError
            For an id the catalog does not know.
        """
        ids = list(dict.fromkeys(series_ids))
        for series_id in ids:
            catalog.get(series_id)
        found: dict[str, tuple[pd.DataFrame, dict[str, Any]] | None] = dict.fromkeys(ids)
        with self._reader() as con:
            if con is None or not ids:
                return found
            log = _vintage_log(con, ids)
            for series_id in ids:
                meta = _as_of(log[log["series_id"] == series_id], vintage, known_at)
                if meta is not None:
                    values = self._read_latest(con, series_id, int(meta["vintage_id"]))
                    found[series_id] = (_as_frame(values), meta)
        return found

    def vintage_info(
        self,
        series_id: str,
        *,
        vintage: int | None = None,
        known_at: datetime | None = None,
    ) -> dict[str, Any] | None:
        """Return the metadata of the vintage that a read with these arguments would use."""
        return _as_of(self.vintages(series_id), vintage, known_at)

    def vintages(self, series_id: str | None = None) -> pd.DataFrame:
        """Return the vintage log, oldest first, optionally for one series."""
        with self._reader() as con:
            if con is None:
                return pd.DataFrame(columns=_VINTAGE_COLUMNS)
            return _vintage_log(con, [series_id] if series_id else None)

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


@dataclass(frozen=True, slots=True)
class _Change:
    """What writing one update over a series' latest vintage does."""

    series_id: str
    result: dict[pd.Timestamp, float]
    """The resulting series: date -> value."""
    frame: pd.DataFrame
    """The resulting series as a ``date, value`` frame, validated."""
    added: list[pd.Timestamp]
    revised: list[pd.Timestamp]
    removed: list[pd.Timestamp]

    @property
    def changed(self) -> bool:
        return bool(self.added or self.revised or self.removed)

    def report(
        self, status: Literal["written", "planned"], vintage_id: int | None = None
    ) -> WriteReport:
        """Return the report: with ``status`` if something changed, else ``unchanged``."""
        dates = self.frame["date"]
        first = dates.iloc[0].date() if len(dates) else None
        last = dates.iloc[-1].date() if len(dates) else None
        if not self.changed:
            return WriteReport(
                self.series_id, "unchanged", None, rows=len(dates), added=0, revised=0,
                removed=0, first_date=first, last_date=last,
            )  # fmt: skip
        return WriteReport(
            self.series_id, status, vintage_id, rows=len(dates), added=len(self.added),
            revised=len(self.revised), removed=len(self.removed), first_date=first,
            last_date=last,
        )  # fmt: skip


def _diff(current: dict[pd.Timestamp, float], update: SeriesUpdate) -> _Change:
    """Return what writing ``update`` over ``current`` (its series' latest values) does.

    The one place that decides a write's result, for :meth:`Store.write` and
    :meth:`Store.plan`: ``replace`` makes the frame the whole series, ``merge`` lays it over
    ``current``; the result is validated against the series' schema (a merge can open a gap).

    Raises
    ------
    DataValidationError
        If the resulting series fails its schema.
    """
    incoming = _as_mapping(update.frame)
    result = dict(current) if update.mode == "merge" else {}
    result.update(incoming)
    frame = _as_frame(result)
    schemas.validate_series(
        frame,
        update.series_id,
        origin=f"{update.origin} merged with the store's latest vintage",
    )
    return _Change(
        update.series_id,
        result,
        frame,
        added=[d for d in incoming if d not in current],
        revised=[d for d in incoming if d in current and not _same(incoming[d], current[d])],
        removed=[d for d in current if d not in result],
    )


def _vintage_log(con: duckdb.DuckDBPyConnection, series_ids: list[str] | None) -> pd.DataFrame:
    """Return the vintage log, oldest first, of these series (``None``: of all)."""
    where, params = "", list(series_ids or ())
    if series_ids is not None:
        where = f"WHERE series_id IN ({', '.join('?' * len(series_ids))})"
    return con.execute(
        f"SELECT {', '.join(_VINTAGE_COLUMNS)} FROM vintages {where} ORDER BY vintage_id", params
    ).df()


def _as_of(
    log: pd.DataFrame, vintage: int | None, known_at: datetime | None
) -> dict[str, Any] | None:
    """Return the newest row of one series' vintage log at ``vintage`` and ``known_at``."""
    if vintage is not None:
        log = log[log["vintage_id"] <= vintage]
    if known_at is not None:
        stamp = pd.Timestamp(known_at)
        if stamp.tzinfo is not None:
            stamp = stamp.tz_convert("UTC").tz_localize(None)
        log = log[log["written_at"] <= stamp]
    if log.empty:
        return None
    return {str(key): value for key, value in log.iloc[-1].items()}


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
