"""Build the bundled snapshot: the series the models need, exported from a store.

``forecast data export --store STORE --out data/snapshot --through 2025-11`` writes, for each
series of :data:`SNAPSHOT_SERIES` that the store holds, ``<series_id>.csv.gz`` (``date,
value``, cut at the end of the ``--through`` month) and a ``manifest.json`` recording, per
series, the store vintage and source it came from, its span, row count and SHA-256. The
package reads it (:mod:`forecast.sources.bundled`) when the store lacks a series, so a fresh
clone with no data and no network still runs every model on real data. The README beside the
files gives the sources and licences.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from forecast import catalog, schemas
from forecast.errors import ForecastError

if TYPE_CHECKING:
    import os

    from forecast.store import Store

__all__ = ["MANIFEST", "SNAPSHOT_SERIES", "export_snapshot", "month_end_closes"]

MANIFEST = "manifest.json"
# The monthly series the models need; the month-end closes (which anchor the default baseline)
# are derived from the store's daily spot series when it has no such monthly series.
SNAPSHOT_SERIES: tuple[str, ...] = (
    "brent_usd",
    "wti_usd",
    "brent_eom_usd",
    "wti_eom_usd",
    "us_cpi",
    "kilian_rea",
    "world_crude_production_kbd",
)
BAD_THROUGH = "--through {value!r} is not a month (use YYYY-MM)"
NOTHING = "{path}: the store holds none of the snapshot series ({names})"


def _through(value: str) -> pd.Timestamp:
    try:
        month = pd.Period(value, freq="M")
    except (ValueError, TypeError) as exc:
        raise ForecastError(BAD_THROUGH.format(value=value)) from exc
    if f"{month:%Y-%m}" != value:
        raise ForecastError(BAD_THROUGH.format(value=value))
    return month.to_timestamp() + pd.offsets.MonthBegin(1)


_DERIVED = {
    catalog.DAILY_CLOSES[price]: catalog.MONTH_END_CLOSES[price] for price in catalog.PRICE_SERIES
}


def month_end_closes(daily: pd.DataFrame) -> pd.DataFrame:
    """Return the last close of each month of a daily ``date, value`` frame, dated month start."""
    known = daily.dropna(subset=["value"])
    months = pd.DatetimeIndex(known["date"]).to_period("M").to_timestamp()
    last = known.groupby(months)["value"].last()
    return pd.DataFrame(
        {"date": last.index.astype("datetime64[ns]"), "value": last.to_numpy(dtype=float)}
    )


def _csv_gz(frame: pd.DataFrame) -> bytes:
    """Deterministic gzip CSV bytes (no timestamp in the gzip header)."""
    text = frame.to_csv(index=False, date_format="%Y-%m-%d", lineterminator="\n")
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as handle:
        handle.write(text.encode("utf-8"))
    return buffer.getvalue()


def export_snapshot(
    store: Store, out_dir: str | os.PathLike[str], *, through: str
) -> dict[str, Any]:
    """Write the snapshot of ``store`` (latest vintages) into ``out_dir``; return the manifest.

    Raises
    ------
    ForecastError
        If ``through`` is not ``YYYY-MM`` or the store holds none of the series.
    """
    end = _through(through)
    out = Path(out_dir)
    entries: dict[str, dict[str, Any]] = {}
    files: dict[str, bytes] = {}
    daily = {monthly: daily for daily, monthly in _DERIVED.items()}
    for series_id in SNAPSHOT_SERIES:
        read_id = series_id if store.vintage_info(series_id) is not None else daily.get(series_id)
        info = store.vintage_info(read_id) if read_id else None
        frame = store.read(read_id) if read_id else None
        if info is None or frame is None:
            continue
        if read_id != series_id:
            frame = month_end_closes(frame)
        frame = frame[frame["date"] < end].reset_index(drop=True)
        frame = schemas.validate_series(frame, series_id, origin=f"{store.path} export")
        payload = _csv_gz(frame)
        files[f"{series_id}.csv.gz"] = payload
        entries[series_id] = {
            "file": f"{series_id}.csv.gz",
            "title": catalog.get(series_id).title,
            "unit": catalog.get(series_id).unit,
            "rows": len(frame),
            "first_date": f"{frame['date'].iloc[0]:%Y-%m-%d}",
            "last_date": f"{frame['date'].iloc[-1]:%Y-%m-%d}",
            "source": str(info["source"]),
            "derived_from": None if read_id == series_id else read_id,
            "origin": Path(str(info["origin"])).name,
            "vintage_id": int(info["vintage_id"]),
            "sha256": hashlib.sha256(payload).hexdigest(),
        }
    if not entries:
        raise ForecastError(NOTHING.format(path=store.path, names=", ".join(SNAPSHOT_SERIES)))
    manifest = {
        "through": through,
        "built_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": f"forecast data export --out {out.as_posix()} --through {through}",
        "series": entries,
    }
    out.mkdir(parents=True, exist_ok=True)
    for name, payload in files.items():
        (out / name).write_bytes(payload)
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return manifest
