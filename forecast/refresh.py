"""Refresh the store from FRED, EIA and Yahoo Finance: what ``forecast refresh`` runs.

The order of work keeps the store's write lock short and never stores a partial or invalid
series (steps 2 to 4 run for each source in turn, so each source's series are logged as that
source finishes, not all at the end):

1. Read what the store holds for the requested series (one read-only connection,
   :meth:`forecast.store.Store.read_many`; a store locked by another process for longer than
   ``lock_timeout`` raises :class:`~forecast.errors.StoreLockedError` before anything is
   fetched).
2. Fetch and validate every requested series of every requested source. The store is not
   open meanwhile. A series that fails (network, an HTML page, a truncated body, values that
   fail the schema, or any other error while its answer is parsed and validated, such as a
   date pandas cannot represent) fails alone, with a one-line message naming the source,
   the series and the problem; the other series and sources go on. The requests of one
   source share a time budget (``$FORECAST_HTTP_SOURCE_DEADLINE``).
3. Plan each source's series against the store (:meth:`forecast.store.Store.plan`, the
   write's own computation on a read-only connection): the rows each adds, revises and
   removes, and the resulting series validated as the write will. FRED and EIA send full
   histories, which replace the stored series; a history that ends earlier, or starts later,
   than the one stored looks truncated and fails (checked here, before the plan: it is a
   refresh policy, not the store's). Yahoo sends a recent window, merged into the stored
   series: five years on the first load, then from ten days before the last stored date (to
   pick up late corrections), through yesterday (today's bar moves until the close).
   What each source sends, and how it is called, is declared once in
   :mod:`forecast.sources.registry`.
4. Unless it is a dry run, write each source's good series in one transaction
   (:meth:`forecast.store.Store.write`): a process killed at any moment leaves the store as
   it was before or after that source's write. A failed series keeps its last good vintage;
   an unchanged one gets no new vintage; a revised value gets a new vintage and the old one
   stays readable (``Store.read(..., known_at=...)``). The store's revision guard refuses
   a series that would blank or revise most of what is stored (a history of missing
   values, say): that series fails alone, unless ``accept_revisions``.

Each series ends with one :class:`SeriesRefresh` record and one log line on the
``forecast.refresh`` logger (a skipped source logs one line for all its series); a series
that fails to fetch is logged when it fails, one that arrives is logged as it arrives and
again when its source is stored. Secrets (API keys) are scrubbed from every message.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

from forecast import catalog
from forecast._typing import RefreshStatus
from forecast.errors import (
    DataSourceError,
    DataValidationError,
    ForecastError,
    SelectionError,
    StoreError,
    StoreLockedError,
)
from forecast.sources import registry
from forecast.sources._http import RetryPolicy, scrub
from forecast.sources.registry import FetchRequest
from forecast.store import SeriesUpdate, Store

if TYPE_CHECKING:
    import os
    from collections.abc import Sequence
    from pathlib import Path

    from forecast.sources.csvfile import ImportedSeries
    from forecast.store import WriteMode, WriteReport

__all__ = [
    "MODES",
    "REPORT_COLUMNS",
    "SOURCES",
    "RefreshResult",
    "RefreshSource",
    "RefreshStatus",
    "SeriesRefresh",
    "check_store_location",
    "refresh",
    "select_series",
]

logger = logging.getLogger(__name__)

RefreshSource = catalog.RefreshSourceName
SOURCES: tuple[RefreshSource, ...] = registry.NAMES
"""The sources, in the order refresh runs them (declared in :mod:`forecast.sources.registry`)."""
MODES: dict[str, WriteMode] = {name: source.mode for name, source in registry.SOURCES.items()}
REPORT_COLUMNS = [
    "source", "series_id", "code", "status", "rows", "added", "revised", "removed",
    "first_date", "last_date", "vintage_id", "message",
]  # fmt: skip

UNKNOWN_SOURCE = "unknown source {source!r}; sources are: {known}"
NOT_REFRESHABLE = (
    "series {series_id!r} cannot be refreshed (it comes from {origins}); "
    "refreshable series: {known}"
)
NOT_SELECTED = "series {series_id!r} comes from {source}, which is not among the sources chosen"
NO_KEY = "{env} is not set, so the {title} series are skipped ({help})"
LOOKS_TRUNCATED = (
    "{origin}: the full history {verb} {got}, but the store holds {series_id} {since} "
    "{stored}: refusing what looks like a truncated download (to replace the series on "
    "purpose, use 'forecast data import')"
)
WRITE_FAILED = "nothing from {source} was written: {error}"
NOT_A_FOLDER = "store {path}: {parent} is not a folder, so the store cannot be created there"
UNEXPECTED = "{source} {series_id}: could not parse or validate the answer: {kind}: {problem}"
_MAX_PROBLEM = 200  # characters of an unexpected error's text in a message


@dataclass(frozen=True, slots=True)
class SeriesRefresh:
    """What a refresh did to one series.

    For ``ok`` the counts say what changed and ``vintage_id`` is the new vintage (``None``
    in a dry run). For ``unchanged``, ``failed`` and ``skipped``, ``rows`` to ``vintage_id``
    describe what the store still holds (``None`` when it holds nothing).
    """

    source: str
    series_id: str
    code: str
    status: RefreshStatus
    rows: int | None = None
    added: int = 0
    revised: int = 0
    removed: int = 0
    first_date: date | None = None
    last_date: date | None = None
    vintage_id: int | None = None
    message: str = ""
    locked: bool = False
    """Whether it failed only because another process held the store."""

    def describe(self, *, dry_run: bool = False) -> str:
        """Return the series' log line: status, changes, rows and last date."""
        name = f"{self.source} {self.series_id}"
        held = f"{self.rows} rows through {self.last_date}" if self.rows else "no rows"
        if self.status == "ok":
            changes = f"{self.added} added, {self.revised} revised, {self.removed} removed"
            if dry_run:
                return f"{name}: would write a new vintage ({changes}; {held}) [dry run]"
            return f"{name}: ok, vintage {self.vintage_id} written ({changes}; {held})"
        if self.status == "unchanged":
            return f"{name}: unchanged (vintage {self.vintage_id}, {held})"
        if self.status == "skipped":
            return f"{name}: skipped: {self.message}"
        kept = (
            f"the store keeps vintage {self.vintage_id} ({held})"
            if self.vintage_id is not None
            else "nothing stored for it yet"
        )
        return f"{name}: FAILED: {self.message} [{kept}]"

    def to_dict(self) -> dict[str, Any]:
        """Return the record for the JSON summary: :data:`REPORT_COLUMNS`, dates as ISO."""
        record = {column: getattr(self, column) for column in REPORT_COLUMNS}
        for key in ("first_date", "last_date"):
            record[key] = record[key].isoformat() if record[key] is not None else None
        return record


@dataclass(frozen=True, slots=True)
class RefreshResult:
    """The outcome of :func:`refresh`: one record per requested series, in catalog order."""

    store: Path
    dry_run: bool
    series: tuple[SeriesRefresh, ...]

    @property
    def failed(self) -> tuple[SeriesRefresh, ...]:
        """The series that failed."""
        return tuple(s for s in self.series if s.status == "failed")

    @property
    def locked(self) -> bool:
        """Whether some series failed only because the store was locked."""
        return any(s.locked for s in self.failed)

    @property
    def ok(self) -> bool:
        """Whether no series failed (``unchanged`` and ``skipped`` are fine)."""
        return not self.failed

    def report(self) -> pd.DataFrame:
        """Return the tidy report: one row per series, :data:`REPORT_COLUMNS`."""
        return pd.DataFrame([s.to_dict() for s in self.series], columns=REPORT_COLUMNS)

    def to_dict(self) -> dict[str, Any]:
        """Return the machine-readable summary (``forecast refresh --json``)."""
        counts = dict.fromkeys(("ok", "unchanged", "failed", "skipped"), 0)
        for record in self.series:
            counts[record.status] += 1
        return {
            "store": str(self.store),
            "dry_run": self.dry_run,
            "ok": self.ok,
            "counts": counts,
            "series": [s.to_dict() for s in self.series],
        }


def _refresh_source(spec: catalog.SeriesSpec) -> RefreshSource | None:
    return next((s for s in SOURCES if spec.source_code(s) is not None), None)


def select_series(
    sources: Sequence[str] | None = None, series: Sequence[str] | None = None
) -> dict[RefreshSource, list[str]]:
    """Return the series to refresh, grouped by source, in catalog order.

    Parameters
    ----------
    sources
        Sources to refresh (``fred``, ``eia``, ``yahoo``); default all.
    series
        Series ids to refresh; default every catalogued series of the chosen sources.

    Raises
    ------
    SelectionError
        For an unknown source name, a series without a refresh source, or one whose source
        is not among ``sources``.
    UnknownSeriesError
        For an id the catalog does not know.
    """
    for name in sources or ():
        if name not in SOURCES:
            known = ", ".join(SOURCES)
            raise SelectionError(UNKNOWN_SOURCE.format(source=name, known=known))
    chosen = [s for s in SOURCES if not sources or s in sources]
    if not series:
        wanted = [spec.id for spec in catalog.CATALOG.values() if _refresh_source(spec)]
    else:
        wanted = list(dict.fromkeys(series))
    selection: dict[RefreshSource, list[str]] = {s: [] for s in chosen}
    for series_id in wanted:
        spec = catalog.get(series_id)
        source = _refresh_source(spec)
        if source is None:
            origins = ", ".join(ref.source for ref in spec.sources) or "no source"
            known = ", ".join(s.id for s in catalog.CATALOG.values() if _refresh_source(s))
            raise SelectionError(
                NOT_REFRESHABLE.format(series_id=series_id, origins=origins, known=known)
            )
        if source in selection:
            selection[source].append(series_id)
        elif series:
            raise SelectionError(NOT_SELECTED.format(series_id=series_id, source=source))
    order = {series_id: i for i, series_id in enumerate(catalog.CATALOG)}
    return {s: sorted(ids, key=order.__getitem__) for s, ids in selection.items() if ids}


def refresh(
    sources: Sequence[str] | None = None,
    series: Sequence[str] | None = None,
    *,
    store: str | os.PathLike[str] | None = None,
    dry_run: bool = False,
    lock_timeout: float = 0.0,
    policy: RetryPolicy | None = None,
    eia_api_key: str | None = None,
    fred_url: str | None = None,
    eia_url: str | None = None,
    today: date | None = None,
    accept_revisions: bool = False,
) -> RefreshResult:
    """Fetch, validate and store the latest data of the requested series.

    Parameters
    ----------
    sources, series
        What to refresh; see :func:`select_series`. Default: every refreshable series.
    store
        The store file; default ``$FORECAST_STORE``, else ``data/store/forecast.duckdb``.
    dry_run
        Fetch, validate and report what would change; write nothing.
    lock_timeout
        Seconds to wait for another process's hold on the store before giving up.
    policy
        HTTP timeout and retries (also rate-limit retries for Yahoo); default from the
        ``FORECAST_HTTP_*`` environment variables.
    eia_api_key
        Default ``$EIA_API_KEY``. Without a key the EIA series are ``skipped``.
    fred_url, eia_url
        Server bases; default ``$FORECAST_FRED_URL`` / ``$FORECAST_EIA_URL``, else the
        public services.
    today
        The date the Yahoo window ends before (default: today, UTC).
    accept_revisions
        Write a series even when it blanks or revises most of what is stored (the store's
        revision guard); without it such a series fails alone and keeps its vintage.

    Returns
    -------
    RefreshResult
        One record per series; ``.ok`` is false if any failed.

    Raises
    ------
    SelectionError
        For a bad choice of sources or series (nothing is fetched).
    UnknownSeriesError
        For a series id the catalog does not know (nothing is fetched).
    StoreLockedError
        If the store stays locked by another process for ``lock_timeout`` seconds while its
        current contents are read (nothing is fetched or written).
    StoreError
        If the store cannot be read, or its folder cannot exist (a parent is a file).

    Examples
    --------
    >>> result = refresh(["fred"], store="/tmp/forecast.duckdb")  # doctest: +SKIP
    >>> result.report()[["series_id", "status", "added", "last_date"]]  # doctest: +SKIP
    """
    selection = select_series(sources, series)
    target = Store(store, lock_timeout=lock_timeout)
    check_store_location(target.path)
    policy = policy or RetryPolicy.from_env()
    today = today or datetime.now(UTC).date()
    bases = {"fred": fred_url, "eia": eia_url}
    keys = {
        name: ({"eia": eia_api_key}.get(name) or source.api_key())
        for name, source in registry.SOURCES.items()
    }
    stored = target.read_many([sid for ids in selection.values() for sid in ids])
    held = {sid: got[0] if got else None for sid, got in stored.items()}
    kept = {sid: _holding(got[1]) for sid, got in stored.items() if got}

    requests = {
        source: FetchRequest(None, policy, today, base=bases.get(source), key=keys[source])
        for source in selection
    }
    secrets = [key for key in keys.values() if key]
    records: dict[str, SeriesRefresh] = {}
    for source, ids in selection.items():  # each source in turn: fetch, store, log
        settled, fetched = _fetch_source(source, ids, held, kept, requests[source], secrets)
        records.update(settled)
        if fetched:
            stored_now = _store(
                target, source, fetched, kept, dry_run=dry_run, accept_revisions=accept_revisions
            )
            records.update({sid: _scrubbed(r, secrets) for sid, r in stored_now.items()})
        if (skipped := _key_missing(source, keys[source])) is not None:  # one line for all
            logger.warning("%s: skipped %s: %s", source, ", ".join(ids), skipped)
        else:
            for sid in ids:
                _log(records[sid], dry_run=dry_run)
    ordered = [records[sid] for ids in selection.values() for sid in ids]
    return RefreshResult(store=target.path, dry_run=dry_run, series=tuple(ordered))


def check_store_location(path: Path) -> None:
    """Refuse a store path whose folder cannot exist: one of its parents is a regular file.

    Raises
    ------
    StoreError
        Naming the store and the parent that is not a folder.
    """
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise StoreError(NOT_A_FOLDER.format(path=path, parent=parent))
            return


def _key_missing(source: str, key: str | None) -> str | None:
    """Return why ``source`` is skipped (it needs an API key and has none), else ``None``."""
    entry = registry.get(source)
    if entry.key_env is None or key is not None:
        return None
    return NO_KEY.format(env=entry.key_env, title=entry.title, help=entry.key_help)


def _fetch_source(
    source: RefreshSource,
    ids: Sequence[str],
    held: dict[str, pd.DataFrame | None],
    kept: dict[str, dict[str, Any]],
    request: FetchRequest,
    secrets: Sequence[str],
) -> tuple[dict[str, SeriesRefresh], list[SeriesUpdate]]:
    """Fetch a source's series; return the records of those already settled, and the updates.

    The requests share the source's time budget (:meth:`RetryPolicy.for_source`).
    """
    records: dict[str, SeriesRefresh] = {}
    fetched: list[SeriesUpdate] = []
    if (skipped := _key_missing(source, request.key)) is not None:
        return {sid: _record(source, sid, "skipped", kept, message=skipped) for sid in ids}, []
    request = replace(request, policy=request.policy.for_source())
    for sid in ids:
        logger.debug("fetching %s %s", source, sid)
        try:
            update = _fetch_one(source, sid, replace(request, held=held[sid]))
        except Exception as exc:  # noqa: BLE001 -- any parse error fails this series alone
            message = scrub(_problem(source, sid, exc), secrets)
            records[sid] = _record(source, sid, "failed", kept, message=message)
            logger.debug("%s %s: fetch failed", source, sid)
            continue
        fetched.append(update)
        last = update.frame["date"].iloc[-1].date() if len(update.frame) else None
        logger.debug("%s %s: fetched %d rows through %s", source, sid, len(update.frame), last)
    return records, fetched


def _fetch_one(source: str, series_id: str, request: FetchRequest) -> SeriesUpdate:
    """Fetch, parse and validate one series; check a full history's span."""
    imported = registry.get(source).fetch(series_id, request)
    if MODES[source] == "replace":
        _check_span(imported, request.held)
    return _update(source, imported)


def _problem(source: str, series_id: str, exc: Exception) -> str:
    """Return one line saying why a series failed: the error's own message if it is ours."""
    if isinstance(exc, ForecastError):
        return str(exc)
    text = " ".join(str(exc).split()) or "(no message)"
    if len(text) > _MAX_PROBLEM:
        text = text[:_MAX_PROBLEM] + "..."
    return UNEXPECTED.format(
        source=source, series_id=series_id, kind=type(exc).__name__, problem=text
    )


def _accepting(accept_revisions: bool) -> dict[str, bool]:
    """Return the store's ``accept_revisions`` keyword, passed only when it is set."""
    return {"accept_revisions": True} if accept_revisions else {}


def _scrubbed(record: SeriesRefresh, secrets: Sequence[str]) -> SeriesRefresh:
    return replace(record, message=scrub(record.message, secrets)) if record.message else record


def _update(source: str, imported: ImportedSeries) -> SeriesUpdate:
    return SeriesUpdate(
        series_id=imported.series_id,
        frame=imported.frame,
        source=source,
        origin=imported.origin,
        origin_sha256=imported.sha256,
        mode=MODES[source],
        source_version=registry.get(source).version(),
    )


def _check_span(imported: ImportedSeries, held: pd.DataFrame | None) -> None:
    """Refuse a full history that ends earlier, or starts later, than the stored one."""
    if held is None or not len(held):
        return
    got, stored = imported.frame["date"], held["date"]
    for verb, since, new, old, bad in (
        ("ends at", "through", got.iloc[-1], stored.iloc[-1], got.iloc[-1] < stored.iloc[-1]),
        ("starts at", "from", got.iloc[0], stored.iloc[0], got.iloc[0] > stored.iloc[0]),
    ):
        if bad:
            message = LOOKS_TRUNCATED.format(
                origin=imported.origin, verb=verb, got=new.date(), since=since,
                series_id=imported.series_id, stored=old.date(),
            )  # fmt: skip
            raise DataSourceError(message)


def _holding(info: dict[str, Any]) -> dict[str, Any]:
    """Return what the store holds of a series (rows, span, vintage id) from its info."""

    def day(value: Any) -> date | None:
        return None if pd.isna(value) else pd.Timestamp(value).date()

    return {
        "rows": int(info["n_rows"]),
        "first_date": day(info["first_date"]),
        "last_date": day(info["last_date"]),
        "vintage_id": int(info["vintage_id"]),
    }


def _code(source: str, series_id: str) -> str:
    return catalog.get(series_id).source_code(source) or ""


def _record(
    source: str,
    series_id: str,
    status: RefreshStatus,
    kept: dict[str, dict[str, Any]],
    *,
    message: str = "",
    locked: bool = False,
) -> SeriesRefresh:
    """Return the record of a series the store did not change: what it still holds."""
    return SeriesRefresh(
        source, series_id, _code(source, series_id), status, message=message, locked=locked,
        **kept.get(series_id, {}),
    )  # fmt: skip


def _failed(
    source: str, series_ids: Sequence[str], kept: dict[str, dict[str, Any]], error: Exception
) -> dict[str, SeriesRefresh]:
    """Fail every series of a source that the store could not plan or write."""
    message = WRITE_FAILED.format(source=source, error=error)
    locked = isinstance(error, StoreLockedError)
    return {
        sid: _record(source, sid, "failed", kept, message=message, locked=locked)
        for sid in series_ids
    }


def _store(
    store: Store,
    source: str,
    updates: list[SeriesUpdate],
    kept: dict[str, dict[str, Any]],
    *,
    dry_run: bool,
    accept_revisions: bool = False,
) -> dict[str, SeriesRefresh]:
    """Plan one source's fetched series; unless a dry run, write the changed ones."""
    reports, records = _plan(store, source, updates, kept, accept_revisions=accept_revisions)
    records.update({report.series_id: _from_report(source, report, kept) for report in reports})
    changed = {report.series_id for report in reports if report.status == "planned"}
    if changed and not dry_run:  # else the store is not opened for writing
        writes = [update for update in updates if update.series_id in changed]
        records.update(_write(store, source, writes, kept, accept_revisions=accept_revisions))
    return records


def _plan(
    store: Store,
    source: str,
    updates: list[SeriesUpdate],
    kept: dict[str, dict[str, Any]],
    *,
    accept_revisions: bool = False,
) -> tuple[list[WriteReport], dict[str, SeriesRefresh]]:
    """Plan a source's series in one read; a series whose result fails its schema fails alone.

    So does one the revision guard refuses. Returns the plans, and the records of the
    series that failed.
    """
    try:
        return store.plan(updates, **_accepting(accept_revisions)), {}
    except StoreError as exc:
        return [], _failed(source, [u.series_id for u in updates], kept, exc)
    except DataValidationError as exc:
        if len(updates) == 1:
            sid = updates[0].series_id
            return [], {sid: _record(source, sid, "failed", kept, message=str(exc))}
    reports: list[WriteReport] = []
    records: dict[str, SeriesRefresh] = {}
    for update in updates:  # which one failed? plan each alone
        planned, failed = _plan(store, source, [update], kept, accept_revisions=accept_revisions)
        reports += planned
        records.update(failed)
    return reports, records


def _write(
    store: Store,
    source: str,
    updates: list[SeriesUpdate],
    kept: dict[str, dict[str, Any]],
    *,
    accept_revisions: bool = False,
) -> dict[str, SeriesRefresh]:
    """Write one source's changed series in one transaction; on failure, all of them fail."""
    logger.info("writing %d series from %s to %s", len(updates), source, store.path)
    try:
        reports = store.write(updates, **_accepting(accept_revisions))
    except (StoreError, DataValidationError) as exc:
        return _failed(source, [u.series_id for u in updates], kept, exc)
    return {report.series_id: _from_report(source, report, kept) for report in reports}


def _from_report(
    source: str, report: WriteReport, kept: dict[str, dict[str, Any]]
) -> SeriesRefresh:
    """Return the record of a planned or written series (``vintage_id`` ``None`` if planned)."""
    if report.status == "unchanged":
        return _record(source, report.series_id, "unchanged", kept)
    return SeriesRefresh(
        source, report.series_id, _code(source, report.series_id), "ok", rows=report.rows,
        added=report.added, revised=report.revised, removed=report.removed,
        first_date=report.first_date, last_date=report.last_date, vintage_id=report.vintage_id,
    )  # fmt: skip


def _log(record: SeriesRefresh, *, dry_run: bool) -> None:
    level = {"failed": logging.ERROR, "skipped": logging.WARNING}.get(record.status, logging.INFO)
    logger.log(level, "%s", record.describe(dry_run=dry_run))
