"""The model registry and RunSpec: one place that names models, and a toy model added in a test."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, get_args

import numpy as np
import pytest

import forecast
from forecast._typing import Identification, PriceBaseline
from forecast.errors import ForecastError
from forecast.models import registry
from forecast.models.protocol import (
    BaselineModel,
    PriceModel,
    RunContext,
    params_frame,
)
from forecast.models.registry import ModelEntry, ModelOption
from forecast.reports.writer import write_report
from forecast.spec import RunSpec

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd

    from forecast.store import Store


def test_builtin_names_kinds_and_defaults() -> None:
    assert registry.names("price") == ("svar", "elasticity", "svar_sign", "svar_proxy", "svar_bvar")
    assert registry.names("cuba") == ("cuba", "cuba_calibrated")
    assert set(registry.names("baseline")) == set(get_args(PriceBaseline))
    assert registry.default_models() == ("svar", "elasticity", "cuba", "svar_sign", "svar_proxy")
    assert registry.get("svar").option("identification").choices == get_args(Identification)


def test_unknown_model_lists_price_and_cuba_models() -> None:
    with pytest.raises(ForecastError, match=r"unknown model 'nope'; known models: svar, elas"):
        registry.get("nope")


def test_register_refuses_a_taken_name() -> None:
    with pytest.raises(ForecastError, match="already registered"):
        registry.register(registry.get("svar"))


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"horizon": 0}, "horizon must be between 1 and 120 months, got 0"),
        ({"draws": 50}, "draws must be between 100 and 100,000, got 50"),
        ({"seed": -1}, r"seed must be a whole number from 0 to 2\*\*63 - 1, got -1"),
        ({"models": ("arima",)}, "unknown model 'arima'"),
        ({"price_baseline": "bvar"}, "unknown price baseline 'bvar'"),
        ({"model_options": {"svar": {"lag": 3}}}, "the svar model has no option 'lag'"),
        (
            {"model_options": {"svar": {"identification": "narrative"}}},
            "svar option identification: 'narrative' is not one of recursive, sign, proxy",
        ),
        ({"model_options": {"svar": {"lags": 0}}}, "svar option lags: 0 is not a whole number"),
    ],
)
def test_runspec_refuses_bad_settings(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ForecastError, match=message):
        RunSpec(**settings)


def test_runspec_is_frozen_and_resolves_options() -> None:
    spec = RunSpec(models=("svar", "svar", "cuba"), model_options={"svar": {"lags": 12}})
    assert spec.models == ("svar", "cuba")
    assert spec.options_for("svar") == {
        "identification": "recursive", "lags": 12, "bootstrap": "residual", "rotations": 500,
        "lag_criterion": "aic", "restrictions": "impact", "start": "1992-02", "end": "as_of",
        "sensitivity": "off",
    }  # fmt: skip
    assert RunSpec().chosen_models == registry.default_models()
    with pytest.raises(AttributeError):
        spec.draws = 5  # type: ignore[misc]
    with pytest.raises(TypeError):
        spec.model_options["svar"]["lags"] = 3  # type: ignore[index]


def test_run_takes_a_spec_or_keywords_not_both(synthetic_store: Store) -> None:
    with pytest.raises(ForecastError, match=r"pass either spec= or the keyword settings \(draws\)"):
        forecast.run(spec=RunSpec(), draws=200, store=synthetic_store)


def test_spec_and_keywords_give_the_same_run(synthetic_store: Store) -> None:
    by_keywords = forecast.run(
        ["venezuela_full_halt"], models=["elasticity"], draws=200, seed=4, store=synthetic_store
    )
    spec = RunSpec(models=("elasticity",), draws=200, seed=4)
    by_spec = forecast.run(["venezuela_full_halt"], spec=spec, store=synthetic_store)
    assert by_keywords.equals(by_spec)


# -- a toy model, added without touching any other file ------------------------------------------


class ConstantElasticity:
    """Brent and WTI rise by a fixed multiple of the share of world supply lost."""

    def __init__(self, context: RunContext) -> None:
        assert isinstance(context.baseline, BaselineModel)
        self.name = context.name
        self.multiplier = float(context.options["multiplier"])
        self.baseline = context.baseline.draws
        self.world_kbd = context.inputs.world_kbd
        self.notes = (f"Toy model: prices rise {self.multiplier:g}% per 1% of supply lost.",)
        self.tables: dict[str, pd.DataFrame] = {}
        self.params = params_frame(self.name, "brent_usd", ["multiplier"], [self.multiplier])
        self.assumptions = ()
        self.raw: dict[str, Any] = {}

    def project(self, net_loss_kbd: np.ndarray) -> dict[str, np.ndarray]:
        lift = 1.0 + self.multiplier * net_loss_kbd / self.world_kbd
        return {sid: draws * lift for sid, draws in self.baseline.items()}


@pytest.fixture
def toy() -> Any:
    entry = registry.register(
        ModelEntry(
            "toy_elasticity",
            "price",
            "Oil price: a constant multiple of the supply share lost (test model)",
            ConstantElasticity,
            options=(ModelOption("multiplier", 3, "Per cent per 1% of supply lost."),),
        )
    )
    yield entry
    registry.unregister(entry.name)


def test_a_registered_toy_model_runs_through_the_engine_and_the_report(
    toy: ModelEntry, synthetic_store: Store, tmp_path: Path
) -> None:
    spec = RunSpec(
        models=("toy_elasticity", "cuba_calibrated"),
        draws=200,
        seed=5,
        model_options={"toy_elasticity": {"multiplier": 4}},
    )
    result = forecast.run(["venezuela_full_halt"], spec=spec, store=synthetic_store)
    assert result.price_model == "toy_elasticity"
    assert isinstance(result.raw["models"]["toy_elasticity"], PriceModel)
    base = result.path("brent_usd", "baseline", "toy_elasticity")
    halt = result.path("brent_usd", "venezuela_full_halt", "toy_elasticity")
    outage = result.path("world_net_supply_loss_kbd", "venezuela_full_halt")
    world = result.assumptions.set_index("key").loc["world_crude_kbd", "value"]
    expected = base["mean"] * (1 + 4 * outage["mean"] / world)
    np.testing.assert_allclose(halt["mean"], expected, rtol=1e-12)
    # Cuba's models take Brent from the run's headline price model, the toy here.
    assert set(result.paths.loc[result.paths["model"] == "cuba_calibrated", "scenario"]) == {
        "baseline", "venezuela_full_halt",
    }  # fmt: skip
    rows = result.diagnostics[result.diagnostics["model"] == "toy_elasticity"]
    assert rows["estimate"].tolist() == [4.0]
    assert any(n.startswith("Toy model") for n in result.notes)
    written = write_report(result, tmp_path)
    html = written["html"].read_text(encoding="utf-8")
    assert "toy_elasticity" in html
    assert "Toy model: prices rise 4% per 1% of supply lost." in html


def test_a_model_whose_series_nobody_has_is_left_out_or_refused(
    synthetic_store: Store,
) -> None:
    entry = registry.register(
        ModelEntry(
            "needs_venezuela",
            "price",
            "Oil price: needs Venezuelan production (test model)",
            ConstantElasticity,
            default=True,
            needs=("venezuela_crude_production_kbd",),
            options=(ModelOption("multiplier", 3, "Per cent per 1% of supply lost."),),
        )
    )
    try:
        quiet = forecast.run(["baseline"], store=synthetic_store, draws=200, seed=1)
        assert "needs_venezuela" not in quiet.models
        assert any("needs_venezuela model was not run" in n for n in quiet.notes)
        with pytest.raises(ForecastError, match="needs venezuela_crude_production_kbd"):
            forecast.run(["baseline"], models=["needs_venezuela"], store=synthetic_store, draws=200)
    finally:
        registry.unregister(entry.name)
