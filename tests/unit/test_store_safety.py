"""The store never loses data: concurrent creation, failed commits, foreign files, the guard."""

import hashlib
import multiprocessing
import subprocess
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest

from forecast import store as store_module
from forecast.errors import (
    DataValidationError,
    RevisionGuardError,
    StoreFormatError,
    StoreLockedError,
    StoreWriteError,
)
from forecast.store import SeriesUpdate, Store
from tests.conftest import monthly_frame

WRITERS = ("brent_usd", "wti_usd", "kilian_rea", "world_crude_production_kbd", "us_cpi")


def update(frame: pd.DataFrame, series_id: str = "brent_usd", **kw: Any) -> SeriesUpdate:
    return SeriesUpdate(series_id, frame, "test", "synthetic", **kw)


def frame_for(series_id: str) -> pd.DataFrame:
    frame = monthly_frame(periods=24, seed=len(series_id))
    if series_id == "world_crude_production_kbd":
        frame = frame.assign(value=frame["value"] * 1000)
    return frame


def capped(frame: pd.DataFrame) -> pd.DataFrame:
    """A long random walk kept within the price bounds."""
    return frame.assign(value=frame["value"].clip(upper=400.0))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- 1. concurrent first writes ------------------------------------------------------------


def _write_one_series(path: str, series_id: str, barrier: Any, results: Any) -> None:
    barrier.wait()
    try:
        (report,) = Store(path).write([update(frame_for(series_id), series_id)])
        results.put((series_id, report.status, report.vintage_id))
    except StoreLockedError:
        results.put((series_id, "locked", None))
    except Exception as exc:  # noqa: BLE001  (the parent reports it)
        results.put((series_id, f"error {type(exc).__name__}: {exc}", None))


def test_concurrent_first_writes_never_delete_each_others_data(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    for trial in range(12):
        path = tmp_path / f"trial{trial}" / "forecast.duckdb"
        barrier, results = ctx.Barrier(len(WRITERS)), ctx.Queue()
        procs = [
            ctx.Process(target=_write_one_series, args=(str(path), sid, barrier, results))
            for sid in WRITERS
        ]
        for proc in procs:
            proc.start()
        outcomes = [results.get(timeout=60) for _ in procs]
        for proc in procs:
            proc.join(timeout=60)
        errors = [o for o in outcomes if o[1].startswith("error")]
        assert not errors, errors
        done = [(sid, vid) for sid, status, vid in outcomes if status == "written"]
        assert done, f"trial {trial}: no write succeeded: {outcomes}"
        store = Store(path)
        for series_id, vintage_id in done:
            got = store.read(series_id, vintage=vintage_id)
            assert got is not None, f"trial {trial}: {series_id} reported written, then lost"
            pd.testing.assert_frame_equal(got, frame_for(series_id))
        assert sorted(store.vintages()["series_id"]) == sorted(s for s, _ in done)
        assert not list(path.parent.glob(".*.new*")), "no temporary file is left"


def test_a_failed_first_write_removes_only_its_own_temporary_file(tmp_path: Path) -> None:
    store = Store(tmp_path / "forecast.duckdb")
    with pytest.raises(DataValidationError):
        store.write([update(monthly_frame().assign(value=1e9))])
    assert list(tmp_path.iterdir()) == []


# -- 2. a failed commit ----------------------------------------------------------------------


def _full_disk(con: duckdb.DuckDBPyConnection) -> None:
    raise duckdb.IOException('Could not write file "x.wal": No space left on device')


def test_a_failed_commit_is_one_line_and_leaves_the_store_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(tmp_path / "forecast.duckdb")
    store.write([update(monthly_frame())])
    before = digest(store.path)
    monkeypatch.setattr(store_module, "_commit", _full_disk)
    with pytest.raises(StoreWriteError) as caught:
        store.write([update(monthly_frame(periods=40))])
    message = str(caught.value)
    assert message.startswith(f"{store.path}: could not write the store: No space left")
    assert "\n" not in message
    assert not store.path.with_name("forecast.duckdb.wal").exists()
    assert digest(store.path) == before
    fresh = Store(tmp_path / "new" / "forecast.duckdb")
    with pytest.raises(StoreWriteError, match="No space left on device"):
        fresh.write([update(monthly_frame())])
    assert list(fresh.path.parent.iterdir()) == [], "a failed first write leaves nothing"
    monkeypatch.undo()
    pd.testing.assert_frame_equal(store.read("brent_usd"), monthly_frame())


@pytest.fixture
def small_disk(tmp_path: Path) -> Any:
    mount = tmp_path / "mnt"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)],  # noqa: S607
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.strip() or done.returncode}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)  # noqa: S607


def test_a_full_disk_is_one_line_no_wal_and_the_same_bytes(small_disk: Path) -> None:
    store = Store(small_disk / "forecast.duckdb")
    store.write([update(monthly_frame())])
    before = digest(store.path)
    filler = small_disk / "filler"
    with filler.open("wb", buffering=0) as handle:  # fill the disk
        try:
            while True:
                handle.write(b"\0" * 4096)
        except OSError:
            pass
    big = update(capped(monthly_frame(periods=600)))
    with pytest.raises(StoreWriteError) as caught:
        store.write([big])
    assert "No space left on device" in str(caught.value)
    assert str(store.path) in str(caught.value)
    assert not store.path.with_name("forecast.duckdb.wal").exists()
    assert digest(store.path) == before
    filler.unlink()
    pd.testing.assert_frame_equal(store.read("brent_usd"), monthly_frame())


# -- 3. corrupt or foreign files -------------------------------------------------------------


def _foreign(path: Path) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE trades (id INTEGER, price DOUBLE)")
        con.execute("INSERT INTO trades VALUES (1, 2.5)")


def _truncated(path: Path) -> None:
    Store(path).write([update(capped(monthly_frame(periods=400)))])
    with duckdb.connect(str(path)) as con:
        con.execute("CHECKPOINT")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


BAD_FILES = {
    "text": (lambda p: p.write_text("date,value\n2020-01-01,1\n"), "not a forecast store"),
    "empty": (lambda p: p.write_bytes(b""), "not a forecast store"),
    "foreign": (_foreign, "not a forecast store"),
    "truncated": (_truncated, "damaged"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_file_is_refused_in_one_line_and_never_modified(tmp_path: Path, case: str) -> None:
    path = tmp_path / "forecast.duckdb"
    make, expected = BAD_FILES[case]
    make(path)
    before = digest(path)
    store = Store(path)
    calls = [
        store.status,
        lambda: store.read_many(["brent_usd"]),
        lambda: store.plan([update(monthly_frame())]),
        lambda: store.write([update(monthly_frame())]),
    ]
    for call in calls:
        with pytest.raises(StoreFormatError) as caught:
            call()
        assert str(caught.value).startswith(f"{path}: {expected}"), str(caught.value)
        assert "\n" not in str(caught.value)
    assert digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["forecast.duckdb"]


# -- 4. the guard ----------------------------------------------------------------------------


def test_blanking_a_series_is_refused_unless_accepted(store: Store) -> None:
    cpi = monthly_frame(periods=120).assign(value=lambda f: f["value"] + 200)
    store.write([update(cpi, "us_cpi")])
    blank = cpi.assign(value=np.nan)
    message = (
        r"us_cpi: refused: this update would blank 120 of the 120 stored values \(limit 2%\); "
        r"nothing was written\. .*accept_revisions=True"
    )
    with pytest.raises(RevisionGuardError, match=message):
        store.plan([update(blank, "us_cpi")])
    with pytest.raises(RevisionGuardError, match=message):
        store.write([update(blank, "us_cpi")])
    assert len(store.vintages()) == 1
    (report,) = store.write([update(blank, "us_cpi")], accept_revisions=True)
    assert report.revised == 120


def test_revising_a_whole_series_is_refused_but_a_few_revisions_pass(store: Store) -> None:
    brent = capped(monthly_frame(periods=463))
    store.write([update(brent)])
    halved = brent.assign(value=lambda f: f["value"] / 2)
    with pytest.raises(RevisionGuardError, match="revise 463 of the 463 stored values"):
        store.write([update(halved)])
    recent = brent.copy()
    recent.loc[recent.index[-12:], "value"] += 1.0  # twelve revisions: always allowed
    (report,) = store.write([update(recent)])
    assert report.revised == 12
    (report,) = store.plan([update(halved)], accept_revisions=True)
    assert report.revised == 463


def test_a_series_whose_history_is_recomputed_may_be_revised_whole(store: Store) -> None:
    index = monthly_frame(periods=200).assign(value=lambda f: f["value"] - 60)
    store.write([update(index, "kilian_rea")])
    (report,) = store.write([update(index.assign(value=index["value"] * 0.9), "kilian_rea")])
    assert report.revised == 200


def test_filling_missing_values_is_not_a_revision(store: Store) -> None:
    cpi = monthly_frame(periods=100).assign(value=lambda f: f["value"] + 200)
    gappy = cpi.copy()
    gappy.loc[10:60, "value"] = np.nan
    store.write([update(gappy, "us_cpi")])
    (report,) = store.write([update(cpi, "us_cpi")])
    assert report.revised == 51
