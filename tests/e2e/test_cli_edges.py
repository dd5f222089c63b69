"""The CLI's edges, tried as a user would: one line on stderr, the documented exit code."""

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner, Result

import forecast
from forecast import engine
from forecast.cli import EXIT_ERROR, EXIT_OK, EXIT_USAGE, cli
from forecast.cli._progress import ProgressBar
from forecast.errors import ForecastError
from forecast.models import registry
from forecast.models.adapters import cuba as cuba_adapter
from forecast.models.protocol import CountingProgress, tell
from forecast.refresh import RefreshResult, SeriesRefresh
from forecast.scenarios import BUILTIN_IDS
from forecast.spec import RunSpec

ABSENT = Path("/nonexistent-forecast-folder/s.duckdb")  # reads as empty: bundled data only
QUICK = ("--draws", "100", "--seed", "1", "--scenario", "venezuela_full_halt")


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env)


def one_line_error(result: Result, code: int) -> str:
    """Check the exit code, one line on stderr and no traceback; return that line."""
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture(autouse=True)
def _no_store_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FORECAST_STORE", raising=False)


@pytest.fixture
def no_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if a command gets as far as running the engine."""

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the option should have been refused before the run")

    monkeypatch.setattr(engine, "run", refuse)


# -- --seed ------------------------------------------------------------------------------------


@pytest.mark.usefixtures("no_run")
@pytest.mark.parametrize("seed", ["-1", str(2**63)])
def test_a_seed_out_of_range_is_a_usage_error(tmp_path: Path, seed: str) -> None:
    line = one_line_error(
        invoke("run", "--seed", seed, "--store", "bundled", "--out", str(tmp_path)), EXIT_USAGE
    )
    assert f"seed must be a whole number from 0 to 2**63 - 1, got {seed}" in line


# -- --as-of -----------------------------------------------------------------------------------


@pytest.mark.usefixtures("no_run")
@pytest.mark.parametrize("as_of", ["2025-11-15", "2025-1", "Nov 2025", "2025-13", "next year"])
def test_as_of_accepts_yyyy_mm_only(tmp_path: Path, as_of: str) -> None:
    args = ("--as-of", as_of, "--store", "bundled", "--out", str(tmp_path / "o"))
    for command in ("run", "report"):
        line = one_line_error(invoke(command, *args), EXIT_USAGE)
        assert line == f"Error: as-of {as_of!r} is not a month (use YYYY-MM)"
    with pytest.raises(ForecastError, match=re.escape(f"as-of {as_of!r} is not a month")):
        RunSpec(as_of=as_of)
    with pytest.raises(ForecastError, match=re.escape(f"as-of {as_of!r} is not a month")):
        engine._month(as_of)


def test_the_library_still_takes_a_month_or_a_datetime() -> None:
    assert RunSpec(as_of="2025-11").as_of == "2025-11"
    assert engine._month(pd.Timestamp("2025-11-15")) == pd.Timestamp("2025-11-01")
    assert engine._month("2025-11") == pd.Timestamp("2025-11-01")


@pytest.mark.usefixtures("no_run")
def test_backtest_months_are_yyyy_mm_only(tmp_path: Path) -> None:
    result = invoke("backtest", "--store", "bundled", "--start", "2020-1", "--out", str(tmp_path))
    assert "'2020-1' is not a month; use YYYY-MM" in one_line_error(result, EXIT_USAGE)


@pytest.mark.parametrize("as_of", ["2020-06", "2022-06", "2023-06"])
def test_historical_replays_run_with_the_default_models(tmp_path: Path, as_of: str) -> None:
    result = invoke("run", *QUICK, "--as-of", as_of, "--store", "bundled", "--out", str(tmp_path))
    assert result.exit_code == EXIT_OK, result.output
    paths = pd.read_csv(tmp_path / "paths.csv")
    defaults = set(registry.default_models())
    # Cuba's models need facts first known in 2022-12 (the facts are cut at the as-of month);
    # Känzig's series are not bundled, so the models that need them are skipped with a note
    cuba = {name for name in defaults if registry.get(name).kind == "cuba"}
    ran = set(paths["model"])
    assert {"svar", "elasticity"} | (cuba if as_of >= "2022-12" else set()) <= ran
    for name in defaults - ran:
        assert f"The {name} model was not run" in result.output
    assert paths.loc[paths["variable"] == "brent_usd", "date"].min() > as_of
    if as_of < "2022-12":
        assert not cuba & set(paths["model"])


def test_the_backcast_covers_the_years_with_data_at_the_as_of() -> None:
    result = forecast.run(["baseline"], store=ABSENT, as_of="2023-01", draws=100,
                          seed=1)  # fmt: skip
    years = result.tables["cuba_backcast"]["year"].tolist()
    assert years == list(range(2016, 2023))  # 2023's growth is not known in 2023-01


def test_a_replay_before_cubas_facts_leaves_cuba_out_with_a_note() -> None:
    result = forecast.run(["baseline"], store=ABSENT, as_of="2022-06", draws=100,
                          seed=1)  # fmt: skip
    assert result.cuba_model is None
    note = next(n for n in result.notes if "The cuba model was not run" in n)
    assert "renewable_share_of_generation" in note


def test_no_backcast_year_leaves_the_table_out_with_a_note(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cuba_adapter, "BACKCAST_YEARS", range(2031, 2035))
    result = forecast.run(["baseline"], store=ABSENT, as_of="2023-01", draws=100,
                          seed=1)  # fmt: skip
    assert "cuba_backcast" not in result.tables
    assert "cuba_backcast_summary" not in result.tables
    assert any("backcast is left out: as of 2023-01" in note for note in result.notes)


@pytest.mark.parametrize(
    ("as_of", "table", "first"),
    [("2019-12", "venezuela_to_cuba_oil_shipments", "2020-01"),
     ("2019-03", "venezuela_to_cuba_oil_shipments", "2020-01"),
     ("2012-06", "venezuela_to_cuba_oil_shipments", "2020-01")],
)  # fmt: skip
def test_an_as_of_before_the_facts_names_the_table_and_the_first_month(
    tmp_path: Path, as_of: str, table: str, first: str
) -> None:
    result = invoke("run", *QUICK, "--as-of", as_of, "--store", "bundled", "--out", str(tmp_path))
    line = one_line_error(result, EXIT_ERROR)
    assert f"as-of {as_of} is before the first monthly estimate" in line
    assert table in line
    assert f"pass --as-of {first} or later" in line


# -- --out -------------------------------------------------------------------------------------


@pytest.mark.usefixtures("no_run")
def test_an_unwritable_out_fails_before_the_run(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    for command in ("run", "report"):
        result = invoke(command, "--store", "bundled", "--out", str(blocker / "sub"))
        line = one_line_error(result, EXIT_USAGE)
        assert f"--out {blocker / 'sub'}: cannot write there" in line
    result = invoke("run", "--store", "bundled", "--out", str(blocker))
    assert "cannot write there (not a folder)" in one_line_error(result, EXIT_USAGE)


@pytest.mark.usefixtures("no_run")
def test_backtest_checks_out_first(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    result = invoke("backtest", "--store", "bundled", "--out", str(blocker / "sub"))
    assert "cannot write there" in one_line_error(result, EXIT_USAGE)


def test_out_is_created(tmp_path: Path) -> None:
    out = tmp_path / "new" / "deeper"
    result = invoke("run", *QUICK, "--model", "elasticity", "--store", "bundled", "--out",
                    str(out))  # fmt: skip
    assert result.exit_code == EXIT_OK, result.output
    assert (out / "paths.csv").exists()


# -- --store -----------------------------------------------------------------------------------


def _reading_commands(store: str, out: str) -> dict[str, list[str]]:
    return {
        "run": ["run", *QUICK, "--store", store, "--out", out],
        "report": ["report", *QUICK, "--store", store, "--out", out],
        "backtest": ["backtest", "--store", store, "--start", "2020-01", "--end", "2020-03",
                     "--out", out],
        "data status": ["data", "status", "--store", store],
    }  # fmt: skip


@pytest.mark.usefixtures("no_run")
def test_a_mistyped_store_is_an_error_for_every_reading_command(tmp_path: Path) -> None:
    missing = tmp_path / "typo.duckdb"
    for name, args in _reading_commands(str(missing), str(tmp_path / "out")).items():
        line = one_line_error(invoke(*args), EXIT_USAGE)
        assert f"--store {missing}: no store there" in line, name
        assert "--store bundled" in line, name
    assert not missing.exists()


@pytest.mark.usefixtures("no_run")
def test_a_missing_forecast_store_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "env.duckdb"
    env = {"FORECAST_STORE": str(missing)}
    result = invoke("run", "--out", str(tmp_path / "o"), env=env)
    assert f"FORECAST_STORE={missing}: no store there" in one_line_error(result, EXIT_USAGE)
    result = invoke("data", "status", env=env)
    assert f"FORECAST_STORE={missing}: no store there" in one_line_error(result, EXIT_USAGE)


def test_store_bundled_reads_the_snapshot(tmp_path: Path) -> None:
    result = invoke("run", *QUICK, "--model", "elasticity", "--store", "bundled", "--out",
                    str(tmp_path))  # fmt: skip
    assert result.exit_code == EXIT_OK, result.output
    assert "Bundled data used" in result.stdout
    status = invoke("data", "status", "--store", "bundled")
    assert status.exit_code == EXIT_OK
    assert "bundled snapshot" in status.stdout
    status = invoke("data", "status", "--json", env={"FORECAST_STORE": "bundled"})
    assert json.loads(status.stdout) == {"series": [], "store": "bundled"}


def test_import_still_creates_a_store_at_a_new_path(tmp_path: Path) -> None:
    from tests.unit.test_csvfile import GOOD

    good = tmp_path / "good.csv"
    good.write_text(GOOD)
    store = tmp_path / "new" / "s.duckdb"
    result = invoke("data", "import", str(good), "--series", "brent_usd", "--store", str(store))
    assert result.exit_code == EXIT_OK, result.output
    assert store.exists()


# -- help --------------------------------------------------------------------------------------


def test_run_help_lists_the_real_defaults_and_every_name() -> None:
    spec = RunSpec()
    for command in ("run", "report"):
        text = " ".join(invoke(command, "--help").stdout.split())
        assert f"[default: {spec.horizon};" in text
        assert f"[default: {spec.draws};" in text
        assert f"[default: {spec.price_baseline}]" in text
        assert f"[default: {', '.join(registry.default_models())};" in text
        for name in (*registry.names("price"), *registry.names("cuba")):
            assert name in text
        for name in registry.names("baseline"):
            assert name in text
        for scenario_id in BUILTIN_IDS:
            assert scenario_id in text
        for entry in (*registry.entries("price"), *registry.entries("cuba")):
            for option in entry.options:
                flag = f"--{entry.name}-{option.name}".replace("_", "-")
                assert flag in text
        assert "2**63 - 1" in text
        assert "'bundled'" in text


# -- progress ----------------------------------------------------------------------------------


class Counting:
    """A counting progress callback that records what it is told."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self.counts: list[tuple[str, int, int]] = []

    def __call__(self, message: str, /) -> None:
        self.messages.append(message)

    def count(self, message: str, done: int, total: int) -> None:
        self.counts.append((message, done, total))


def test_a_counting_callback_gets_the_scenarios_counted() -> None:
    progress = Counting()
    assert isinstance(progress, CountingProgress)
    forecast.run(["venezuela_full_halt", "venezuela_partial_halt"], store=ABSENT,
                 models=["elasticity"], draws=100, seed=1, progress=progress)  # fmt: skip
    assert progress.counts == [
        ("projecting baseline", 0, 3),
        ("projecting venezuela_full_halt", 1, 3),
        ("projecting venezuela_partial_halt", 2, 3),
    ]
    assert "reading data" in progress.messages


def test_a_plain_callback_keeps_its_messages() -> None:
    messages: list[str] = []
    forecast.run(["venezuela_full_halt"], store=ABSENT, models=["elasticity"],
                 draws=100, seed=1, progress=messages.append)  # fmt: skip
    assert "projecting baseline" in messages
    assert "projecting venezuela_full_halt" in messages
    tell(messages.append, "step", 1, 2)
    assert messages[-1] == "step"


def test_the_bar_reads_counts_in_messages() -> None:
    class Recording(ProgressBar):
        def __init__(self) -> None:
            super().__init__("t", enabled=False)
            self.seen: list[tuple[str, int, int]] = []

        def count(self, message: str, done: int, total: int) -> None:
            self.seen.append((message, done, total))

    bar = Recording()
    with bar:
        bar("origins: 3/12 years done")
        bar("reading the store")
    assert bar.seen == [("origins years done", 3, 12)]


def test_nothing_on_stderr_when_it_is_not_a_terminal(tmp_path: Path) -> None:
    result = invoke("run", *QUICK, "--model", "elasticity", "--store", "bundled", "--out",
                    str(tmp_path))  # fmt: skip
    assert result.exit_code == EXIT_OK
    assert result.stderr == ""


def test_report_prints_a_short_summary_and_the_rest_with_verbose(tmp_path: Path) -> None:
    args = ("report", "--draws", "100", "--seed", "1", "--store", "bundled")
    short = invoke(*args, "--out", str(tmp_path / "a"))
    assert short.exit_code == EXIT_OK, short.output
    lines = short.stdout.strip().splitlines()
    assert len(lines) < 15, short.stdout
    assert not any(line.startswith("note:") for line in lines)
    assert "--verbose" in short.stdout
    html = (tmp_path / "a" / "report.html").read_text(encoding="utf-8")
    opening = html[html.index('id="summary"') :]
    assert opening.split("</strong> ", 1)[1].startswith("In the scenario")
    assert "at 6 months" in opening.split("</p>", 1)[0]  # the report opens with the ensemble
    assert "median across 2 models/identifications" in lines[1]
    long = invoke(*args, "--verbose", "--out", str(tmp_path / "b"))
    assert any(line.startswith("note:") for line in long.stdout.splitlines())
    assert len(long.stdout.splitlines()) > len(lines)


# -- refresh offline ---------------------------------------------------------------------------


def test_refresh_says_network_unreachable_when_offline(tmp_path: Path) -> None:
    from forecast.cli.refresh import NETWORK_UNREACHABLE, _offline

    def failed(message: str) -> SeriesRefresh:
        return SeriesRefresh("fred", "brent_usd", "X", "failed", message=message)

    dns = "GET http://x/: connection failed: cannot resolve the host name (no network or no DNS?)"
    unreachable = failed("network unreachable: x")
    offline = RefreshResult(tmp_path, dry_run=False, series=(failed(dns), unreachable))
    assert _offline(offline)
    mixed = RefreshResult(tmp_path, dry_run=False, series=(failed(dns), failed("HTTP 404")))
    assert not _offline(mixed)
    assert "network unreachable" in NETWORK_UNREACHABLE
