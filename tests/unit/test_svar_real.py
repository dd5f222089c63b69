"""The oil-market SVAR on the real series in ../shared/data: statsmodels parity, Kilian's facts.

Two samples:

* the project's default, 1992-02 to 2023-10 (EIA world crude production, Dallas Fed's
  Kilian index, EIA Brent deflated by the US CPI), extended to 2025-11 by the ragged edge;
* Kilian's (2009) own period, 1974-01 to 2007-12, with the world crude production series of
  Känzig's (2021) data set and Ellwanger & Snudden's refiner acquisition cost (RAC), the
  price Kilian used. Both are read through the project's CSV importer (the RAC through the
  price schema).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.models.svar import (
    VARIABLES,
    SVARDataset,
    SVARDraws,
    SVARFit,
    bootstrap_svar,
    fevd_frame,
    fill_ragged_edge,
    fit_svar,
    historical_decomposition,
    irf_frame,
    project_svar,
    supply_price_response,
    svar_dataset,
    to_nominal_price,
)
from forecast.sources.csvfile import read_series_csv
from tests.conftest import SHARED_DATA

pytestmark = pytest.mark.shared_data

FILES = {
    "world_crude_production_kbd": "eia_world_crude_oil_production_monthly.csv",
    "kilian_rea": "dallasfed_igrea_kilian_index_monthly_1968_2025.csv",
    "brent_usd": "eia_brent_spot_monthly.csv",
    "us_cpi": "fred_cpiaucsl_us_cpi_monthly.csv",
}


def read(series_id: str, name: str | None = None, value_col: str = "value") -> pd.DataFrame:
    path = SHARED_DATA / (name or FILES[series_id])
    return read_series_csv(path, series_id, value_col=value_col).frame


@pytest.fixture(scope="module")
def dataset() -> SVARDataset:
    return svar_dataset(
        read("world_crude_production_kbd"), read("kilian_rea"), read("brent_usd"), read("us_cpi")
    )


@pytest.fixture(scope="module")
def fit(dataset: SVARDataset) -> SVARFit:
    return fit_svar(dataset.complete(), 24)


@pytest.fixture(scope="module")
def draws(fit: SVARFit) -> SVARDraws:
    return bootstrap_svar(fit, 400, rng=np.random.default_rng(2009))


@pytest.fixture(scope="module")
def kilian_sample() -> tuple[SVARFit, SVARDraws]:
    production = read(
        "world_crude_production_kbd",
        "kaenzig2021_oil_market_var_dataset_monthly_1973_2017.csv",
        "world_crude_oil_production_kbd_EIA1955",
    )
    rac = read(
        "brent_usd",
        "ellwanger_snudden_crude_prices_rac_cpi_monthly_1973_2025.csv",
        "refiner_acquisition_cost_composite",
    )
    cpi = read(  # FRED's CPIAUCSL file starts in 1980; this is the same CPI from 1973
        "us_cpi",
        "ellwanger_snudden_crude_prices_rac_cpi_monthly_1973_2025.csv",
        "us_cpi_philfed_rtdsm",
    )
    data = svar_dataset(production, read("kilian_rea"), rac, cpi, start="1974-01", as_of="2007-12")
    fitted = fit_svar(data.complete(), 24)
    return fitted, bootstrap_svar(fitted, 400, rng=np.random.default_rng(1973))


def price_responses(frame: pd.DataFrame, shock: str) -> pd.DataFrame:
    rows = frame[(frame["shock"] == shock) & (frame["variable"] == "real_price_log")]
    return rows.set_index("horizon")


# --- data and estimation -------------------------------------------------------------------------


def test_dataset_from_the_shared_files(dataset: SVARDataset) -> None:
    assert dataset.frame["date"].iloc[0] == pd.Timestamp("1992-02-01")
    assert dataset.as_of == pd.Timestamp("2025-11-01")
    assert dataset.last_complete == pd.Timestamp("2023-10-01")
    assert dataset.filled == ("prod_growth_pct: 2023-11..2025-11 (25 months)",)
    assert any("2025-10" in note and "interpolated" in note for note in dataset.notes)
    assert dataset.cpi_ref == pytest.approx(325.031)
    assert 0.1 < dataset.inflation_pct < 0.4
    # In the as-of month the real price is the nominal one (63.80 US$/bbl in 2025-11).
    assert dataset.frame["real_price_log"].iloc[-1] == pytest.approx(100 * np.log(63.80))


def test_estimates_equal_statsmodels_on_the_real_data(dataset: SVARDataset, fit: SVARFit) -> None:
    from statsmodels.tsa.api import VAR

    frame = dataset.complete()[list(VARIABLES)]
    theirs = VAR(frame).fit(24)
    np.testing.assert_allclose(fit.params, np.asarray(theirs.params), rtol=0, atol=1e-8)
    np.testing.assert_allclose(fit.sigma, np.asarray(theirs.sigma_u), rtol=0, atol=1e-8)
    orth = fit.irfs(24) * np.array([-1.0, 1.0, 1.0])  # undo the disruption sign
    np.testing.assert_allclose(orth, theirs.orth_ma_rep(24), rtol=0, atol=1e-8)
    assert fit.nobs == 357
    assert fit.max_root < 1


def test_historical_decomposition_of_the_real_price_adds_up(fit: SVARFit) -> None:
    frame = historical_decomposition(fit)
    price = frame[frame["variable"] == "real_price_log"].groupby("date")["value"].sum()
    np.testing.assert_allclose(price.to_numpy(), fit.data[24:, 2], rtol=0, atol=1e-8)
    assert price.index[0] == pd.Timestamp("1994-02-01")


# --- Kilian (2009), qualitatively ---------------------------------------------------------------


def test_kilian_facts_on_kilians_own_sample(kilian_sample: tuple[SVARFit, SVARDraws]) -> None:
    # 1974-2007 with the RAC: the three results of Kilian (2009, figure 3).
    fitted, boot = kilian_sample
    frame = irf_frame(fitted, boot, 15)
    supply = price_responses(frame, "supply")
    demand = price_responses(frame, "aggregate_demand")
    specific = price_responses(frame, "oil_specific_demand")
    # A supply disruption raises the real price modestly and briefly: small (under 2% per
    # standard deviation at every horizon), never significant at 90%, and back below a third
    # of its peak after a year.
    assert supply["estimate"].abs().max() < 2.0
    assert (supply["q05"] < 0).all()
    assert supply.loc[12, "estimate"] < supply.loc[0:6, "estimate"].max() / 3
    # An oil-specific demand shock raises it sharply (over 5% on impact) and persistently
    # (still over 4% after a year, with the 90% band above zero).
    assert specific.loc[0, "estimate"] > 5.0
    assert specific.loc[12, "estimate"] > 4.0
    assert specific.loc[12, "q05"] > 0
    # An aggregate demand shock raises it with a delay (the peak comes after a year, several
    # times the impact effect) and persistently (significant at 90% after a year).
    assert demand.loc[12, "estimate"] > 3 * demand.loc[0, "estimate"]
    assert demand["estimate"].idxmax() >= 9
    assert demand.loc[12, "q05"] > 0


def test_kilian_facts_on_the_default_sample(fit: SVARFit, draws: SVARDraws) -> None:
    # 1994-2023 with Brent. Supply disruptions still move the price modestly next to
    # oil-specific demand shocks and explain little of its short-run variance; unlike in
    # Kilian's sample the response builds up over a year and a half (significant at 90%; the
    # 2020 collapse and OPEC+ cut weigh on it) and supply shocks explain about a quarter of
    # the 2-year variance, so only "modest" is checked for them here.
    frame = irf_frame(fit, draws, 24)
    supply = price_responses(frame, "supply")
    demand = price_responses(frame, "aggregate_demand")
    specific = price_responses(frame, "oil_specific_demand")
    assert 0 < supply.loc[0, "estimate"] < specific.loc[0, "estimate"] / 3
    assert supply.loc[0, "estimate"] < 4.0
    assert (supply.loc[0:6, "estimate"] < specific.loc[0:6, "estimate"] / 2).all()
    fevd = fevd_frame(fit, draws, 24)
    price_share = fevd[(fevd["variable"] == "real_price_log") & (fevd["shock"] == "supply")]
    assert price_share.set_index("horizon").loc[1:6, "estimate"].max() < 0.1
    # Oil-specific demand: sharp (over 7% on impact) and persistent (over 4% and significant
    # at 90% after a year).
    assert specific.loc[0, "estimate"] > 7.0
    assert specific.loc[12, "estimate"] > 4.0
    assert specific.loc[12, "q05"] > 0
    # Aggregate demand: delayed (peak several months in, at over three times the impact
    # effect) and persistent (still positive after a year, above zero at 68%).
    assert demand["estimate"].idxmax() >= 2
    assert demand["estimate"].max() > 3 * demand.loc[0, "estimate"]
    assert demand.loc[12, "estimate"] > 0
    assert demand.loc[12, "q16"] > 0


def test_bands_are_ordered(fit: SVARFit, draws: SVARDraws) -> None:
    frame = irf_frame(fit, draws, 24)
    ordered = frame[["q05", "q16", "q50", "q84", "q95"]].to_numpy()
    assert np.all(np.diff(ordered, axis=1) >= -1e-12)


# --- elasticity, ragged edge, scenario ------------------------------------------------------------


def test_peak_price_response_per_percent_of_supply_is_in_the_literature_range(
    fit: SVARFit, draws: SVARDraws
) -> None:
    response = supply_price_response(fit, draws, 24)
    peak = response.peak.iloc[0]
    assert 1.0 < peak["estimate"] < 10.0
    assert peak["q05"] < peak["estimate"] < peak["q95"]
    # On impact the multiplier is within the elasticity studies' 2.0-4.2% span.
    assert 1.5 < response.path.loc[0, "estimate"] < 4.2


def test_ragged_edge_and_structural_scenario(
    dataset: SVARDataset, fit: SVARFit, draws: SVARDraws
) -> None:
    filled, mask = fill_ragged_edge(fit, dataset.frame)
    assert mask.sum() == 25
    assert mask[-25:, 0].all()
    assert np.all(np.abs(filled[mask]) < 3.0)  # monthly production growth, %
    np.testing.assert_array_equal(filled[~mask], dataset.array[~mask])
    state = filled[-24:]
    horizon = 24
    loss = np.zeros(horizon)
    loss[1:13] = 800 / 82_000  # about Venezuela's exports, for a year
    projection = project_svar(
        fit,
        draws,
        state,
        horizon,
        production_level_deviation=np.log1p(-loss),
        rng=np.random.default_rng(5),
    )
    effect = projection.price_effect_pct
    assert effect[:, 0].max() == 0.0
    assert 0 < effect[:, 1:13].mean() < 15
    nominal = to_nominal_price(projection.baseline_real_price_log, dataset)
    median = np.median(nominal, axis=0)
    assert 30 < median[0] < 110  # starts near the 2025-11 price of 63.80 US$/bbl
