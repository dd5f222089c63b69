"""Tests for forecast.scenarios (specs, files, overrides, paths) and `forecast scenarios`."""

from __future__ import annotations

import dataclasses
import re
import tomllib
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from forecast._paths import bundled_dir
from forecast._toml import toml_string
from forecast.cli.scenarios import scenarios as scenarios_cli
from forecast.errors import ForecastError, ScenarioError
from forecast.scenarios import (
    BUILTIN_IDS,
    Cuba,
    Offsets,
    Outage,
    Scenario,
    _spec,
    apply_overrides,
    builtin_scenarios,
    cuba_shipments_path,
    load_scenario,
    outage_path,
    resolve_scenario,
)

if TYPE_CHECKING:
    from pathlib import Path

AS_OF = pd.Timestamp("2025-06-01")
THIRD = 1 / 3

VALID_TOML = """\
id = "test_halt"
title = "Test halt"
description = "A halt for the tests."

[outage]
start = 1
duration_months = 12
ramp_up_months = 1
recovery_months = 3

[offsets]
spare_capacity_share = 0.5

[cuba]
shipments_kbd_during_outage = 0.0
replacement_share = 0.25
"""


def write(tmp_path: Path, text: str, name: str = "spec.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def edited(old: str, new: str) -> str:
    assert VALID_TOML.count(old) == 1, old
    return VALID_TOML.replace(old, new)


def spec(
    outage: dict[str, Any] | None = None,
    offsets: dict[str, Any] | None = None,
    cuba: dict[str, Any] | None = None,
) -> Scenario:
    tables = {"outage": outage, "offsets": offsets, "cuba": cuba}
    data: dict[str, Any] = {"id": "test", "title": "Test"}
    data |= {name: table for name, table in tables.items() if table is not None}
    return Scenario.from_dict(data)


def column(frame: pd.DataFrame, name: str) -> list[float]:
    return [float(x) for x in frame[name]]


# --- built-in scenarios -----------------------------------------------------------------


def test_builtins_load_in_fixed_order_with_ids_matching_files() -> None:
    specs = builtin_scenarios()
    assert list(specs) == [
        "baseline",
        "venezuela_full_halt",
        "venezuela_partial_halt",
        "venezuela_halt_opec_offset",
        "cuba_shipments_halt",
    ]
    assert tuple(specs) == BUILTIN_IDS
    for scenario_id, scenario in specs.items():
        assert scenario.id == scenario_id
        assert scenario.source == str(bundled_dir("scenarios") / f"{scenario_id}.toml")
        assert len(scenario.title) > 10
        assert len(scenario.description) > 80
        assert Scenario.from_dict(scenario.to_dict()) == scenario


def test_builtin_folder_holds_exactly_the_builtins() -> None:
    files = sorted(path.stem for path in bundled_dir("scenarios").glob("*.toml"))
    assert files == sorted(BUILTIN_IDS)


def test_builtin_numbers() -> None:
    specs = builtin_scenarios()
    assert specs["baseline"].outage is None
    full = specs["venezuela_full_halt"]
    assert full.outage == Outage(
        start=1, duration_months=12, volume_kbd=None, ramp_up_months=1, recovery_months=3
    )
    # The full halt carries its stated spare-capacity response (issue 12): half the gross loss
    # after a 3-month lag and a 3-month ramp; no strategic release.
    assert full.offsets == Offsets(
        spare_capacity_share=0.5, spare_capacity_lag_months=3, spare_capacity_ramp_months=3
    )
    assert full.cuba == Cuba(shipments_kbd_during_outage=0.0, replacement_share=0.0)
    partial = specs["venezuela_partial_halt"]
    assert partial.outage is not None
    assert (partial.outage.volume_kbd, partial.outage.duration_months) == (400.0, 6)
    assert "400" in partial.description
    assert "800" in partial.description
    assert partial.cuba.shipments_kbd_during_outage == 15.0
    opec = specs["venezuela_halt_opec_offset"]
    assert opec.outage == full.outage
    assert opec.cuba == full.cuba
    assert opec.offsets == Offsets(
        spare_capacity_share=0.6, spare_capacity_lag_months=2, spare_capacity_ramp_months=2
    )
    redirected = specs["cuba_shipments_halt"]
    assert redirected.outage is not None
    assert redirected.outage.affects_world_supply is False
    assert redirected.outage.duration_months == 12
    assert (redirected.cuba.shipments_kbd_during_outage, redirected.cuba.replacement_share) == (
        0.0,
        0.0,
    )


def test_rules_cover_every_dataclass_field() -> None:
    for table, cls in (("", Scenario), ("outage", Outage), ("offsets", Offsets), ("cuba", Cuba)):
        names = [f.name for f in dataclasses.fields(cls)]
        if cls is Scenario:
            names = [n for n in names if n not in {"outage", "offsets", "cuba", "source"}]
        assert list(_spec._RULES[table]) == names


# --- from_dict and load_scenario: every class of bad input ------------------------------


def test_valid_file_loads(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, VALID_TOML))
    assert scenario.outage is not None
    assert scenario.outage.volume_kbd is None
    assert scenario.offsets.spare_capacity_share == 0.5
    assert scenario.cuba.baseline_shipments_kbd is None
    assert scenario.source == str(tmp_path / "spec.toml")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "duration_months = 12",
            "duraton_months = 12",
            "unknown key 'outage.duraton_months'; did you mean 'outage.duration_months'?",
        ),
        (
            "ramp_up_months = 1",
            "ramp_up_months = 1\nreplacement_share = 0.5",
            "unknown key 'outage.replacement_share'; did you mean 'cuba.replacement_share'?",
        ),
        ("[outage]", "[outtage]", "unknown key 'outtage'; did you mean 'outage'?"),
        (
            'title = "Test halt"',
            'titel = "Test halt"',
            "unknown key 'titel'; did you mean 'title'?",
        ),
        (
            "spare_capacity_share = 0.5",
            "colour = 0.5",
            r"unknown key 'offsets.colour'; the keys of \[offsets\] are: spare_capacity_share, ",
        ),
        (
            "duration_months = 12",
            "duration_months = -1",
            "outage.duration_months: must be a whole number >= 0, got -1",
        ),
        (
            "recovery_months = 3",
            "recovery_months = -3",
            "outage.recovery_months: must be a whole number >= 0, got -3",
        ),
        (
            "replacement_share = 0.25",
            "replacement_share = 1.5",
            "cuba.replacement_share: must be a share between 0 and 1, got 1.5",
        ),
        (
            "spare_capacity_share = 0.5",
            "spare_capacity_share = -0.1",
            "offsets.spare_capacity_share: must be a share between 0 and 1, got -0.1",
        ),
        ("start = 1", 'start = "2026-13"', "outage.start: must be a whole number of months"),
        ("start = 1", 'start = "2026-3"', "outage.start: .* got '2026-3'"),
        ("start = 1", 'start = "March 2026"', "outage.start: .* got 'March 2026'"),
        ("start = 1", "start = 0", "outage.start: .* >= 1 .* got 0"),
        ("start = 1", "start = 2026-03-01", r'quoted "YYYY-MM", got datetime.date\(2026, 3, 1\)'),
        (
            "duration_months = 12",
            'duration_months = "12"',
            "outage.duration_months: must be a whole number >= 0, got '12'",
        ),
        ("duration_months = 12", "duration_months = 12.0", "outage.duration_months: .* got 12.0"),
        ("duration_months = 12", "duration_months = true", "outage.duration_months: .* got True"),
        (
            "ramp_up_months = 1",
            'ramp_up_months = 1\nvolume_kbd = "600"',
            "outage.volume_kbd: must be a number of kb/d >= 0, got '600'",
        ),
        (
            "ramp_up_months = 1",
            "ramp_up_months = 1\nvolume_kbd = nan",
            "outage.volume_kbd: must be a number of kb/d >= 0, got nan",
        ),
        (
            "ramp_up_months = 1",
            'ramp_up_months = 1\naffects_world_supply = "no"',
            "outage.affects_world_supply: must be true or false, got 'no'",
        ),
        ('id = "test_halt"', 'id = "Test-Halt"', "id: must be lowercase snake_case .* 'Test-Halt'"),
        ('id = "test_halt"', 'id = "test__halt"', "id: must be lowercase snake_case"),
        ('id = "test_halt"', 'id = "1halt"', "id: must be lowercase snake_case"),
        ('id = "test_halt"', "", "id: required key missing"),
        ('title = "Test halt"', 'title = "  "', "title: must be a non-empty string, got '  '"),
        (
            'description = "A halt for the tests."',
            "description = 3",
            "description: must be a string",
        ),
        ("start = 1\n", "", "outage.start: required key missing"),
    ],
)
def test_bad_file_names_file_key_and_value(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    path = write(tmp_path, edited(old, new))
    with pytest.raises(ScenarioError, match=rf"^{re.escape(str(path))}: (.* )?{message}"):
        load_scenario(path)


def test_table_that_is_not_a_table() -> None:
    with pytest.raises(ScenarioError, match=r"^x.toml: cuba: must be a table \(\[cuba\]\), got 5$"):
        Scenario.from_dict({"id": "x", "title": "X", "cuba": 5}, source="x.toml")


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = edited("duration_months = 12", "duration_months = -1").replace(
        "replacement_share = 0.25", "replacement_shar = 0.25"
    )
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert message.startswith(f"{path}: 2 problems: ")
    assert "outage.duration_months" in message
    assert "did you mean 'cuba.replacement_share'?" in message
    assert "\n" not in message


def test_toml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, edited("duration_months = 12", "duration_months = = 12"))
    with pytest.raises(ScenarioError, match=rf"^{re.escape(str(path))}: invalid TOML: .*line 7"):
        load_scenario(path)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(ScenarioError, match=rf"^{re.escape(str(path))}: no such scenario file$"):
        load_scenario(path)


def test_directory_and_non_utf8_files(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"cannot read the scenario file"):
        load_scenario(tmp_path)
    path = tmp_path / "latin1.toml"
    path.write_bytes(VALID_TOML.replace("A halt", "Una parada \xe9").encode("latin-1"))
    with pytest.raises(ScenarioError, match=r"invalid TOML: not UTF-8 text"):
        load_scenario(path)


def test_from_dict_without_source_names_the_scenario() -> None:
    with pytest.raises(ScenarioError, match=r"^scenario 'x': outage.start: required key missing"):
        Scenario.from_dict({"id": "x", "title": "X", "outage": {"duration_months": 1}})
    with pytest.raises(
        ScenarioError, match=r"^scenario: a scenario must be a table of keys, got list"
    ):
        Scenario.from_dict([1, 2])  # type: ignore[arg-type]


def test_scenario_error_is_a_value_error_and_forecast_error() -> None:
    with pytest.raises(ValueError, match=r"id"):
        Scenario.from_dict({"title": "X"})
    assert issubclass(ScenarioError, ForecastError)


def test_direct_construction_is_validated_and_normalised() -> None:
    with pytest.raises(ScenarioError, match=r"outage.duration_months: .* got -1"):
        Outage(start=1, duration_months=-1)
    with pytest.raises(ScenarioError, match=r"offsets.spare_capacity_share: .* got 2"):
        Offsets(spare_capacity_share=2)
    with pytest.raises(ScenarioError, match=r"cuba.baseline_shipments_kbd: .* got -5"):
        Cuba(baseline_shipments_kbd=-5)
    with pytest.raises(ScenarioError, match=r"^id: must be lowercase"):
        Scenario(id="Bad", title="x")
    with pytest.raises(ScenarioError, match=r"^outage: must be a table"):
        Scenario(id="ok", title="x", outage={"start": 1})  # type: ignore[arg-type]
    outage = Outage(start=1, duration_months=2, volume_kbd=400)
    assert isinstance(outage.volume_kbd, float)
    assert Cuba(replacement_share=1).replacement_share == 1.0


def test_none_values_are_accepted_for_nullable_fields() -> None:
    scenario = spec(outage={"start": 1, "duration_months": 2, "volume_kbd": None})
    assert scenario.outage is not None
    assert scenario.outage.volume_kbd is None
    assert Scenario.from_dict({"id": "x", "title": "X", "outage": None}).outage is None
    with pytest.raises(ScenarioError, match=r"outage.duration_months: .* got None"):
        spec(outage={"start": 1, "duration_months": None})


def test_equality_ignores_source_and_to_dict_omits_none() -> None:
    a = Scenario.from_dict({"id": "x", "title": "X"}, source="a.toml")
    b = Scenario.from_dict({"id": "x", "title": "X"}, source="b.toml")
    assert a == b
    assert hash(a) == hash(b)
    assert a.to_dict() == {
        "id": "x",
        "title": "X",
        "description": "",
        "offsets": {
            "spare_capacity_share": 0.0,
            "spare_capacity_lag_months": 0,
            "spare_capacity_ramp_months": 0,
            "strategic_release_kbd": 0.0,
            "strategic_release_months": 0,
            "strategic_release_lag_months": 0,
        },
        "cuba": {"shipments_kbd_during_outage": 0.0, "replacement_share": 0.0},
    }
    assert a.replace(title="Y").title == "Y"
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.title = "Z"  # type: ignore[misc]


# --- resolve_scenario ---------------------------------------------------------------------


def test_resolve_builtin_and_path(tmp_path: Path) -> None:
    assert resolve_scenario("venezuela_full_halt") == builtin_scenarios()["venezuela_full_halt"]
    path = write(tmp_path, VALID_TOML)
    assert resolve_scenario(str(path)).id == "test_halt"


def test_resolve_unknown_name_lists_builtins() -> None:
    message = (
        r"^unknown scenario 'venezuela_ful_halt' \(did you mean 'venezuela_full_halt'\?\); "
        r"the built-in scenarios are baseline, venezuela_full_halt, .*cuba_shipments_halt; "
        "or give the path of a .toml file$"
    )
    with pytest.raises(ScenarioError, match=message):
        resolve_scenario("venezuela_ful_halt")
    with pytest.raises(ScenarioError, match=r"^unknown scenario 'zzz'; the built-in"):
        resolve_scenario("zzz")
    with pytest.raises(ScenarioError, match=r"missing.toml: no such scenario file"):
        resolve_scenario("missing.toml")


# --- overrides ----------------------------------------------------------------------------


def test_overrides_parse_numbers_strings_and_bools() -> None:
    base = builtin_scenarios()["venezuela_full_halt"]
    changed = apply_overrides(
        base,
        [
            "outage.volume_kbd=600",
            "cuba.replacement_share = 0.5",
            'title="A new title"',
            "description=bare words, kept as a string",
            "outage.affects_world_supply=false",
            "outage.start=2026-03",
            "outage.duration_months=6",
            "outage.duration_months=9",  # a later item wins
        ],
    )
    assert changed.outage is not None
    assert changed.outage.volume_kbd == 600.0
    assert isinstance(changed.outage.volume_kbd, float)
    assert changed.cuba.replacement_share == 0.5
    assert changed.title == "A new title"
    assert changed.description == "bare words, kept as a string"
    assert changed.outage.affects_world_supply is False
    assert changed.outage.start == "2026-03"
    assert changed.outage.duration_months == 9
    assert changed.source == base.source
    assert base.outage is not None
    assert base.outage.volume_kbd is None  # the original is untouched
    assert apply_overrides(base, []) is base


def test_override_with_inline_table_and_on_baseline() -> None:
    base = builtin_scenarios()["baseline"]
    halt = apply_overrides(base, ["outage.start=1", "outage.duration_months=6"])
    assert halt.outage == Outage(start=1, duration_months=6)
    inline = apply_overrides(base, ["outage={start = 2, duration_months = 3}"])
    assert inline.outage == Outage(start=2, duration_months=3)
    with pytest.raises(
        ScenarioError,
        match=r"baseline.toml with overrides outage.start=1: outage.duration_months: required",
    ):
        apply_overrides(base, ["outage.start=1"])


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (
            "outage.volme_kbd=600",
            (
                r"with overrides outage.volme_kbd=600: unknown key 'outage.volme_kbd'; "
                r"did you mean 'outage.volume_kbd'\?"
            ),
        ),
        ("cuba.replacement_share=2", "cuba.replacement_share: must be a share .* got 2"),
        ("outage.duration_months=six", "outage.duration_months: .* got 'six'"),
        ("outage.volume_kbd", r"^override 'outage.volume_kbd': expected KEY=VALUE"),
        ("=5", r"^override '=5': expected KEY=VALUE"),
        ("outage..start=1", r"^override 'outage..start=1': expected KEY=VALUE"),
        ("title.x=1", r"^override 'title.x=1': 'title' is not a table"),
    ],
)
def test_bad_overrides(item: str, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        apply_overrides(builtin_scenarios()["venezuela_full_halt"], [item])


def test_override_value_with_extra_toml_is_a_bare_string() -> None:
    changed = apply_overrides(builtin_scenarios()["baseline"], ['title=1\nid = "x"'])
    assert changed.title == '1\nid = "x"'
    assert changed.id == "baseline"


# --- outage_path --------------------------------------------------------------------------


def test_path_shape_dates_and_dtypes() -> None:
    path = outage_path(builtin_scenarios()["baseline"], AS_OF, 4, default_volume_kbd=800.0)
    assert list(path.columns) == [
        "date",
        "intensity",
        "gross_loss_kbd",
        "spare_offset_kbd",
        "release_offset_kbd",
        "net_loss_kbd",
    ]
    assert str(path["date"].dtype) == "datetime64[ns]"
    assert list(path["date"]) == list(
        pd.to_datetime(["2025-07-01", "2025-08-01", "2025-09-01", "2025-10-01"])
    )
    assert all(str(path[c].dtype) == "float64" for c in path.columns[1:])
    assert (path.iloc[:, 1:] == 0).all().all()
    assert path.index.tolist() == [0, 1, 2, 3]


def test_as_of_any_day_of_month_and_year_boundary() -> None:
    scenario = spec(outage={"start": "2026-02", "duration_months": 1, "volume_kbd": 100})
    for as_of in (pd.Timestamp("2025-11-17 13:45"), pd.Timestamp("2025-11-01", tz="UTC")):
        path = outage_path(scenario, as_of, 4, default_volume_kbd=0.0)
        assert path["date"].iloc[0] == pd.Timestamp("2025-12-01")
        assert column(path, "gross_loss_kbd") == [0.0, 0.0, 100.0, 0.0]


def test_ramp_full_recovery_intensities() -> None:
    scenario = spec(
        outage={"start": 1, "duration_months": 3, "ramp_up_months": 2, "recovery_months": 2}
    )
    path = outage_path(scenario, AS_OF, 9, default_volume_kbd=300.0)
    expected = [THIRD, 2 * THIRD, 1, 1, 1, 2 * THIRD, THIRD, 0, 0]
    assert column(path, "intensity") == pytest.approx(expected, abs=1e-15)
    assert column(path, "gross_loss_kbd") == pytest.approx(
        [100, 200, 300, 300, 300, 200, 100, 0, 0], abs=1e-12
    )
    # Ramp and recovery months each count for half a month at full volume.
    assert path["gross_loss_kbd"].sum() == pytest.approx(300 * (2 / 2 + 3 + 2 / 2))
    assert column(path, "net_loss_kbd") == column(path, "gross_loss_kbd")


def test_one_month_ramp_and_three_month_recovery() -> None:
    path = outage_path(
        builtin_scenarios()["venezuela_full_halt"], AS_OF, 18, default_volume_kbd=800.0
    )
    intensity = column(path, "intensity")
    assert intensity == [0.5] + [1.0] * 12 + [0.75, 0.5, 0.25, 0.0, 0.0]
    assert path["gross_loss_kbd"].max() == 800.0


def test_duration_zero_never_reaches_full_volume() -> None:
    scenario = spec(
        outage={"start": 1, "duration_months": 0, "ramp_up_months": 1, "recovery_months": 1}
    )
    assert column(outage_path(scenario, AS_OF, 3, default_volume_kbd=100.0), "intensity") == [
        0.5,
        0.5,
        0.0,
    ]


def test_volume_given_beats_default_and_later_start() -> None:
    scenario = spec(outage={"start": 3, "duration_months": 2, "volume_kbd": 250})
    path = outage_path(scenario, AS_OF, 5, default_volume_kbd=800.0)
    assert column(path, "gross_loss_kbd") == [0.0, 0.0, 250.0, 250.0, 0.0]


def test_start_as_month_string() -> None:
    scenario = spec(outage={"start": "2025-08", "duration_months": 2})
    path = outage_path(scenario, AS_OF, 4, default_volume_kbd=700.0)
    assert column(path, "gross_loss_kbd") == [0.0, 700.0, 700.0, 0.0]
    assert path["date"].iloc[1] == pd.Timestamp("2025-08-01")


def test_start_before_as_of_is_already_under_way() -> None:
    # First month 2025-05 (ramp 1/3), 2025-06 (ramp 2/3, the as-of month); then full from July.
    scenario = spec(
        outage={
            "start": "2025-05",
            "duration_months": 3,
            "ramp_up_months": 2,
            "recovery_months": 1,
        },
        offsets={"spare_capacity_share": 0.5, "spare_capacity_lag_months": 1},
    )
    path = outage_path(scenario, AS_OF, 5, default_volume_kbd=300.0)
    assert column(path, "intensity") == [1.0, 1.0, 1.0, 0.5, 0.0]
    # The spare-capacity lag counts from May too, so it is already on.
    assert column(path, "spare_offset_kbd") == [150.0, 150.0, 150.0, 75.0, 0.0]
    in_as_of_month = spec(outage={"start": "2025-06", "duration_months": 2})
    path = outage_path(in_as_of_month, AS_OF, 3, default_volume_kbd=10.0)
    assert column(path, "gross_loss_kbd") == [10.0, 0.0, 0.0]
    long_over = spec(outage={"start": "2020-01", "duration_months": 12})
    assert outage_path(long_over, AS_OF, 3, default_volume_kbd=10.0)["gross_loss_kbd"].eq(0).all()


def test_horizon_shorter_than_outage_and_zero() -> None:
    scenario = builtin_scenarios()["venezuela_full_halt"]
    short = outage_path(scenario, AS_OF, 3, default_volume_kbd=800.0)
    assert column(short, "gross_loss_kbd") == [400.0, 800.0, 800.0]
    empty = outage_path(scenario, AS_OF, 0, default_volume_kbd=800.0)
    assert empty.empty
    assert str(empty["date"].dtype) == "datetime64[ns]"
    assert str(empty["net_loss_kbd"].dtype) == "float64"


def test_spare_capacity_lag_and_ramp() -> None:
    scenario = spec(
        outage={"start": 1, "duration_months": 6, "volume_kbd": 900},
        offsets={
            "spare_capacity_share": 0.6,
            "spare_capacity_lag_months": 2,
            "spare_capacity_ramp_months": 2,
        },
    )
    path = outage_path(scenario, AS_OF, 7, default_volume_kbd=0.0)
    assert column(path, "spare_offset_kbd") == pytest.approx(
        [0, 0, 180, 360, 540, 540, 0], abs=1e-9
    )
    assert column(path, "net_loss_kbd") == pytest.approx(
        [900, 900, 720, 540, 360, 360, 0], abs=1e-9
    )
    total = path["spare_offset_kbd"] + path["release_offset_kbd"] + path["net_loss_kbd"]
    np.testing.assert_allclose(total, path["gross_loss_kbd"], atol=1e-9)


def test_opec_builtin_offsets_follow_the_loss_in_recovery() -> None:
    path = outage_path(
        builtin_scenarios()["venezuela_halt_opec_offset"], AS_OF, 17, default_volume_kbd=1000.0
    )
    spare = column(path, "spare_offset_kbd")
    assert spare[:2] == [0.0, 0.0]
    assert spare[2:5] == pytest.approx([200, 400, 600], abs=1e-9)
    assert spare[13:] == pytest.approx([450, 300, 150, 0], abs=1e-9)
    assert max(spare) == pytest.approx(600)


def test_strategic_release_window_and_cap() -> None:
    scenario = spec(
        outage={"start": 1, "duration_months": 5, "ramp_up_months": 1, "volume_kbd": 1000},
        offsets={
            "spare_capacity_share": 0.5,
            "strategic_release_kbd": 300,
            "strategic_release_months": 3,
            "strategic_release_lag_months": 1,
        },
    )
    path = outage_path(scenario, AS_OF, 7, default_volume_kbd=0.0)
    # gross 500 (ramp), then 1000; spare half of it from the start.
    assert column(path, "spare_offset_kbd") == [250.0, 500.0, 500.0, 500.0, 500.0, 500.0, 0.0]
    assert column(path, "release_offset_kbd") == [0.0, 300.0, 300.0, 300.0, 0.0, 0.0, 0.0]
    assert column(path, "net_loss_kbd") == [250.0, 200.0, 200.0, 200.0, 500.0, 500.0, 0.0]

    capped = spec(
        outage={"start": 1, "duration_months": 2, "ramp_up_months": 1, "volume_kbd": 1000},
        offsets={
            "spare_capacity_share": 0.5,
            "strategic_release_kbd": 600,
            "strategic_release_months": 12,
        },
    )
    path = outage_path(capped, AS_OF, 4, default_volume_kbd=0.0)
    assert column(path, "release_offset_kbd") == [250.0, 500.0, 500.0, 0.0]
    assert column(path, "net_loss_kbd") == [0.0, 0.0, 0.0, 0.0]


def test_redirected_exports_cost_world_supply_nothing() -> None:
    scenario = spec(
        outage={"start": 1, "duration_months": 2, "affects_world_supply": False},
        offsets={"spare_capacity_share": 0.5, "strategic_release_kbd": 100},
    )
    path = outage_path(scenario, AS_OF, 3, default_volume_kbd=700.0)
    assert column(path, "gross_loss_kbd") == [700.0, 700.0, 0.0]
    for name in ("spare_offset_kbd", "release_offset_kbd", "net_loss_kbd"):
        assert column(path, name) == [0.0, 0.0, 0.0]
    builtin = outage_path(
        builtin_scenarios()["cuba_shipments_halt"], AS_OF, 18, default_volume_kbd=700.0
    )
    assert builtin["gross_loss_kbd"].gt(0).sum() == 16
    assert builtin["net_loss_kbd"].eq(0).all()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"horizon": -1}, "horizon must be a whole number >= 0, got -1"),
        ({"default_volume_kbd": -5.0}, "default_volume_kbd must be a number of kb/d >= 0"),
        ({"default_volume_kbd": float("nan")}, "default_volume_kbd must be .* got nan"),
        ({"as_of": pd.NaT}, "as_of must be a date, got NaT"),
    ],
)
def test_outage_path_bad_arguments(kwargs: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {"as_of": AS_OF, "horizon": 3, "default_volume_kbd": 700.0} | kwargs
    with pytest.raises(ScenarioError, match=message):
        outage_path(builtin_scenarios()["venezuela_full_halt"], **args)


def test_default_volume_unused_when_volume_given() -> None:
    scenario = builtin_scenarios()["venezuela_partial_halt"]
    path = outage_path(scenario, AS_OF, 2, default_volume_kbd=-1.0)
    assert column(path, "gross_loss_kbd") == [200.0, 400.0]


# --- cuba_shipments_path ------------------------------------------------------------------


def test_cuba_full_halt_loses_everything() -> None:
    path = cuba_shipments_path(
        builtin_scenarios()["venezuela_full_halt"], AS_OF, 17, default_baseline_kbd=30.0
    )
    assert list(path.columns) == [
        "date",
        "baseline_kbd",
        "shipments_kbd",
        "lost_kbd",
        "replaced_kbd",
        "unreplaced_kbd",
    ]
    assert str(path["date"].dtype) == "datetime64[ns]"
    assert column(path, "baseline_kbd") == [30.0] * 17
    assert column(path, "shipments_kbd") == [15.0] + [0.0] * 12 + [7.5, 15.0, 22.5, 30.0]
    assert column(path, "lost_kbd") == [15.0] + [30.0] * 12 + [22.5, 15.0, 7.5, 0.0]
    assert column(path, "replaced_kbd") == [0.0] * 17
    assert column(path, "unreplaced_kbd") == column(path, "lost_kbd")


def test_cuba_partial_and_replacement() -> None:
    scenario = apply_overrides(
        builtin_scenarios()["venezuela_partial_halt"], ["cuba.replacement_share=0.25"]
    )
    path = cuba_shipments_path(scenario, AS_OF, 3, default_baseline_kbd=30.0)
    assert column(path, "shipments_kbd") == [22.5, 15.0, 15.0]
    assert column(path, "lost_kbd") == [7.5, 15.0, 15.0]
    assert column(path, "replaced_kbd") == [1.875, 3.75, 3.75]
    assert column(path, "unreplaced_kbd") == [5.625, 11.25, 11.25]


def test_cuba_baseline_from_spec_and_during_above_baseline() -> None:
    scenario = spec(
        outage={"start": 1, "duration_months": 1},
        cuba={"baseline_shipments_kbd": 50, "shipments_kbd_during_outage": 10},
    )
    path = cuba_shipments_path(scenario, AS_OF, 2, default_baseline_kbd=-1.0)
    assert column(path, "shipments_kbd") == [10.0, 50.0]
    above = spec(
        outage={"start": 1, "duration_months": 1}, cuba={"shipments_kbd_during_outage": 40}
    )
    path = cuba_shipments_path(above, AS_OF, 2, default_baseline_kbd=30.0)
    assert column(path, "lost_kbd") == [0.0, 0.0]
    assert column(path, "shipments_kbd") == [30.0, 30.0]


def test_cuba_baseline_and_redirected() -> None:
    base = cuba_shipments_path(builtin_scenarios()["baseline"], AS_OF, 3, default_baseline_kbd=30.0)
    assert column(base, "lost_kbd") == [0.0, 0.0, 0.0]
    assert column(base, "shipments_kbd") == [30.0, 30.0, 30.0]
    redirected = cuba_shipments_path(
        builtin_scenarios()["cuba_shipments_halt"], AS_OF, 3, default_baseline_kbd=30.0
    )
    assert column(redirected, "lost_kbd") == [15.0, 30.0, 30.0]
    with pytest.raises(ScenarioError, match=r"default_baseline_kbd must be a number of kb/d"):
        cuba_shipments_path(builtin_scenarios()["baseline"], AS_OF, 3, default_baseline_kbd=-1)


# --- the CLI ------------------------------------------------------------------------------


def test_cli_list() -> None:
    result = CliRunner().invoke(scenarios_cli, ["list"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line.split()[0] for line in lines] == list(BUILTIN_IDS)
    assert "Venezuela's crude exports stop for a year" in lines[1]


def test_cli_show_builtin_is_a_valid_scenario_file(tmp_path: Path) -> None:
    for scenario_id, scenario in builtin_scenarios().items():
        result = CliRunner().invoke(scenarios_cli, ["show", scenario_id])
        assert result.exit_code == 0, result.output
        assert result.output.startswith(f"# {scenario.source}\n")
        assert Scenario.from_dict(tomllib.loads(result.output)) == scenario
    path = write(tmp_path, result.output, "copy.toml")
    assert load_scenario(path) == builtin_scenarios()["cuba_shipments_halt"]


def test_cli_show_with_overrides_and_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        scenarios_cli,
        ["show", "venezuela_full_halt", "--set", "outage.volume_kbd=600", "--set", 'title="T"'],
    )
    assert result.exit_code == 0, result.output
    assert "with --set outage.volume_kbd=600" in result.output.splitlines()[0]
    shown = Scenario.from_dict(tomllib.loads(result.output))
    assert shown.outage is not None
    assert shown.outage.volume_kbd == 600.0
    assert shown.title == "T"
    assert "# baseline_shipments_kbd not set" in result.output
    path = write(tmp_path, VALID_TOML)
    result = CliRunner().invoke(scenarios_cli, ["show", str(path)])
    assert result.exit_code == 0, result.output
    assert 'id = "test_halt"' in result.output
    assert "# volume_kbd not set: Venezuela's latest exports" in result.output


def test_cli_show_errors_are_one_line() -> None:
    result = CliRunner().invoke(scenarios_cli, ["show", "venezuela_ful_halt"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: unknown scenario 'venezuela_ful_halt'")
    assert result.output.count("\n") == 1
    result = CliRunner().invoke(scenarios_cli, ["show", "baseline", "--set", "cuba.colour=1"])
    assert result.exit_code == 1
    assert "unknown key 'cuba.colour'" in result.output
    assert "Traceback" not in result.output


def test_cli_validate(tmp_path: Path) -> None:
    good = write(tmp_path, VALID_TOML, "good.toml")
    bad = write(tmp_path, edited("duration_months = 12", "duration_months = -1"), "bad.toml")
    result = CliRunner().invoke(scenarios_cli, ["validate", str(good)])
    assert result.exit_code == 0
    assert result.output == f"{good}: ok (test_halt)\n"
    result = CliRunner().invoke(scenarios_cli, ["validate", str(bad), str(good), "nope.toml"])
    assert result.exit_code == 1
    assert f"{good}: ok (test_halt)\n" in result.output
    assert f"Error: {bad}: outage.duration_months: must be a whole number >= 0, got -1" in (
        result.output
    )
    assert "nope.toml: no such scenario file" in result.output
    builtins = sorted(str(p) for p in bundled_dir("scenarios").glob("*.toml"))
    result = CliRunner().invoke(scenarios_cli, ["validate", *builtins])
    assert result.exit_code == 0, result.output
    assert result.output.count(": ok (") == 5
    assert CliRunner().invoke(scenarios_cli, ["validate"]).exit_code == 2


def test_cli_help() -> None:
    for args in ([], ["list"], ["show"], ["validate"]):
        result = CliRunner().invoke(scenarios_cli, [*args, "--help"])
        assert result.exit_code == 0
        assert "Usage:" in result.output
    assert "kb/d" in CliRunner().invoke(scenarios_cli, ["--help"]).output


@pytest.mark.parametrize(
    "title", ['say "hi"', "back\\slash", "line\nbreak\ttab", "del\x7fnul\x00", "ñandú 石油 🛢"]
)
def test_toml_writer_escapes_strings(title: str) -> None:
    assert tomllib.loads(f"t = {toml_string(title)}")["t"] == title
    scenario = Scenario(id="x", title=title, description=title)
    assert Scenario.from_dict(tomllib.loads(scenario.to_toml())) == scenario


@pytest.mark.parametrize("scenario_id", BUILTIN_IDS)
def test_to_toml_round_trips_every_builtin(scenario_id: str) -> None:
    scenario = builtin_scenarios()[scenario_id]
    assert Scenario.from_dict(tomllib.loads(scenario.to_toml())) == scenario
