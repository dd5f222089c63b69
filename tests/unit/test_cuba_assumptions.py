"""Cuba's named assumptions: scenario keys, their use, the drawn effect, the sensitivity table."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest

import forecast
from forecast import facts
from forecast.errors import ScenarioError
from forecast.models.cuba import (
    calibrate,
    draw_cuba,
    drawn_oil_effect,
    fit_cuba,
    price_coefficient,
    project_cuba,
    with_drawn_effect,
)
from forecast.models.cuba.effects import DRAWN_SOURCE
from forecast.scenarios import Scenario, apply_overrides, builtin_scenarios

if TYPE_CHECKING:
    from forecast.models.cuba import CubaFit
    from forecast.results import RunResult
    from forecast.store import Store

TABLES = {
    "gdp_growth": "cuba_real_gdp_growth_annual",
    "special_period": "cuba_special_period_1989_1993",
    "shipments": "venezuela_to_cuba_oil_shipments",
    "oil_balance": "cuba_oil_balance_estimates",
    "electricity": "cuba_electricity_generation_onei",
    "prices": "brent_wti_annual_average_usd",
}
DRAWS = 300


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return {key: facts.load(name) for key, name in TABLES.items()}  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def fit(tables: dict[str, pd.DataFrame]) -> CubaFit:
    return fit_cuba(**tables)


@pytest.fixture(scope="module")
def result(synthetic_store: Store) -> RunResult:
    return forecast.run(store=synthetic_store, draws=DRAWS, seed=3)


def _scenario(**cuba: object) -> Scenario:
    return Scenario.from_dict({"id": "x", "title": "X", "cuba": cuba}, source="x.toml")


# --- the scenario keys ------------------------------------------------------------------------


def test_defaults_and_every_builtin_names_them() -> None:
    default = _scenario().cuba
    assert default.price_channel == "restricted_estimate"
    assert default.attribution_special_period == 1.0
    assert default.attribution_venezuelan_decline == 0.5
    for scenario in builtin_scenarios().values():
        assert scenario.cuba.price_channel == "restricted_estimate"
        assert "attribution_venezuelan_decline" in scenario.description
        assert "cuba_special_period_1989_1993" in scenario.description


@pytest.mark.parametrize(
    ("cuba", "message"),
    [
        (
            {"attribution_special_perod": 0.5},
            (
                "unknown key 'cuba.attribution_special_perod'; did you mean "
                "'cuba.attribution_special_period'?"
            ),
        ),
        ({"price_chanel": "none"}, "did you mean 'cuba.price_channel'?"),
        ({"price_channel": "market"}, "cuba.price_channel: must be one of"),
        ({"price_channel": 0.01}, "cuba.price_channel: must be one of .* a number <= 0"),
        ({"price_channel": True}, "cuba.price_channel: must be one of"),
        ({"attribution_special_period": 0}, "cuba.attribution_special_period: must be a share"),
        ({"attribution_venezuelan_decline": 1.5}, "must be a share above 0 and at most 1"),
    ],
)
def test_bad_assumptions_fail_in_one_line(cuba: dict[str, object], message: str) -> None:
    with pytest.raises(ScenarioError, match=message) as info:
        _scenario(**cuba)
    assert "\n" not in str(info.value)


def test_good_assumptions_round_trip() -> None:
    scenario = _scenario(price_channel=-0.01, attribution_venezuelan_decline=0.25)
    assert scenario.cuba.price_channel == -0.01
    again = Scenario.from_dict(scenario.to_dict(), source="y.toml")
    assert again == scenario
    overridden = apply_overrides(scenario, ['cuba.price_channel="none"'])
    assert overridden.cuba.price_channel == "none"
    assert "# price_channel not set" in _scenario().to_toml()


# --- the models use them ----------------------------------------------------------------------


def test_attribution_sets_the_calibration(tables: dict[str, pd.DataFrame]) -> None:
    gdp = {k: v for k, v in tables.items() if k != "prices"}
    base, half = calibrate(**gdp), calibrate(**gdp, attribution_special_period=0.5)
    assert half.episodes[0].elasticity == pytest.approx(base.episodes[0].elasticity / 2)
    low = calibrate(**gdp, attribution_venezuelan_decline=0.25)
    assert low.episodes[1].elasticity == pytest.approx(base.episodes[1].elasticity / 2)
    assert low.elasticity_median < base.elasticity_median


def test_price_channel_sets_the_drawn_price_coefficient(fit: CubaFit) -> None:
    drawn = draw_cuba(fit, 500, 2, rng=np.random.default_rng(1))
    none = draw_cuba(fit, 500, 2, rng=np.random.default_rng(1), price_channel="none")
    accounting = draw_cuba(fit, 500, 2, rng=np.random.default_rng(1), price_channel="accounting")
    fixed = draw_cuba(fit, 500, 2, rng=np.random.default_rng(1), price_channel=-0.02)
    price = "real_price_change_pct"
    assert (drawn.coefficient(price) <= 0).all()
    assert drawn.coefficient(price).std() > 0
    assert (none.coefficient(price) == 0).all()
    assert accounting.coefficient(price) == pytest.approx(-0.0059, abs=1e-4)
    assert (fixed.coefficient(price) == -0.02).all()
    # every other coefficient and the shocks are the same draws
    np.testing.assert_array_equal(none.shocks_pct, drawn.shocks_pct)
    np.testing.assert_array_equal(
        none.coefficient("supply_change_pct"), drawn.coefficient("supply_change_pct")
    )

    # a Brent rise with nothing lost: the price channel alone moves growth
    def growth(cdraws: object) -> np.ndarray:
        out = project_cuba(
            fit,
            cdraws,  # type: ignore[arg-type]
            years=[2026, 2027],
            lost_kbd=np.zeros(2),
            replaced_kbd=np.zeros(2),
            brent_usd=np.full((500, 2), 1.2 * fit.price_reference(2026)[1]),
        )
        return out["cuba_gdp_growth_pct"][:, 0]

    assert (growth(drawn) <= growth(none)).all()
    assert growth(drawn).mean() < growth(none).mean()
    assert price_coefficient(fit, "restricted_estimate") is None
    with pytest.raises(ValueError, match="price_channel"):
        price_coefficient(fit, 0.5)


def test_run_uses_the_scenario_assumptions(synthetic_store: Store, result: RunResult) -> None:
    def level(run: RunResult, model: str) -> float:
        d = run.differences
        rows = d[
            (d["scenario"] == "venezuela_full_halt")
            & (d["model"] == model)
            & (d["variable"] == "cuba_gdp_level_index")
        ]
        return float(rows["mean"].iloc[-1])

    changed = forecast.run(
        store=synthetic_store,
        draws=DRAWS,
        seed=3,
        overrides=[
            "cuba.attribution_special_period=0.5",
            "cuba.attribution_venezuelan_decline=0.25",
        ],
    )
    # smaller attribution shares: a smaller prior elasticity, a smaller loss of GDP
    assert level(result, "cuba") < level(changed, "cuba") < 0
    none = forecast.run(
        store=synthetic_store, draws=DRAWS, seed=3, overrides=['cuba.price_channel="none"']
    )
    assert level(none, "cuba") != level(result, "cuba")
    calibrated = [
        forecast.run(
            ["venezuela_full_halt"],
            models=["elasticity", "cuba_calibrated"],
            store=synthetic_store,
            draws=DRAWS,
            seed=3,
            overrides=[f"cuba.attribution_venezuelan_decline={share}"],
        )
        for share in (0.25, 0.75)
    ]
    assert level(calibrated[1], "cuba_calibrated") < level(calibrated[0], "cuba_calibrated") < 0


# --- the reported effect is the drawn one -----------------------------------------------------


def test_reported_effect_is_the_mean_of_the_draws(fit: CubaFit) -> None:
    draws = draw_cuba(fit, 2000, 2, rng=np.random.default_rng(7))
    reported = with_drawn_effect(fit, draws)
    row = reported.oil_effect.set_index("source").loc[DRAWN_SOURCE]
    total = draws.coefficient("supply_change_pct") + draws.coefficient("supply_change_lag_pct")
    assert row["cumulative"] == pytest.approx(float(total.mean()), rel=1e-12)
    assert row["first_year"] == pytest.approx(
        float(draws.coefficient("supply_change_pct").mean()), rel=1e-12
    )
    # the truncation (oil >= 0) raises the effect above the unrestricted posterior mean
    oil = fit.oil_effect.set_index("source")
    unrestricted = oil.loc[next(s for s in oil.index if s.startswith("posterior ("))]
    assert row["cumulative"] > unrestricted["cumulative"]
    note = reported.notes[-1]
    assert "truncated to >= 0" in note
    assert f"{drawn_oil_effect(draws)['cumulative']:.3f}" in note


def test_run_reports_the_drawn_effect(result: RunResult) -> None:
    oil = result.tables["cuba_oil_effect"].set_index("source")
    assert DRAWN_SOURCE in oil.index
    assert oil.loc[DRAWN_SOURCE, "cumulative"] > 0


# --- no year counts twice ---------------------------------------------------------------------


def test_prior_and_likelihood_share_no_year(fit: CubaFit, tables: dict[str, pd.DataFrame]) -> None:
    assert fit.prior.years == tuple(range(1989, 1994))
    assert fit.likelihood_years
    assert not set(fit.prior.years) & set(fit.likelihood_years)
    assert {2019, 2024} <= set(fit.likelihood_years)  # the recent years inform the likelihood
    text = " ".join(fit.notes)
    assert "no year counts twice" in text
    # the calibrated prior (both episodes) would count 2019-24 twice, and says so
    twice = fit_cuba(**tables, prior="calibrated")
    assert set(twice.prior.years) & set(twice.likelihood_years) == set(range(2019, 2025))
    assert re.search(r"share 2019-24: those years count twice", " ".join(twice.notes))


# --- the sensitivity table --------------------------------------------------------------------


def test_sensitivity_table_moves_the_way_it_should(result: RunResult) -> None:
    table = result.tables["cuba_sensitivity"]
    assert int(table["default"].sum()) == 1
    assert set(table["price_channel"]) == {"restricted_estimate", "accounting", "none"}
    assert (table["growth_year"] == 2026).all()
    assert (table["level_year"] == 2027).all()
    assert (table["level_effect_pct"] < 0).all()
    key = ["likelihood", "attribution_special_period", "attribution_venezuelan_decline"]
    by = table.set_index([*key, "price_channel"])
    no_twice = "prior years left out"
    # the price channel changes the answer, and only through the price coefficient
    for rest in by.index.droplevel("price_channel").unique():
        none = by.loc[(*rest, "none"), "growth_effect_pp"]
        assert none != by.loc[(*rest, "restricted_estimate"), "growth_effect_pp"]
        assert by.loc[(*rest, "none"), "oil_cumulative"] == pytest.approx(
            by.loc[(*rest, "accounting"), "oil_cumulative"]
        )
    # a smaller Special Period share: a smaller prior, a smaller loss
    full = by.loc[(no_twice, 1.0, 0.5, "restricted_estimate"), "level_effect_pct"]
    half = by.loc[(no_twice, 0.5, 0.5, "restricted_estimate"), "level_effect_pct"]
    assert full < half < 0
    # without the double count the recent share does not enter the econometric prior
    low = by.loc[(no_twice, 1.0, 0.25, "restricted_estimate"), "level_effect_pct"]
    assert low == pytest.approx(full)
    # with it, a larger recent share gives a larger loss
    twice = "2019-24 counted twice"
    assert (
        by.loc[(twice, 1.0, 0.75, "restricted_estimate"), "level_effect_pct"]
        < by.loc[(twice, 1.0, 0.25, "restricted_estimate"), "level_effect_pct"]
    )
    # the default row is the run's own answer for the full halt
    d = result.differences
    rows = d[
        (d["scenario"] == "venezuela_full_halt")
        & (d["model"] == "cuba")
        & (d["variable"] == "cuba_gdp_level_index")
        & (d["date"] == pd.Timestamp("2027-01-01"))
    ]
    default = table[table["default"]].iloc[0]
    assert default["level_effect_pct"] == pytest.approx(float(rows["mean"].iloc[0]), rel=1e-9)


# -- reuse across assumptions: the same numbers without recomputing what they do not change ----


def _same_fit(a: CubaFit, b: CubaFit) -> None:
    pd.testing.assert_frame_equal(a.coefficients, b.coefficients, check_exact=True)
    pd.testing.assert_frame_equal(a.posterior, b.posterior, check_exact=True)
    pd.testing.assert_frame_equal(a.oil_effect, b.oil_effect, check_exact=True)
    assert a.posterior_mean.tobytes() == b.posterior_mean.tobytes()
    assert a.posterior_cov.tobytes() == b.posterior_cov.tobytes()
    assert a.calibration == b.calibration
    assert a.notes == b.notes
    assert (a.residual_sd, a.residual_df, a.likelihood_years) == (
        b.residual_sd, b.residual_df, b.likelihood_years,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("shares", "prior"),
    [((0.5, 0.25), "special_period"), ((1.0, 0.75), "calibrated"), ((1.0, 0.5), "calibrated")],
)
def test_refit_with_reused_data_figures_and_regressions_is_exact(
    tables: dict[str, pd.DataFrame], fit: CubaFit, shares: tuple[float, float], prior: str
) -> None:
    """A fit reusing another's data set and calibration figures equals a fresh fit."""
    from forecast.models.cuba import calibration_figures

    keywords = {
        "attribution_special_period": shares[0],
        "attribution_venezuelan_decline": shares[1],
        "prior": prior,
    }
    calib_tables = {k: v for k, v in tables.items() if k != "prices"}
    figures = calibration_figures(**calib_tables)  # the default shares: replaced by the fit's
    reused = fit_cuba(**tables, **keywords, dataset=fit.dataset, figures=figures)  # type: ignore[arg-type]
    fresh = fit_cuba(**tables, **keywords)  # type: ignore[arg-type]
    _same_fit(reused, fresh)
    assert reused.dataset is fit.dataset
    assert reused.raw["full"] is fit.raw["full"]  # the regressions ran once
    assert calibrate(**calib_tables, figures=figures) == calibrate(**calib_tables)


def test_price_channel_of_one_draw_equals_drawing_with_it(fit: CubaFit) -> None:
    from forecast.models.cuba import with_price_channel

    drawn = draw_cuba(fit, DRAWS, 3, rng=np.random.default_rng(5))
    for channel in ("restricted_estimate", "accounting", "none", -0.01):
        direct = draw_cuba(fit, DRAWS, 3, rng=np.random.default_rng(5), price_channel=channel)
        derived = with_price_channel(fit, drawn, channel)
        for name in ("coefficients", "sigma", "shocks_pct"):
            assert getattr(derived, name).tobytes() == getattr(direct, name).tobytes()
    assert drawn.coefficients.flags.writeable is False


def test_dataset_supply_change_is_a_fresh_dict_each_time(fit: CubaFit) -> None:
    first = fit.dataset.supply_change()
    first[1900] = 1.0
    assert 1900 not in fit.dataset.supply_change()


def test_backcast_reusing_the_full_fits_data_is_exact(
    tables: dict[str, pd.DataFrame], fit: CubaFit
) -> None:
    from forecast.models.cuba import backcast, calibration_figures

    figures = calibration_figures(**{k: v for k, v in tables.items() if k != "prices"})
    kwargs = {"test": range(2016, 2020), "draws": 200}
    fresh = backcast(**tables, **kwargs, rng=np.random.default_rng(2))  # type: ignore[arg-type]
    reused = backcast(
        **tables, **kwargs, rng=np.random.default_rng(2), dataset=fit.dataset, figures=figures,  # type: ignore[arg-type]
    )  # fmt: skip
    pd.testing.assert_frame_equal(reused, fresh, check_exact=True)
