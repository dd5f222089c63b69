"""forecast.refresh: selection, fetch-validate-plan-write, vintages, failures, dry runs."""

import logging
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from forecast import catalog
from forecast.errors import (
    SelectionError,
    StoreLockedError,
    UnknownSeriesError,
)
from forecast.refresh import REPORT_COLUMNS, RefreshResult, refresh, select_series
from forecast.sources import yahoo
from forecast.sources._http import RetryPolicy
from forecast.store import Store
from tests.fakes import (
    EIA_KEY,
    EIA_PATH,
    FRED_PATH,
    FakeServer,
    Reply,
    eia_responder,
    fred_csv,
    monthly,
    route_fred,
    weekdays,
    yf_empty,
    yf_frame,
)

TODAY = date(2025, 12, 1)
FAST = RetryPolicy(timeout=2, attempts=2, backoff=0, sleep=lambda _s: None)


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer() as fake:
        yield fake


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "forecast.duckdb"


def prices(end: str, start: str = "2024-01-01", level: float = 70.0) -> pd.DataFrame:
    frame = monthly(start, end, level)
    frame["value"] += np.arange(len(frame)) / 4
    return frame


def serve_brent(server: FakeServer, frame: pd.DataFrame, code: str = "MCOILBRENTEU") -> None:
    route_fred(server, {code: fred_csv(code, frame)})


def run(
    server: FakeServer, path: Path, *series: str, sources: list[str] | None = None, **kw: Any
) -> RefreshResult:
    options: dict[str, Any] = {
        "store": path, "fred_url": server.url, "eia_url": server.url, "policy": FAST,
        "today": TODAY, **kw,
    }  # fmt: skip
    return refresh(sources, list(series) or None, **options)


@pytest.fixture(autouse=True)
def _no_eia_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EIA_API_KEY", raising=False)


def source_version(path: Path, series_id: str) -> str:
    info = Store(path).vintage_info(series_id)
    assert info is not None
    return str(info["source_version"])


def one(result: RefreshResult, series_id: str) -> Any:
    (record,) = [s for s in result.series if s.series_id == series_id]
    return record


# -- selection ------------------------------------------------------------------------------


def test_default_selection_is_every_refreshable_series_by_source() -> None:
    selection = select_series()
    assert list(selection) == ["fred", "eia", "yahoo"]
    assert selection["fred"] == [
        "brent_usd", "wti_usd", "brent_spot_daily_usd", "wti_spot_daily_usd", "us_cpi",
        "kilian_rea",
    ]  # fmt: skip
    assert selection["eia"] == ["world_crude_production_kbd", "venezuela_crude_production_kbd"]
    assert selection["yahoo"] == ["brent_front_month_usd", "wti_front_month_usd"]
    assert list(select_series(["yahoo", "fred"])) == ["fred", "yahoo"]


def test_series_imply_their_source_and_must_match_chosen_sources() -> None:
    assert select_series(None, ["us_cpi", "brent_front_month_usd", "us_cpi"]) == {
        "fred": ["us_cpi"],
        "yahoo": ["brent_front_month_usd"],
    }
    with pytest.raises(SelectionError, match="'us_cpi' comes from fred"):
        select_series(["eia"], ["us_cpi"])
    with pytest.raises(UnknownSeriesError, match="unknown series 'brnt'"):
        select_series(None, ["brnt"])
    with pytest.raises(SelectionError, match="unknown source 'ecb'"):
        select_series(["ecb"])


def test_a_series_without_a_network_source_cannot_be_refreshed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = catalog.SeriesSpec(
        "local", "t", "u", "monthly", 0, 1, sources=(catalog.SourceRef("csv", "x"),)
    )
    monkeypatch.setitem(catalog.CATALOG, "local", spec)
    with pytest.raises(SelectionError, match=r"'local' cannot be refreshed .*comes from csv"):
        select_series(None, ["local"])


def test_a_bad_selection_is_a_selection_error_and_an_unknown_id_is_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = catalog.SeriesSpec(
        "local", "t", "u", "monthly", 0, 1, sources=(catalog.SourceRef("csv", "x"),)
    )
    monkeypatch.setitem(catalog.CATALOG, "local", spec)
    for sources, series in [(["eia"], ["us_cpi"]), (["ecb"], None), (None, ["local"])]:
        with pytest.raises(SelectionError):
            select_series(sources, series)
    with pytest.raises(UnknownSeriesError) as raised:
        select_series(None, ["brnt"])
    assert not isinstance(raised.value, SelectionError)


# -- FRED through the whole cycle ----------------------------------------------------------


def test_first_load_incremental_update_revision_and_what_we_knew(
    server: FakeServer, path: Path
) -> None:
    serve_brent(server, prices("2025-06-01"))
    first = one(run(server, path, "brent_usd"), "brent_usd")
    assert (first.status, first.added, first.vintage_id, first.rows) == ("ok", 18, 1, 18)
    assert first.last_date == date(2025, 6, 1)

    serve_brent(server, prices("2025-09-01"))
    second = one(run(server, path, "brent_usd"), "brent_usd")
    assert (second.status, second.added, second.revised, second.vintage_id) == ("ok", 3, 0, 2)
    assert second.last_date == date(2025, 9, 1)

    known_before_revision = datetime.now(UTC)
    time.sleep(0.01)
    revised = prices("2025-09-01")
    revised.loc[revised["date"] == "2025-08-01", "value"] = 99.5
    serve_brent(server, revised)
    third = one(run(server, path, "brent_usd"), "brent_usd")
    assert (third.status, third.added, third.revised, third.removed) == ("ok", 0, 1, 0)

    store = Store(path)
    latest = store.read("brent_usd")
    then = store.read("brent_usd", known_at=known_before_revision)
    assert latest is not None
    assert then is not None
    aug = pd.Timestamp("2025-08-01")
    assert latest.set_index("date").loc[aug, "value"] == 99.5
    assert (
        then.set_index("date").loc[aug, "value"]
        == prices("2025-09-01").set_index("date").loc[aug, "value"]
    )
    assert then.set_index("date").loc[aug, "value"] != 99.5

    again = one(run(server, path, "brent_usd"), "brent_usd")
    assert (again.status, again.vintage_id) == ("unchanged", 3)
    assert len(store.vintages("brent_usd")) == 3, "unchanged data writes no vintage"


def test_a_failed_series_keeps_its_vintage_while_the_rest_of_its_source_is_written(
    server: FakeServer, path: Path
) -> None:
    serve_brent(server, prices("2025-06-01"))
    serve_brent(server, prices("2025-06-01", level=65), "MCOILWTICO")
    run(server, path, "brent_usd", "wti_usd")
    before = Store(path).read("brent_usd")

    server.route(FRED_PATH, Reply(500, "Internal Server Error", "text/plain"), id="MCOILBRENTEU")
    serve_brent(server, prices("2025-07-01", level=65), "MCOILWTICO")
    result = run(server, path, "brent_usd", "wti_usd")
    brent, wti = one(result, "brent_usd"), one(result, "wti_usd")
    assert brent.status == "failed"
    assert "HTTP 500" in brent.message
    assert (brent.vintage_id, brent.last_date, brent.rows) == (1, date(2025, 6, 1), 18)
    assert (wti.status, wti.added) == ("ok", 1)
    assert not result.ok
    assert result.failed == (brent,)
    pd.testing.assert_frame_equal(Store(path).read("brent_usd"), before)


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2024-01-01", "2025-06-01", "ends at 2025-06-01, but the store holds brent_usd through"),
        ("2024-03-01", "2025-09-01", "starts at 2024-03-01, but the store holds brent_usd from"),
    ],
)
def test_a_history_shorter_than_the_stored_one_looks_truncated(
    server: FakeServer, path: Path, start: str, end: str, message: str
) -> None:
    serve_brent(server, prices("2025-09-01"))
    run(server, path, "brent_usd")
    status = Store(path).status()
    serve_brent(server, prices(end, start=start))  # complete lines: only the span tells
    record = one(run(server, path, "brent_usd"), "brent_usd")
    assert record.status == "failed"
    assert message in record.message
    assert "truncated download" in record.message
    pd.testing.assert_frame_equal(Store(path).status(), status)


def test_html_and_cut_off_bodies_fail_and_leave_the_store_alone(
    server: FakeServer, path: Path
) -> None:
    serve_brent(server, prices("2025-06-01"))
    run(server, path, "brent_usd")
    status = Store(path).status()
    for reply, message in [
        (Reply(body="<html><title>Error</title></html>", content_type="text/html"), "HTML page"),
        (Reply(body=fred_csv("MCOILBRENTEU", prices("2025-09-01"))[:-3]), "cut off"),
    ]:
        server.route(FRED_PATH, reply, id="MCOILBRENTEU")
        record = one(run(server, path, "brent_usd"), "brent_usd")
        assert (record.status, record.vintage_id) == ("failed", 1)
        assert message in record.message
    pd.testing.assert_frame_equal(Store(path).status(), status)


def test_dry_run_reports_changes_and_writes_nothing(server: FakeServer, path: Path) -> None:
    serve_brent(server, prices("2025-06-01"))
    dry = run(server, path, "brent_usd", dry_run=True)
    assert dry.dry_run
    assert (one(dry, "brent_usd").status, one(dry, "brent_usd").added) == ("ok", 18)
    assert one(dry, "brent_usd").vintage_id is None
    assert not path.exists(), "a dry run creates no store"

    run(server, path, "brent_usd")
    status = Store(path).status()
    serve_brent(server, prices("2025-08-01"))
    record = one(run(server, path, "brent_usd", dry_run=True), "brent_usd")
    assert (record.added, record.last_date) == (2, date(2025, 8, 1))
    pd.testing.assert_frame_equal(Store(path).status(), status)


def test_lock_taken_between_fetch_and_write_fails_the_source_as_locked(
    server: FakeServer, path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    serve_brent(server, prices("2025-06-01"))

    def locked(self: Store, updates: object) -> None:
        raise StoreLockedError(f"store {self.path} is locked by another forecast process")

    monkeypatch.setattr(Store, "write", locked)
    result = run(server, path, "brent_usd")
    record = one(result, "brent_usd")
    assert (record.status, record.locked, result.locked) == ("failed", True, True)
    assert record.message.startswith("nothing from fred was written: store ")


def test_one_log_line_per_series(
    server: FakeServer, path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    serve_brent(server, prices("2025-06-01"))
    server.route(FRED_PATH, Reply(404, "Not Found"), id="MCOILWTICO")
    with caplog.at_level(logging.INFO, logger="forecast"):
        run(server, path, "brent_usd", "wti_usd", "world_crude_production_kbd")
    lines = [r.getMessage() for r in caplog.records if r.name == "forecast.refresh"]
    assert lines[0] == f"writing 1 series from fred to {path}"
    assert lines[1] == (
        "fred brent_usd: ok, vintage 1 written (18 added, 0 revised, 0 removed; "
        "18 rows through 2025-06-01)"
    )
    assert lines[2].startswith("fred wti_usd: FAILED: GET http://127.0.0.1:")
    assert lines[2].endswith("[nothing stored for it yet]")
    assert lines[3].startswith("eia: skipped world_crude_production_kbd: EIA_API_KEY is not set")
    assert len(lines) == 4


# -- EIA -------------------------------------------------------------------------------------


def test_eia_without_a_key_is_skipped(server: FakeServer, path: Path) -> None:
    result = run(server, path, sources=["eia"])
    assert [s.status for s in result.series] == ["skipped", "skipped"]
    assert result.ok
    assert server.requests == []
    assert not path.exists()


def test_eia_with_a_key_loads_both_series(server: FakeServer, path: Path) -> None:
    world = monthly("2015-01-01", "2023-10-01", 80_000.0)
    ven = monthly("2015-01-01", "2025-08-01", 900.0)
    server.route(EIA_PATH, eia_responder({"WORL": world, "VEN": ven}))
    result = run(server, path, sources=["eia"], eia_api_key=EIA_KEY)
    assert [(s.status, s.last_date) for s in result.series] == [
        ("ok", date(2023, 10, 1)),
        ("ok", date(2025, 8, 1)),
    ]
    assert source_version(path, "world_crude_production_kbd") == "EIA API v2"


# -- Yahoo: a merged recent window ---------------------------------------------------------


def fake_yahoo(monkeypatch: pytest.MonkeyPatch, answers: dict[str, pd.DataFrame]) -> list[Any]:
    calls: list[Any] = []

    def download(tickers: list[str], start: date, end: date) -> pd.DataFrame:
        calls.append((tickers[0], start, end))
        return answers[tickers[0]]

    monkeypatch.setattr(yahoo, "_download", download)
    return calls


def test_yahoo_first_load_then_a_window_overlapping_the_last_ten_days(
    server: FakeServer, path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = yf_frame({"BZ=F": weekdays("2025-10-01", "2025-11-14", 63.0)}, tz="Europe/London")
    calls = fake_yahoo(monkeypatch, {"BZ=F": first})
    record = one(run(server, path, "brent_front_month_usd"), "brent_front_month_usd")
    assert (record.status, record.last_date) == ("ok", date(2025, 11, 14))
    assert calls == [("BZ=F", date(2020, 12, 1), TODAY)], "five years back, through yesterday"

    window = weekdays("2025-11-04", "2025-11-28", 64.0)  # revises the overlap, adds days
    calls = fake_yahoo(monkeypatch, {"BZ=F": yf_frame({"BZ=F": window})})
    record = one(run(server, path, "brent_front_month_usd"), "brent_front_month_usd")
    assert calls == [("BZ=F", date(2025, 11, 4), TODAY)], "last stored date minus 10 days"
    assert (record.added, record.revised, record.removed) == (10, 9, 0)
    stored = Store(path).read("brent_front_month_usd")
    assert stored is not None
    assert stored["date"].iloc[0] == pd.Timestamp("2025-10-01"), "merge keeps older history"
    assert source_version(path, "brent_front_month_usd").startswith("yfinance ")


def test_yahoo_empty_frame_fails_only_its_series(
    server: FakeServer, path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_yahoo(
        monkeypatch,
        {"BZ=F": yf_frame({"BZ=F": weekdays("2025-11-03", "2025-11-28", 63.0)}),
         "CL=F": yf_empty(["CL=F"])},
    )  # fmt: skip
    result = run(server, path, sources=["yahoo"])
    assert [s.status for s in result.series] == ["ok", "failed"]
    assert "returned no prices for CL=F" in result.series[1].message
    assert Store(path).read("wti_front_month_usd") is None


def test_yahoo_window_that_would_open_a_gap_fails_before_writing(
    server: FakeServer, path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_yahoo(
        monkeypatch, {"BZ=F": yf_frame({"BZ=F": weekdays("2025-09-01", "2025-09-30", 63.0)})}
    )
    run(server, path, "brent_front_month_usd")
    fake_yahoo(
        monkeypatch, {"BZ=F": yf_frame({"BZ=F": weekdays("2025-11-03", "2025-11-28", 63.0)})}
    )
    record = one(run(server, path, "brent_front_month_usd"), "brent_front_month_usd")
    assert record.status == "failed"
    assert "merged with the store's latest vintage" in record.message
    assert "no gap longer than 10 days" in record.message
    assert record.last_date == date(2025, 9, 30)


def test_a_merge_refused_by_the_plan_fails_alone_in_its_source(
    server: FakeServer, path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    september = {t: weekdays("2025-09-01", "2025-09-30", 63.0) for t in ("BZ=F", "CL=F")}
    fake_yahoo(monkeypatch, {t: yf_frame({t: c}) for t, c in september.items()})
    run(server, path, sources=["yahoo"])
    fake_yahoo(
        monkeypatch,
        {"BZ=F": yf_frame({"BZ=F": weekdays("2025-11-03", "2025-11-28", 63.0)}),  # a gap
         "CL=F": yf_frame({"CL=F": weekdays("2025-09-22", "2025-10-10", 60.0)})},
    )  # fmt: skip
    for dry_run, vintage_id in [(True, None), (False, 3)]:
        result = run(server, path, sources=["yahoo"], dry_run=dry_run)
        brent, wti = result.series
        assert (brent.status, brent.vintage_id) == ("failed", 1)
        assert "merged with the store's latest vintage" in brent.message
        assert (wti.status, wti.added, wti.revised, wti.vintage_id) == ("ok", 8, 7, vintage_id)
    assert len(Store(path).vintages()) == 3


# -- the report -------------------------------------------------------------------------------


def test_report_frame_and_summary_have_stable_columns(server: FakeServer, path: Path) -> None:
    serve_brent(server, prices("2025-06-01"))
    result = run(server, path, "brent_usd", "world_crude_production_kbd")
    report = result.report()
    assert list(report.columns) == REPORT_COLUMNS
    assert report["status"].tolist() == ["ok", "skipped"]
    summary = result.to_dict()
    assert set(summary) == {"store", "dry_run", "ok", "counts", "series"}
    assert summary["counts"] == {"ok": 1, "unchanged": 0, "failed": 0, "skipped": 1}
    assert summary["series"][0] == {
        "source": "fred", "series_id": "brent_usd", "code": "MCOILBRENTEU", "status": "ok",
        "rows": 18, "added": 18, "revised": 0, "removed": 0, "first_date": "2024-01-01",
        "last_date": "2025-06-01", "vintage_id": 1, "message": "",
    }  # fmt: skip


def test_default_yahoo_window_is_five_years_back(
    server: FakeServer, path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = fake_yahoo(monkeypatch, {"CL=F": yf_empty(["CL=F"])})
    run(server, path, "wti_front_month_usd", today=date(2024, 2, 29))
    assert calls[0][1:] == (date(2019, 2, 28), date(2024, 2, 29))
