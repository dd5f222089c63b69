"""Shared fixtures: the real series in ../shared/data (optional) and stores built from them."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import settings

from forecast.sources.csvfile import read_series_csv
from forecast.store import SeriesUpdate, Store

settings.register_profile("dev", max_examples=30, deadline=None)
settings.register_profile("ci", max_examples=60, deadline=None, derandomize=True)
settings.register_profile("thorough", max_examples=500, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("FORECAST_SHARED_DATA", REPO.parent / "shared" / "data"))

# The imports the foundation issue lists: file in ../shared/data -> series id.
SHARED_IMPORTS = {
    "eia_brent_spot_monthly.csv": "brent_usd",
    "eia_wti_spot_monthly.csv": "wti_usd",
    "eia_brent_spot_daily.csv": "brent_spot_daily_usd",
    "fred_cpiaucsl_us_cpi_monthly.csv": "us_cpi",
    "dallasfed_igrea_kilian_index_monthly_1968_2025.csv": "kilian_rea",
    "eia_world_crude_oil_production_monthly.csv": "world_crude_production_kbd",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if SHARED_DATA.is_dir():
        return
    skip = pytest.mark.skip(reason=f"needs the real series in {SHARED_DATA} (folder absent)")
    for item in items:
        if "shared_data" in item.keywords:
            item.add_marker(skip)


def build_shared_store(path: Path) -> Store:
    """Import every file of SHARED_IMPORTS into a new store at ``path``, as a user would."""
    store = Store(path)
    updates = []
    for name, series_id in SHARED_IMPORTS.items():
        imported = read_series_csv(SHARED_DATA / name, series_id)
        updates.append(
            SeriesUpdate(series_id, imported.frame, "csv", imported.origin, imported.sha256)
        )
    store.write(updates)
    return store


def build_snapshot_store(path: Path) -> Store:
    """Write the package's bundled snapshot (real data through 2025-11) into a new store."""
    from forecast.sources import bundled

    store = Store(path)
    updates = []
    for series_id in bundled.BUNDLED_SERIES:
        frame = bundled.load(series_id)
        assert frame is not None
        updates.append(SeriesUpdate(series_id, frame, "snapshot", "bundled snapshot"))
    store.write(updates)
    return store


@pytest.fixture(scope="session")
def shared_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """A store of real series (read-only: do not write to it).

    The six development series from ``../shared/data`` when that folder is there; otherwise
    the package's bundled snapshot of the same series (through 2025-11), so the real-data
    tests (``real_data`` marker) run on a fresh clone too.
    """
    path = tmp_path_factory.mktemp("shared") / "forecast.duckdb"
    if SHARED_DATA.is_dir():
        return build_shared_store(path)
    return build_snapshot_store(path)


def monthly_frame(start: str = "2000-01-01", periods: int = 36, *, seed: int = 1) -> pd.DataFrame:
    """A seeded synthetic monthly price series (log random walk around 60 US$/bbl)."""
    rng = np.random.default_rng(seed)
    values = 60 * np.exp(np.cumsum(rng.normal(0, 0.05, periods)))
    dates = pd.date_range(start, periods=periods, freq="MS").astype("datetime64[ns]")
    return pd.DataFrame({"date": dates, "value": values.astype("float64")})


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "store.duckdb")


def synthetic_prices(end: str = "2025-11-01", periods: int = 300, *, seed: int = 3) -> pd.DataFrame:
    """Seeded monthly log-random-walk prices ending at ``end``, around 70 US$/bbl."""
    rng = np.random.default_rng(seed)
    values = 70 * np.exp(np.cumsum(rng.normal(0, 0.08, periods)) * 0.5)
    dates = pd.date_range(end=end, periods=periods, freq="MS").astype("datetime64[ns]")
    return pd.DataFrame({"date": dates, "value": values})


@pytest.fixture(scope="session")
def synthetic_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """A store with synthetic Brent, WTI (to 2025-11) and world production (to 2023-10)."""
    store = Store(tmp_path_factory.mktemp("synthetic") / "forecast.duckdb")
    brent = synthetic_prices()
    wti = brent.assign(value=brent["value"] * 0.94)
    world = pd.DataFrame(
        {
            "date": pd.date_range("2015-01-01", "2023-10-01", freq="MS").astype("datetime64[ns]"),
            "value": 80_000.0,
        }
    )
    store.write(
        [
            SeriesUpdate("brent_usd", brent, "test", "synthetic"),
            SeriesUpdate("wti_usd", wti, "test", "synthetic"),
            SeriesUpdate("world_crude_production_kbd", world, "test", "synthetic"),
        ]
    )
    return store
