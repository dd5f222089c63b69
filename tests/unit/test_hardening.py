"""Hostile inputs outside the network: XLSX formula cells, mathtext and duplicate chart labels,
scenario validation that refuses what a run refuses, deep TOML, huge cells, bad backtests."""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from forecast import engine
from forecast.charts.scenario import _labels
from forecast.cli.scenarios import scenarios as scenarios_cli
from forecast.errors import DataSourceError, ScenarioError
from forecast.reports.writer import BacktestEvidence, _cells_as_text
from forecast.scenarios import MAX_VOLUME_KBD, Scenario, load_scenario

if TYPE_CHECKING:
    from pathlib import Path


def test_text_cells_that_look_like_formulas_stay_text(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "plain", -3.5])
    _cells_as_text(sheet)
    book.save(tmp_path / "t.xlsx")
    cells = next(load_workbook(tmp_path / "t.xlsx").active.iter_rows())  # type: ignore[union-attr]
    assert [c.data_type for c in cells] == ["s", "s", "s", "s", "s", "n"]
    assert cells[0].value == '=HYPERLINK("http://x")'
    assert cells[5].value == -3.5


def test_chart_labels_are_unique_and_never_mathtext() -> None:
    result = SimpleNamespace(
        scenarios=[
            SimpleNamespace(id="full_halt", title="Full halt"),
            SimpleNamespace(id="my_copy", title="Full halt"),
            SimpleNamespace(id="cost", title="Costs $5$ more"),
        ]
    )
    labels = _labels(result)  # type: ignore[arg-type]
    assert labels["full_halt"] == "Full halt (full_halt)"
    assert labels["my_copy"] == "Full halt (my_copy)"
    assert labels["cost"] == r"Costs \$5\$ more"
    assert len(set(labels.values())) == 3


def test_validate_refuses_a_volume_the_run_refuses(tmp_path: Path) -> None:
    assert MAX_VOLUME_KBD == engine.WORLD_CRUDE_FALLBACK_KBD
    data = {"id": "x", "title": "X", "outage": {"start": 1, "duration_months": 2}}
    with pytest.raises(ScenarioError, match=r"outage.volume_kbd: must be below world crude supply"):
        Scenario.from_dict({**data, "outage": {**data["outage"], "volume_kbd": 90_000}})
    assert Scenario.from_dict({**data, "outage": {**data["outage"], "volume_kbd": 800}})
    path = tmp_path / "big.toml"
    path.write_text(
        'id = "big"\ntitle = "Big"\n[outage]\nstart = 1\nduration_months = 2\nvolume_kbd = 81800\n'
    )
    result = CliRunner().invoke(scenarios_cli, ["validate", str(path)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "below world crude supply" in result.output


def test_a_deeply_nested_toml_file_is_one_scenario_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.toml"
    path.write_text('id = "deep"\ntitle = "Deep"\nx = ' + "[" * 200_000 + "]" * 200_000 + "\n")
    with pytest.raises(ScenarioError, match="nested too deeply"):
        load_scenario(path)


def test_a_huge_bad_value_is_quoted_short(tmp_path: Path) -> None:
    path = tmp_path / "huge.toml"
    path.write_text(
        'id = "huge"\ntitle = "Huge"\n[outage]\nstart = 1\nduration_months = "'
        + "9" * 2_000_000
        + '"\n'
    )
    with pytest.raises(ScenarioError) as raised:
        load_scenario(path)
    assert len(str(raised.value)) < 400
    assert "characters)" in str(raised.value)


@pytest.mark.parametrize(
    "body",
    [
        "a,b\n1,2\n",
        "",
        "model,horizon,mspe,mspe_ratio,mspe_ratio_eom\n",
        "model,horizon,mspe,mspe_ratio,mspe_ratio_eom\nx,one,1,1,1\n",
    ],
)
def test_a_malformed_backtest_folder_is_one_data_source_error(tmp_path: Path, body: str) -> None:
    (tmp_path / "backtest.csv").write_text(body)
    with pytest.raises(DataSourceError, match=r"backtest.csv: not a 'forecast backtest' table"):
        BacktestEvidence.read(tmp_path)
