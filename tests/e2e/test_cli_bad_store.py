"""Every command that opens the store refuses a corrupt or foreign file in one line."""

import hashlib
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from forecast.cli import EXIT_ERROR, cli
from tests.unit.test_csvfile import GOOD


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _foreign(path: Path) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE trades AS SELECT range AS id FROM range(10)")


def _half(path: Path) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)")
        con.execute("CREATE TABLE big AS SELECT range AS i, random() AS v FROM range(300000)")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


FILES = {
    "text": (lambda p: p.write_text("not a database\n" * 50), "not a forecast store"),
    "foreign": (_foreign, "not a forecast store"),
    "half": (_half, "damaged"),
}


def commands(store: Path, tmp_path: Path) -> dict[str, list[str]]:
    good = tmp_path / "good.csv"
    good.write_text(GOOD)
    out = str(tmp_path / "out")
    return {
        "data status": ["data", "status", "--store", str(store)],
        "data import": ["data", "import", str(good), "--series", "brent_usd", "--store",
                        str(store)],
        "run": ["run", "--scenario", "venezuela_full_halt", "--store", str(store), "--out", out],
        "report": ["report", "--scenario", "venezuela_full_halt", "--store", str(store),
                   "--draws", "100", "--out", out],
        "refresh": ["refresh", "--source", "fred", "--series", "brent_usd", "--store",
                    str(store)],
        "backtest": ["backtest", "--store", str(store), "--start", "2020-01", "--end",
                     "2020-03", "--out", out],
    }  # fmt: skip


@pytest.mark.parametrize("kind", list(FILES))
def test_every_command_refuses_a_bad_store_and_leaves_it_alone(
    tmp_path: Path, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORECAST_FRED_URL", "http://127.0.0.1:9/")  # never the network
    monkeypatch.setenv("FORECAST_HTTP_ATTEMPTS", "1")
    store = tmp_path / "forecast.duckdb"
    make, expected = FILES[kind]
    make(store)
    before = digest(store)
    for name, args in commands(store, tmp_path).items():
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == EXIT_ERROR, (name, result.output)
        assert f"{store}: {expected}" in result.stderr, (name, result.stderr)
        assert "Traceback" not in result.output, name
        assert digest(store) == before, f"{name} modified the file"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "out") == [
        "forecast.duckdb", "good.csv",
    ]  # fmt: skip
