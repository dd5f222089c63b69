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
rest). :meth:`Store.plan` reports what a write would do, through the same computation, on a
read-only connection.

A new store is built in a temporary file next to the target and published with a hard link,
which fails if the target exists: the path only ever holds a committed store, and a failed or
losing write removes only its own temporary file, never what another process committed (the
loser writes again, into the store the winner created). A failed commit (disk full) raises
:class:`~forecast.errors.StoreWriteError` naming the reason, and leaves no ``.wal`` behind.
A file that is not a forecast store, or is damaged, raises
:class:`~forecast.errors.StoreFormatError` and is never modified. DuckDB is opened with
extension autoinstall and autoload off.

Every write passes a guard (:data:`MAX_BLANK_SHARE`, :data:`DEFAULT_MAX_REVISION_SHARE`,
per series ``SeriesSpec.max_revision_share``): an update that would blank or revise most of a
stored series is refused with :class:`~forecast.errors.RevisionGuardError` unless
``accept_revisions=True``.

The path is the ``path`` argument, else ``$FORECAST_STORE``, else
``data/store/forecast.duckdb`` under the working directory.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import math
import os
import stat
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import duckdb
import numpy as np
import pandas as pd

from forecast import catalog, schemas
from forecast._paths import default_store_path
from forecast._typing import WriteMode, WriteStatus
from forecast._version import __version__
from forecast.errors import (
    RevisionGuardError,
    StoreError,
    StoreFormatError,
    StoreLockedError,
    StoreWriteError,
)

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

__all__ = [
    "DEFAULT_MAX_REVISION_SHARE",
    "GUARD_MIN_VALUES",
    "MAX_BLANK_SHARE",
    "SeriesUpdate",
    "Store",
    "WriteMode",
    "WriteReport",
    "WriteStatus",
    "resolve_store_path",
]


SCHEMA_VERSION = "1"
STORE_LOCKED = (
    "store {path} is locked by another forecast process (a refresh or import in progress); "
    "try again when it has finished"
)
STORE_UNREADABLE = "store {path} could not be opened: {reason}"
NOT_A_STORE = "{path}: not a forecast store{detail}"
STORE_DAMAGED = "{path}: damaged: {reason}"
WRITE_FAILED = "{path}: could not write the store: {reason}; nothing was written"
TOO_MUCH_CHANGE = (
    "{series_id}: refused: this update would {what} {count} of the {stored} stored values "
    "(limit {limit:.0%}); nothing was written. If the source really changed that much, write "
    "again with accept_revisions=True (the --accept-revisions flag)"
)

MAX_BLANK_SHARE = 0.02
"""Largest share of a series' stored values that one write may turn into missing values."""
DEFAULT_MAX_REVISION_SHARE = 0.25
"""Largest share of a series' stored values that one write may revise, unless the catalog
sets ``max_revision_share`` for the series."""
GUARD_MIN_VALUES = 12
"""A write that blanks or revises this many values or fewer is never refused by the guard."""

_DUCKDB_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}
_DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of every DuckDB database file
_OS_REASONS = tuple(
    os.strerror(code)
    for code in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM,
                 errno.EISDIR, errno.ENOENT, errno.EIO, errno.EFBIG)
)  # fmt: skip
_STORE_TABLES = frozenset({"meta", "vintages", "observations"})

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
_LATEST_KEPT_SQL = f"""
SELECT date, value FROM ({_LATEST_SQL}) WHERE NOT removed ORDER BY date
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

    @property
    def _wal(self) -> Path:
        return self.path.with_name(self.path.name + ".wal")

    def _check_header(self) -> None:
        """Refuse a path that is not a regular DuckDB file, reading only its first bytes."""
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise StoreError(STORE_UNREADABLE.format(path=self.path, reason=reason)) from exc
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise StoreFormatError(
                    NOT_A_STORE.format(path=self.path, detail=" (not a regular file)")
                )
            header = os.read(fd, 12)
        finally:
            os.close(fd)
        if header[8:12] != _DUCKDB_MAGIC:
            detail = " (the file is empty)" if not header else " (not a DuckDB file)"
            raise StoreFormatError(NOT_A_STORE.format(path=self.path, detail=detail))

    @contextlib.contextmanager
    def _connect(self, *, read_only: bool) -> Iterator[duckdb.DuckDBPyConnection]:
        """Open the existing store; a DuckDB error while it is open means it is damaged."""
        self._check_header()
        deadline = time.monotonic() + self.lock_timeout
        while True:
            try:
                con = duckdb.connect(str(self.path), read_only=read_only, config=_DUCKDB_CONFIG)
                break
            except duckdb.IOException as exc:
                if "could not set lock" not in str(exc).lower():
                    raise StoreFormatError(self._damaged(exc)) from exc
                if time.monotonic() >= deadline:
                    raise StoreLockedError(STORE_LOCKED.format(path=self.path)) from exc
                time.sleep(0.2)
            except duckdb.Error as exc:
                raise StoreFormatError(self._damaged(exc)) from exc
        try:
            _check_identity(con, self.path)
            yield con
        except duckdb.Error as exc:
            raise StoreFormatError(self._damaged(exc)) from exc
        finally:
            with contextlib.suppress(duckdb.Error):
                con.close()

    def _damaged(self, exc: BaseException) -> str:
        return STORE_DAMAGED.format(path=self.path, reason=_first_line(exc))

    @contextlib.contextmanager
    def _reader(self) -> Iterator[duckdb.DuckDBPyConnection | None]:
        """Yield a read-only connection, or ``None`` if the store has no tables (yet).

        An absent store reads as empty and is not created; one being created (by another
        process, under :meth:`_creation_lock`) is waited for like a locked store.
        """
        if not self.exists() and self.path.parent.is_dir():
            with self._creation_lock(shared=True):
                pass
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

    def plan(
        self, updates: Sequence[SeriesUpdate], *, accept_revisions: bool = False
    ) -> list[WriteReport]:
        """Return what :meth:`write` would do with these updates, without writing anything.

        The same computation as :meth:`write`: the same counts, the same guard, and every
        resulting series validated the same way. Each report's status is ``planned`` where a
        write would add a vintage (``vintage_id`` is ``None``) and ``unchanged`` where it
        would not. The store is opened read-only; an absent store plans every row as added
        and is not created.

        Parameters
        ----------
        updates
            The series to write, in order.
        accept_revisions
            Let through updates that the guard would refuse (see :meth:`write`).

        Raises
        ------
        DataValidationError
            If a resulting series fails its schema (a write would refuse the batch).
        RevisionGuardError
            If an update would blank or revise too much of a stored series.
        StoreLockedError
            If another process holds the store.
        StoreFormatError
            If the file is not a forecast store, or is damaged.
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
                change = _diff(current, update, accept_revisions=accept_revisions)
                pending[sid] = change.result
                reports.append(change.report("planned"))
            return reports

    def write(
        self, updates: Sequence[SeriesUpdate], *, accept_revisions: bool = False
    ) -> list[WriteReport]:
        """Write each update as a new vintage of its series, all in one transaction.

        A series whose data did not change gets no new vintage. Every resulting series is
        validated again against its schema (a ``merge`` could open a gap) before anything is
        written; on any error nothing is written.

        The guard refuses, per series, an update that would turn more than
        :data:`MAX_BLANK_SHARE` of the stored values into missing values, or revise more than
        the series' ``max_revision_share`` (default :data:`DEFAULT_MAX_REVISION_SHARE`) of
        them; changes to :data:`GUARD_MIN_VALUES` values or fewer always pass.

        Parameters
        ----------
        updates
            The series to write, in order.
        accept_revisions
            Write updates that the guard would refuse (a source that really did revise its
            whole history). The schema checks still apply.

        Raises
        ------
        DataValidationError
            If a resulting series fails its schema.
        RevisionGuardError
            If an update would blank or revise too much of a stored series.
        StoreLockedError
            If another process holds the store.
        StoreFormatError
            If the file is not a forecast store, or is damaged (it is not modified).
        StoreWriteError
            If the write could not be committed (e.g. the disk is full).
        StoreError
            If the file cannot be opened.
        """
        if not updates:
            return []
        if not self.path.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._creation_lock():
                if not self.path.exists():  # decided under the lock
                    created = self._create(updates, accept_revisions=accept_revisions)
                    if created is not None:
                        return created
            # another process created the store first: write into it as usual
        with self._connect(read_only=False) as con:
            wal_before = self._wal.exists()  # under the write lock
            try:
                return self._write(con, updates, accept_revisions=accept_revisions)
            except BaseException:
                if not wal_before:  # any WAL now is this failed write's own
                    with contextlib.suppress(OSError):
                        self._wal.unlink(missing_ok=True)
                raise

    @contextlib.contextmanager
    def _creation_lock(self, *, shared: bool = False) -> Iterator[None]:
        """Hold an exclusive lock on the store's folder while a new store is created.

        Only creators take it, so a second writer of a store being created waits (up to
        ``lock_timeout``) as it would for a store's own lock; a reader of an absent store
        takes it ``shared`` for an instant, to wait for a creation in progress. Writers of an
        existing store do not need it: the path only appears once the new store is committed.
        """
        if sys.platform == "win32":  # no flock; the hard link alone keeps creation safe
            yield
            return
        import fcntl

        fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            deadline = time.monotonic() + self.lock_timeout
            while True:
                try:
                    fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
                    break
                except BlockingIOError as exc:
                    if time.monotonic() >= deadline:
                        raise StoreLockedError(STORE_LOCKED.format(path=self.path)) from exc
                    time.sleep(0.05)
            yield
        finally:
            os.close(fd)  # releases the lock

    def _create(
        self, updates: Sequence[SeriesUpdate], *, accept_revisions: bool
    ) -> list[WriteReport] | None:
        """Build a new store in a temporary file and publish it at the path with a hard link.

        Called under :meth:`_creation_lock`. Returns the reports, or ``None`` if the store
        appeared meanwhile (nothing of this attempt is kept). Only temporary files are ever
        removed: this one, and those a killed creator left (no other creator is running).
        """
        for stale in self.path.parent.glob(f".{glob.escape(self.path.name)}.*.new*"):
            with contextlib.suppress(OSError):
                stale.unlink()
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}-{uuid.uuid4().hex}.new")
        tmp_wal = tmp.with_name(tmp.name + ".wal")
        try:
            try:
                con = duckdb.connect(str(tmp), config=_DUCKDB_CONFIG)
            except duckdb.Error as exc:
                raise StoreWriteError(_write_failed(self.path, exc)) from exc
            try:
                reports = self._write(con, updates, accept_revisions=accept_revisions)
                con.execute("CHECKPOINT")
            except duckdb.Error as exc:
                raise StoreWriteError(_write_failed(self.path, exc)) from exc
            finally:
                with contextlib.suppress(duckdb.Error):
                    con.close()
            if tmp_wal.exists():
                raise StoreWriteError(
                    WRITE_FAILED.format(path=self.path, reason="the new store was not checkpointed")
                )
            return reports if _publish(tmp, self.path) else None
        finally:
            for leftover in (tmp, tmp_wal):
                with contextlib.suppress(OSError):
                    leftover.unlink(missing_ok=True)

    def _write(
        self,
        con: duckdb.DuckDBPyConnection,
        updates: Sequence[SeriesUpdate],
        *,
        accept_revisions: bool,
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
                report = self._write_one(
                    con, update, next_vintage, batch_id, written_at, accept_revisions
                )
                if report.status == "written":
                    next_vintage += 1
                reports.append(report)
            _commit(con)
        except BaseException as exc:
            with contextlib.suppress(duckdb.Error):  # no transaction left after a failed commit
                con.execute("ROLLBACK")
            if isinstance(exc, duckdb.Error) and _os_reason(exc) is not None:
                raise StoreWriteError(_write_failed(self.path, exc)) from exc
            raise
        return reports

    def _write_one(
        self,
        con: duckdb.DuckDBPyConnection,
        update: SeriesUpdate,
        vintage_id: int,
        batch_id: int,
        written_at: datetime,
        accept_revisions: bool,
    ) -> WriteReport:
        current = self._read_latest(con, update.series_id)
        change = _diff(current, update, accept_revisions=accept_revisions)
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

    def _read_latest_frame(
        self, con: duckdb.DuckDBPyConnection, series_id: str, vintage_id: int
    ) -> pd.DataFrame:
        """``_as_frame(self._read_latest(...))``, as columns: no Python object per row."""
        result = con.execute(_LATEST_KEPT_SQL, [series_id, vintage_id]).fetchnumpy()
        values = result["value"]
        if isinstance(values, np.ma.MaskedArray):  # NULL values: missing
            values = np.ma.filled(values.astype("float64"), np.nan)
        return pd.DataFrame(
            {
                "date": pd.Series(np.asarray(result["date"]).astype("datetime64[ns]")),
                "value": pd.Series(np.asarray(values, dtype="float64")),
            }
        )

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
            return self._read_latest_frame(con, series_id, int(meta["vintage_id"]))

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
                    frame = self._read_latest_frame(con, series_id, int(meta["vintage_id"]))
                    found[series_id] = (frame, meta)
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


def _diff(
    current: dict[pd.Timestamp, float], update: SeriesUpdate, *, accept_revisions: bool = False
) -> _Change:
    """Return what writing ``update`` over ``current`` (its series' latest values) does.

    The one place that decides a write's result, for :meth:`Store.write` and
    :meth:`Store.plan`: ``replace`` makes the frame the whole series, ``merge`` lays it over
    ``current``; the result is validated against the series' schema (a merge can open a gap),
    then passes the guard unless ``accept_revisions``.

    Raises
    ------
    DataValidationError
        If the resulting series fails its schema.
    RevisionGuardError
        If the update blanks or revises too much of the stored series.
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
    revised = [d for d in incoming if d in current and not _same(incoming[d], current[d])]
    if not accept_revisions:
        _guard(update.series_id, current, incoming, revised)
    return _Change(
        update.series_id,
        result,
        frame,
        added=[d for d in incoming if d not in current],
        revised=revised,
        removed=[d for d in current if d not in result],
    )


def _guard(
    series_id: str,
    current: dict[pd.Timestamp, float],
    incoming: dict[pd.Timestamp, float],
    revised: list[pd.Timestamp],
) -> None:
    """Refuse an update that blanks or revises too much of a stored series.

    Only stored values that are not missing count: filling a missing value is not a revision.

    Raises
    ------
    RevisionGuardError
        Naming the series, the counts, the limit and how to accept the update.
    """
    stored = sum(not math.isnan(v) for v in current.values())
    known = [d for d in revised if not math.isnan(current[d])]
    blanked = sum(math.isnan(incoming[d]) for d in known)
    changed = len(known) - blanked
    share = catalog.get(series_id).max_revision_share
    limit_revised = DEFAULT_MAX_REVISION_SHARE if share is None else share
    for what, count, limit in (
        ("blank", blanked, MAX_BLANK_SHARE),
        ("revise", changed, limit_revised),
    ):
        if count > GUARD_MIN_VALUES and count > limit * stored:
            message = TOO_MUCH_CHANGE.format(
                series_id=series_id, what=what, count=count, stored=stored, limit=limit
            )
            failures = schemas.failure_frame(
                [{"row": None, "column": "value", "check": f"{what} at most {limit:.0%} of "
                  "stored values", "value": count}]
            )  # fmt: skip
            raise RevisionGuardError(message, failure_cases=failures)


def _check_identity(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Refuse a DuckDB file holding tables that are not a forecast store's.

    A file with no tables at all is a store not written yet.

    Raises
    ------
    StoreFormatError
        If the tables or the schema version are not this store's.
    """
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database()"
    ).fetchall()
    tables = {str(name) for (name,) in rows}
    if not tables:
        return
    if not tables >= _STORE_TABLES:
        shown = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
        detail = f" (a DuckDB file with other tables: {shown})"
        raise StoreFormatError(NOT_A_STORE.format(path=path, detail=detail))
    version = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    if version is None or version[0] != SCHEMA_VERSION:
        found = "none" if version is None else repr(version[0])[:40]
        detail = f" (schema version {found}, expected {SCHEMA_VERSION})"
        raise StoreFormatError(NOT_A_STORE.format(path=path, detail=detail))


def _commit(con: duckdb.DuckDBPyConnection) -> None:
    """Commit the write's transaction (a seam: tests make it fail as a full disk would)."""
    con.execute("COMMIT")


def _publish(tmp: Path, path: Path) -> bool:
    """Give the new store at ``tmp`` the name ``path``, unless ``path`` exists.

    Returns ``False`` if another process created ``path`` first. A hard link is atomic and
    never replaces an existing file; a file system without hard links falls back to a rename
    after a check (a narrow race, on such file systems only).
    """
    with tmp.open("rb+") as handle:
        os.fsync(handle.fileno())
    try:
        os.link(tmp, path)
    except FileExistsError:
        return False
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
            raise StoreWriteError(_write_failed(path, exc)) from exc
        if path.exists():
            return False
        tmp.rename(path)
    with contextlib.suppress(OSError):
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    return True


def _first_line(exc: BaseException, limit: int = 300) -> str:
    """Return the first line of an error's message, shortened to ``limit`` characters."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _os_reason(exc: BaseException) -> str | None:
    """Return the operating system's reason in an I/O error (``No space left on device``)."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = str(exc)
    return next((reason for reason in _OS_REASONS if reason in text), None)


def _write_failed(path: Path, exc: BaseException) -> str:
    return WRITE_FAILED.format(path=path, reason=_os_reason(exc) or _first_line(exc))


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
