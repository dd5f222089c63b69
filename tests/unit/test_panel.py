from pathlib import Path

import pandas as pd
import pytest

from forecast import read_series, schemas
from forecast.panel import SeriesReader, read_series_many
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
    assert brent["date"].iloc[-1] == pd.Timestamp("2025-11-01")


def test_the_snapshot_stops_at_2025_11_and_ships_every_model_input() -> None:
    assert set(bundled.BUNDLED_SERIES) == {
        "brent_usd", "wti_usd", "brent_eom_usd", "wti_eom_usd", "us_cpi", "kilian_rea",
        "world_crude_production_kbd",
    }  # fmt: skip
    for series_id in bundled.BUNDLED_SERIES:
        frame = bundled.load(series_id)
        assert frame is not None
        assert frame["date"].max() <= pd.Timestamp("2025-11-30"), series_id
    # the month-end close of Nov 2025 is the last daily Brent close (2025-11-28)
    eom = bundled.load("brent_eom_usd")
    assert eom is not None
    assert eom["value"].iloc[-1] == pytest.approx(64.07)
    cpi = bundled.load("us_cpi")
    assert cpi is not None
    assert cpi.loc[cpi["date"] == "2025-10-01", "value"].isna().all()


def test_series_without_bundled_history() -> None:
    assert bundled.load("venezuela_crude_production_kbd") is None
    assert bundled.load("brent_spot_daily_usd") is None


def test_empty_store_falls_back_to_bundled(tmp_path: Path) -> None:
    data = read_series("brent_usd", store=tmp_path / "empty.duckdb")
    assert data is not None
    assert data.origin == "bundled"
    assert data.vintage_id is None
    assert "snapshot through 2025-11" in data.detail
    assert "eia_brent_spot_monthly.csv" in data.detail
    assert read_series("venezuela_crude_production_kbd", store=tmp_path / "empty.duckdb") is None
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


def test_read_series_many_reads_as_read_series_does(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    store.write([SeriesUpdate("brent_usd", monthly_frame(), "csv", "/x.csv")])
    ids = ["brent_usd", "wti_usd", "venezuela_crude_production_kbd", "brent_usd"]
    many = read_series_many(ids, store=store)
    assert list(many) == ids[:3]
    for series_id, data in many.items():
        one = read_series(series_id, store=store)
        if one is None:
            assert data is None
            continue
        assert data is not None
        assert (data.origin, data.source, data.vintage_id, data.detail, data.written_at) == (
            one.origin, one.source, one.vintage_id, one.detail, one.written_at,
        )  # fmt: skip
        pd.testing.assert_frame_equal(data.frame, one.frame)
    assert read_series_many(["wti_usd"], store=store, fallback=False) == {"wti_usd": None}
    read = SeriesReader(store, ["brent_usd", "wti_usd"])
    assert read("wti_usd") is not None
    assert read("wti_usd", fallback=False) is None
    assert read("us_cpi") is not None  # not read ahead: read now, from the bundled data
