"""Series as the models see them: from the store, else from bundled data, with provenance.

Models never open the store themselves; the engine asks here for each series it needs and
gets a :class:`SeriesData`: the ``date, value`` frame plus where it came from (store vintage or
bundled file), which the report shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from forecast import catalog
from forecast.sources import bundled
from forecast.store import Store

if TYPE_CHECKING:
    import os
    from datetime import date, datetime

    import pandas as pd

__all__ = ["SeriesData", "read_series"]


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
            return SeriesData(
                series_id=series_id,
                frame=frame,
                origin="store",
                source=str(info["source"]),
                vintage_id=int(info["vintage_id"]),
                written_at=info["written_at"].to_pydatetime(),
                detail=str(info["origin"]),
            )
    if not fallback:
        return None
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
