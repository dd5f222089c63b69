"""The shared HTTP GET: timeouts, retries with backoff, no retry on client errors, redaction."""

import socket
from collections.abc import Iterator

import pytest

from forecast.errors import DataSourceError
from forecast.sources._http import RetryPolicy, build_url, get, redact
from tests.fakes import FakeServer, Reply


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer() as fake:
        yield fake


class Sleeps(list[float]):
    """A fake ``sleep`` that records the waits instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def policy(sleeps: Sleeps | None = None, **kw: float) -> RetryPolicy:
    settings = {"timeout": 2.0, "attempts": 3, "backoff": 0.5, **kw}
    return RetryPolicy(
        timeout=settings["timeout"],
        attempts=int(settings["attempts"]),
        backoff=settings["backoff"],
        sleep=sleeps if sleeps is not None else Sleeps(),
    )


def test_ok_response_is_returned_whole(server: FakeServer) -> None:
    server.route("/a", Reply(body="x,y\n1,2\n"))
    response = get(server.url + "/a", policy=policy())
    assert (response.status, response.text()) == (200, "x,y\n1,2\n")
    assert response.content_type == "text/csv"


def test_500_then_success_is_retried_with_backoff(server: FakeServer) -> None:
    server.route("/a", [Reply(500, "oops"), Reply(503, "busy"), Reply(body="ok\n")])
    sleeps = Sleeps()
    assert get(server.url + "/a", policy=policy(sleeps)).text() == "ok\n"
    assert sleeps == [0.5, 1.0], "exponential backoff"
    assert server.hits("/a") == 3


def test_persistent_500_gives_up_after_the_last_attempt(server: FakeServer) -> None:
    server.route("/a", Reply(500, "Internal Server Error", "text/plain"))
    with pytest.raises(DataSourceError, match=r"/a: HTTP 500 .*gave up after 3 attempts"):
        get(server.url + "/a", policy=policy())
    assert server.hits("/a") == 3


def test_429_is_retried_and_retry_after_is_honoured_up_to_the_cap(server: FakeServer) -> None:
    server.route("/a", [Reply(429, headers={"Retry-After": "3"}), Reply(body="ok\n")])
    sleeps = Sleeps()
    get(server.url + "/a", policy=policy(sleeps))
    assert sleeps == [3.0]
    server.route("/b", [Reply(429, headers={"Retry-After": "3600"}), Reply(body="ok\n")])
    capped = Sleeps()
    get(server.url + "/b", policy=RetryPolicy(attempts=2, max_backoff=5, sleep=capped))
    assert capped == [5.0]


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_client_errors_are_not_retried(server: FakeServer, status: int) -> None:
    server.route("/a", Reply(status, "no such series", "text/plain"))
    with pytest.raises(DataSourceError, match=rf"HTTP {status} .*no such series.*not retried"):
        get(server.url + "/a", policy=policy())
    assert server.hits("/a") == 1


def test_timeout_is_retried_then_fails(server: FakeServer) -> None:
    server.route("/slow", Reply(body="late\n", delay=2.0))
    with pytest.raises(DataSourceError, match=r"no response within 0.1 s .*gave up after 2"):
        get(server.url + "/slow", policy=policy(timeout=0.1, attempts=2))
    assert server.hits("/slow") == 2


def test_slow_first_answer_then_fast_one_succeeds(server: FakeServer) -> None:
    server.route("/a", [Reply(body="late\n", delay=2.0), Reply(body="ok\n")])
    assert get(server.url + "/a", policy=policy(timeout=0.1)).text() == "ok\n"


def test_connection_refused_is_retried_then_fails() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sleeps = Sleeps()
    with pytest.raises(DataSourceError, match=r"connection failed.*gave up after 3 attempts"):
        get(f"http://127.0.0.1:{port}/a", policy=policy(sleeps))
    assert len(sleeps) == 2


def test_body_shorter_than_its_content_length_is_retried_then_fails(server: FakeServer) -> None:
    server.route("/a", Reply(body="date,value\n2020-01", length=500))
    with pytest.raises(DataSourceError, match=r"cut off \(got 18 of 500 bytes\)"):
        get(server.url + "/a", policy=policy())
    assert server.hits("/a") == 3


def test_secrets_never_appear_in_messages_or_urls(server: FakeServer) -> None:
    server.route("/v2", Reply(403, "bad key sekret123 for you", "text/plain"))
    url = build_url(server.url, "/v2", [("api_key", "sekret123"), ("x", "1")])
    with pytest.raises(DataSourceError) as caught:
        get(url, secrets=("api_key",), policy=policy())
    assert "sekret123" not in str(caught.value)
    assert "api_key=***" in str(caught.value)
    server.route("/ok", Reply(body="{}"))
    ok = get(build_url(server.url, "/ok", [("api_key", "sekret123")]), secrets=("api_key",))
    assert "sekret123" not in ok.url


def test_build_url_keeps_brackets_and_redact_only_touches_secrets() -> None:
    url = build_url("http://h/", "/v2/x/", [("facets[unit][]", "TBPD"), ("api_key", "k")])
    assert url == "http://h/v2/x/?facets[unit][]=TBPD&api_key=k"
    assert redact(url, ["api_key"]) == "http://h/v2/x/?facets[unit][]=TBPD&api_key=***"
    assert redact(url, []) == url


def test_non_utf8_body_is_refused(server: FakeServer) -> None:
    server.route("/a", Reply(body=b"date\xff\n"))
    with pytest.raises(DataSourceError, match="not UTF-8 text"):
        get(server.url + "/a", policy=policy()).text()


def test_delay_doubles_and_is_capped() -> None:
    rule = RetryPolicy(backoff=1, max_backoff=5)
    assert [rule.delay(n) for n in (1, 2, 3, 4)] == [1, 2, 4, 5]
    assert rule.delay(1, retry_after=3) == 3


def test_policy_from_environment() -> None:
    env = {
        "FORECAST_HTTP_TIMEOUT": "5",
        "FORECAST_HTTP_ATTEMPTS": "2",
        "FORECAST_HTTP_BACKOFF": "0",
    }
    rule = RetryPolicy.from_env(env)
    assert (rule.timeout, rule.attempts, rule.backoff) == (5.0, 2, 0.0)
    assert RetryPolicy.from_env({}) == RetryPolicy()
    for name, value in [("FORECAST_HTTP_TIMEOUT", "0"), ("FORECAST_HTTP_ATTEMPTS", "1.5")]:
        with pytest.raises(DataSourceError, match=f"{name}='{value}' is not a valid"):
            RetryPolicy.from_env({name: value})
