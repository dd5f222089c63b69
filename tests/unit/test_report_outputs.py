"""The report's summary, period tables, probabilities, chart files, Markdown and workbook."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import forecast
from forecast.reports import _summary, _tables
from forecast.reports.writer import render_html, write_report
from forecast.results import RunResult
from forecast.store import Store

REPLACEMENT = "cuba_buys_replacement"  # a built-in scenario


@pytest.fixture(scope="module")
def result(synthetic_store: Store) -> RunResult:
    return forecast.run(
        ["venezuela_full_halt", str(REPLACEMENT)], store=synthetic_store, draws=100, seed=2
    )


@pytest.fixture(scope="module")
def report(result: RunResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report")
    write_report(result, out)
    return out


def test_annual_table_equals_a_direct_computation_from_the_draws(result: RunResult) -> None:
    table = _tables.period_table(result, "year")
    model = result.price_model
    row = table[
        (table["scenario"] == "venezuela_full_halt")
        & (table["model"] == model)
        & (table["variable"] == "brent_usd")
        & (table["period"] == "2026")
    ].iloc[0]
    draws = result.raw["draws"]
    months = pd.date_range(
        result.as_of + pd.DateOffset(months=1), periods=result.horizon, freq="MS"
    )
    in_2026 = np.asarray(months.year == 2026)
    scen = draws[("venezuela_full_halt", model, "brent_usd")][:, in_2026].mean(axis=1)
    base = draws[("baseline", model, "brent_usd")][:, in_2026].mean(axis=1)
    assert row["months"] == 12
    assert row["level_mean"] == pytest.approx(scen.mean())
    assert row["diff_mean"] == pytest.approx((scen - base).mean())
    assert row["diff_pct_mean"] == pytest.approx((100 * (scen / base - 1)).mean())
    assert row["level_q50"] == pytest.approx(np.median(scen))  # what the report shows
    assert row["diff_q50"] == pytest.approx(np.median(scen - base))
    assert row["diff_q95"] == pytest.approx(np.quantile(scen - base, 0.95))
    quarterly = _tables.period_table(result, "quarter")
    assert quarterly["months"].sum() == 2 * len(result.scenario_ids) * result.horizon * len(
        _tables.price_models(result)
    )


def test_probabilities_equal_the_share_of_draws(result: RunResult) -> None:
    table = _tables.probability_table(result, annual_threshold=70.0, year=2026)
    model = result.price_model
    brent = result.raw["draws"][("venezuela_full_halt", model, "brent_usd")]
    months = pd.date_range(
        result.as_of + pd.DateOffset(months=1), periods=result.horizon, freq="MS"
    )
    expected = (brent[:, np.asarray(months.year == 2026)].mean(axis=1) > 70.0).mean()
    row = table[(table["scenario"] == "venezuela_full_halt") & (table["model"] == model)].iloc[0]
    assert row["probability"] == pytest.approx(expected)


def test_summary_paragraph_comes_first_and_names_the_numbers(result: RunResult) -> None:
    sentences = _summary.summary_sentences(result)
    assert sentences[0].startswith("In the scenario “Venezuela's crude exports stop for a year”")
    assert "US$" in sentences[0]
    assert "at 6 months" in sentences[0]  # the ensemble leads (issue 12)
    assert "90% band" in sentences[1]  # then the headline model's outage-period sentence
    assert any(s.startswith("Caveat") for s in sentences)
    html = render_html(result, [])
    assert html.index('id="summary"') < html.index('id="headline"')
    assert sentences[0].replace("'", "&#39;") in html


def test_report_writes_charts_markdown_and_csv(report: Path, result: RunResult) -> None:
    charts = report / "charts"
    pngs = {p.stem for p in charts.glob("*.png")}
    svgs = {p.stem for p in charts.glob("*.svg")}
    assert pngs == svgs
    assert {"brent_scenarios", "brent_diff", "brent_fan", "cuba"} <= pngs
    for stem in pngs:
        assert (charts / f"{stem}.png").read_bytes()[:4] == b"\x89PNG"
        assert b"<svg" in (charts / f"{stem}.svg").read_bytes()[:2000]
    markdown = (report / "report.md").read_text()
    assert " ".join(_summary.summary_sentences(result)) in markdown
    assert "| Scenario | Model |" in markdown
    annual = pd.read_csv(report / "annual.csv")
    assert {"scenario", "model", "variable", "period", "level_mean", "diff_pct_mean"} <= set(
        annual.columns
    )
    html = (report / "report.html").read_text()
    assert html.index('id="chart-brent_diff"') < html.index('id="chart-brent_fan"')
    assert "break-inside: avoid" in html


def test_replacement_scenario_shows_an_import_bill(result: RunResult) -> None:
    bill = result.paths[
        (result.paths["scenario"] == "cuba_buys_replacement")
        & (result.paths["variable"] == "cuba_import_bill_usd_m")
    ]
    assert (bill["q50"] > 0).any()


def test_workbook_is_formatted(report: Path) -> None:
    from openpyxl import load_workbook

    workbook = load_workbook(report / "forecast.xlsx")
    assert {"annual", "quarterly", "probabilities", "run", "paths"} <= set(workbook.sheetnames)
    annual = workbook["annual"]
    header = [c.value for c in annual[1]]
    assert annual.freeze_panes == "A2"
    assert annual.auto_filter.ref
    assert all(c.font.bold for c in annual[1])
    assert "unit" in header
    level = annual.cell(row=2, column=header.index("level_mean") + 1)
    pct = annual.cell(row=2, column=header.index("diff_pct_mean") + 1)
    assert level.number_format == "#,##0.00"
    assert pct.number_format == "0.0"
    start = annual.cell(row=2, column=header.index("period_start") + 1)
    assert start.is_date
    paths = workbook["paths"]
    paths_header = [c.value for c in paths[1]]
    assert {"unit", "scenario_title"} <= set(paths_header)
    assert paths.cell(row=2, column=paths_header.index("date") + 1).is_date
    run = {r[0].value: r[1].value for r in workbook["run"].iter_rows(min_row=2)}
    assert {"as_of", "seed", "draws", "models", "forecast", "numpy"} <= set(run)
