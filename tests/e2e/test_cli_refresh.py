"""``forecast refresh`` end to end, against a local FRED/EIA server on 127.0.0.1 and a faked
yfinance: in-process through click's runner, and in subprocesses for SIGKILL and locking."""

import hashlib
import json
import os
import select
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner, Result
from yfinance.exceptions import YFRateLimitError

from forecast.cli import EXIT_ERROR, EXIT_LOCKED, EXIT_OK, EXIT_USAGE, cli
from forecast.sources import yahoo
from forecast.store import Store
from tests.e2e.test_cli_data import status_json
from tests.fakes import (
    EIA_KEY,
    EIA_PATH,
    FRED_PATH,
    FRED_SHARED,
    FakeServer,
    Reply,
    eia_responder,
    fred_csv,
    fred_shared_csvs,
    monthly,
    route_fred,
    weekdays,
    yf_empty,
    yf_frame,
)

REPO = Path(__file__).resolve().parents[2]
FAST_ENV = {
    "FORECAST_HTTP_TIMEOUT": "2",
    "FORECAST_HTTP_ATTEMPTS": "2",
    "FORECAST_HTTP_BACKOFF": "0",
}


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeServer]:
    """A fake FRED and EIA; the environment points forecast at it, with fast retries."""
    with FakeServer() as fake:
        monkeypatch.setenv("FORECAST_FRED_URL", fake.url)
        monkeypatch.setenv("FORECAST_EIA_URL", fake.url)
        for name, value in FAST_ENV.items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("EIA_API_KEY", raising=False)
        monkeypatch.delenv("FORECAST_STORE", raising=False)
        yield fake


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path / "forecast.duckdb"


def refresh(store: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["refresh", "--store", str(store), *args])


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def last_dates(store: Path) -> dict[str, str]:
    return {row["series_id"]: row["last_date"] for row in status_json(store)["series"]}


def prices(end: str, level: float = 70.0) -> pd.DataFrame:
    frame = monthly("2023-01-01", end, level)
    frame["value"] += frame.index / 8
    return frame


def serve_monthly(server: FakeServer, end: str) -> None:
    route_fred(server, {
        "MCOILBRENTEU": fred_csv("MCOILBRENTEU", prices(end)),
        "MCOILWTICO": fred_csv("MCOILWTICO", prices(end, level=66.0)),
    })  # fmt: skip


# -- the "done when" -------------------------------------------------------------------


@pytest.mark.shared_data
def test_done_when_served_months_arrive_and_bad_answers_change_nothing(
    server: FakeServer, store: Path
) -> None:
    route_fred(server, fred_shared_csvs(through="2025-06-30"))
    first = refresh(store, "--source", "fred")
    assert first.exit_code == EXIT_OK, first.output
    assert last_dates(store) == {
        "brent_usd": "2025-06-01", "wti_usd": "2025-06-01", "brent_spot_daily_usd": "2025-06-30",
        "wti_spot_daily_usd": "2025-06-30", "us_cpi": "2025-06-01", "kilian_rea": "2025-06-01",
    }  # fmt: skip
    assert first.stderr.count(": ok, vintage") == 6

    route_fred(server, fred_shared_csvs())  # five more months
    second = refresh(store, "--source", "fred", "--json")
    assert second.exit_code == EXIT_OK, second.output
    assert last_dates(store) == {
        "brent_usd": "2025-11-01", "wti_usd": "2025-11-01", "brent_spot_daily_usd": "2025-11-28",
        "wti_spot_daily_usd": "2025-11-28", "us_cpi": "2025-11-01", "kilian_rea": "2025-11-01",
    }  # fmt: skip
    added = {s["series_id"]: s["added"] for s in json.loads(second.stdout)["series"]}
    assert added["brent_usd"] == 5
    assert added["us_cpi"] == 5, "October 2025 (no release) arrives as an empty month"

    before, before_bytes = status_json(store), digest(store)
    body = fred_shared_csvs()["MCOILBRENTEU"]
    page = "<html><title>Maintenance</title></html>"
    bad_answers = {
        "persistent 500": Reply(500, "Internal Server Error", "text/plain"),
        "HTML with 200": Reply(body=page, content_type="text/html"),
        "truncated body": Reply(body=body[:-4]),
        "cut short of Content-Length": Reply(body=body, length=len(body) + 99),
    }
    for case, reply in bad_answers.items():
        route_fred(server, dict.fromkeys(FRED_SHARED, reply))
        result = refresh(store, "--source", "fred")
        assert result.exit_code == EXIT_ERROR, case
        assert "refresh: 6 series failed: fred:brent_usd, fred:wti_usd" in result.stderr, case
        assert status_json(store) == before, case
        assert digest(store) == before_bytes, case


# -- CLI behaviour (synthetic data, no shared folder needed) -----------------------------------


def test_first_load_then_incremental_then_unchanged(server: FakeServer, store: Path) -> None:
    serve_monthly(server, "2025-06-01")
    first = refresh(store, "--source", "fred", "--series", "brent_usd", "--series", "wti_usd")
    assert first.exit_code == EXIT_OK, first.output
    assert "fred brent_usd: ok, vintage 1 written (30 added" in first.stderr
    assert first.stdout.startswith("refresh: 2 ok; store ")
    serve_monthly(server, "2025-08-01")
    second = refresh(store, "--series", "brent_usd", "--series", "wti_usd")
    assert "fred brent_usd: ok, vintage 3 written (2 added, 0 revised" in second.stderr
    third = refresh(store, "--series", "brent_usd", "--series", "wti_usd")
    assert third.exit_code == EXIT_OK
    assert third.stdout.startswith("refresh: 2 unchanged")
    assert last_dates(store) == {"brent_usd": "2025-08-01", "wti_usd": "2025-08-01"}


def test_500_then_success_is_retried(server: FakeServer, store: Path) -> None:
    body = fred_csv("MCOILBRENTEU", prices("2025-06-01"))
    server.route(FRED_PATH, [Reply(500), Reply(body=body)], id="MCOILBRENTEU")
    quiet = refresh(store, "--series", "brent_usd", "--dry-run")
    assert quiet.exit_code == EXIT_OK, quiet.output
    assert quiet.stderr.count("\n") == 1, "one line per series; retries only with --verbose"
    server.route(FRED_PATH, [Reply(500), Reply(body=body)], id="MCOILBRENTEU")
    result = refresh(store, "--series", "brent_usd", "--verbose")
    assert result.exit_code == EXIT_OK, result.output
    assert "HTTP 500 Internal Server Error; retrying in 0 s" in result.stderr, "--verbose"
    assert server.hits(FRED_PATH, id="MCOILBRENTEU") == 4


def test_timeout_fails_with_its_own_message(
    server: FakeServer, store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORECAST_HTTP_TIMEOUT", "0.2")
    server.route(FRED_PATH, Reply(body="late\n", delay=3), id="MCOILBRENTEU")
    result = refresh(store, "--series", "brent_usd")
    assert result.exit_code == EXIT_ERROR
    assert "no response within 0.2 s (gave up after 2 attempts)" in result.stderr
    assert not store.exists()


def test_json_summary_is_machine_readable(server: FakeServer, store: Path) -> None:
    serve_monthly(server, "2025-06-01")
    server.route(FRED_PATH, Reply(404, "Not Found"), id="CPIAUCSL")
    result = refresh(store, "--series", "brent_usd", "--series", "us_cpi", "--json")
    assert result.exit_code == EXIT_ERROR
    summary = json.loads(result.stdout)
    assert set(summary) == {"store", "dry_run", "ok", "counts", "series", "exit_code", "error"}
    assert (summary["exit_code"], summary["ok"], summary["store"]) == (1, False, str(store))
    assert summary["error"] is None
    assert [(s["series_id"], s["status"]) for s in summary["series"]] == [
        ("brent_usd", "ok"),
        ("us_cpi", "failed"),
    ]
    assert "refresh: 1 series failed: fred:us_cpi" in result.stderr


def test_dry_run_fetches_validates_and_writes_nothing(server: FakeServer, store: Path) -> None:
    serve_monthly(server, "2025-06-01")
    result = refresh(store, "--series", "brent_usd", "--dry-run")
    assert result.exit_code == EXIT_OK
    assert "would write a new vintage (30 added" in result.stderr
    assert "dry run: nothing written" in result.stdout
    assert not store.exists()


def test_eia_without_key_is_skipped_in_one_line(server: FakeServer, store: Path) -> None:
    result = refresh(store, "--source", "eia")
    assert result.exit_code == EXIT_OK
    assert result.stderr.count("\n") == 1
    assert (
        "eia: skipped world_crude_production_kbd, venezuela_crude_production_kbd: " in result.stderr
    )
    assert "EIA_API_KEY is not set" in result.stderr
    assert server.requests == []


def test_eia_with_key(server: FakeServer, store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EIA_API_KEY", EIA_KEY)
    server.route(EIA_PATH, eia_responder({
        "WORL": monthly("2020-01-01", "2023-10-01", 81_000.0),
        "VEN": monthly("2020-01-01", "2025-08-01", 950.0),
    }, max_length=12))  # fmt: skip
    result = refresh(store, "--source", "eia")
    assert result.exit_code == EXIT_OK, result.output
    assert last_dates(store) == {
        "world_crude_production_kbd": "2023-10-01",
        "venezuela_crude_production_kbd": "2025-08-01",
    }
    assert EIA_KEY not in result.output
    assert EIA_KEY not in json.dumps(status_json(store))


def fake_yahoo(monkeypatch: pytest.MonkeyPatch, answer: Any) -> None:
    def download(tickers: list[str], start: object, end: object) -> pd.DataFrame:
        if isinstance(answer, BaseException):
            raise answer
        return answer(tickers[0])

    monkeypatch.setattr(yahoo, "_download", download)


def test_yahoo_loads_and_an_empty_frame_fails(
    server: FakeServer, store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    closes = {"BZ=F": weekdays("2025-10-01", "2025-11-28", 63.0)}
    fake_yahoo(
        monkeypatch,
        lambda t: yf_frame(closes, tz="Europe/London") if t in closes else yf_empty([t]),
    )
    result = refresh(store, "--source", "yahoo")
    assert result.exit_code == EXIT_ERROR
    assert "yahoo brent_front_month_usd: ok, vintage 1 written" in result.stderr
    assert "yahoo wti_front_month_usd: FAILED: yahoo:CL=F" in result.stderr
    assert "returned no prices for CL=F" in result.stderr
    assert last_dates(store) == {"brent_front_month_usd": "2025-11-28"}


def test_yahoo_rate_limit_fails_after_retries(
    server: FakeServer, store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_yahoo(monkeypatch, YFRateLimitError())
    result = refresh(store, "--series", "wti_front_month_usd")
    assert result.exit_code == EXIT_ERROR
    assert "rate limit (YFRateLimitError), gave up after 2 attempts" in result.stderr


@pytest.mark.parametrize(
    "args",
    [["--source", "ecb"], ["--series", "brnt"], ["--source", "eia", "--series", "us_cpi"],
     ["--lock-timeout", "-1"]],
    ids=["unknown-source", "unknown-series", "series-not-in-source", "negative-timeout"],
)  # fmt: skip
def test_usage_errors_exit_2(server: FakeServer, store: Path, args: list[str]) -> None:
    result = refresh(store, *args)
    assert result.exit_code == EXIT_USAGE, result.output
    assert not store.exists()


def test_help_documents_exit_codes_and_environment() -> None:
    text = CliRunner().invoke(cli, ["refresh", "--help"]).stdout
    needles = ["Exit codes:", "  0 ", "  1 ", "  2 ", "  75 ", "EIA_API_KEY", "FORECAST_FRED_URL"]
    for needle in [*needles, "--lock-timeout SECONDS", "--dry-run", "--json"]:
        assert needle in text, needle


# -- subprocesses: SIGKILL during the write, two refreshes at once ---------------------------

# Runs ``forecast`` with the store's per-series write step slowed down INSIDE the open
# transaction: it prints a marker after a series' rows are inserted (not committed), then
# waits until the file $RELEASE exists. The library itself has no test hook.
HOLD_IN_TRANSACTION = textwrap.dedent("""
    import os, sys, time
    from forecast import store

    original = store.Store._write_one

    def write_one_then_wait(self, con, update, *args):
        report = original(self, con, update, *args)
        print("IN-TRANSACTION", update.series_id, file=sys.stderr, flush=True)
        while not os.path.exists(os.environ["RELEASE"]):
            time.sleep(0.02)
        return report

    store.Store._write_one = write_one_then_wait
    from forecast.cli import main
    sys.argv[0] = "forecast"
    main()
""")


def child_env(server: FakeServer, **extra: str) -> dict[str, str]:
    env = {**os.environ, "FORECAST_FRED_URL": server.url, **FAST_ENV, **extra}
    env.pop("EIA_API_KEY", None)
    return env


def start(args: list[str], env: dict[str, str], *, hold: bool = False) -> subprocess.Popen[str]:
    code = ["-c", HOLD_IN_TRANSACTION] if hold else ["-m", "forecast"]
    return subprocess.Popen(
        [sys.executable, *code, *args], env=env, cwd=REPO, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


def wait_for_line(proc: subprocess.Popen[str], marker: str, timeout: float = 60) -> str:
    """Read the child's stderr until a line contains ``marker``."""
    assert proc.stderr is not None
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stderr], [], [], 0.1)
        if ready:
            line = proc.stderr.readline()
            if not line:
                break
            seen.append(line)
            if marker in line:
                return line
    proc.kill()
    proc.communicate()
    pytest.fail(f"no {marker!r} from the child; its stderr was:\n{''.join(seen)}")


def test_sigkill_during_the_write_leaves_the_last_good_vintage(
    server: FakeServer, store: Path, tmp_path: Path
) -> None:
    serve_monthly(server, "2025-06-01")
    series = ["--series", "brent_usd", "--series", "wti_usd"]
    assert refresh(store, *series).exit_code == EXIT_OK
    before = status_json(store)
    brent_before = Store(store).read("brent_usd")

    revised = prices("2025-09-01")
    revised.loc[3, "value"] = 99.0
    route_fred(server, {"MCOILBRENTEU": fred_csv("MCOILBRENTEU", revised)})
    env = child_env(server, RELEASE=str(tmp_path / "never"))
    child = start(["refresh", "--store", str(store), *series], env, hold=True)
    wait_for_line(child, "IN-TRANSACTION brent_usd")  # rows inserted, not committed
    child.send_signal(signal.SIGKILL)
    child.communicate(timeout=30)
    assert child.returncode == -signal.SIGKILL

    assert status_json(store) == before, "the store opens, exactly as before the write"
    pd.testing.assert_frame_equal(Store(store).read("brent_usd"), brent_before)
    assert len(Store(store).vintages()) == 2

    after = refresh(store, *series)  # and the next run completes the job
    assert after.exit_code == EXIT_OK, after.output
    assert "fred brent_usd: ok, vintage 3 written (3 added, 1 revised" in after.stderr


def test_two_refreshes_at_once_second_exits_75_or_waits(
    server: FakeServer, store: Path, tmp_path: Path
) -> None:
    serve_monthly(server, "2025-06-01")
    release = tmp_path / "release"
    env = child_env(server, RELEASE=str(release))
    args = ["refresh", "--store", str(store), "--series", "brent_usd"]
    holder = start(args, env, hold=True)
    try:
        wait_for_line(holder, "IN-TRANSACTION brent_usd")  # holds the write lock

        impatient = subprocess.run(
            [sys.executable, "-m", "forecast", *args, "--json"], env=env, cwd=REPO,
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert impatient.returncode == EXIT_LOCKED, impatient.stderr
        assert "locked by another forecast process" in impatient.stderr
        summary = json.loads(impatient.stdout)
        assert (summary["exit_code"], summary["ok"], summary["series"]) == (EXIT_LOCKED, False, [])
        assert "locked by another forecast process" in summary["error"]

        patient = start([*args, "--lock-timeout", "60"], env)
        time.sleep(1.5)
        assert patient.poll() is None, "the second refresh waits for the lock"
        release.touch()
        assert holder.wait(timeout=60) == EXIT_OK
        out, err = patient.communicate(timeout=60)
        assert patient.returncode == EXIT_OK, err
        assert out.startswith("refresh: 1 unchanged"), "it saw the first one's vintage"
    finally:
        release.touch()
        holder.kill()
        holder.communicate()

    status = status_json(store)["series"]
    assert [(s["series_id"], s["vintage_id"], s["vintages"]) for s in status] == [
        ("brent_usd", 1, 1)
    ]
