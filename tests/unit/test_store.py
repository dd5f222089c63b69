import hashlib
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from forecast.errors import DataValidationError, StoreLockedError, UnknownSeriesError
from forecast.store import SeriesUpdate, Store, WriteReport, resolve_store_path
from tests.conftest import monthly_frame


def update(frame: pd.DataFrame, series_id: str = "brent_usd", **kw: object) -> SeriesUpdate:
    return SeriesUpdate(series_id, frame, "test", "synthetic", **kw)  # type: ignore[arg-type]


def n_observations(store: Store) -> int:
    with duckdb.connect(str(store.path), read_only=True) as con:
        row = con.execute("SELECT count(*) FROM observations").fetchone()
    assert row is not None
    return int(row[0])


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_round_trip(store: Store) -> None:
    frame = monthly_frame()
    (report,) = store.write([update(frame)])
    assert report.status == "written"
    assert (report.vintage_id, report.rows, report.added) == (1, 36, 36)
    pd.testing.assert_frame_equal(store.read("brent_usd"), frame)


def test_missing_values_round_trip_as_nan(store: Store) -> None:
    frame = monthly_frame(periods=4).assign(value=[300.0, np.nan, 301.0, 302.0])
    store.write([update(frame, "us_cpi")])
    out = store.read("us_cpi")
    assert out is not None
    assert out["value"].isna().tolist() == [False, True, False, False]


def test_unchanged_data_writes_no_vintage_and_does_not_grow(store: Store) -> None:
    frame = monthly_frame()
    store.write([update(frame)])
    (again,) = store.write([update(frame.copy())])
    assert again.status == "unchanged"
    assert again.vintage_id is None
    assert len(store.vintages()) == 1
    assert n_observations(store) == 36


def test_revision_stores_only_what_changed_and_keeps_history(store: Store) -> None:
    first = monthly_frame()
    store.write([update(first)])
    second = pd.concat([first, monthly_frame("2003-01-01", periods=2, seed=9)], ignore_index=True)
    second.loc[10, "value"] = 99.0
    (report,) = store.write([update(second)])
    assert (report.added, report.revised, report.removed) == (2, 1, 0)
    assert n_observations(store) == 36 + 3
    pd.testing.assert_frame_equal(store.read("brent_usd"), second)
    pd.testing.assert_frame_equal(store.read("brent_usd", vintage=1), first)


def test_replace_marks_dropped_dates_removed_but_old_vintage_keeps_them(store: Store) -> None:
    full = monthly_frame()
    store.write([update(full)])
    recent = full.iloc[12:].reset_index(drop=True)
    (report,) = store.write([update(recent)])
    assert report.removed == 12
    pd.testing.assert_frame_equal(store.read("brent_usd"), recent)
    pd.testing.assert_frame_equal(store.read("brent_usd", vintage=1), full)


def test_merge_extends_without_dropping_history(store: Store) -> None:
    full = monthly_frame()
    store.write([update(full)])
    tail = pd.concat([full.iloc[-3:], monthly_frame("2003-01-01", periods=2, seed=4)])
    (report,) = store.write([update(tail.reset_index(drop=True), mode="merge")])
    assert (report.added, report.removed, report.rows) == (2, 0, 38)


def test_merge_that_would_open_a_gap_is_refused_and_nothing_written(store: Store) -> None:
    store.write([update(monthly_frame())])
    before = store.status()
    later = monthly_frame("2005-01-01", periods=3)
    with pytest.raises(DataValidationError, match="merged with the store's latest vintage"):
        store.write([update(later, mode="merge")])
    pd.testing.assert_frame_equal(store.status(), before)


def test_batch_is_all_or_nothing(store: Store) -> None:
    good = update(monthly_frame(), "wti_usd")
    store.write([update(monthly_frame())])
    before = store.vintages()
    bad = update(monthly_frame("2005-01-01", periods=3), mode="merge")
    with pytest.raises(DataValidationError):
        store.write([good, bad])
    pd.testing.assert_frame_equal(store.vintages(), before)
    assert store.read("wti_usd") is None


def test_failed_first_write_leaves_no_file(store: Store) -> None:
    bad = update(monthly_frame().assign(value=1e9))
    with pytest.raises(DataValidationError):
        store.write([bad])
    assert not store.path.exists()


def as_written(report: WriteReport) -> tuple[object, ...]:
    """A plan's report as the write's: everything but the status and the vintage id."""
    return (report.series_id, report.rows, report.added, report.revised, report.removed,
            report.first_date, report.last_date)  # fmt: skip


def test_plan_reports_what_the_following_write_does(store: Store) -> None:
    full = monthly_frame()
    store.write([update(full), update(monthly_frame(seed=2), "wti_usd")])
    revised = pd.concat([full, monthly_frame("2003-01-01", periods=2, seed=9)], ignore_index=True)
    revised.loc[10, "value"] = 99.0
    tail = pd.concat([full.iloc[-3:], monthly_frame("2003-01-01", periods=2, seed=4)])
    batch = [
        update(revised.iloc[12:].reset_index(drop=True)),  # replace: revise, add, remove
        update(tail.reset_index(drop=True), mode="merge"),  # same series, on top of that
        update(monthly_frame(seed=2), "wti_usd"),  # unchanged
        update(monthly_frame(periods=4).assign(value=300.0), "us_cpi"),  # new series
    ]
    before = digest(store.path)
    plans = store.plan(batch)
    assert digest(store.path) == before
    assert [p.status for p in plans] == ["planned", "planned", "unchanged", "planned"]
    assert all(p.vintage_id is None for p in plans)
    assert plans[0].describe().startswith("brent_usd: would write a new vintage (26 rows")
    writes = store.write(batch)
    assert [w.status for w in writes] == ["written", "written", "unchanged", "written"]
    assert [as_written(p) for p in plans] == [as_written(w) for w in writes]
    counts = (plans[1].added, plans[1].revised, plans[1].removed)
    assert counts == (0, 2, 0), "counted on top of the batch's first update, as written"


def test_plan_of_an_absent_store_adds_everything_and_creates_no_file(tmp_path: Path) -> None:
    store = Store(tmp_path / "sub" / "none.duckdb")
    (plan,) = store.plan([update(monthly_frame(), mode="merge")])
    assert (plan.status, plan.rows, plan.added, plan.revised, plan.removed) == (
        "planned", 36, 36, 0, 0,
    )  # fmt: skip
    with pytest.raises(DataValidationError):
        store.plan([update(monthly_frame().assign(value=1e9))])
    assert store.plan([]) == []
    assert not store.path.parent.exists(), "planning creates neither file nor folder"


def test_plan_refuses_a_merge_that_would_open_a_gap_and_changes_nothing(store: Store) -> None:
    store.write([update(monthly_frame())])
    before = digest(store.path)
    good = update(monthly_frame(seed=2), "wti_usd")
    later = update(monthly_frame("2005-01-01", periods=3), mode="merge")
    with pytest.raises(DataValidationError, match="merged with the store's latest vintage"):
        store.plan([good, later])
    (plan,) = store.plan([good])
    assert plan.status == "planned"
    assert digest(store.path) == before, "plan never changes the store's bytes"
    assert len(store.vintages()) == 1


def test_read_many_matches_read_and_vintage_info_in_one_go(store: Store) -> None:
    store.write([update(monthly_frame(periods=12)), update(monthly_frame(seed=2), "wti_usd")])
    store.write([update(monthly_frame(periods=24))])
    found = store.read_many(["brent_usd", "us_cpi", "wti_usd", "brent_usd"])
    assert list(found) == ["brent_usd", "us_cpi", "wti_usd"]
    assert found["us_cpi"] is None
    for series_id in ("brent_usd", "wti_usd"):
        got = found[series_id]
        assert got is not None
        pd.testing.assert_frame_equal(got[0], store.read(series_id))
        assert got[1] == store.vintage_info(series_id)
    then = store.read_many(["brent_usd", "wti_usd"], vintage=1)  # wti_usd came in vintage 2
    assert then["wti_usd"] is None
    assert then["brent_usd"] is not None
    pd.testing.assert_frame_equal(then["brent_usd"][0], monthly_frame(periods=12))
    assert then["brent_usd"][1] == store.vintage_info("brent_usd", vintage=1)
    past = store.read_many(["brent_usd"], known_at=datetime(2000, 1, 1, tzinfo=UTC))
    assert past == {"brent_usd": None}
    with pytest.raises(UnknownSeriesError):
        store.read_many(["brnt"])


def test_columnar_read_equals_the_row_read(store: Store) -> None:
    """The frame read as columns equals the one built from the rows (NaN, removals, vintages)."""
    from forecast.store import _as_frame

    cpi = monthly_frame(periods=24).assign(value=lambda f: (f["value"] + 240).where(f.index != 5))
    wti = monthly_frame(periods=24)
    store.write([update(cpi, "us_cpi"), update(wti, "wti_usd")])
    later = pd.concat([wti.iloc[6:], monthly_frame("2002-01-01", periods=3)], ignore_index=True)
    later.loc[2, "value"], later.loc[3, "value"] = -0.0, -37.6
    store.write([update(later, "wti_usd")])
    with store._connect(read_only=True) as con:
        for vintage in (1, 2, 2**62):
            for series_id in ("us_cpi", "wti_usd", "brent_usd"):  # brent_usd: none stored
                rows = _as_frame(store._read_latest(con, series_id, vintage))
                columns = store._read_latest_frame(con, series_id, vintage)
                pd.testing.assert_frame_equal(columns, rows, check_exact=True)
                assert columns["value"].to_numpy().tobytes() == rows["value"].to_numpy().tobytes()
    assert store.read("us_cpi")["value"].isna().sum() == 1  # type: ignore[index]
    assert len(store.read("wti_usd")) == 21  # type: ignore[arg-type]


def test_read_many_of_an_absent_store_is_empty_and_creates_no_file(tmp_path: Path) -> None:
    store = Store(tmp_path / "none.duckdb")
    assert store.read_many(["brent_usd", "us_cpi"]) == {"brent_usd": None, "us_cpi": None}
    assert store.read_many([]) == {}
    assert not store.path.exists()


def test_read_as_known_at_a_time(store: Store) -> None:
    store.write([update(monthly_frame(periods=12))])
    between = datetime.now(UTC) + timedelta(microseconds=1)
    time.sleep(0.01)
    store.write([update(monthly_frame(periods=24))])
    early = store.read("brent_usd", known_at=between)
    assert early is not None
    assert len(early) == 12
    assert store.read("brent_usd", known_at=datetime(2000, 1, 1, tzinfo=UTC)) is None


def test_absent_store_reads_as_empty(tmp_path: Path) -> None:
    store = Store(tmp_path / "none.duckdb")
    assert store.read("brent_usd") is None
    assert store.status().empty
    assert not store.path.exists(), "reading must not create the file"


def test_status_is_deterministic_and_flags_stale(store: Store) -> None:
    store.write([update(monthly_frame(periods=24))])  # ends 2001-12
    status = store.status(today=datetime(2002, 1, 15, tzinfo=UTC).date())
    assert status.loc[0, "stale"] is np.False_ or not status.loc[0, "stale"]
    assert bool(store.status(today=datetime(2003, 1, 1, tzinfo=UTC).date()).loc[0, "stale"])
    pd.testing.assert_frame_equal(store.status(), store.status())


def test_store_path_resolution(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("FORECAST_STORE", raising=False)
    assert resolve_store_path() == Path("data/store/forecast.duckdb")
    monkeypatch.setenv("FORECAST_STORE", str(tmp_path / "env.duckdb"))
    assert resolve_store_path() == tmp_path / "env.duckdb"
    assert resolve_store_path(tmp_path / "arg.duckdb") == tmp_path / "arg.duckdb"


def test_locked_store_raises_after_waiting(store: Store) -> None:
    store.write([update(monthly_frame())])
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import duckdb, sys, time
                con = duckdb.connect({str(store.path)!r})
                print("locked", flush=True)
                sys.stdin.read()
                """
            ),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        before = digest(store.path)
        waiting = Store(store.path, lock_timeout=0.3)
        with pytest.raises(StoreLockedError, match="locked by another forecast process"):
            waiting.write([update(monthly_frame(periods=40))])
        assert digest(store.path) == before
    finally:
        holder.communicate("")
    assert store.read("brent_usd") is not None
