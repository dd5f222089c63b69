"""Series as the models see them: from the store, else from bundled data, with provenance.

Models never open the store themselves; the engine asks here for each series it needs and
gets a :class:`SeriesData`: the ``date, value`` frame plus where it came from (store vintage or
bundled file), which the report shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from forecast import catalog
from forecast.sources import bundled
from forecast.store import Store

if TYPE_CHECKING:
    import os
    from collections.abc import Mapping, Sequence
    from datetime import date, datetime

    import pandas as pd

__all__ = ["SeriesData", "SeriesReader", "bundled_series", "read_series", "read_series_many"]


@dataclass(frozen=True, slots=True, eq=False)
class SeriesData:
    """A series frame and its provenance (the frame is meant to be read-only).

    Attributes
    ----------
    series_id
        Catalog id.
    frame
        ``date, value`` frame.
    origin
        ``store`` or ``bundled``.
    source
        The source recorded with the vintage (``csv``, ``fred``...), or ``snapshot`` for bundled.
    vintage_id
        Store vintage read, or ``None`` for bundled data.
    written_at
        When that vintage was written (UTC), or ``None``.
    detail
        The file or URL the data came from, or the bundled package and version.
    """

    series_id: str
    frame: pd.DataFrame
    origin: Literal["store", "bundled"]
    source: str
    vintage_id: int | None
    written_at: datetime | None
    detail: str

    @property
    def first_date(self) -> date:
        """Date of the first observation."""
        return self.frame["date"].iloc[0].date()

    @property
    def last_date(self) -> date:
        """Date of the last observation."""
        return self.frame["date"].iloc[-1].date()


def read_series(
    series_id: str,
    *,
    store: Store | str | os.PathLike[str] | None = None,
    vintage: int | None = None,
    known_at: datetime | None = None,
    fallback: bool = True,
) -> SeriesData | None:
    """Read a series from the store, falling back to bundled data when the store lacks it.

    Parameters
    ----------
    series_id
        Catalog id.
    store
        A :class:`~forecast.store.Store` or a path (default: ``$FORECAST_STORE`` or
        ``data/store/forecast.duckdb``). A missing file reads as an empty store.
    vintage, known_at
        As-of selection, see :meth:`Store.read`.
    fallback
        Use the bundled history when the store has no such series.

    Returns
    -------
    SeriesData or None
        ``None`` if neither the store nor the bundled data has the series.
    """
    catalog.get(series_id)
    store = store if isinstance(store, Store) else Store(store)
    info = store.vintage_info(series_id, vintage=vintage, known_at=known_at)
    if info is not None:
        frame = store.read(series_id, vintage=int(info["vintage_id"]))
        if frame is not None:
            return _stored(series_id, frame, info)
    return bundled_series(series_id) if fallback else None


def _stored(series_id: str, frame: pd.DataFrame, info: Mapping[str, Any]) -> SeriesData:
    """Return a stored vintage as :class:`SeriesData` (``info``: the store's vintage row)."""
    return SeriesData(
        series_id=series_id,
        frame=frame,
        origin="store",
        source=str(info["source"]),
        vintage_id=int(info["vintage_id"]),
        written_at=info["written_at"].to_pydatetime(),
        detail=str(info["origin"]),
    )


def read_series_many(
    series_ids: Sequence[str],
    *,
    store: Store | str | os.PathLike[str] | None = None,
    vintage: int | None = None,
    known_at: datetime | None = None,
    fallback: bool = True,
) -> dict[str, SeriesData | None]:
    """Read several series at once: :func:`read_series` for each, through one connection.

    Parameters
    ----------
    series_ids
        Catalog ids (repeats are read once).
    store, vintage, known_at, fallback
        As in :func:`read_series`.

    Returns
    -------
    dict
        Series id (in the order given, without repeats) -> :class:`SeriesData`, or ``None``
        if neither the store nor (with ``fallback``) the bundled data has it.
    """
    store = store if isinstance(store, Store) else Store(store)
    found: dict[str, SeriesData | None] = {}
    for series_id, hit in store.read_many(series_ids, vintage=vintage, known_at=known_at).items():
        if hit is None:
            found[series_id] = bundled_series(series_id) if fallback else None
            continue
        frame, info = hit
        found[series_id] = _stored(series_id, frame, info)
    return found


def bundled_series(series_id: str) -> SeriesData | None:
    """Return the bundled history of a series (as :func:`read_series` falls back to it).

    Returns ``None`` if the package bundles no such series.
    """
    frame = bundled.load(series_id)
    if frame is None:
        return None
    return SeriesData(
        series_id=series_id,
        frame=frame,
        origin="bundled",
        source="snapshot",
        vintage_id=None,
        written_at=None,
        detail=bundled.detail(series_id),
    )


class SeriesReader:
    """Series read ahead from the store in one connection, served as :func:`read_series` would.

    Parameters
    ----------
    store
        The store.
    series_ids
        The ids to read ahead (through :func:`read_series_many`, without fallback).

    Examples
    --------
    >>> read = SeriesReader(Store("absent.duckdb"), ["brent_usd"])
    >>> read("brent_usd").origin, read("brent_usd", fallback=False)
    ('bundled', None)
    """

    def __init__(self, store: Store, series_ids: Sequence[str]) -> None:
        self.store = store
        self.stored = read_series_many(series_ids, store=store, fallback=False)

    def __call__(self, series_id: str, *, fallback: bool = True) -> SeriesData | None:
        """Return the series as :func:`read_series` would (read now if not read ahead)."""
        if series_id not in self.stored:
            return read_series(series_id, store=self.store, fallback=fallback)
        data = self.stored[series_id]
        return bundled_series(series_id) if data is None and fallback else data
