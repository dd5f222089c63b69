"""Backtest records named like the registry's structural models, from their reduced forms."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from forecast import evaluation as ev
from forecast.evaluation import _run as ev_run
from forecast.models import registry, svar
from forecast.sources.csvfile import read_series_csv
from tests.conftest import SHARED_DATA
from tests.unit.test_evaluation import ORIGIN, PANEL

KAENZIG = "kaenzig2021_oil_market_var_dataset_monthly_1973_2017.csv"


def test_every_structural_registry_model_has_a_backtest_record() -> None:
    names = registry.backtest_names()
    assert names == ("svar", "svar_sign", "svar_proxy", "svar_bvar")
    for name in names:
        assert name in ev.ADAPTERS
        assert name in ev.DEFAULT_MODELS
        assert ev.ADAPTERS[name].nests == "no_change"
    assert ev.DEFAULT_MODELS[-1] == "combination"


def test_the_settings_are_the_registry_entries_defaults() -> None:
    for name in registry.backtest_names():
        options = registry.get(name).resolve_options(None)
        forecaster = ev.StructuralForecaster(name)
        assert (forecaster.lags, forecaster.start) == (options["lags"], options["start"])
    sign = ev.StructuralForecaster("svar_sign")
    assert (sign.lags, sign.start, sign.reduced_form) == (6, "1974-02", "var")
    assert ev.ADAPTERS["svar_sign"].needs == ev.LONG_SERIES
    assert ev.ADAPTERS["svar"].needs == ()


def test_svar_proxy_forecasts_are_svars_the_identification_does_not_matter() -> None:
    data = ev.origin_data(PANEL, ORIGIN)
    svar_out = ev.StructuralForecaster("svar")(data, (1, 3, 12))
    proxy_out = ev.StructuralForecaster("svar_proxy")(data, (1, 3, 12))
    np.testing.assert_array_equal(proxy_out["real"], svar_out["real"])
    # svar's lags are chosen by AIC (at most 24) on the data known at the origin
    frame, last = ev.svar_frame(data, "1992-02")
    lags = svar.select_lags(frame.iloc[: last + 1], 24, "aic")
    expected = ev.svar_forecast(data, (1, 3, 12), lags=lags)
    np.testing.assert_array_equal(svar_out["real"], expected["real"])


def test_a_new_registry_variant_gets_a_record_with_its_own_lags() -> None:
    entry = registry.get("svar")
    lags = replace(entry.option("lags"), default=6)
    fixed = replace(entry.option("lag_criterion"), default="fixed")  # svar's own is AIC
    changed = {"lags": lags, "lag_criterion": fixed}
    options = tuple(changed.get(o.name, o) for o in entry.options)
    registry.register(replace(entry, name="svar_six", default=False, options=options))
    try:
        adapter = ev.structural_adapter("svar_six")
        data = ev.origin_data(PANEL, ORIGIN)
        out = adapter.make(ev.EvaluationSettings())(data, (1, 6))
        expected = ev.svar_forecast(data, (1, 6), lags=6)
        np.testing.assert_array_equal(out["real"], expected["real"])
        assert "VAR(6)" in adapter.description
    finally:
        registry.unregister("svar_six")


def test_without_the_long_series_svar_sign_is_skipped_with_one_note() -> None:
    reported, run, notes = ev_run._resolve_models(
        ["svar", "svar_sign"], ev.EvaluationSettings(), PANEL
    )
    assert "svar_sign" not in reported
    assert "svar_sign" not in run
    assert "svar" in run
    assert len(notes) == 1
    assert notes[0].startswith("svar_sign skipped: its sample starts 1974-02")
    assert "\n" not in notes[0]
    long = PANEL.assign(**dict.fromkeys(ev.LONG_SERIES, 1.0))
    reported, _, notes = ev_run._resolve_models(["svar_sign"], ev.EvaluationSettings(), long)
    assert "svar_sign" in reported
    assert notes == []


def test_svar_bvar_forecasts_are_finite_log_real_prices_near_the_last_price() -> None:
    data = ev.origin_data(PANEL, ORIGIN)
    out = ev.svar_bvar_forecast(data, (1, 3, 12), lags=6, start="1992-02")
    assert set(out) == {"real"}
    assert np.all(np.isfinite(out["real"]))
    assert np.all(np.abs(out["real"] - data.log_price("real")[-1]) < 0.5)
    tight, loose = (
        ev.svar_bvar_forecast(data, (1, 12), lags=6, start="1992-02", tightness=value)["real"]
        for value in ("0.05", "1")
    )
    assert not np.allclose(tight, loose)


def test_the_long_panel_starts_with_kaenzigs_brent_and_keeps_the_old_columns() -> None:
    dates = pd.date_range("1990-01-01", periods=36, freq="MS")
    brent = pd.DataFrame({"date": dates[24:], "value": 20.0})
    long_brent = pd.DataFrame({"date": dates[:30], "value": 18.0})
    short = ev.monthly_panel({"brent_usd": brent})
    spliced = ev.monthly_panel({"brent_usd": brent, "brent_long_usd": long_brent})
    assert list(short.columns) == ["date", *ev.PANEL_COLUMNS]
    assert list(spliced.columns) == ["date", *ev.PANEL_COLUMNS, "brent_long_usd"]
    assert spliced["date"].iloc[0] == dates[0]
    assert spliced["brent_usd"].iloc[:24].isna().all()
    tail = spliced.iloc[24:].reset_index(drop=True)
    pd.testing.assert_frame_equal(tail[short.columns], short)


@pytest.mark.shared_data
def test_the_spliced_backtest_sample_is_the_svar_data_sets() -> None:
    """At an origin, svar_sign's 1974 sample equals svar_dataset's (real price: a constant)."""

    def read(name: str, series_id: str, column: str = "value") -> pd.DataFrame:
        return read_series_csv(SHARED_DATA / name, series_id, value_col=column).frame

    frames = {
        "world_crude_production_kbd": read(
            "eia_world_crude_oil_production_monthly.csv", "world_crude_production_kbd"
        ),
        "kilian_rea": read("dallasfed_igrea_kilian_index_monthly_1968_2025.csv", "kilian_rea"),
        "brent_usd": read("eia_brent_spot_monthly.csv", "brent_usd"),
        "us_cpi": read("fred_cpiaucsl_us_cpi_monthly.csv", "us_cpi"),
        "world_crude_production_long_kbd": read(
            KAENZIG, "world_crude_production_long_kbd", "world_crude_oil_production_kbd_EIA1955"
        ),
        "brent_long_usd": read(KAENZIG, "brent_long_usd", "brent_spot_extended_usd_bbl_BRENTEXT"),
        "us_cpi_long": read(KAENZIG, "us_cpi_long", "us_cpi_CPIAUCSL"),
    }
    panel = ev.monthly_panel(frames)
    data = ev.origin_data(panel, "2016-12")
    frame, last = ev.svar_frame(data, "1974-02")
    dataset = svar.svar_dataset(
        frames["world_crude_production_kbd"],
        frames["kilian_rea"],
        frames["brent_usd"],
        frames["us_cpi"],
        start="1974-02",
        as_of="2016-12",
        production_long=frames["world_crude_production_long_kbd"],
        price_long=frames["brent_long_usd"],
        cpi_long=frames["us_cpi_long"],
    )
    assert frame["date"].iloc[0] == pd.Timestamp("1974-02-01")
    assert frame["date"].iloc[last] == pd.Timestamp("2016-09-01")  # production 3 months late
    ours = frame.iloc[: last + 1].reset_index(drop=True)
    expected = dataset.complete().iloc[: last + 1]
    for column in ("prod_growth_pct", "rea"):
        np.testing.assert_allclose(ours[column], expected[column], rtol=0, atol=1e-9)
    gap = (ours["real_price_log"] - expected["real_price_log"]).to_numpy()
    np.testing.assert_allclose(gap, gap[0], rtol=0, atol=1e-8)  # CPI base only
