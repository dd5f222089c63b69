"""The data commands end to end, through click's runner, as a user types them."""

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from forecast.cli import EXIT_ERROR, EXIT_USAGE, cli
from tests.conftest import SHARED_DATA, SHARED_IMPORTS
from tests.unit.test_csvfile import GOOD, MALFORMED


def invoke(*args: str) -> "object":
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def status_json(store: Path) -> dict:
    result = CliRunner().invoke(cli, ["data", "status", "--json", "--store", str(store)])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.shared_data
def test_every_listed_import_lands_in_one_store_and_status_shows_them(tmp_path: Path) -> None:
    store = tmp_path / "forecast.duckdb"
    runner = CliRunner()
    for name, series_id in SHARED_IMPORTS.items():
        result = runner.invoke(
            cli, ["data", "import", str(SHARED_DATA / name), "--series", series_id,
                  "--store", str(store)],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert f"{series_id}: vintage" in result.stdout
    status = status_json(store)
    by_id = {row["series_id"]: row for row in status["series"]}
    assert set(by_id) == set(SHARED_IMPORTS.values())
    assert by_id["brent_usd"]["last_date"] == "2025-11-01"
    assert by_id["brent_spot_daily_usd"]["rows"] == 9778
    assert by_id["world_crude_production_kbd"]["last_date"] == "2023-10-01"
    assert all(row["source"] == "csv" for row in status["series"])
    assert status_json(store) == status, "the same store gives the same output"
    table = runner.invoke(cli, ["data", "status", "--store", str(store)])
    for series_id in SHARED_IMPORTS.values():
        assert series_id in table.stdout


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_import_exits_nonzero_and_leaves_store_untouched(
    tmp_path: Path, case: str
) -> None:
    store = tmp_path / "forecast.duckdb"
    good = tmp_path / "good.csv"
    good.write_text(GOOD)
    content, series_id, _ = MALFORMED[case]
    if series_id != "brent_usd":
        good.write_text("date,value\n2023-01-01,81500\n2023-02-01,81600\n")
    assert invoke("data", "import", str(good), "--series", series_id, "--store", str(store))
    before_status = status_json(store)
    before_bytes = hashlib.sha256(store.read_bytes()).hexdigest()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(content)
    result = CliRunner().invoke(
        cli, ["data", "import", str(bad), "--series", series_id, "--store", str(store)]
    )
    assert result.exit_code == EXIT_ERROR
    assert result.stderr.startswith("Error: ")
    assert "bad.csv" in result.stderr
    assert "Traceback" not in result.output
    assert status_json(store) == before_status
    assert hashlib.sha256(store.read_bytes()).hexdigest() == before_bytes


def test_failed_import_into_a_new_store_creates_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("date,value\n2020-01-01,abc\n")
    store = tmp_path / "new.duckdb"
    result = CliRunner().invoke(
        cli, ["data", "import", str(bad), "--series", "brent_usd", "--store", str(store)]
    )
    assert result.exit_code == EXIT_ERROR
    assert not store.exists()


def test_reimport_is_idempotent(tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text(GOOD)
    args = ["data", "import", str(good), "--series", "brent_usd", "--store", str(tmp_path / "s")]
    first = CliRunner().invoke(cli, args)
    second = CliRunner().invoke(cli, args)
    assert "vintage 1 written" in first.stdout
    assert "unchanged" in second.stdout
    assert len(status_json(tmp_path / "s")["series"]) == 1


def test_store_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    good = tmp_path / "good.csv"
    good.write_text(GOOD)
    monkeypatch.setenv("FORECAST_STORE", str(tmp_path / "env.duckdb"))
    result = CliRunner().invoke(cli, ["data", "import", str(good), "--series", "brent_usd"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "env.duckdb").exists()


def test_unknown_series_and_usage_errors(tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text(GOOD)
    result = CliRunner().invoke(cli, ["data", "import", str(good), "--series", "brnt"])
    assert result.exit_code == EXIT_ERROR
    assert "unknown series 'brnt'" in result.stderr
    result = CliRunner().invoke(cli, ["data", "import", str(good)])
    assert result.exit_code == EXIT_USAGE


def test_empty_store_status(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # An explicit --store must exist now (exit 2, tests/e2e/test_cli_edges.py); the default
    # location, when absent, is an empty store.
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FORECAST_STORE", raising=False)
    result = CliRunner().invoke(cli, ["data", "status"])
    assert result.exit_code == 0
    assert "no series stored yet" in result.stdout
    result = CliRunner().invoke(cli, ["data", "status", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["series"] == []


def _commands(group: object, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix]
    for name, command in getattr(group, "commands", {}).items():
        found.extend(_commands(command, (*prefix, name)))
    return found


@pytest.mark.parametrize("path", _commands(cli), ids=lambda p: " ".join(p) or "forecast")
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.stdout
    command = cli
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    assert command.help, f"{' '.join(path)} needs a docstring"
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    if path:
        assert f"forecast {' '.join(path)}" in readme, f"README must mention {' '.join(path)}"


def test_python_dash_m_forecast() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "forecast", "--help"], capture_output=True, text=True, check=True
    )
    assert "Exit codes" in out.stdout


def test_import_forecast_loads_no_heavy_library() -> None:
    code = (
        "import sys, forecast, forecast.cli, forecast.catalog, forecast.errors;"
        "heavy = {'pandas', 'pandera', 'statsmodels', 'plotnine', 'yfinance', 'duckdb', 'scipy'};"
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
