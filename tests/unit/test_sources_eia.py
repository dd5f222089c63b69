"""EIA API v2 international data: facets, pagination, parsing and refusing bad answers."""

import json
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest

from forecast.errors import DataSourceError, DataValidationError
from forecast.sources import eia
from forecast.sources._http import RetryPolicy
from tests.fakes import (
    EIA_KEY,
    EIA_PATH,
    FakeServer,
    Query,
    Reply,
    eia_page,
    eia_responder,
    eia_rows,
    monthly,
    shared_frame,
)

FAST = RetryPolicy(timeout=2, attempts=2, backoff=0, sleep=lambda _s: None)
VEN = monthly("2024-01-01", "2025-08-01", np.linspace(850, 1000, 20).round(3))


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer() as fake:
        yield fake


def fetch(server: FakeServer, series_id: str = "venezuela_crude_production_kbd", **kw: int):
    return eia.fetch_series(series_id, key=EIA_KEY, base=server.url, policy=FAST, **kw)


def test_codes_map_to_api_v2_facets() -> None:
    assert eia.facets("INTL.57-1-WORL-TBPD.M") == {
        "productId": "57",
        "activityId": "1",
        "countryRegionId": "WORL",
        "unit": "TBPD",
        "frequency": "monthly",
    }
    with pytest.raises(DataSourceError, match="not of the form"):
        eia.facets("PET.RBRTE.D")


def test_fetch_sends_the_documented_query_and_parses_months(server: FakeServer) -> None:
    server.route(EIA_PATH, eia_responder({"VEN": VEN}))
    got = fetch(server)
    pd.testing.assert_frame_equal(got.frame, VEN)
    _, query = server.requests[0]
    assert {k: v[0] for k, v in query.items()} == {
        "api_key": EIA_KEY,
        "frequency": "monthly",
        "data[0]": "value",
        "facets[activityId][]": "1",
        "facets[productId][]": "57",
        "facets[countryRegionId][]": "VEN",
        "facets[unit][]": "TBPD",
        "sort[0][column]": "period",
        "sort[0][direction]": "asc",
        "offset": "0",
        "length": "5000",
    }
    assert EIA_KEY not in got.origin
    assert "facets[countryRegionId][]=VEN" in got.origin


def test_pages_are_followed_until_total(server: FakeServer) -> None:
    server.route(EIA_PATH, eia_responder({"VEN": VEN}, max_length=7))
    got = fetch(server, page_size=7)
    pd.testing.assert_frame_equal(got.frame, VEN)
    offsets = [q["offset"][0] for _, q in server.requests]
    assert offsets == ["0", "7", "14"]


def test_numeric_total_and_values_are_accepted_too(server: FakeServer) -> None:
    rows = eia_rows("VEN", VEN)
    for row in rows:
        row["value"] = float(row["value"])

    def respond(query: Query) -> Reply:
        page = json.loads(eia_page(rows, query).payload)
        page["response"]["total"] = len(rows)
        return Reply(body=json.dumps(page), content_type="application/json")

    server.route(EIA_PATH, respond)
    pd.testing.assert_frame_equal(fetch(server).frame, VEN)


def test_months_not_available_at_the_ends_are_dropped(server: FakeServer) -> None:
    padded = pd.concat(
        [
            monthly("2023-11-01", "2023-12-01", np.nan),
            VEN,
            monthly("2025-09-01", "2025-09-01", np.nan),
        ],
        ignore_index=True,
    )
    server.route(EIA_PATH, eia_responder({"VEN": padded}))
    pd.testing.assert_frame_equal(fetch(server).frame, VEN)


def test_a_month_not_available_inside_the_series_fails(server: FakeServer) -> None:
    holed = VEN.copy()
    holed.loc[5, "value"] = np.nan
    server.route(EIA_PATH, eia_responder({"VEN": holed}))
    with pytest.raises(DataValidationError, match=r"row 6, column 'value'.*no empty values"):
        fetch(server)


def test_values_failing_the_schema_name_the_row(server: FakeServer) -> None:
    wrong_unit = VEN.assign(value=VEN["value"] * 1000)  # barrels, not thousands
    server.route(EIA_PATH, eia_responder({"VEN": wrong_unit}))
    with pytest.raises(DataValidationError, match=r"row 1, column 'value'.*plausible range"):
        fetch(server)


def test_unparseable_period_and_value_are_reported_together() -> None:
    rows = eia_rows("VEN", VEN.head(3))
    rows[1]["period"] = "2024-13"
    rows[2]["value"] = "lots"
    with pytest.raises(DataValidationError) as caught:
        eia.parse_rows(rows, "venezuela_crude_production_kbd", origin="eia")
    message = str(caught.value)
    assert "row 2, column 'date': failed 'period parses (YYYY-MM)'" in message
    assert "row 3, column 'value': failed 'value is a number'" in message


def test_rows_for_another_area_or_unit_are_refused() -> None:
    rows = eia_rows("WORL", VEN.head(2))
    with pytest.raises(DataSourceError, match="row 1 is for countryRegionId='WORL', not 'VEN'"):
        eia.parse_rows(rows, "venezuela_crude_production_kbd", origin="eia")
    rows = eia_rows("VEN", VEN.head(2))
    rows[1]["unit"] = "TBPY"
    with pytest.raises(DataSourceError, match="row 2 is for unit='TBPY', not 'TBPD'"):
        eia.parse_rows(rows, "venezuela_crude_production_kbd", origin="eia")


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (Reply(body="<html><body>Maintenance</body></html>"), "not JSON"),
        (Reply(body='{"error": "Invalid frequency"}'), "EIA answered with an error"),
        (Reply(body='{"response": {"total": "3"}}'), "no response.data list"),
        (Reply(body='{"response": {"total": "many", "data": []}}'), "response.total is 'many'"),
        (Reply(body="[1, 2]"), "not a JSON object"),
        (Reply(body='{"response": {"total": "0", "data": []}}'), "returned no observations"),
    ],
    ids=["html", "error", "no-data", "bad-total", "not-object", "empty"],
)
def test_answers_eia_should_not_send_are_refused(
    server: FakeServer, reply: Reply, message: str
) -> None:
    server.route(EIA_PATH, reply)
    with pytest.raises(DataSourceError, match=message):
        fetch(server)


def test_a_page_that_stops_early_fails_the_series(server: FakeServer) -> None:
    rows = eia_rows("VEN", VEN)
    server.route(EIA_PATH, lambda query: eia_page(rows, query, total=len(rows) + 5))
    with pytest.raises(DataSourceError, match="announced 25 rows but the page at offset 20 had 0"):
        fetch(server)


def test_invalid_key_is_a_client_error_not_retried_and_not_shown(server: FakeServer) -> None:
    server.route(EIA_PATH, eia_responder({"VEN": VEN}, key="another-key"))
    with pytest.raises(DataSourceError, match=r"HTTP 403.*API_KEY_INVALID.*not retried") as caught:
        fetch(server)
    assert EIA_KEY not in str(caught.value)
    assert server.hits(EIA_PATH) == 1


def test_key_and_base_from_environment() -> None:
    assert eia.api_key({}) is None
    assert eia.api_key({"EIA_API_KEY": "  "}) is None
    assert eia.api_key({"EIA_API_KEY": "k"}) == "k"
    assert eia.base_url({}) == "https://api.eia.gov"
    assert eia.base_url({"FORECAST_EIA_URL": "http://127.0.0.1:1"}) == "http://127.0.0.1:1"


@pytest.mark.shared_data
def test_real_world_production_through_paginated_api(server: FakeServer) -> None:
    world = shared_frame("eia_world_crude_oil_production_monthly.csv", "world_crude_production_kbd")
    server.route(EIA_PATH, eia_responder({"WORL": world}, max_length=250))
    got = fetch(server, "world_crude_production_kbd", page_size=250)
    pd.testing.assert_frame_equal(got.frame, world)
    assert server.hits(EIA_PATH) == -(-len(world) // 250)


@pytest.mark.network
def test_live_eia_download() -> None:
    key = eia.api_key()
    if key is None:
        pytest.skip("needs EIA_API_KEY")
    got = eia.fetch_series("venezuela_crude_production_kbd", key=key, base=eia.DEFAULT_URL)
    assert got.frame["value"].between(0, 5000).all()
