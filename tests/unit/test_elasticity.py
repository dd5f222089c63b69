"""The elasticity model: prior from the literature table, draws, impacts and their fading."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pytest

from forecast import facts
from forecast.errors import EstimationError
from forecast.models.elasticity import (
    FADE_MONTHS,
    ElasticityDraws,
    ElasticityPrior,
    apply_impact,
    draw_elasticities,
    elasticity_prior,
    price_impact,
)

if TYPE_CHECKING:
    import pandas as pd

HORIZON = 24


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return facts.load("oil_market_elasticities")


@pytest.fixture(scope="module")
def prior(table: pd.DataFrame) -> ElasticityPrior:
    return elasticity_prior(table)


@pytest.fixture(scope="module")
def draws(prior: ElasticityPrior) -> ElasticityDraws:
    return draw_elasticities(prior, 2000, rng=np.random.default_rng(42))


def loss_path(start: int, months: int, share: float, horizon: int = HORIZON) -> np.ndarray:
    path = np.zeros(horizon)
    path[start : start + months] = share
    return path


# --- prior -------------------------------------------------------------------------------------


def test_prior_from_the_facts_table(table: pd.DataFrame, prior: ElasticityPrior) -> None:
    assert len(prior.studies) == 3
    assert prior.studies[0].startswith("Kilian and Murphy")
    np.testing.assert_allclose(
        prior.multipliers, table["implied_price_pct_per_1pct_supply_loss"], atol=0.01
    )
    assert prior.fade_months == FADE_MONTHS
    assert prior == elasticity_prior(table)  # immutable and comparable
    hash(prior)


@pytest.mark.parametrize(
    ("row", "column", "value", "message"),
    [
        (0, "short_run_supply_elasticity", -0.1, "short_run_supply_elasticity must be >= 0"),
        (1, "short_run_demand_elasticity", 0.2, "short_run_demand_elasticity must be <= 0"),
        (2, "short_run_demand_elasticity", np.nan, "is not a finite number"),
        (2, "implied_price_pct_per_1pct_supply_loss", 5.0, r"1 / \(supply - demand"),
    ],
)
def test_prior_checks_signs_and_consistency(
    table: pd.DataFrame, row: int, column: str, value: float, message: str
) -> None:
    bad = table.copy()
    bad.loc[row, column] = value
    with pytest.raises(EstimationError, match=message):
        elasticity_prior(bad)


def test_prior_rejects_zero_elasticities_missing_columns_and_empty(table: pd.DataFrame) -> None:
    zero = table.copy()
    zero.loc[0, ["short_run_supply_elasticity", "short_run_demand_elasticity"]] = 0.0
    with pytest.raises(EstimationError, match="both zero"):
        elasticity_prior(zero)
    with pytest.raises(EstimationError, match="missing column"):
        elasticity_prior(table.drop(columns="short_run_demand_elasticity"))
    with pytest.raises(EstimationError, match="no studies"):
        elasticity_prior(table.head(0))


def test_prior_fade_bounds(table: pd.DataFrame) -> None:
    assert elasticity_prior(table, fade_months=(3, 3)).fade_months == (3.0, 3.0)
    for fade in [(0.0, 12.0), (24.0, 6.0), (6.0, np.inf)]:
        with pytest.raises(ValueError, match="fade_months"):
            elasticity_prior(table, fade_months=fade)


def test_prior_built_directly_is_checked() -> None:
    with pytest.raises(EstimationError, match="same length"):
        ElasticityPrior(("A", "B"), (0.1,), (-0.2, -0.3))
    with pytest.raises(EstimationError, match=">= 0"):
        ElasticityPrior(("A",), (0.1,), (0.2,))


# --- draws -------------------------------------------------------------------------------------


def test_multipliers_span_the_literature(prior: ElasticityPrior) -> None:
    sample = draw_elasticities(prior, 50_000, rng=np.random.default_rng(1))
    low, high = prior.multipliers.min(), prior.multipliers.max()
    assert low == pytest.approx(2.0)
    assert high == pytest.approx(4.1667, abs=1e-4)
    assert np.all(sample.multiplier >= 2.0 - 1e-9)
    assert np.all(sample.multiplier <= 4.2 + 1e-9)
    assert sample.multiplier.min() < 2.1  # both ends are approached
    assert sample.multiplier.max() > 4.05
    np.testing.assert_allclose(sample.multiplier, 1 / (sample.supply - sample.demand))
    np.testing.assert_allclose(sample.weights.sum(axis=1), 1.0)
    assert np.all(sample.supply >= 0)
    assert np.all(sample.demand <= 0)


def test_fade_months_are_log_uniform_in_range(prior: ElasticityPrior) -> None:
    sample = draw_elasticities(prior, 50_000, rng=np.random.default_rng(2))
    assert np.all((sample.fade_months >= 6.0) & (sample.fade_months <= 24.0))
    assert np.median(sample.fade_months) == pytest.approx(12.0, rel=0.03)  # sqrt(6 * 24)


def test_same_seed_identical_other_seed_differs(prior: ElasticityPrior) -> None:
    first = draw_elasticities(prior, 500, rng=np.random.default_rng(3))
    again = draw_elasticities(prior, 500, rng=np.random.default_rng(3))
    other = draw_elasticities(prior, 500, rng=np.random.default_rng(4))
    for name in ("multiplier", "fade_months", "supply", "demand", "weights"):
        np.testing.assert_array_equal(getattr(first, name), getattr(again, name))
    assert not np.allclose(first.multiplier, other.multiplier)
    assert len(first) == 500
    assert not first.multiplier.flags.writeable


def test_random_numbers_taken_depend_only_on_draws(prior: ElasticityPrior) -> None:
    used = np.random.default_rng(5)
    draw_elasticities(prior, 321, rng=used)
    reference = np.random.default_rng(5)
    reference.random(321 * (len(prior.studies) + 1))
    assert used.random() == reference.random()


@pytest.mark.parametrize("draws_", [0, -1, 2.5, True])
def test_bad_number_of_draws(prior: ElasticityPrior, draws_: int) -> None:
    with pytest.raises(ValueError, match="draws must be a positive whole number"):
        draw_elasticities(prior, draws_, rng=np.random.default_rng(0))


# --- impacts -----------------------------------------------------------------------------------


def test_zero_loss_gives_exactly_zero_impact(draws: ElasticityDraws) -> None:
    impact = price_impact(np.zeros(HORIZON), draws)
    assert impact.shape == (2000, HORIZON)
    assert np.all(impact == 0.0)
    assert not np.any(np.signbit(impact))


def test_impact_on_onset_is_multiplier_times_loss(draws: ElasticityDraws) -> None:
    # 800 kb/d of 82,000 kb/d: about 1% of world supply, 2-4.2% on the price on impact.
    share = 800 / 82_000
    impact = price_impact(loss_path(3, 12, share), draws)
    np.testing.assert_allclose(impact[:, 3], draws.multiplier * share, rtol=1e-12)
    assert np.all(impact[:, :3] == 0.0)
    assert np.all((impact[:, 3] > 0.0195) & (impact[:, 3] < 0.042))


def test_doubling_the_loss_doubles_the_impact(draws: ElasticityDraws) -> None:
    single = price_impact(loss_path(0, 6, 0.01), draws)
    double = price_impact(loss_path(0, 6, 0.02), draws)
    np.testing.assert_allclose(double, 2 * single, rtol=1e-12)


def test_constant_loss_fades_strictly(draws: ElasticityDraws) -> None:
    impact = price_impact(np.full(HORIZON, 0.01), draws)
    assert np.all(np.diff(impact, axis=1) < 0)
    assert np.all(impact > 0)
    # After kappa months the effect has halved.
    tau = np.arange(HORIZON)
    expected = draws.multiplier[:, None] * 0.01 / (1 + tau[None, :] / draws.fade_months[:, None])
    np.testing.assert_allclose(impact, expected, rtol=1e-12)


def test_impact_ends_with_the_loss(draws: ElasticityDraws) -> None:
    impact = price_impact(loss_path(2, 5, 0.01), draws)
    assert np.all(impact[:, 2:7] > 0)
    assert np.all(impact[:, 7:] == 0.0)


def test_a_restarted_loss_keeps_counting_from_the_first_onset(draws: ElasticityDraws) -> None:
    path = loss_path(2, 3, 0.01) + loss_path(8, 2, 0.01)
    impact = price_impact(path, draws)
    assert np.all(impact[:, 5:8] == 0.0)
    np.testing.assert_allclose(
        impact[:, 8], draws.multiplier * 0.01 / (1 + 6 / draws.fade_months), rtol=1e-12
    )


def test_a_deeper_loss_never_lowers_the_impact(draws: ElasticityDraws) -> None:
    rng = np.random.default_rng(9)
    for _ in range(20):
        shallow = np.where(rng.random(HORIZON) < 0.3, 0.0, rng.uniform(0, 0.02, HORIZON))
        shallow[: rng.integers(0, 6)] = 0.0
        deeper = np.minimum(shallow * rng.uniform(1.0, 2.0, HORIZON), 0.5)
        deeper[shallow == 0] = 0.0
        assert np.all(price_impact(deeper, draws) >= price_impact(shallow, draws))


@pytest.mark.parametrize(
    ("loss", "message"),
    [
        (np.zeros((2, 3)), "shape"),
        (np.array([0.0, -0.01]), "-0.01"),
        (np.array([0.0, 1.0]), "1.0"),
        (np.array([0.0, np.nan]), "not finite"),
    ],
)
def test_bad_loss_paths(draws: ElasticityDraws, loss: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        price_impact(loss, draws)


def test_apply_impact(draws: ElasticityDraws) -> None:
    baseline = np.random.default_rng(10).uniform(40, 90, (2000, HORIZON))
    assert np.array_equal(apply_impact(baseline, np.zeros_like(baseline)), baseline)
    impact = price_impact(loss_path(0, 12, 0.01), draws)
    moved = apply_impact(baseline, impact)
    np.testing.assert_allclose(moved, baseline * np.exp(impact))
    assert np.all(moved[:, :12] > baseline[:, :12])
    with pytest.raises(ValueError, match="shape"):
        apply_impact(baseline, impact[:, :12])
