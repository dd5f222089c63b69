"""The engine as another model would call it: frames out, nothing printed, nothing written."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import forecast
from forecast import schemas
from forecast.errors import ForecastError
from forecast.results import RunResult
from forecast.scenarios import builtin_scenarios
from forecast.store import Store

DRAWS = 200


@pytest.fixture(scope="module")
def result(synthetic_store: Store) -> RunResult:
    return forecast.run(store=synthetic_store, draws=DRAWS, seed=11)


def test_every_builtin_scenario_and_required_variable_is_present(result: RunResult) -> None:
    assert result.scenario_ids == list(builtin_scenarios())
    assert set(result.paths["scenario"]) == set(builtin_scenarios())
    for variable in ("brent_usd", "wti_usd", "cuba_gdp_growth_pct"):
        assert variable in set(result.paths["variable"])
    schemas.validate(schemas.PathFrame, result.paths, origin="test")
    schemas.validate(schemas.SummaryFrame, result.summary, origin="test")


def test_paths_start_the_month_after_as_of(result: RunResult) -> None:
    assert result.as_of == pd.Timestamp("2025-11-01")
    brent = result.path("brent_usd", "baseline", "elasticity")
    assert brent["date"].iloc[0] == pd.Timestamp("2025-12-01")
    assert len(brent) == 24
    cuba = result.path("cuba_gdp_growth_pct", "baseline")
    assert cuba["date"].dt.year.tolist() == [2025, 2026, 2027]


def test_same_seed_same_result_and_other_seed_differs(
    result: RunResult, synthetic_store: Store
) -> None:
    again = forecast.run(store=synthetic_store, draws=DRAWS, seed=11)
    assert result.equals(again)
    other = forecast.run(["baseline"], store=synthetic_store, draws=DRAWS, seed=12)
    assert not np.allclose(
        other.path("brent_usd", "baseline")["q95"], result.path("brent_usd", "baseline")["q95"]
    )


def test_halts_lift_brent_and_redirected_exports_do_not(result: RunResult) -> None:
    peak = result.headline("brent_usd").set_index("scenario")
    for halt in ("venezuela_full_halt", "venezuela_partial_halt", "venezuela_halt_opec_offset"):
        assert 1.0 < peak.loc[halt, "peak_mean"] < 10.0, halt
        assert peak.loc[halt, "peak_q05"] > 0
    assert peak.loc["cuba_shipments_halt", "peak_mean"] == 0.0
    full, partial = peak.loc["venezuela_full_halt"], peak.loc["venezuela_partial_halt"]
    offset = peak.loc["venezuela_halt_opec_offset"]
    assert full["cum_mean"] > offset["cum_mean"] > 0, "OPEC+ offsets lower the average impact"
    assert full["peak_mean"] > partial["peak_mean"]


def test_halt_median_above_baseline_at_the_peak(result: RunResult) -> None:
    base = result.path("brent_usd", "baseline", "elasticity").set_index("date")
    halt = result.path("brent_usd", "venezuela_full_halt", "elasticity").set_index("date")
    assert (halt["q50"] >= base["q50"]).all()
    assert (halt["q50"] > base["q50"]).sum() >= 12


def test_zero_volume_outage_is_exactly_baseline(synthetic_store: Store) -> None:
    zero = forecast.run(
        ["venezuela_full_halt"],
        overrides=["outage.volume_kbd=0"],
        store=synthetic_store,
        draws=DRAWS,
        seed=5,
    )
    for variable in ("brent_usd", "cuba_gdp_growth_pct"):
        base = zero.path(variable, "baseline").drop(columns="scenario")
        halt = zero.path(variable, "venezuela_full_halt").drop(columns="scenario")
        assert variable == "cuba_gdp_growth_pct" or halt.equals(base)
    brent = zero.headline("brent_usd")
    assert (brent["peak_mean"] == 0).all()


def test_deeper_cut_never_lowers_the_oil_mean(synthetic_store: Store) -> None:
    means = []
    for volume in (200, 500, 900):
        run = forecast.run(
            ["venezuela_full_halt"],
            overrides=[f"outage.volume_kbd={volume}"],
            store=synthetic_store,
            draws=DRAWS,
            seed=5,
        )
        means.append(run.path("brent_usd", "venezuela_full_halt")["mean"].to_numpy())
    assert (means[1] >= means[0]).all()
    assert (means[2] >= means[1]).all()


def test_replacing_barrels_costs_money_but_saves_growth(synthetic_store: Store) -> None:
    def first_year(replacement: float) -> pd.Series:
        run = forecast.run(
            ["cuba_shipments_halt"],
            overrides=[f"cuba.replacement_share={replacement}"],
            store=synthetic_store,
            draws=DRAWS,
            seed=5,
        )
        diffs = run.differences[run.differences["scenario"] == "cuba_shipments_halt"]
        return diffs[diffs["date"] == pd.Timestamp("2026-01-01")].set_index("variable")["mean"]

    none, full = first_year(0.0), first_year(1.0)
    assert none["cuba_gdp_growth_pct"] < full["cuba_gdp_growth_pct"] <= 0
    assert full["cuba_import_bill_usd_m"] > none["cuba_import_bill_usd_m"] == 0


def test_library_call_prints_nothing_and_writes_nothing(
    synthetic_store: Store,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    forecast.run(["baseline"], store=synthetic_store, draws=DRAWS, seed=1)
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", "")
    assert list(tmp_path.iterdir()) == []


def test_write_only_when_asked(result: RunResult, tmp_path: Path) -> None:
    written = result.write(tmp_path / "out")
    assert sorted(p.name for p in written.values()) == ["paths.csv", "summary.csv"]
    back = pd.read_csv(written["paths"], parse_dates=["date"])
    back["date"] = back["date"].astype("datetime64[ns]")
    schemas.validate(schemas.PathFrame, back, origin="paths.csv")


def test_as_of_truncates_the_data(synthetic_store: Store) -> None:
    early = forecast.run(["baseline"], as_of="2024-06", store=synthetic_store, draws=DRAWS, seed=1)
    assert early.path("brent_usd", "baseline")["date"].iloc[0] == pd.Timestamp("2024-07-01")
    assert early.history["date"].max() == pd.Timestamp("2024-06-01")


def test_bad_arguments_are_refused(synthetic_store: Store) -> None:
    with pytest.raises(ForecastError, match="after the last brent_usd observation"):
        forecast.run(as_of="2026-05", store=synthetic_store, draws=DRAWS)
    with pytest.raises(ForecastError, match="unknown model 'svar2'"):
        forecast.run(models=["svar2"], store=synthetic_store, draws=DRAWS)
    with pytest.raises(ForecastError, match="horizon must be between"):
        forecast.run(horizon=0, store=synthetic_store)
    with pytest.raises(ForecastError, match="not a month"):
        forecast.run(as_of="next year", store=synthetic_store, draws=DRAWS)


def test_seed_is_recorded_when_not_given(synthetic_store: Store) -> None:
    run = forecast.run(["baseline"], store=synthetic_store, draws=DRAWS)
    again = forecast.run(["baseline"], store=synthetic_store, draws=DRAWS, seed=run.seed)
    assert run.equals(again)


def test_empty_store_runs_on_bundled_data_and_says_so(tmp_path: Path) -> None:
    run = forecast.run(["baseline"], store=tmp_path / "empty.duckdb", draws=DRAWS, seed=1)
    assert set(run.data["origin"]) == {"bundled"}
    assert run.as_of == pd.Timestamp("2025-11-01")
    assert "Bundled data used" in run.notes[0]
    # the snapshot carries every model input: the SVAR runs, world supply is real data
    assert run.price_model == "svar"
    assert not any("World crude production is not in the store" in n for n in run.notes)
    used = set(run.data["series_id"])
    assert {"kilian_rea", "us_cpi", "world_crude_production_kbd", "brent_eom_usd"} <= used


@pytest.mark.real_data
def test_real_data_run_as_of_2025_11(shared_store: Store) -> None:
    run = forecast.run(
        ["venezuela_full_halt"], as_of="2025-11", store=shared_store, draws=500, seed=3
    )
    assert run.price_model == "svar"
    for model in ("svar", "elasticity"):
        brent = run.path("brent_usd", "venezuela_full_halt", model)
        assert brent["date"].iloc[0] == pd.Timestamp("2025-12-01")
        assert brent["q50"].iloc[0] == pytest.approx(63.8, rel=0.05)
        assert (brent["q05"] <= brent["q50"]).all()
        assert (brent["q50"] <= brent["q95"]).all()
    resolved = run.assumptions.set_index("key")["value"]
    loss_pct = 100 * resolved["ve_exports_kbd"] / resolved["world_crude_kbd"]
    peaks = run.headline("brent_usd").set_index("model")["peak_mean"] / loss_pct
    assert 2.0 <= peaks["elasticity"] <= 4.2, "the literature's span of 2-4.2% per 1% lost"
    assert 1.0 <= peaks["svar"] <= 10.0, "the range the literature supports for the SVAR"
    notes = " ".join(run.notes)
    assert "prod_growth_pct: 2023-11..2025-11" in notes, "the report names the filled months"


def test_cuba_model_tables_for_the_report(result: RunResult) -> None:
    assert result.cuba_model == "cuba"
    assert result.price_model == "elasticity"
    backcast = result.tables["cuba_backcast"]
    assert backcast["year"].tolist() == list(range(2016, 2025))
    assert (backcast["q05"] <= backcast["q95"]).all()
    coefficients = result.tables["cuba_coefficients"]
    assert {"supply_change_pct", "covid_2020"} <= set(coefficients["term"])


def test_both_halts_lower_cuba_first_year_growth(result: RunResult) -> None:
    diffs = result.differences
    first = diffs[
        (diffs["variable"] == "cuba_gdp_growth_pct")
        & (diffs["date"] == pd.Timestamp("2026-01-01"))
        & (diffs["model"] == "cuba")
    ].set_index("scenario")
    for halt in ("venezuela_full_halt", "cuba_shipments_halt"):
        assert -5.0 < first.loc[halt, "mean"] < -0.2, "a plausible loss"
        assert first.loc[halt, "q95"] < 0, "the band stays below zero in the first year"
        assert first.loc[halt, "q05"] < first.loc[halt, "q95"] - 0.5, "a visible band"


def test_svar_is_skipped_with_a_note_when_it_cannot_be_estimated(result: RunResult) -> None:
    # the synthetic store's world production starts in 2015, after the SVAR's 1992 start
    assert "svar" not in result.models
    assert any("svar model was not run: it could not be estimated" in n for n in result.notes)


def test_svar_asked_for_on_data_it_cannot_use_is_an_error(synthetic_store: Store) -> None:
    with pytest.raises(ForecastError, match="prod_growth_pct: no value for 1992-02"):
        forecast.run(models=["svar"], store=synthetic_store, draws=DRAWS)


@pytest.mark.real_data
def test_svar_methodology_tables(shared_store: Store) -> None:
    run = forecast.run(["baseline"], models=["svar"], store=shared_store, draws=200, seed=1)
    assert {"svar_irf", "svar_fevd", "svar_hd", "svar_supply_response"} <= set(run.tables)
    irf = run.tables["svar_irf"]
    assert set(irf["shock"]) == {"supply", "aggregate_demand", "oil_specific_demand"}


@pytest.mark.real_data
def test_the_svar_sensitivity_job_is_the_sensitivity_table_in_another_process(
    shared_store: Store,
) -> None:
    import multiprocessing as mp
    import pickle

    run = forecast.run(["baseline"], models=["svar"], store=shared_store, draws=100, seed=4)
    adapter = run.raw["models"]["svar"]
    job = pickle.loads(pickle.dumps(adapter.sensitivity_job()))  # noqa: S301 - as a worker gets it
    assert len(pickle.dumps(job)) < 2_000_000  # the frames, not the fitted model
    with mp.get_context("fork").Pool(1) as pool:
        elsewhere = pool.apply(job)
    pd.testing.assert_frame_equal(elsewhere, adapter.sensitivity())
    pd.testing.assert_frame_equal(adapter.sensitivity_job()(), adapter.sensitivity())


@pytest.mark.real_data
def test_sign_identified_svar_runs_through_the_engine(shared_store: Store) -> None:
    run = forecast.run(
        ["venezuela_full_halt"],
        models=["svar"],
        svar_identification="sign",
        store=shared_store,
        draws=300,
        seed=2,
    )
    brent = run.path("brent_usd", "venezuela_full_halt", "svar")
    assert len(brent) == 24
    assert brent["q50"].notna().all()
    assert any("sign restrictions" in note for note in run.notes)
    resolved = run.assumptions.set_index("key")["value"]
    loss_pct = 100 * resolved["ve_exports_kbd"] / resolved["world_crude_kbd"]
    assert 1.0 <= run.headline("brent_usd")["peak_mean"].iloc[0] / loss_pct <= 15.0


def test_facts_are_cut_at_the_as_of_month(synthetic_store: Store) -> None:
    fitted = forecast.fit(
        forecast.RunSpec(as_of="2020-06", models=("elasticity",), draws=100, seed=1),
        store=synthetic_store,
    )
    facts = fitted.inputs.facts
    assert facts["cuba_real_gdp_growth_annual"]["year"].max() == 2019
    monthly = facts["venezuela_oil_exports"]
    assert monthly["date"].max() <= pd.Timestamp("2020-06-01")
    assert (facts["venezuela_to_cuba_oil_shipments"]["date"] <= pd.Timestamp("2020-06-30")).all()


@pytest.mark.real_data
def test_the_svar_bootstrap_reports_counted_progress(shared_store: Store) -> None:
    seen: list[tuple[str, int, int]] = []

    class Recorder:
        def __call__(self, message: str, /) -> None:
            pass

        def count(self, message: str, done: int, total: int) -> None:
            seen.append((message, done, total))

    forecast.run(
        ["venezuela_full_halt"], store=shared_store, as_of="2025-11", models=("svar",),
        draws=120, seed=1, progress=Recorder(),
    )  # fmt: skip
    boot = [(done, total) for message, done, total in seen if "bootstrap draws" in message]
    assert boot[0] == (0, 120)
    assert boot[-1] == (120, 120)


@pytest.mark.real_data
def test_world_level_at_the_as_of_month_comes_from_the_svar_fill(shared_store: Store) -> None:
    alone = forecast.run(["venezuela_full_halt"], store=shared_store, as_of="2025-11",
                         models=("elasticity",), draws=100, seed=1)  # fmt: skip
    both = forecast.run(["venezuela_full_halt"], store=shared_store, as_of="2025-11",
                        models=("svar", "elasticity"), draws=100, seed=1)  # fmt: skip
    carried = alone.assumptions.set_index("key").loc["world_crude_kbd"]
    filled = both.assumptions.set_index("key").loc["world_crude_kbd"]
    assert "carried to 2025-11" in carried["source"]
    assert "ragged-edge fill" in filled["source"]
    assert filled["value"] != carried["value"]
    assert abs(filled["value"] / carried["value"] - 1) < 0.1  # 25 months of growth
    # the elasticity model measures the loss against the filled level in the joint run
    adapter = both.raw["fitted"].price["elasticity"]
    assert adapter.world_kbd == filled["value"]


def test_filled_world_level_carries_the_last_level_by_the_filled_growth() -> None:
    from forecast.engine import _filled_world_level

    class Toy:
        name = "toy"
        filled_production = (
            pd.DatetimeIndex(["2024-01-01", "2024-02-01"]),
            np.array([1.0, -0.5]),  # 100 Δlog
        )

    level, source = _filled_world_level(Toy(), 80_000.0)  # type: ignore[misc]
    assert level == pytest.approx(80_000.0 * np.exp(0.005))
    assert "2024-01..2024-02 (2 months)" in source
    assert _filled_world_level(object(), 80_000.0) is None


def test_column_quantiles_equal_one_quantile_call_per_array() -> None:
    """Side by side, each array's quantiles are its own, bit for bit (NaN, inf, views, ties)."""
    import numpy as np

    from forecast.engine import column_quantiles

    rng = np.random.default_rng(11)
    probabilities = [0.05, 0.16, 0.5, 0.84, 0.95]
    arrays = [
        rng.standard_normal((1000, 24)) * 40.0,
        np.broadcast_to(rng.standard_normal(24), (1000, 24)),  # every draw the same
        rng.integers(-3, 3, (1000, 3)).astype(float),  # ties
        np.asfortranarray(rng.standard_normal((1000, 5))),
        rng.standard_normal((1000, 24))[:, ::-1],  # a strided view
    ]
    arrays[0][17, 3], arrays[0][5, 9] = np.nan, np.inf
    batched = column_quantiles(arrays, probabilities)
    for got, array in zip(batched, arrays, strict=True):
        want = np.quantile(array, probabilities, axis=0)
        assert got.shape == want.shape
        assert np.ascontiguousarray(got).tobytes() == want.tobytes()
    mixed = column_quantiles([arrays[0], arrays[2][:10]], probabilities)  # other row counts
    assert mixed[1].tobytes() == np.quantile(arrays[2][:10], probabilities, axis=0).tobytes()
