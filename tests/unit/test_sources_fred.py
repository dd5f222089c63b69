"""FRED's fredgraph.csv: parsing, and refusing what FRED should not send."""

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest

from forecast.errors import DataSourceError, DataValidationError
from forecast.sources import fred
from forecast.sources._http import RetryPolicy
from tests.fakes import (
    FRED_PATH,
    FRED_SHARED,
    FakeServer,
    Reply,
    fred_csv,
    monthly,
    shared_frame,
)

FAST = RetryPolicy(timeout=2, attempts=2, backoff=0, sleep=lambda _s: None)
ORIGIN = "http://fred.test/graph/fredgraph.csv?id=MCOILBRENTEU"
BRENT = "observation_date,MCOILBRENTEU\n2025-09-01,67.99\n2025-10-01,64.54\n2025-11-01,63.8\n"


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer() as fake:
        yield fake


def parse(text: str, series_id: str = "brent_usd") -> pd.DataFrame:
    return fred.parse_fredgraph(text, series_id, origin=ORIGIN)


def test_parses_a_monthly_series() -> None:
    frame = parse(BRENT)
    assert frame["date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2025-09-01",
        "2025-10-01",
        "2025-11-01",
    ]
    assert frame["value"].tolist() == [67.99, 64.54, 63.8]
    assert frame["date"].dtype == "datetime64[ns]"


def test_older_date_header_is_accepted() -> None:
    assert len(parse(BRENT.replace("observation_date", "DATE"))) == 3


@pytest.mark.parametrize("missing", [".", ""])
def test_cpi_keeps_a_month_without_a_release(missing: str) -> None:
    text = f"observation_date,CPIAUCSL\n2025-09-01,324.4\n2025-10-01,{missing}\n2025-11-01,325.0\n"
    frame = parse(text, "us_cpi")
    assert frame["value"].isna().tolist() == [False, True, False]


def test_daily_holidays_are_dropped_before_validation() -> None:
    text = (
        "observation_date,DCOILWTICO\n2025-11-26,58.81\n2025-11-27,.\n2025-11-28,58.58\n"
        "2025-12-01,\n2025-12-02,59.1\n"
    )
    frame = parse(text, "wti_spot_daily_usd")
    assert frame["date"].dt.day.tolist() == [26, 28, 2]


def test_missing_value_in_a_monthly_price_fails_with_its_line() -> None:
    with pytest.raises(DataValidationError, match=r"line 3, column 'value'.*'no empty values'"):
        parse(BRENT.replace("64.54", "."))


def test_values_failing_the_schema_name_line_and_check() -> None:
    cents = BRENT.replace("64.54", "6454")
    with pytest.raises(DataValidationError, match=r"line 3.*plausible range") as caught:
        parse(cents)
    assert ORIGIN in str(caught.value)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "<!DOCTYPE html><html><head><title>FRED is down</title></head></html>",
            r"HTML page \('FRED is down'\) instead of CSV",
        ),
        ("\n  <html><body>Service Unavailable</body></html>\n", "HTML page instead of CSV"),
        ("", "empty body"),
        ("observation_date,MCOILWTICO\n2025-09-01,63.0\n", "unexpected CSV header"),
        ("date,value\n2025-09-01,63.0\n", "expected 'observation_date,MCOILBRENTEU'"),
        (BRENT[:-4], r"ends in the middle of a line \('2025-11-01,6'"),
        (BRENT.rstrip("\n"), "cut off"),
        (BRENT + "2025-12-01,61.1,extra\n", r"1 line\(s\) do not have 2 fields \(line 5"),
        (BRENT.replace("2025-10-01,64.54", "2025-10-01"), "do not have 2 fields"),
    ],
    ids=[
        "html-titled",
        "html",
        "empty",
        "other-series",
        "wrong-header",
        "cut-mid-row",
        "no-final-newline",
        "extra-field",
        "missing-field",
    ],
)
def test_payloads_fred_should_not_send_are_refused(body: str, message: str) -> None:
    with pytest.raises(DataSourceError, match=message):
        parse(body)


def test_fetch_over_http(server: FakeServer) -> None:
    server.route(FRED_PATH, Reply(body=BRENT), id="MCOILBRENTEU")
    got = fred.fetch_series("brent_usd", base=server.url, policy=FAST)
    assert got.origin == f"{server.url}/graph/fredgraph.csv?id=MCOILBRENTEU"
    assert got.frame["value"].tolist() == [67.99, 64.54, 63.8]
    assert len(got.sha256) == 64


def test_fetch_refuses_an_html_page_with_status_200(server: FakeServer) -> None:
    page = Reply(body="<p>Please verify you are a human</p>", content_type="text/html")
    server.route(FRED_PATH, page, id="MCOILBRENTEU")
    with pytest.raises(DataSourceError, match=r"HTML page instead of CSV data \(HTTP status 200\)"):
        fred.fetch_series("brent_usd", base=server.url, policy=FAST)


def test_fetch_retries_a_500(server: FakeServer) -> None:
    server.route(FRED_PATH, [Reply(500), Reply(body=BRENT)], id="MCOILBRENTEU")
    assert len(fred.fetch_series("brent_usd", base=server.url, policy=FAST).frame) == 3


def test_series_without_a_fred_code() -> None:
    with pytest.raises(DataSourceError, match="no FRED code"):
        fred.fetch_series("world_crude_production_kbd")


def test_base_url_from_environment() -> None:
    assert fred.base_url({}) == "https://fred.stlouisfed.org"
    assert fred.base_url({"FORECAST_FRED_URL": "http://127.0.0.1:9"}) == "http://127.0.0.1:9"


def test_fred_csv_builder_writes_holidays_like_fred() -> None:
    days = pd.DataFrame(
        {"date": pd.to_datetime(["2025-11-26", "2025-11-28"]), "value": [58.81, 58.58]}
    )
    text = fred_csv("DCOILWTICO", days)
    assert text == (
        "observation_date,DCOILWTICO\n2025-11-26,58.81\n2025-11-27,.\n2025-11-28,58.58\n"
    )
    assert fred_csv("CPIAUCSL", monthly("2025-01-01", "2025-02-01", np.nan), missing="") == (
        "observation_date,CPIAUCSL\n2025-01-01,\n2025-02-01,\n"
    )


@pytest.mark.shared_data
@pytest.mark.parametrize("code", list(FRED_SHARED))
def test_real_series_round_trip_through_fred_format(server: FakeServer, code: str) -> None:
    name, series_id = FRED_SHARED[code]
    expected = shared_frame(name, series_id)
    server.route(FRED_PATH, Reply(body=fred_csv(code, expected)), id=code)
    got = fred.fetch_series(series_id, base=server.url, policy=FAST)
    pd.testing.assert_frame_equal(got.frame, expected)


@pytest.mark.network
def test_live_fred_download() -> None:
    got = fred.fetch_series("brent_usd", base=fred.DEFAULT_URL)
    assert got.frame["date"].iloc[0] == pd.Timestamp("1987-05-01")
