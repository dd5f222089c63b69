"""The bundled snapshot: real monthly series (and daily spot closes) through 2025-11.

The package ships ``data/snapshot/`` (in a wheel: ``forecast/_data/snapshot/``), built by the
project's own exporter from a store (:func:`forecast.snapshot.export_snapshot`, the command
``forecast data export``). When the store lacks a series, :func:`forecast.panel.read_series`
falls back to it, so a fresh clone with no data and no network runs every model on real data
as of the snapshot's last month. ``manifest.json`` records each file's source vintage, span and
SHA-256; the README beside the files gives the sources and licences.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from typing import Any

import pandas as pd

from forecast import schemas
from forecast._paths import bundled_dir
from forecast.errors import DataSourceError

__all__ = ["BUNDLED_SERIES", "load", "manifest", "version"]

MANIFEST = "manifest.json"
DAMAGED = "bundled snapshot file {path}: {problem} (reinstall the package)"


@cache
def manifest() -> dict[str, Any]:
    """Return the snapshot's manifest (empty when the installation has no snapshot)."""
    try:
        folder = bundled_dir("snapshot")
    except FileNotFoundError:
        return {"series": {}}
    result: dict[str, Any] = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    return result


def _series() -> tuple[str, ...]:
    return tuple(manifest()["series"])


BUNDLED_SERIES = _series()


@cache
def _load(series_id: str) -> pd.DataFrame:
    entry = manifest()["series"][series_id]
    path = bundled_dir("snapshot") / entry["file"]
    try:
        payload = path.read_bytes()
    except OSError as exc:
        raise DataSourceError(DAMAGED.format(path=path, problem=exc.strerror)) from exc
    if hashlib.sha256(payload).hexdigest() != entry["sha256"]:
        raise DataSourceError(DAMAGED.format(path=path, problem="checksum differs from manifest"))
    raw = pd.read_csv(path, compression="gzip", parse_dates=["date"], dtype={"value": "float64"})
    frame = pd.DataFrame(
        {"date": raw["date"].astype("datetime64[ns]"), "value": raw["value"].astype("float64")}
    )
    return schemas.validate_series(frame, series_id, origin=f"bundled snapshot {path.name}")


def load(series_id: str) -> pd.DataFrame | None:
    """Return the bundled history of ``series_id``, or ``None`` if none ships.

    Examples
    --------
    >>> load("brent_usd")["date"].max()  # doctest: +SKIP
    Timestamp('2025-11-01 00:00:00')
    """
    if series_id not in manifest()["series"]:
        return None
    return _load(series_id).copy()


def version() -> str:
    """Return what the snapshot is: its last month and when it was built."""
    info = manifest()
    if not info["series"]:
        return "no snapshot installed"
    return f"snapshot through {info['through']} (built {info['built_at'][:10]})"


def detail(series_id: str) -> str:
    """Return where a bundled series came from (for the report's "Data used" table)."""
    entry = manifest()["series"][series_id]
    return (
        f"bundled {version()}: {entry['origin']}, store vintage {entry['vintage_id']} "
        f"({entry['source']})"
    )
