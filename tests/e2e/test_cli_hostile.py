"""The CLI under hostile input: one line on stderr, the documented exit code, no traceback,
and ``refresh --json`` always written."""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from forecast.cli import EXIT_ERROR, EXIT_OK, EXIT_USAGE, cli
from tests.fakes import FakeServer, fred_csv, monthly, route_fred

FAST_ENV = {
    "FORECAST_HTTP_TIMEOUT": "2",
    "FORECAST_HTTP_ATTEMPTS": "1",
    "FORECAST_HTTP_BACKOFF": "0",
}


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeServer]:
    with FakeServer() as fake:
        monkeypatch.setenv("FORECAST_FRED_URL", fake.url)
        for name, value in FAST_ENV.items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("EIA_API_KEY", raising=False)
        yield fake


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def one_line_error(stderr: str) -> str:
    assert "Traceback" not in stderr
    errors = [line for line in stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, stderr
    return errors[0]


def test_refresh_json_is_written_when_a_series_cannot_be_parsed(
    server: FakeServer, tmp_path: Path
) -> None:
    route_fred(server, {"MCOILBRENTEU": "observation_date,MCOILBRENTEU\n2300-01-01,80\n"})
    route_fred(
        server, {"MCOILWTICO": fred_csv("MCOILWTICO", monthly("2024-01-01", "2025-06-01", 70))}
    )
    store = tmp_path / "s.duckdb"
    code, out, err = invoke(
        "refresh", "--store", str(store), "--series", "brent_usd", "--series", "wti_usd", "--json"
    )
    assert code == EXIT_ERROR
    assert "Traceback" not in err
    payload = json.loads(out)
    statuses = {s["series_id"]: s["status"] for s in payload["series"]}
    assert statuses == {"brent_usd": "failed", "wti_usd": "ok"}
    assert "OutOfBoundsDatetime" in err


def test_refresh_accept_revisions_flag(server: FakeServer, tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    route_fred(server, {"CPIAUCSL": fred_csv("CPIAUCSL", monthly("2020-01-01", "2025-06-01", 300))})
    assert invoke("refresh", "--store", str(store), "--series", "us_cpi")[0] == EXIT_OK
    blank = fred_csv("CPIAUCSL", monthly("2020-01-01", "2025-06-01", float("nan")))
    route_fred(server, {"CPIAUCSL": blank})
    code, _out, err = invoke("refresh", "--store", str(store), "--series", "us_cpi")
    assert code == EXIT_ERROR
    assert "us_cpi: refused" in err
    code, _out, _err = invoke(
        "refresh", "--store", str(store), "--series", "us_cpi", "--accept-revisions"
    )
    assert code == EXIT_OK


def test_refresh_store_under_a_regular_file(server: FakeServer, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    code, out, err = invoke("refresh", "--store", str(tmp_path / "file" / "s.duckdb"), "--json")
    assert code == EXIT_ERROR
    assert "is not a folder" in one_line_error(err)
    assert json.loads(out)["ok"] is False


def write_csv(path: Path, value: float, months: int = 30) -> Path:
    frame = monthly(
        "2020-01-01", f"{2020 + (months - 1) // 12}-{(months - 1) % 12 + 1:02d}-01", value
    )
    lines = ["date,value"] + [
        f"{d:%Y-%m-%d},{v}" for d, v in zip(frame["date"], frame["value"], strict=True)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_data_import_accept_revisions_and_bad_options(tmp_path: Path) -> None:
    store = str(tmp_path / "s.duckdb")
    first = write_csv(tmp_path / "a.csv", 80.0)
    assert invoke("data", "import", str(first), "--series", "brent_usd", "--store", store)[0] == 0
    revised = write_csv(tmp_path / "b.csv", 90.0)
    code, _out, err = invoke(
        "data", "import", str(revised), "--series", "brent_usd", "--store", store
    )
    assert code == EXIT_ERROR
    assert "refused" in one_line_error(err)
    args = ("data", "import", str(revised), "--series", "brent_usd", "--store", store)
    assert invoke(*args, "--accept-revisions")[0] == EXIT_OK
    code, _out, err = invoke(*args, "--date-col", "date", "--value-col", "date")
    assert code == EXIT_USAGE
    assert "name the same column" in err
    (tmp_path / "file").write_text("x")
    under = str(tmp_path / "file" / "s.duckdb")
    code, _out, err = invoke(
        "data", "import", str(first), "--series", "brent_usd", "--store", under
    )
    assert code == EXIT_ERROR
    assert "is not a folder" in one_line_error(err)
