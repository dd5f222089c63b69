"""forecast.refresh against hostile answers: each bad series fails alone with one line, the
others are written; the revision guard; EIA paging that ignores offset; secrets echoed."""

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from forecast.refresh import RefreshResult, refresh
from forecast.sources._http import RetryPolicy
from tests.fakes import (
    EIA_KEY,
    EIA_PATH,
    FakeServer,
    Reply,
    eia_rows,
    fred_csv,
    monthly,
    route_fred,
)

TODAY = date(2025, 12, 1)
FAST = RetryPolicy(timeout=2, attempts=2, backoff=0, sleep=lambda _s: None)
BRENT = "MCOILBRENTEU"


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer() as fake:
        yield fake


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "forecast.duckdb"


@pytest.fixture(autouse=True)
def _no_eia_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EIA_API_KEY", raising=False)


def run(server: FakeServer, path: Path, *series: str, **kw: Any) -> RefreshResult:
    options: dict[str, Any] = {
        "store": path, "fred_url": server.url, "eia_url": server.url, "policy": FAST,
        "today": TODAY, **kw,
    }  # fmt: skip
    return refresh(None, list(series), **options)


def status(result: RefreshResult) -> dict[str, str]:
    return {s.series_id: s.status for s in result.series}


def message(result: RefreshResult, series_id: str) -> str:
    (record,) = [s for s in result.series if s.series_id == series_id]
    return record.message


def good_wti(server: FakeServer) -> None:
    route_fred(
        server, {"MCOILWTICO": fred_csv("MCOILWTICO", monthly("2024-01-01", "2025-06-01", 70))}
    )


def cpi(value: float) -> str:
    return fred_csv("CPIAUCSL", monthly("2020-01-01", "2025-06-01", value))


def test_a_history_of_missing_values_is_refused_unless_accepted(
    server: FakeServer, path: Path
) -> None:
    route_fred(server, {"CPIAUCSL": cpi(300.0)})
    assert run(server, path, "us_cpi").ok
    route_fred(server, {"CPIAUCSL": cpi(float("nan"))})  # FRED answering '.' for every value
    good_wti(server)
    result = run(server, path, "us_cpi", "wti_usd")
    assert status(result) == {"wti_usd": "ok", "us_cpi": "failed"}
    assert "us_cpi: refused: this update would blank 66 of the 66" in message(result, "us_cpi")
    assert "\n" not in message(result, "us_cpi")
    accepted = run(server, path, "us_cpi", accept_revisions=True)
    assert status(accepted) == {"us_cpi": "ok"}


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (f"observation_date,{BRENT}\n2024-01-01,80\n2300-01-01,81\n", "OutOfBoundsDatetime"),
        (
            f"observation_date,{BRENT}\n2024-01-01T00:00:00+01:00,80\n2024-02-01T00:00:00+05:00,81\n",
            "ValueError",
        ),
    ],
)
def test_one_odd_value_fails_its_series_alone(
    server: FakeServer, path: Path, body: str, kind: str
) -> None:
    route_fred(server, {BRENT: body})
    good_wti(server)
    result = run(server, path, "brent_usd", "wti_usd")
    assert status(result) == {"brent_usd": "failed", "wti_usd": "ok"}
    text = message(result, "brent_usd")
    assert text.startswith(f"fred brent_usd: could not parse or validate the answer: {kind}:")
    assert "\n" not in text
    assert len(text) < 400


def test_a_file_url_is_refused_in_one_line(server: FakeServer, path: Path) -> None:
    result = run(server, path, "wti_usd", fred_url="file:///etc")
    assert status(result) == {"wti_usd": "failed"}
    assert message(result, "wti_usd") == (
        "FORECAST_FRED_URL='file:///etc': only http:// and https:// URLs can be fetched"
    )


def eia_json(payload: object) -> Reply:
    return Reply(body=json.dumps(payload), content_type="application/json")


def test_deeply_nested_eia_json_fails_the_series_not_the_refresh(
    server: FakeServer, path: Path
) -> None:
    server.route(
        EIA_PATH, Reply(body="[" * 200_000 + "]" * 200_000, content_type="application/json")
    )
    good_wti(server)
    result = run(server, path, "world_crude_production_kbd", "wti_usd", eia_api_key=EIA_KEY)
    assert status(result) == {"wti_usd": "ok", "world_crude_production_kbd": "failed"}
    assert "nested too deeply" in message(result, "world_crude_production_kbd")


def test_eia_pages_that_ignore_offset_stop_at_the_second_page(
    server: FakeServer, path: Path
) -> None:
    rows = eia_rows("WORL", monthly("2020-01-01", "2020-03-01", 80_000))
    page = {"response": {"total": "9000", "data": rows}}  # the same rows whatever the offset
    server.route(EIA_PATH, eia_json(page))
    result = run(server, path, "world_crude_production_kbd", eia_api_key=EIA_KEY)
    assert "repeats the previous one" in message(result, "world_crude_production_kbd")
    assert server.hits(EIA_PATH) == 2


def test_eia_page_cap(server: FakeServer, path: Path) -> None:
    rows = eia_rows("WORL", monthly("2000-01-01", "2005-12-01", 80_000))

    def respond(query: dict[str, list[str]]) -> Reply:
        offset = int(query["offset"][0])
        return eia_json({"response": {"total": "72", "data": rows[offset : offset + 1]}})

    server.route(EIA_PATH, respond)
    capped = RetryPolicy(timeout=2, attempts=1, max_pages=5)
    result = run(server, path, "world_crude_production_kbd", eia_api_key=EIA_KEY, policy=capped)
    assert "needs more than 5 pages" in message(result, "world_crude_production_kbd")
    assert server.hits(EIA_PATH) == 5


@pytest.mark.parametrize(
    "reply",
    [
        eia_json({"error": f"invalid key {EIA_KEY} for this route"}),
        Reply(body=f"Key {EIA_KEY} is blocked", content_type="text/plain"),
    ],
)
def test_an_eia_key_echoed_in_a_200_answer_never_reaches_the_record(
    server: FakeServer, path: Path, reply: Reply
) -> None:
    server.route(EIA_PATH, reply)
    result = run(server, path, "world_crude_production_kbd", eia_api_key=EIA_KEY)
    text = message(result, "world_crude_production_kbd")
    assert text
    assert EIA_KEY not in text
    assert EIA_KEY not in json.dumps(result.to_dict())
    assert "***" in text
