"""Price history that ships with the ``arch`` package: the fallback when the store is empty.

``arch`` bundles monthly Brent and WTI spot averages (1987-05 to 2020-01, dated mid-month)
and daily WTI spot (FRED DCOILWTICO, 1986-01 to 2019-01, holidays as empty rows). The files are
read directly, without importing ``arch`` itself (slow, and not needed). Monthly dates are
moved to the first of the month and holiday rows dropped, so the frames pass the catalog's
schemas.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

import pandas as pd

from forecast import schemas
from forecast.errors import DataSourceError

__all__ = ["BUNDLED_SERIES", "bundled_file", "load"]

# series id -> (arch data set, column)
BUNDLED_SERIES: dict[str, tuple[str, str]] = {
    "brent_usd": ("crude", "Brent"),
    "wti_usd": ("crude", "WTI"),
    "wti_spot_daily_usd": ("wti", "DCOILWTICO"),
}
ARCH_MISSING = "the bundled price history needs the 'arch' package, which is not installed"


def bundled_file(dataset: str) -> Path:
    """Return the path of an ``arch`` data file without importing ``arch``."""
    spec = importlib.util.find_spec("arch")
    if spec is None or not spec.submodule_search_locations:
        raise DataSourceError(ARCH_MISSING)
    root = Path(next(iter(spec.submodule_search_locations)))
    return root / "data" / dataset / f"{dataset}.csv.gz"


@cache
def _load(series_id: str) -> pd.DataFrame:
    dataset, column = BUNDLED_SERIES[series_id]
    path = bundled_file(dataset)
    try:
        raw = pd.read_csv(path, index_col=0, parse_dates=[0], na_values=["."])
    except OSError as exc:
        raise DataSourceError(f"cannot read bundled data {path}: {exc}") from exc
    values = raw[column].astype("float64")
    dates = pd.DatetimeIndex(raw.index)
    if dataset == "crude":
        dates = dates.to_period("M").to_timestamp()
    frame = pd.DataFrame({"date": dates.astype("datetime64[ns]"), "value": values.to_numpy()})
    frame = frame.dropna(subset=["value"]).reset_index(drop=True)
    return schemas.validate_series(frame, series_id, origin=f"arch bundled data {path.name}")


def load(series_id: str) -> pd.DataFrame | None:
    """Return the bundled history of ``series_id``, or ``None`` if none ships.

    Examples
    --------
    >>> load("brent_usd").iloc[0]["value"]  # doctest: +SKIP
    18.58
    """
    if series_id not in BUNDLED_SERIES:
        return None
    return _load(series_id).copy()


def version() -> str:
    """Return the installed ``arch`` version (the vintage of the bundled data)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("arch")
    except PackageNotFoundError:
        return "not installed"
