"""Property tests for forecast.scenarios: round trips and the arithmetic of outage paths."""

from __future__ import annotations

import tomllib

import numpy as np
import pandas as pd
from hypothesis import assume, given
from hypothesis import strategies as st

from forecast.scenarios import (
    Cuba,
    Offsets,
    Outage,
    Scenario,
    cuba_shipments_path,
    outage_path,
)

AS_OF = pd.Timestamp("2025-06-01")

months = st.integers(min_value=0, max_value=24)
kbd = st.floats(min_value=0.0, max_value=5000.0, allow_nan=False, allow_infinity=False)
shares = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
month_strings = st.builds(
    "{:04d}-{:02d}".format, st.integers(2015, 2035), st.integers(min_value=1, max_value=12)
)
starts = st.one_of(st.integers(min_value=1, max_value=36), month_strings)

outages = st.builds(
    Outage,
    start=starts,
    duration_months=months,
    volume_kbd=st.none() | kbd,
    ramp_up_months=months,
    recovery_months=months,
    affects_world_supply=st.booleans(),
)
offsets = st.builds(
    Offsets,
    spare_capacity_share=shares,
    spare_capacity_lag_months=months,
    spare_capacity_ramp_months=months,
    strategic_release_kbd=kbd,
    strategic_release_months=months,
    strategic_release_lag_months=months,
)
cubas = st.builds(
    Cuba,
    shipments_kbd_during_outage=st.floats(0, 200, allow_nan=False),
    baseline_shipments_kbd=st.none() | st.floats(0, 200, allow_nan=False),
    replacement_share=shares,
)
scenarios = st.builds(
    Scenario,
    id=st.from_regex(r"[a-z][a-z0-9]{0,8}(_[a-z0-9]{1,5}){0,3}", fullmatch=True),
    title=st.text(min_size=1, max_size=40).filter(str.strip),
    description=st.text(max_size=80),
    outage=st.none() | outages,
    offsets=offsets,
    cuba=cubas,
    source=st.none() | st.just("somewhere.toml"),
)
horizons = st.integers(min_value=0, max_value=60)
default_volumes = st.floats(min_value=0.0, max_value=5000.0, allow_nan=False)


@given(scenarios)
def test_to_dict_round_trips(scenario: Scenario) -> None:
    assert Scenario.from_dict(scenario.to_dict()) == scenario


@given(scenarios)
def test_toml_writer_round_trips(scenario: Scenario) -> None:
    assert Scenario.from_dict(tomllib.loads(scenario.to_toml())) == scenario


@given(scenarios, horizons, default_volumes)
def test_path_bounds(scenario: Scenario, horizon: int, default_volume: float) -> None:
    path = outage_path(scenario, AS_OF, horizon, default_volume_kbd=default_volume)
    assert len(path) == horizon
    assert path["intensity"].between(0.0, 1.0).all()
    assert (path["net_loss_kbd"] >= 0).all()
    assert (path["net_loss_kbd"] <= path["gross_loss_kbd"]).all()
    assert (path["spare_offset_kbd"] >= 0).all()
    assert (path["release_offset_kbd"] >= 0).all()
    if scenario.outage is not None and scenario.outage.affects_world_supply:
        total = path["net_loss_kbd"] + path["spare_offset_kbd"] + path["release_offset_kbd"]
        np.testing.assert_allclose(total, path["gross_loss_kbd"], rtol=1e-12, atol=1e-9)
    else:
        assert (path["net_loss_kbd"] == 0).all()
    assert (path["date"].dt.day == 1).all()
    assert (path["date"].diff().dropna().dt.days.between(28, 31)).all()


@given(outages, offsets, kbd, st.floats(min_value=0.0, max_value=5000.0, allow_nan=False))
def test_larger_volume_never_gives_smaller_net_loss(
    outage: Outage, offset: Offsets, volume: float, extra: float
) -> None:
    small = Scenario(id="small", title="Small", outage=_with_volume(outage, volume), offsets=offset)
    large = small.replace(outage=_with_volume(outage, volume + extra))
    net_small = outage_path(small, AS_OF, 48, default_volume_kbd=0.0)["net_loss_kbd"]
    net_large = outage_path(large, AS_OF, 48, default_volume_kbd=0.0)["net_loss_kbd"]
    assert (net_large >= net_small).all()


def _with_volume(outage: Outage, volume: float) -> Outage:
    return Outage(
        start=outage.start,
        duration_months=outage.duration_months,
        volume_kbd=volume,
        ramp_up_months=outage.ramp_up_months,
        recovery_months=outage.recovery_months,
        affects_world_supply=outage.affects_world_supply,
    )


@given(outages, default_volumes)
def test_total_loss_is_half_of_ramp_and_recovery(outage: Outage, default_volume: float) -> None:
    assume(isinstance(outage.start, int))
    assert isinstance(outage.start, int)
    scenario = Scenario(id="x", title="x", outage=outage)
    horizon = outage.start + outage.total_months
    path = outage_path(scenario, AS_OF, horizon, default_volume_kbd=default_volume)
    volume = default_volume if outage.volume_kbd is None else outage.volume_kbd
    expected = volume * (
        outage.ramp_up_months / 2 + outage.duration_months + outage.recovery_months / 2
    )
    assert np.isclose(path["gross_loss_kbd"].sum(), expected, rtol=1e-12, atol=1e-9)
    assert (path["intensity"] == 1.0).sum() == outage.duration_months


@given(scenarios, horizons, st.floats(min_value=0.0, max_value=200.0, allow_nan=False))
def test_cuba_accounting(scenario: Scenario, horizon: int, default_baseline: float) -> None:
    path = cuba_shipments_path(scenario, AS_OF, horizon, default_baseline_kbd=default_baseline)
    baseline = path["baseline_kbd"]
    floor = np.minimum(scenario.cuba.shipments_kbd_during_outage, baseline)
    assert (path["shipments_kbd"] <= baseline).all()
    assert (path["shipments_kbd"] >= floor - 1e-9).all()
    np.testing.assert_allclose(path["baseline_kbd"] - path["shipments_kbd"], path["lost_kbd"])
    np.testing.assert_allclose(path["replaced_kbd"] + path["unreplaced_kbd"], path["lost_kbd"])
    assert (path["unreplaced_kbd"] >= 0).all()
    if scenario.outage is None:
        assert (path["lost_kbd"] == 0).all()
