"""Tests for forecast.models.cuba.calibrated: calibration on the real fact tables, projection."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest

from forecast.errors import EstimationError
from forecast.models.cuba import annual_shipments_kbd
from forecast.models.cuba.calibrated import (
    FIRST_YEAR_SHARE,
    CalibratedDraws,
    CubaCalibration,
    calibrate,
    draw_cuba,
    project_cuba,
)

if TYPE_CHECKING:
    from collections.abc import Callable

FACTS = Path(__file__).resolve().parents[2] / "data" / "facts"
TABLES = (
    "cuba_real_gdp_growth_annual",
    "cuba_special_period_1989_1993",
    "venezuela_to_cuba_oil_shipments",
    "cuba_oil_balance_estimates",
    "cuba_electricity_generation_onei",
)
YEARS = [2026, 2027, 2028]
DRAWS = 2000


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    return {name: pd.read_csv(FACTS / f"{name}.csv") for name in TABLES}


@pytest.fixture(scope="module")
def calib(frames: dict[str, pd.DataFrame]) -> CubaCalibration:
    return calibrate(*(frames[name] for name in TABLES))


@pytest.fixture(scope="module")
def cdraws(calib: CubaCalibration) -> CalibratedDraws:
    return draw_cuba(calib, DRAWS, len(YEARS), rng=np.random.default_rng(20260101))


def run(
    calib: CubaCalibration,
    cdraws: CalibratedDraws,
    lost: list[float],
    replaced: list[float],
    brent: float = 65.0,
    years: list[int] = YEARS,
) -> dict[str, np.ndarray]:
    return project_cuba(
        calib,
        cdraws,
        years=years,
        lost_kbd=np.array(lost, dtype=float),
        replaced_kbd=np.array(replaced, dtype=float),
        brent_usd=np.full((cdraws.draws, len(years)), brent),
    )


# --- calibration --------------------------------------------------------------------------------


def test_calibration_centre_and_band_cover_both_episodes(calib: CubaCalibration) -> None:
    assert 0.15 <= calib.elasticity_median <= 0.6
    q05, q95 = calib.elasticity_quantile(0.05), calib.elasticity_quantile(0.95)
    special, recent = calib.episodes
    for episode in calib.episodes:
        assert q05 < episode.elasticity < q95
    assert min(special.elasticity, recent.elasticity) < calib.elasticity_median
    assert calib.elasticity_median < max(special.elasticity, recent.elasticity)


def test_calibration_numbers_match_the_hand_derivation(calib: CubaCalibration) -> None:
    special, recent = calib.episodes
    # Special Period: 13.3 -> 1.8 Mt/yr at 7.33 bbl/t; GDP -35 %; all put down to oil.
    assert special.oil_before_kbd == pytest.approx(13.3 * 7.33 / 365 * 1000)
    assert special.needs_lost_pct == pytest.approx(100 * (1 - 1.8 / 13.3))
    assert special.elasticity == pytest.approx(35 / (100 * (1 - 1.8 / 13.3)))
    # Recent decline: 76.6 -> 32 kb/d of needs mean(130, 137, 100); GDP 2019-24; half to oil.
    needs = (130 + 137 + 100) / 3
    assert calib.oil_needs_kbd == pytest.approx(needs)
    gdp = np.prod([1 + g / 100 for g in (-10.95, 1.25, 1.77, -1.9, -1.1)]) * 100 - 100
    assert recent.gdp_change_pct == pytest.approx(gdp)
    assert recent.elasticity == pytest.approx(0.5 * -gdp / (100 * (76.6 - 32.0) / needs))
    assert calib.elasticity_median == pytest.approx(
        math.sqrt(special.elasticity * recent.elasticity)
    )
    # Baseline growth: 2016-19 and 2022-24.
    assert calib.baseline_years == (2016, 2017, 2018, 2019, 2022, 2023, 2024)
    sample = [0.51, 1.81, 2.25, -0.16, 1.77, -1.9, -1.1]
    assert calib.baseline_growth_mean_pct == pytest.approx(np.mean(sample))
    assert calib.baseline_growth_sd_pct == pytest.approx(np.std(sample, ddof=1))
    # GDP level 2024, 2019 = 100.
    assert calib.gdp_level_last == (2024, pytest.approx(100 + gdp))
    # Electricity: 2024 generation x (1 - 4.1 % renewable) / needs.
    assert calib.gwh_per_kbd == pytest.approx(14334.0 * (1 - 0.041) / needs)


def test_notes_and_table(calib: CubaCalibration) -> None:
    assert calib.notes
    assert all(isinstance(n, str) and n for n in calib.notes)
    assert "two episodes" in calib.notes[0]
    table = calib.table()
    assert list(table.columns) == ["parameter", "value", "unit", "derivation"]
    assert table["parameter"].is_unique
    assert np.isfinite(table["value"].to_numpy(dtype=float)).all()


def test_calibrate_accepts_datetime_dates(
    frames: dict[str, pd.DataFrame], calib: CubaCalibration
) -> None:
    parsed = {
        name: frame.assign(date=pd.to_datetime(frame["date"])) if "date" in frame else frame
        for name, frame in frames.items()
    }
    assert calibrate(*(parsed[name] for name in TABLES)) == calib


def test_annual_shipments_rule(frames: dict[str, pd.DataFrame]) -> None:
    annual = annual_shipments_kbd(frames["venezuela_to_cuba_oil_shipments"]).set_index("year")
    # annual rows win over monthly ones in the same year
    assert annual.loc[2024, "shipments_kbd"] == pytest.approx(32.0)
    assert annual.loc[2024, "basis"] == "annual"
    assert annual.loc[2020, "shipments_kbd"] == pytest.approx(44.0)
    # a year with monthly rows only: their mean
    assert annual.loc[2022, "shipments_kbd"] == pytest.approx(np.mean([81.2, 36, 52, 38, 57]))
    assert annual.loc[2022, "basis"] == "monthly"
    assert annual.loc[2025, "n_rows"] == 6
    # partial-year, agreement and multi-year rows are left out
    assert 2018 not in annual.index
    assert 2000 not in annual.index
    assert 2006 not in annual.index


@pytest.mark.parametrize(
    ("table", "drop", "match"),
    [
        ("venezuela_to_cuba_oil_shipments", lambda f: f["date"].str.startswith("2019"), "2019"),
        (
            "venezuela_to_cuba_oil_shipments",
            lambda f: f["date"].str[:4].astype(int) >= 2020,
            "needs two years of it",
        ),
        (
            "cuba_special_period_1989_1993",
            lambda f: f["variable"] == "cuba_real_gdp_cumulative_change",
            "cuba_real_gdp_cumulative_change",
        ),
        (
            "cuba_special_period_1989_1993",
            lambda f: f["period"] == "1992",
            "at least 2 rows of soviet_russian_oil_deliveries_to_cuba",
        ),
        (
            "cuba_oil_balance_estimates",
            lambda f: f["unit"] == "barrels per day",
            "Cuba's total oil needs",
        ),
        ("cuba_real_gdp_growth_annual", lambda f: f["year"] == 2022, r"year\(s\) \[2022\]"),
        (
            "cuba_electricity_generation_onei",
            lambda f: f["variable"] == "renewable_share_of_generation",
            "renewable_share_of_generation",
        ),
    ],
)
def test_missing_required_row_raises(
    frames: dict[str, pd.DataFrame],
    table: str,
    drop: Callable[[pd.DataFrame], pd.Series],
    match: str,
) -> None:
    changed = dict(frames)
    frame = frames[table]
    changed[table] = frame[~drop(frame)]
    with pytest.raises(EstimationError, match=match):
        calibrate(*(changed[name] for name in TABLES))


def test_recent_episode_ends_at_the_last_year_with_shipments_and_growth(
    frames: dict[str, pd.DataFrame],
) -> None:
    full = calibrate(*(frames[name] for name in TABLES))
    changed = dict(frames)
    shipments = frames["venezuela_to_cuba_oil_shipments"]
    changed["venezuela_to_cuba_oil_shipments"] = shipments[
        ~shipments["date"].str.startswith("2024")
    ]
    cut = calibrate(*(changed[name] for name in TABLES))
    recent = {ep.name: ep for ep in full.episodes}["Venezuelan decline"]
    shorter = {ep.name: ep for ep in cut.episodes}["Venezuelan decline"]
    assert (recent.start_year, recent.end_year) == (2019, 2024)
    assert (shorter.start_year, shorter.end_year) == (2019, 2023)
    assert shorter.gdp_change_pct != recent.gdp_change_pct


def test_missing_column_raises(frames: dict[str, pd.DataFrame]) -> None:
    changed = dict(frames)
    changed["cuba_real_gdp_growth_annual"] = frames["cuba_real_gdp_growth_annual"].drop(
        columns="real_gdp_growth_pct"
    )
    with pytest.raises(EstimationError, match="missing column"):
        calibrate(*(changed[name] for name in TABLES))


# --- draws --------------------------------------------------------------------------------------


def test_same_seed_gives_identical_draws_and_paths(calib: CubaCalibration) -> None:
    a = draw_cuba(calib, 500, 3, rng=np.random.default_rng(7))
    b = draw_cuba(calib, 500, 3, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(a.elasticity, b.elasticity)
    np.testing.assert_array_equal(a.baseline_growth_pct, b.baseline_growth_pct)
    pa, pb = run(calib, a, [30, 30, 0], [10, 0, 0]), run(calib, b, [30, 30, 0], [10, 0, 0])
    for key, value in pa.items():
        np.testing.assert_array_equal(value, pb[key])
    c = draw_cuba(calib, 500, 3, rng=np.random.default_rng(8))
    assert not np.array_equal(a.elasticity, c.elasticity)


def test_draw_shapes_and_distribution(calib: CubaCalibration, cdraws: CalibratedDraws) -> None:
    assert cdraws.elasticity.shape == (DRAWS,)
    assert cdraws.baseline_growth_pct.shape == (DRAWS, len(YEARS))
    assert (cdraws.elasticity > 0).all()
    assert np.median(cdraws.elasticity) == pytest.approx(calib.elasticity_median, rel=0.05)
    assert not cdraws.elasticity.flags.writeable
    assert not cdraws.baseline_growth_pct.flags.writeable
    with pytest.raises(ValueError, match="draws must be a positive whole number"):
        draw_cuba(calib, 0, 3, rng=np.random.default_rng(0))


# --- projection ---------------------------------------------------------------------------------


def test_zero_loss_is_exactly_the_baseline(calib: CubaCalibration, cdraws: CalibratedDraws) -> None:
    out = run(calib, cdraws, [0, 0, 0], [0, 0, 0], brent=90.0)
    np.testing.assert_array_equal(out["cuba_gdp_growth_pct"], cdraws.baseline_growth_pct)
    for key in (
        "cuba_oil_supply_gap_kbd",
        "cuba_oil_supply_gap_pct",
        "cuba_import_bill_usd_m",
        "cuba_electricity_at_risk_gwh",
    ):
        assert out[key].shape == (DRAWS, len(YEARS))
        assert (out[key] == 0).all()


def test_full_replacement_smaller_growth_loss_larger_bill(
    calib: CubaCalibration, cdraws: CalibratedDraws
) -> None:
    none = run(calib, cdraws, [30, 30, 30], [0, 0, 0])
    full = run(calib, cdraws, [30, 30, 30], [30, 30, 30])
    base = cdraws.baseline_growth_pct
    loss_none = base - none["cuba_gdp_growth_pct"]
    loss_full = base - full["cuba_gdp_growth_pct"]
    assert (loss_full[:, 0] < loss_none[:, 0]).all()
    assert (loss_full[:, 0] > 0).all()  # the import-bill drag remains
    assert (full["cuba_gdp_level_index"] > none["cuba_gdp_level_index"]).all()
    assert (full["cuba_import_bill_usd_m"] > none["cuba_import_bill_usd_m"]).all()
    assert (none["cuba_import_bill_usd_m"] == 0).all()
    assert (full["cuba_oil_supply_gap_kbd"] == 0).all()
    assert (full["cuba_electricity_at_risk_gwh"] == 0).all()


def test_more_barrels_lost_never_raises_growth_or_level(
    calib: CubaCalibration, cdraws: CalibratedDraws
) -> None:
    previous = None
    for lost in (0.0, 5.0, 15.0, 30.0, 60.0, 120.0):
        out = run(calib, cdraws, [lost] * 3, [0.0] * 3)
        if previous is not None:
            assert (out["cuba_gdp_growth_pct"] <= previous["cuba_gdp_growth_pct"]).all()
            assert (out["cuba_gdp_level_index"] <= previous["cuba_gdp_level_index"]).all()
            assert (out["cuba_oil_supply_gap_pct"] >= previous["cuba_oil_supply_gap_pct"]).all()
        previous = out
    # a loss that ends: the level stays at or below the smaller loss's level in every year
    small = run(calib, cdraws, [10, 10, 0], [0, 0, 0])
    large = run(calib, cdraws, [30, 30, 0], [0, 0, 0])
    assert (large["cuba_gdp_level_index"] <= small["cuba_gdp_level_index"]).all()


def test_first_year_effect_of_losing_30_kbd_unreplaced(
    calib: CubaCalibration, cdraws: CalibratedDraws
) -> None:
    out = run(calib, cdraws, [30, 30, 30], [0, 0, 0])
    effect = out["cuba_gdp_growth_pct"] - cdraws.baseline_growth_pct
    gap_pct = 100 * 30 / calib.oil_needs_kbd
    expected = -(1 + cdraws.baseline_growth_pct[:, 0] / 100) * (
        cdraws.elasticity * FIRST_YEAR_SHARE * gap_pct
    )
    np.testing.assert_allclose(effect[:, 0], expected, rtol=1e-12, atol=1e-12)
    median = float(np.median(effect[:, 0]))
    assert -15.0 <= median <= -1.0  # a few percentage points (about -3.6 pp)
    assert float(np.min(effect[:, 0])) > -15.0
    # the loss persists: the rest lands in year two, nothing more in year three
    assert (effect[:, 1] < 0).all()
    np.testing.assert_allclose(effect[:, 2], 0.0, atol=1e-10)
    level_effect = (
        out["cuba_gdp_level_index"][:, 2]
        / run(calib, cdraws, [0] * 3, [0] * 3)["cuba_gdp_level_index"][:, 2]
    )
    np.testing.assert_allclose(level_effect, 1 - cdraws.elasticity * gap_pct / 100, rtol=1e-12)


def test_import_bill_and_drag_hand_computed(calib: CubaCalibration) -> None:
    cdraws = draw_cuba(calib, 100, 2, rng=np.random.default_rng(3))
    out = run(calib, cdraws, [30, 30], [30, 30], brent=65.0, years=[2027, 2028])
    # 30 kb/d x 1000 x 365 days x 65 US$ / 1e6 = 711.75 million US$; 2028 has 366 days
    np.testing.assert_allclose(out["cuba_import_bill_usd_m"][:, 0], 711.75)
    np.testing.assert_allclose(out["cuba_import_bill_usd_m"][:, 1], 713.7)
    drag = calib.import_bill_pass_through * 711.75 / calib.gdp_usd_m  # share of GDP
    base = cdraws.baseline_growth_pct[:, :2]
    np.testing.assert_allclose(
        out["cuba_gdp_growth_pct"][:, 0] - base[:, 0],
        -(1 + base[:, 0] / 100) * drag * 100,
        rtol=1e-12,
    )
    assert drag * 100 == pytest.approx(0.355875)


def test_electricity_at_risk(calib: CubaCalibration, cdraws: CalibratedDraws) -> None:
    out = run(calib, cdraws, [30, 20, 0], [10, 0, 0])
    np.testing.assert_allclose(
        out["cuba_electricity_at_risk_gwh"][0], np.array([20.0, 20.0, 0.0]) * calib.gwh_per_kbd
    )
    np.testing.assert_allclose(
        out["cuba_oil_supply_gap_pct"][0], np.array([20.0, 20.0, 0.0]) / calib.oil_needs_kbd * 100
    )


def test_level_index_consistent_with_growth(
    calib: CubaCalibration, cdraws: CalibratedDraws
) -> None:
    out = run(calib, cdraws, [30, 30, 0], [5, 0, 0])
    level, growth = out["cuba_gdp_level_index"], out["cuba_gdp_growth_pct"]
    np.testing.assert_allclose(level[:, 1:] / level[:, :-1], 1 + growth[:, 1:] / 100, rtol=1e-12)
    # 2026 starts from the 2024 level, 2025 bridged at the baseline mean
    start = calib.gdp_level_last[1] * (1 + calib.baseline_growth_mean_pct / 100)
    np.testing.assert_allclose(level[:, 0], start * (1 + growth[:, 0] / 100), rtol=1e-12)
    # a projection that starts right after the table's last year uses its level directly
    direct = run(calib, cdraws, [0, 0, 0], [0, 0, 0], years=[2025, 2026, 2027])
    np.testing.assert_allclose(
        direct["cuba_gdp_level_index"][:, 0],
        calib.gdp_level_last[1] * (1 + cdraws.baseline_growth_pct[:, 0] / 100),
        rtol=1e-12,
    )


def test_bad_inputs_raise(calib: CubaCalibration, cdraws: CalibratedDraws) -> None:
    with pytest.raises(ValueError, match="larger than lost_kbd"):
        run(calib, cdraws, [10, 10, 10], [20, 0, 0])
    with pytest.raises(ValueError, match="lost_kbd has shape"):
        run(calib, cdraws, [10, 10], [0, 0])
    with pytest.raises(ValueError, match="not consecutive"):
        run(calib, cdraws, [0, 0, 0], [0, 0, 0], years=[2026, 2028, 2029])
    with pytest.raises(ValueError, match="brent_usd has shape"):
        project_cuba(
            calib,
            cdraws,
            years=YEARS,
            lost_kbd=np.zeros(3),
            replaced_kbd=np.zeros(3),
            brent_usd=np.full((3,), 65.0),
        )
