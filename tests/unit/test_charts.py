"""Charts are checked by their data, mappings and layers; they are looked at by a person."""

import dataclasses

import numpy as np
import pandas as pd
import pytest
from plotnine import geom_line, geom_linerange, geom_ribbon, geom_vline

import forecast
from forecast import charts
from forecast.results import RunResult
from forecast.store import Store


@pytest.fixture(scope="module")
def result(synthetic_store: Store) -> RunResult:
    return forecast.run(store=synthetic_store, draws=100, seed=2)


def layer_types(plot: object) -> list[type]:
    return [type(layer.geom) for layer in plot.layers]  # type: ignore[attr-defined]


def test_colours_are_fixed_per_scenario_across_charts() -> None:
    ids = ["baseline", "venezuela_full_halt", "mine", "cuba_shipments_halt", "other"]
    first = charts.scenario_colours(ids)
    again = charts.scenario_colours(list(reversed(ids)))
    assert first["venezuela_full_halt"] == again["venezuela_full_halt"]
    assert len(set(first.values())) == len(ids)


def test_fan_chart_has_bands_history_baseline_and_as_of(result: RunResult) -> None:
    plot = charts.price_fan_chart(result, "brent_usd")
    types = layer_types(plot)
    assert types.count(geom_ribbon) == 2, "68% and 90% bands"
    assert types.count(geom_line) == 3, "baseline median, scenario median, history"
    assert geom_vline in types
    vline = next(layer for layer in plot.layers if isinstance(layer.geom, geom_vline))
    assert pd.Timestamp(vline.geom.data["xintercept"].iloc[0]) == result.as_of
    repeats = charts.same_oil_shock(result)  # scenarios whose oil shock repeats another's
    assert set(plot.data["scenario"]) == set(result.scenario_ids) - set(repeats)
    assert "cuba_shipments_halt" in repeats  # no world supply lost: the baseline's prices
    assert "Same oil shock as another scenario, not drawn" in plot.labels.subtitle
    assert (plot.data["variable"] == "brent_usd").all()
    assert plot.labels.y == "US$/bbl"
    assert "Brent" in plot.labels.title


def test_difference_chart_shows_differences_not_levels(result: RunResult) -> None:
    plot = charts.difference_chart(result, "brent_usd")
    assert "baseline" not in set(plot.data["scenario"])
    assert plot.labels.y == "% of baseline"  # the unit once, not "% difference (%)"
    full = plot.data[plot.data["scenario"] == "venezuela_full_halt"]
    assert full["mean"].max() > 1.0


def test_model_difference_chart_has_a_panel_per_price_model_on_one_axis(
    result: RunResult,
) -> None:
    # the synthetic store runs one price model: add a second one, its differences doubled
    first = result.price_model
    assert first is not None
    second = result.differences[result.differences["model"] == first].assign(
        model="svar", mean=lambda d: 2 * d["mean"]
    )
    result = dataclasses.replace(
        result,
        differences=pd.concat([result.differences, second], ignore_index=True),
        models=(*result.models, "svar"),
    )
    headline = result.price_model  # svar leads when it runs
    assert headline == "svar"
    plot = charts.model_difference_chart(result, "brent_usd", labels={first: "a cross-check"})
    panels = list(plot.data["model_label"].cat.categories)
    assert panels == ["svar", "a cross-check"], "the headline model first, then the others"
    assert list(plot.facet.vars) == ["model_label"]
    assert plot.facet.free == {"x": False, "y": False}, "one y axis: heights compare"
    assert "baseline" not in set(plot.data["scenario"])
    assert not set(charts.same_oil_shock(result)) & set(plot.data["scenario"])
    per_panel = plot.data.groupby("model", observed=True)["scenario"].agg(frozenset)
    assert len(set(per_panel)) == 1, "every panel shows the same scenarios"
    for model in (first, "svar"):
        full = plot.data[
            (plot.data["scenario"] == "venezuela_full_halt") & (plot.data["model"] == model)
        ]
        expected = result.differences[
            (result.differences["scenario"] == "venezuela_full_halt")
            & (result.differences["model"] == model)
            & (result.differences["variable"] == "brent_usd")
        ]
        assert np.allclose(full["mean"].to_numpy(), expected["mean"].to_numpy())
    assert plot.labels.y == "% of baseline"
    one = charts.model_difference_chart(result, "brent_usd", models=["elasticity", "nope"])
    assert list(one.data["model_label"].cat.categories) == ["elasticity"]


def test_cuba_panel_has_one_panel_per_variable_and_history(result: RunResult) -> None:
    plot = charts.cuba_panel(result)
    assert geom_linerange in layer_types(plot)
    assert plot.data["variable"].nunique() == 4
    history = plot.layers[1].geom.data
    assert (history["variable"] == "cuba_gdp_growth_pct").all()
    assert history["year"].max() == 2024


def test_backcast_chart_shows_actual_model_and_naive(result: RunResult) -> None:
    plot = charts.cuba_backcast_chart(result.tables["cuba_backcast"])
    assert layer_types(plot).count(geom_ribbon) == 2
    lines = plot.layers[3].geom.data
    assert set(lines["series"]) == {
        "Actual",
        "Model fitted to 2015 (mean)",
        "Naive: mean growth of the sample",
    }
    assert plot.labels.y == "Real GDP growth (% a year)"


def test_svar_charts_from_tidy_frames() -> None:
    shocks = ["supply", "aggregate_demand", "oil_specific_demand"]
    irf = pd.DataFrame(
        [
            {"shock": s, "variable": v, "horizon": h, "estimate": 1.0, "q05": 0.0, "q16": 0.5,
             "q84": 1.5, "q95": 2.0}
            for s in shocks
            for v in ("production_level_pct", "rea", "real_price_log")
            for h in range(3)
        ]
    )  # fmt: skip
    plot = charts.svar_irf_chart(irf)
    assert len(plot.data) == 27
    assert list(plot.data["shock_label"].cat.categories) == [
        "Oil supply shock",
        "Aggregate demand shock",
        "Oil-specific demand shock",
    ]
    fevd = irf.assign(variable="real_price_log", estimate=1 / 3).drop_duplicates(
        ["shock", "horizon"]
    )
    shares = charts.svar_fevd_chart(fevd).data.groupby("horizon")["share"].sum()
    assert np.allclose(shares, 100.0)
    dates = pd.date_range("2010-01-01", periods=4, freq="MS")
    hd = pd.DataFrame(
        [
            {"date": d, "variable": "real_price_log", "component": c, "value": 1.0}
            for d in dates
            for c in [*shocks, "initial_and_deterministic"]
        ]
    )
    plot = charts.svar_hd_chart(hd)
    assert set(plot.data["component"]) == set(shocks), "initial conditions are not stacked"
