"""The long (1974) sample, the proxy's first stage and svar_sign's defaults on ../shared/data.

Every file is read through the project's CSV importer (never copied into the repository).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.models import registry
from forecast.models.svar import (
    align_instrument,
    bootstrap_svar,
    first_stage_frame,
    fit_svar,
    svar_dataset,
)
from forecast.sources.csvfile import read_series_csv
from tests.conftest import SHARED_DATA

pytestmark = pytest.mark.shared_data

KAENZIG = "kaenzig2021_oil_market_var_dataset_monthly_1973_2017.csv"


def read(name: str, series_id: str, value_col: str = "value") -> pd.DataFrame:
    return read_series_csv(SHARED_DATA / name, series_id, value_col=value_col).frame


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    return {
        "production": read(
            "eia_world_crude_oil_production_monthly.csv", "world_crude_production_kbd"
        ),
        "activity": read("dallasfed_igrea_kilian_index_monthly_1968_2025.csv", "kilian_rea"),
        "price": read("eia_brent_spot_monthly.csv", "brent_usd"),
        "cpi": read("fred_cpiaucsl_us_cpi_monthly.csv", "us_cpi"),
        "production_long": read(
            KAENZIG, "world_crude_production_long_kbd", "world_crude_oil_production_kbd_EIA1955"
        ),
        "price_long": read(KAENZIG, "brent_long_usd", "brent_spot_extended_usd_bbl_BRENTEXT"),
        "cpi_long": read(KAENZIG, "us_cpi_long", "us_cpi_CPIAUCSL"),
    }


@pytest.fixture(scope="module")
def long_sample(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    data = svar_dataset(**frames, start="1974-02").complete()
    return data[data["date"] <= "2017-12-01"].reset_index(drop=True)


def test_long_sample_splices_kaenzig_growth_before_1992(
    frames: dict[str, pd.DataFrame], long_sample: pd.DataFrame
) -> None:
    dataset = svar_dataset(**frames, start="1974-02")
    assert dataset.frame["date"].iloc[0] == pd.Timestamp("1974-02-01")
    assert any("before 1992-02" in note and "Känzig" in note for note in dataset.notes)
    growth = long_sample.set_index("date")["prod_growth_pct"]

    def log_growth(frame: pd.DataFrame) -> pd.Series:
        levels = frame.set_index(pd.to_datetime(frame["date"]))["value"].astype(float)
        return 100 * np.log(levels).diff()

    kaenzig = log_growth(frames["production_long"])
    eia = log_growth(frames["production"])
    before = growth[growth.index < "1992-02-01"]
    after = growth[(growth.index >= "1992-02-01") & (growth.index <= "2017-12-01")]
    np.testing.assert_allclose(before, kaenzig.reindex(before.index), rtol=0, atol=1e-10)
    np.testing.assert_allclose(after, eia.reindex(after.index), rtol=0, atol=1e-10)
    assert len(long_sample) == 12 * 44 - 1  # 1974-02..2017-12, complete
    assert long_sample[["rea", "real_price_log"]].notna().all().all()


def test_svar_sign_defaults_admit_a_model_on_the_long_sample(long_sample: pd.DataFrame) -> None:
    entry = registry.get("svar_sign")
    options = entry.resolve_options(None)
    assert (options["lags"], options["start"], options["end"]) == (6, "1974-02", "2017-12")
    assert options["restrictions"] == "km2012"
    signed = fit_svar(
        long_sample, 6, identification="sign", rng=np.random.default_rng(1), rotations=50_000
    )
    assert signed.impact_set.shape[0] >= 5
    draws = bootstrap_svar(signed, 20, rng=np.random.default_rng(2))
    assert len(draws) == 20
    assert 0.1 < draws.acceptance_rate < 1.0  # some samples' identified sets are empty


def test_kaenzig_surprises_are_a_weak_instrument_for_production(long_sample: pd.DataFrame) -> None:
    surprise = read(
        "kaenzig_oil_supply_news_shocks_monthly.csv",
        "kaenzig_oil_supply_surprise",
        "oil_supply_surprise",
    )
    z = align_instrument(surprise, long_sample["date"])
    covered = long_sample["date"][np.isfinite(z)]
    assert covered.iloc[0] == pd.Timestamp("1983-07-01")  # the zeros before are not data
    fit = fit_svar(long_sample, 6, identification="proxy", instrument=z)
    table = first_stage_frame(fit).set_index("variable")
    assert table.loc["prod_growth_pct", "first"] == "1983-07"
    # The surprises move the real price (F above 10) but hardly production (F below 1).
    assert fit.first_stage_f is not None
    assert fit.first_stage_f < 1.0
    assert table.loc["prod_growth_pct", "weak"]
    assert table.loc["real_price_log", "f_stat"] > 10
