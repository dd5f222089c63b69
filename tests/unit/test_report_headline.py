"""The report's headline table: ensemble, per-1% arithmetic, skipped rows, forecast records."""

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import forecast
from forecast.errors import EstimationError, ForecastError
from forecast.models import registry
from forecast.models.registry import ModelEntry, ModelOption
from forecast.reports import _headline, _summary
from forecast.reports._backtest import BacktestEvidence
from forecast.results import RunResult
from forecast.store import Store
from tests.unit.test_registry import ConstantElasticity

HALT = "venezuela_full_halt"


@pytest.fixture(scope="module")
def toy_models() -> Any:
    entries = [
        registry.register(
            ModelEntry(
                f"toy_{k}",
                "price",
                f"Oil price: {k}% per 1% of supply lost (test model)",
                ConstantElasticity,
                options=(ModelOption("multiplier", k, "Per cent per 1% of supply lost."),),
            )
        )
        for k in (2, 5)
    ]
    yield entries
    for entry in entries:
        registry.unregister(entry.name)


@pytest.fixture(scope="module")
def result(synthetic_store: Store, toy_models: Any) -> RunResult:
    return forecast.run(
        [HALT], store=synthetic_store, draws=200, seed=3,
        models=["elasticity", "toy_2", "toy_5", "cuba_calibrated"],
    )  # fmt: skip


@pytest.fixture(scope="module")
def table(result: RunResult) -> pd.DataFrame:
    return _headline.headline_table(result, HALT)


def test_ensemble_is_the_median_and_range_of_the_models_medians(table: pd.DataFrame) -> None:
    models = table[table["row"] == "model"]
    ensemble = table[table["row"] == "ensemble"].iloc[0]
    assert list(models["model"]) == ["elasticity", "toy_2", "toy_5"]
    for h in _headline.HORIZONS:
        medians = models[f"effect_h{h}_q50"].to_numpy()
        assert ensemble[f"effect_h{h}_q50"] == pytest.approx(np.median(medians))
        assert ensemble[f"effect_h{h}_q05"] == pytest.approx(medians.min())
        assert ensemble[f"effect_h{h}_q95"] == pytest.approx(medians.max())
    assert ensemble["label"] == "ensemble of 3 models/identifications"


def test_ensemble_row_of_hand_made_rows() -> None:
    rows = [
        {"effect_h6_q50": 1.0, "per_1pct_h6": 2.0},
        {"effect_h6_q50": 4.0, "per_1pct_h6": 8.0},
        {"effect_h6_q50": 2.0, "per_1pct_h6": 4.0},
    ]
    row = _headline.ensemble_row(rows)
    assert (row["effect_h6_q50"], row["effect_h6_q05"], row["effect_h6_q95"]) == (2.0, 1.0, 4.0)
    assert row["per_1pct_h6"] == 4.0


def test_effect_per_1pct_divides_by_the_loss_share(result: RunResult, table: pd.DataFrame) -> None:
    loss = result.raw["draws"][(HALT, "outage", "world_net_supply_loss_kbd")].mean(axis=0)
    world = result.assumptions.set_index("key").loc["world_crude_kbd", "value"]
    draws = result.raw["draws"]
    for model, multiplier in (("toy_2", 2.0), ("toy_5", 5.0)):
        row = table[table["model"] == model].iloc[0]
        for h in _headline.HORIZONS:
            share = 100 * loss[h - 1] / world
            effect = 100 * (
                draws[(HALT, model, "brent_usd")] / draws[("baseline", model, "brent_usd")] - 1
            )
            assert row[f"loss_share_h{h}_pct"] == pytest.approx(share)
            assert row[f"effect_h{h}_q50"] == pytest.approx(np.median(effect[:, h - 1]))
            if share > 0:
                assert row[f"per_1pct_h{h}"] == pytest.approx(row[f"effect_h{h}_q50"] / share)
                assert row[f"per_1pct_h{h}"] == pytest.approx(multiplier)  # the toy's constant


def test_skipped_default_models_are_rows_with_their_reason(
    result: RunResult, synthetic_store: Store
) -> None:
    default = forecast.run([HALT], store=synthetic_store, draws=200, seed=3)
    assert {"svar", "svar_sign", "svar_proxy"} <= set(default.skipped)
    assert "world_crude_production_long_kbd" in default.skipped["svar_sign"]
    table = _headline.headline_table(default, HALT)
    skipped = table[table["row"] == "skipped"].set_index("model")
    assert {"svar", "svar_sign", "svar_proxy"} <= set(skipped.index)
    assert skipped.loc["svar_sign", "note"].startswith("not run: the svar_sign model's start")
    assert "cuba" not in skipped.index  # Cuba models are not price rows
    assert not result.skipped  # models named explicitly: nothing skipped


def test_the_literature_row_spans_the_studies(table: pd.DataFrame) -> None:
    row = table[table["row"] == "literature"].iloc[0]
    assert row["per_1pct_h6_low"] == pytest.approx(2.00)
    assert row["per_1pct_h6_high"] == pytest.approx(4.17)
    assert "Kilian and Murphy (2014)" in row["note"]


def _evidence(last: str) -> BacktestEvidence:
    table = pd.DataFrame(
        {
            "target": ["nominal"] * 4 + ["real"] * 4,
            "model": ["toy_2"] * 8,
            "horizon": [1, 3, 6, 12] * 2,
            "n": [100] * 8,
            "mspe": [1.0] * 8,
            "mspe_ratio": [1.0] * 8,
            "mspe_ratio_eom": [1.1, 1.2, 1.3, 1.4, 9.0, 9.0, 9.0, 9.0],
        }
    )
    targets = pd.DataFrame(
        {"target": ["nominal"], "model": ["toy_2"], "target_date": [pd.Timestamp(last)]}
    )
    return BacktestEvidence(Path("bt"), table, None, targets)


def test_forecast_record_reads_the_nominal_eom_ratios_by_registry_name() -> None:
    as_of = pd.Timestamp("2025-11-01")
    ratios, text = _headline.forecast_record(_evidence("2025-11-01"), "toy_2", as_of)
    assert ratios == {1: 1.1, 3: 1.2, 6: 1.3, 12: 1.4}
    assert "nominal" in text
    assert _headline.forecast_record(_evidence("2025-11-01"), "toy_5", as_of) == (
        {}, _headline.NO_RECORD,
    )  # fmt: skip
    ratios, text = _headline.forecast_record(None, "elasticity", as_of)
    assert ratios == dict.fromkeys(_headline.HORIZONS, 1.0)
    assert "by construction" in text
    assert _headline.forecast_record(None, "toy_2", as_of)[1].startswith("no record")


def test_a_record_scored_after_the_as_of_month_is_cut_as_look_ahead() -> None:
    ratios, text = _headline.forecast_record(
        _evidence("2025-11-01"), "toy_2", pd.Timestamp("2020-06-01")
    )
    assert ratios == {}
    assert text.startswith("look-ahead")
    assert "2025-11" in text


def test_backtest_evidence_reads_last_targets(tmp_path: Path) -> None:
    _evidence("2025-11-01").table.to_csv(tmp_path / "backtest.csv", index=False)
    pd.DataFrame(
        {
            "target": ["nominal"] * 3, "origin": ["2024-01-01", "2025-01-01", "2025-01-01"],
            "target_date": ["2024-02-01", "2025-07-01", "2026-01-01"], "horizon": [1, 6, 12],
            "model": ["toy_2", "toy_2", "toy_2"], "forecast": [1.0, 1.0, 1.0],
            "actual": [1.0, 1.0, None],  # the last target is not observed yet: not scored
        }
    ).to_csv(tmp_path / "forecasts.csv", index=False)  # fmt: skip
    evidence = BacktestEvidence.read(tmp_path)
    assert evidence is not None
    assert evidence.last_target("toy_2", "nominal") == pd.Timestamp("2025-07-01")
    assert evidence.last_target("toy_2", "real") is None


def test_summary_leads_with_the_ensemble(result: RunResult, table: pd.DataFrame) -> None:
    lead = _summary.summary_sentences(result)[0]
    ensemble = table[table["row"] == "ensemble"].iloc[0]
    assert lead.startswith("In the scenario “Venezuela's crude exports stop for a year”")
    assert f"({ensemble['effect_h6_q50']:.1f}%)" in lead
    assert "median across 3 models/identifications" in lead
    assert f"range {ensemble['effect_h6_q05']:+.1f}% to {ensemble['effect_h6_q95']:+.1f}%" in lead


def _failing(exc: type[ForecastError]) -> Any:
    def setup(_context: object) -> None:
        raise exc("weak instrument (F 0.01)")

    return setup


@pytest.mark.parametrize("exc", [EstimationError, ForecastError])
def test_a_default_model_that_cannot_run_is_skipped_with_its_reason(
    synthetic_store: Store, exc: type[ForecastError]
) -> None:
    entry = registry.register(
        ModelEntry("toy_fails", "price", "Oil price: always fails", _failing(exc), default=True)
    )
    try:
        quiet = forecast.run([HALT], store=synthetic_store, draws=200, seed=1)
        assert "toy_fails" not in quiet.models
        assert quiet.skipped["toy_fails"] == "weak instrument (F 0.01)"
        assert any("toy_fails model was not run" in n for n in quiet.notes)
        with pytest.raises(exc, match="weak instrument"):
            forecast.run([HALT], models=["toy_fails"], store=synthetic_store, draws=200)
    finally:
        registry.unregister(entry.name)
