from pathlib import Path

import pandas as pd
import pytest

from forecast import read_series, schemas
from forecast.sources import bundled
from forecast.store import SeriesUpdate, Store
from tests.conftest import monthly_frame


@pytest.mark.parametrize("series_id", sorted(bundled.BUNDLED_SERIES))
def test_bundled_history_passes_the_catalog_schema(series_id: str) -> None:
    frame = bundled.load(series_id)
    assert frame is not None
    schemas.validate_series(frame, series_id)
    assert len(frame) > 300


def test_bundled_monthly_prices_are_month_starts_and_known_values() -> None:
    brent = bundled.load("brent_usd")
    assert brent is not None
    assert brent["date"].iloc[0] == pd.Timestamp("1987-05-01")
    assert brent["value"].iloc[0] == pytest.approx(18.58)
    assert brent["date"].iloc[-1] == pd.Timestamp("2020-01-01")


def test_series_without_bundled_history() -> None:
    assert bundled.load("kilian_rea") is None


def test_empty_store_falls_back_to_bundled(tmp_path: Path) -> None:
    data = read_series("brent_usd", store=tmp_path / "empty.duckdb")
    assert data is not None
    assert data.origin == "bundled"
    assert data.vintage_id is None
    assert "arch" in data.detail
    assert read_series("kilian_rea", store=tmp_path / "empty.duckdb") is None
    assert read_series("brent_usd", store=tmp_path / "empty.duckdb", fallback=False) is None


def test_store_wins_over_bundled(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    store.write([SeriesUpdate("brent_usd", monthly_frame(), "csv", "/x.csv")])
    data = read_series("brent_usd", store=store)
    assert data is not None
    assert (data.origin, data.source, data.vintage_id, data.detail) == ("store", "csv", 1, "/x.csv")
    assert data.last_date.isoformat() == "2002-12-01"


def test_bundled_frames_are_copies() -> None:
    first = bundled.load("brent_usd")
    assert first is not None
    first.loc[0, "value"] = -1
    again = bundled.load("brent_usd")
    assert again is not None
    assert again.loc[0, "value"] != -1
