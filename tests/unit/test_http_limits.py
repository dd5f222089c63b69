"""The shared HTTP GET under hostile servers: deadlines, a body cap, http(s) only, secrets
scrubbed wherever a server echoes them, and what a connection failure means."""

import errno
import socket
import time
from collections.abc import Iterator

import pytest

from forecast.errors import DataSourceError
from forecast.sources._http import RetryPolicy, check_base, describe_os_error, get, scrub
from tests.fakes import FakeServer, Reply

KEY = "secret-key-9876543210"


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer() as fake:
        yield fake


def policy(**kw: float) -> RetryPolicy:
    settings: dict[str, float] = {"timeout": 2.0, "attempts": 2, "backoff": 0.0, **kw}
    return RetryPolicy(
        timeout=settings["timeout"],
        attempts=int(settings["attempts"]),
        backoff=settings["backoff"],
        deadline=settings.get("deadline", 300.0),
        max_bytes=int(settings.get("max_bytes", 1 << 20)),
        sleep=lambda _s: None,
    )


def test_a_trickled_body_stops_at_the_deadline(server: FakeServer) -> None:
    # 2 bytes every 0.2 s: each read is quick, so only an overall deadline can stop it.
    server.route("/a", Reply(body="x" * 400, trickle=0.2))
    started = time.monotonic()
    with pytest.raises(
        DataSourceError, match=r"within the deadline of 1 s \(\$FORECAST_HTTP_DEADLINE"
    ):
        get(server.url + "/a", policy=policy(deadline=1.0))
    assert time.monotonic() - started < 3.0
    assert server.hits("/a") == 1, "no retry once the deadline has passed"


def test_the_source_budget_bounds_every_request_of_the_source(server: FakeServer) -> None:
    server.route("/a", Reply(body="x" * 400, trickle=0.2))
    source = RetryPolicy(timeout=2, attempts=1, source_deadline=0.5).for_source()
    with pytest.raises(
        DataSourceError, match=r"deadline of 0.5 s \(\$FORECAST_HTTP_SOURCE_DEADLINE"
    ):
        get(server.url + "/a", policy=source)


def test_a_body_over_the_cap_is_refused_announced_or_streamed(server: FakeServer) -> None:
    server.route("/announced", Reply(body="x" * 5000))
    server.route("/streamed", Reply(body="x" * 300_000, length=-1))
    for path in ("/announced", "/streamed"):
        with pytest.raises(
            DataSourceError, match=r"larger than 1,000 bytes \(\$FORECAST_HTTP_MAX_BYTES"
        ):
            get(server.url + path, policy=policy(max_bytes=1000))
        assert server.hits(path) == 1, "not retried"
    assert get(server.url + "/streamed", policy=policy()).body == b"x" * 300_000


def test_only_http_and_https_are_fetched(tmp_path: object) -> None:
    with pytest.raises(DataSourceError, match=r"FORECAST_FRED_URL='file:///etc'.*only http"):
        check_base("file:///etc", "FORECAST_FRED_URL")
    with pytest.raises(DataSourceError, match="only http"):
        get("file:///etc/passwd", policy=policy())
    assert check_base("https://api.eia.gov", "X") == "https://api.eia.gov"


def test_a_secret_in_the_reason_phrase_or_error_body_is_scrubbed(server: FakeServer) -> None:
    server.route("/a", Reply(403, f"bad key {KEY}", "text/plain", reason=f"Forbidden {KEY}"))
    with pytest.raises(DataSourceError) as raised:
        get(f"{server.url}/a?api_key={KEY}", secrets=("api_key",), policy=policy())
    assert KEY not in str(raised.value)
    assert "Forbidden ***" in str(raised.value)
    server.route("/b", Reply(503, "busy", "text/plain", reason=f"Down {KEY}"))
    with pytest.raises(DataSourceError) as raised:
        get(f"{server.url}/b?api_key={KEY}", secrets=("api_key",), policy=policy())
    assert KEY not in str(raised.value)


def test_scrub_replaces_plain_and_url_encoded_forms() -> None:
    assert scrub("a k+y/1 b k%2By%2F1 c", ["k+y/1"]) == "a *** b *** c"
    assert scrub("nothing", ["", None]) == "nothing"


def test_connection_failures_say_what_they_mean() -> None:
    unreachable = OSError(errno.ENETUNREACH, "Network is unreachable")
    assert describe_os_error(unreachable).startswith("network unreachable")
    assert describe_os_error(socket.gaierror(-2, "Name or service not known")).startswith(
        "cannot resolve the host name"
    )
    refused = ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")
    assert describe_os_error(refused).startswith("connection refused")


def test_new_limits_come_from_the_environment() -> None:
    env = {
        "FORECAST_HTTP_DEADLINE": "9",
        "FORECAST_HTTP_SOURCE_DEADLINE": "99",
        "FORECAST_HTTP_MAX_BYTES": "1234",
        "FORECAST_HTTP_MAX_PAGES": "7",
    }
    got = RetryPolicy.from_env(env)
    assert (got.deadline, got.source_deadline, got.max_bytes, got.max_pages) == (9, 99, 1234, 7)
    with pytest.raises(DataSourceError, match="FORECAST_HTTP_MAX_PAGES='0' is not a valid"):
        RetryPolicy.from_env({"FORECAST_HTTP_MAX_PAGES": "0"})
