"""The snapshot exporter: a store in, the files the package falls back to out."""

from __future__ import annotations

import gzip
import json
from typing import TYPE_CHECKING

import pandas as pd
import pytest
from click.testing import CliRunner

from forecast.cli import cli
from forecast.errors import ForecastError
from forecast.snapshot import export_snapshot, month_end_closes
from forecast.store import SeriesUpdate, Store
from tests.conftest import monthly_frame

if TYPE_CHECKING:
    from pathlib import Path


def _daily() -> pd.DataFrame:
    days = pd.bdate_range("2025-09-01", "2025-12-31").astype("datetime64[ns]")
    return pd.DataFrame({"date": days, "value": [60.0 + i / 10 for i in range(len(days))]})


def test_month_end_closes_take_the_last_close_of_each_month() -> None:
    eom = month_end_closes(_daily())
    assert eom["date"].tolist() == list(pd.date_range("2025-09-01", periods=4, freq="MS"))
    daily = _daily().set_index("date")["value"]
    assert eom["value"].iloc[1] == daily.loc["2025-10-31"]


def test_export_cuts_at_the_month_derives_closes_and_records_the_vintage(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path / "s.duckdb")
    brent = monthly_frame("2020-01-01", 72)  # to 2025-12
    store.write(
        [
            SeriesUpdate("brent_usd", brent, "csv", "/in/brent.csv"),
            SeriesUpdate("brent_spot_daily_usd", _daily(), "csv", "/in/daily.csv"),
        ]
    )
    manifest = export_snapshot(store, tmp_path / "snap", through="2025-11")
    assert set(manifest["series"]) == {"brent_usd", "brent_eom_usd"}
    entry = manifest["series"]["brent_eom_usd"]
    assert (entry["derived_from"], entry["origin"], entry["vintage_id"]) == (
        "brent_spot_daily_usd", "daily.csv", 2,
    )  # fmt: skip
    assert entry["last_date"] == "2025-11-01"
    frame = pd.read_csv(tmp_path / "snap" / "brent_usd.csv.gz")
    assert frame["date"].iloc[-1] == "2025-11-01"
    assert len(frame) == 71
    on_disk = json.loads((tmp_path / "snap" / "manifest.json").read_text())
    assert on_disk["series"]["brent_usd"]["rows"] == 71
    # deterministic bytes: exporting twice gives the same files
    first = (tmp_path / "snap" / "brent_usd.csv.gz").read_bytes()
    export_snapshot(store, tmp_path / "snap", through="2025-11")
    assert (tmp_path / "snap" / "brent_usd.csv.gz").read_bytes() == first
    assert gzip.decompress(first).startswith(b"date,value\n")


@pytest.mark.parametrize("through", ["2025-1", "Nov 2025", "2025-11-15"])
def test_export_refuses_a_month_that_is_not_yyyy_mm(tmp_path: Path, through: str) -> None:
    with pytest.raises(ForecastError, match="is not a month"):
        export_snapshot(Store(tmp_path / "s.duckdb"), tmp_path / "snap", through=through)


def test_export_command_on_an_empty_store_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["data", "export", "--store", str(tmp_path / "s.duckdb"), "--out", str(tmp_path)]
    )
    assert result.exit_code == 1
    assert "holds none of the snapshot series" in result.output
    assert "Traceback" not in result.output
